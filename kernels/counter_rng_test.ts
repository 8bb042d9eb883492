import assert from "node:assert/strict";
import {
  feistelHalfBits,
  fillPermutation,
  pcgHash,
  permuteIndex,
  randU32,
  replayIndex,
} from "./counter_rng.ts";

/** Independent BigInt reference of the PCG hash (no Math.imul, no >>> tricks). */
function pcgHashBig(x: bigint): bigint {
  const m = 1n << 32n;
  const state = (x * 747796405n + 2891336453n) % m;
  const word = (((state >> ((state >> 28n) + 4n)) ^ state) * 277803737n) % m;
  return ((word >> 22n) ^ word) % m;
}

Deno.test("pcgHash(0) matches the value worked out by hand", () => {
  // state = 0·747796405 + 2891336453 = 2891336453
  // state >>> 28 = 10, so shift by 14: state >>> 14 = 176473
  // 2891336453 ^ 176473 = 2891250268
  // 2891250268 · 277803737 mod 2^32 = 129708028
  // 129708028 >>> 22 = 30; 129708028 ^ 30 = 129708002 (low bits 11100 ^ 11110 = 00010)
  assert.equal(pcgHash(0), 129708002);
});

Deno.test("pcgHash matches a BigInt reference on edge and random inputs", () => {
  const inputs = [0, 1, 2, 12345, 0x7fffffff, 0x80000000, 0xffffffff, 0x9e3779b9];
  for (let i = 0; i < 200; i++) inputs.push((i * 2654435761) >>> 0);
  for (const x of inputs) assert.equal(BigInt(pcgHash(x)), pcgHashBig(BigInt(x)), `x = ${x}`);
});

Deno.test("randU32 chains three hashes with wrapping additions", () => {
  const m = 1n << 32n;
  for (const [seed, stream, counter] of [[0, 0, 0], [42, 7, 3], [0xffffffff, 0x80000005, 99]]) {
    const a = pcgHashBig(BigInt((seed ^ 0x9e3779b9) >>> 0));
    const b = pcgHashBig((a + BigInt(stream)) % m);
    const c = pcgHashBig((b + BigInt(counter)) % m);
    assert.equal(BigInt(randU32(seed, stream, counter)), c);
  }
  assert.equal(randU32(42, 7, 3), 859870101);
});

Deno.test("replayIndex is randU32 modulo the ring size and roughly uniform", () => {
  assert.equal(replayIndex(5, 3, 2, 1000), randU32(5, 3, 2) % 1000);
  const counts = new Array(10).fill(0);
  for (let k = 0; k < 100; k++) for (let j = 0; j < 100; j++) counts[replayIndex(1, k, j, 10)]++;
  for (const c of counts) assert.ok(c > 850 && c < 1150, `count ${c}`);
});

Deno.test("feistelHalfBits follows max(1, ceil(ceil(log2 n) / 2))", () => {
  const cases: [number, number][] = [
    [1, 1],
    [2, 1],
    [3, 1],
    [4, 1],
    [5, 2],
    [7, 2],
    [16, 2],
    [
      17,
      3,
    ],
    [64, 3],
    [65, 4],
    [1000, 5],
    [1024, 5],
    [1025, 6],
  ];
  for (const [n, half] of cases) assert.equal(feistelHalfBits(n), half, `n = ${n}`);
});

Deno.test("permuteIndex is a permutation for several sizes and epochs", () => {
  for (const n of [1, 2, 3, 7, 64, 65, 1000, 2048]) {
    for (const epoch of [0, 1, 12345]) {
      const seen = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const p = permuteIndex(i, n, 7, epoch);
        assert.ok(Number.isInteger(p) && p >= 0 && p < n, `P(${i}) = ${p} out of range, n = ${n}`);
        assert.equal(seen[p], 0, `P repeats ${p}, n = ${n}`);
        seen[p] = 1;
      }
    }
  }
});

Deno.test("permutations differ between epochs and seeds and are not the identity", () => {
  const perm = (seed: number, epoch: number) => {
    const out = new Int32Array(64);
    fillPermutation(out, 64, seed, epoch);
    return Array.from(out);
  };
  const a = perm(1, 0);
  assert.notDeepEqual(a, perm(1, 1));
  assert.notDeepEqual(a, perm(2, 0));
  assert.notDeepEqual(a, Array.from({ length: 64 }, (_, i) => i));
  assert.deepEqual(a, perm(1, 0));
});

Deno.test("permuteIndex pins a few values for cross-backend checks", () => {
  const p = Array.from({ length: 10 }, (_, i) => permuteIndex(i, 10, 1, 0));
  assert.deepEqual(p, [9, 2, 4, 5, 1, 0, 8, 7, 6, 3]);
});

Deno.test("permuteIndex rejects bad sizes and indices", () => {
  assert.throws(() => permuteIndex(0, 0, 1, 0), RangeError);
  assert.throws(() => permuteIndex(3, 3, 1, 0), RangeError);
  assert.throws(() => permuteIndex(-1, 3, 1, 0), RangeError);
});
