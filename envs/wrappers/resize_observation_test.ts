import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { Discrete } from "../spaces.ts";
import type { Env, StepResult } from "../types.ts";
import { Uint8Box } from "./render_observation.ts";
import { resizeArea, ResizeObservation } from "./resize_observation.ts";

const gray = (height: number, width: number) => ({ height, width, channels: 1 });

Deno.test("resizeArea: 4×4 → 2×2 averages 2×2 blocks, rounding half up as OpenCV's 2×2 path", () => {
  // Blocks: 0+1+4+5 = 10 → 2.5, 2+3+6+7 = 18 → 4.5, 8+9+12+13 = 42 → 10.5, 50 → 12.5;
  // OpenCV computes (sum + 2) >> 2, so every .5 goes up.
  const src = Uint8Array.from({ length: 16 }, (_, i) => i);
  assert.deepEqual([...resizeArea(src, gray(4, 4), 2, 2)], [3, 5, 11, 13]);
});

Deno.test("resizeArea: other integer factors round the float mean to nearest, ties to even", () => {
  // The same blocks with 2 channels take OpenCV's generic path: 2.5 → 2, 4.5 → 4, 10.5 → 10,
  // 12.5 → 12 (channel 0); channel 1 is all zeros.
  const two = new Uint8Array(32);
  for (let i = 0; i < 16; i++) two[2 * i] = i;
  assert.deepEqual(
    [...resizeArea(two, { height: 4, width: 4, channels: 2 }, 2, 2)],
    [2, 0, 4, 0, 10, 0, 12, 0],
  );
  // 4×4 → 1×1: (100 + 4) / 16 = 6.5 → 6 (even).
  const one = new Uint8Array(16);
  one[0] = 100;
  one[1] = 4;
  assert.deepEqual([...resizeArea(one, gray(4, 4), 1, 1)], [6]);
  // 3×3 → 1×1: 2295 × float32(1/9) = 255.0000019 → 255, not saturated past it.
  assert.deepEqual([...resizeArea(new Uint8Array(9).fill(255), gray(3, 3), 1, 1)], [255]);
});

Deno.test("resizeArea: 3×3 → 2×2 weighs source pixels by their overlap area", () => {
  // Scale 1.5: output 0 covers source [0, 1.5) → weights 2/3 (pixel 0) and 1/3 (pixel 1);
  // output 1 covers [1.5, 3) → 1/3 (pixel 1) and 2/3 (pixel 2); the same along y. So
  // out(0,0) = 4/9·9 + 2/9·18 + 2/9·36 + 1/9·45 = 4 + 4 + 8 + 5 = 21,
  // out(0,1) = 2/9·18 + 4/9·27 + 1/9·45 + 2/9·54 = 4 + 12 + 5 + 12 = 33,
  // out(1,0) = 2/9·36 + 1/9·45 + 4/9·63 + 2/9·72 = 8 + 5 + 28 + 16 = 57,
  // out(1,1) = 1/9·45 + 2/9·54 + 2/9·72 + 4/9·81 = 5 + 12 + 16 + 36 = 69.
  const src = Uint8Array.from([9, 18, 27, 36, 45, 54, 63, 72, 81]);
  assert.deepEqual([...resizeArea(src, gray(3, 3), 2, 2)], [21, 33, 57, 69]);
});

Deno.test("resizeArea: 1×5 → 1×2 splits the middle pixel between both outputs", () => {
  // Scale 2.5: [0, 2.5) → 0.4·10 + 0.4·20 + 0.2·30 = 18; [2.5, 5) → 0.2·30 + 0.4·40 + 0.4·50 = 42.
  const src = Uint8Array.from([10, 20, 30, 40, 50]);
  assert.deepEqual([...resizeArea(src, gray(1, 5), 1, 2)], [18, 42]);
});

Deno.test("resizeArea: keeps channels apart and copies at the same size", () => {
  // 2×2 RGB → 1×1: each channel is the mean of its own four values.
  const rgb = Uint8Array.from([10, 0, 200, 20, 0, 200, 30, 4, 200, 40, 4, 201]);
  assert.deepEqual([...resizeArea(rgb, { height: 2, width: 2, channels: 3 }, 1, 1)], [25, 2, 200]);
  const same = resizeArea(rgb, { height: 2, width: 2, channels: 3 }, 2, 2);
  assert.deepEqual(same, rgb);
  assert.notEqual(same, rgb);
});

/** FNV-1a, to pin large outputs in a few characters. */
function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

Deno.test("resizeArea matches OpenCV 4.6 cv2.resize(INTER_AREA) bit for bit on random images", () => {
  // Each row: [H, W, C, h, w, FNV-1a of cv2's output]. The images are floor(256 · random())
  // from numpy's default_rng(2024) in this order, which core/rng.ts reproduces; the digests
  // were computed once with Debian's python3-opencv 4.6.0.
  const cases = [
    [400, 600, 3, 84, 84, 0x1d5cdd1d], // LunarLander frame size, non-integer
    [210, 160, 3, 84, 84, 0xd0332e61], // Atari frame size
    [96, 96, 1, 84, 84, 0x8fb92e82], // CarRacing, scale 8/7
    [9, 7, 2, 4, 3, 0x17fb36fc],
    [50, 50, 4, 25, 25, 0x98bdf5f3], // 2×2 fast path, 4 channels
    [30, 45, 3, 10, 15, 0xd95ea6a5], // 3×3 integer path
    [64, 64, 1, 16, 16, 0xab53459d], // 4×4 integer path
    [33, 20, 1, 7, 13, 0x9d4564cd],
  ];
  const rng = new Rng(2024);
  for (const [height, width, channels, h, w, digest] of cases) {
    const src = Uint8Array.from(
      { length: height * width * channels },
      () => Math.floor(rng.random() * 256),
    );
    const out = resizeArea(src, { height, width, channels }, h, w);
    assert.equal(out.length, h * w * channels);
    assert.equal(
      fnv1a(out).toString(16),
      digest.toString(16),
      `${height}×${width}×${channels} → ${h}×${w}`,
    );
  }
});

Deno.test("resizeArea rejects upscaling, bad sizes and mismatched buffers", () => {
  assert.throws(
    () => resizeArea(new Uint8Array(4), gray(2, 2), 3, 2),
    /only shrinks.*2 × 2 to 3 × 2/,
  );
  assert.throws(
    () => resizeArea(new Uint8Array(4), gray(2, 2), 0, 1),
    /positive integers.*\[0, 1\]/,
  );
  assert.throws(() => resizeArea(new Uint8Array(5), gray(2, 2), 1, 1), /needs 4 bytes, got 5/);
  assert.throws(
    () => resizeArea(new Uint8Array(4), { height: 2, width: 2, channels: 0 }, 1, 1),
    /channels must be a positive integer, got 0/,
  );
});

/** An image env whose frame after `t` steps is filled with `t`. */
class FillEnv implements Env<Uint8Array, number> {
  readonly observationSpace: Uint8Box;
  readonly actionSpace = new Discrete(2);
  #t = 0;
  constructor(readonly shape: number[]) {
    this.observationSpace = new Uint8Box(shape);
  }
  reset() {
    this.#t = 0;
    return { obs: this.#obs(), info: {} };
  }
  step(): StepResult<Uint8Array> {
    this.#t++;
    return { obs: this.#obs(), reward: 1, terminated: false, truncated: false, info: {} };
  }
  close() {}
  #obs() {
    return new Uint8Array(this.observationSpace.size).fill(this.#t);
  }
}

Deno.test("ResizeObservation: default 84×84, gray and colour spaces, values pass through", () => {
  const color = new ResizeObservation(new FillEnv([168, 100, 3]));
  assert.deepEqual(color.observationSpace.shape, [84, 84, 3]);
  assert.deepEqual(color.shape, [84, 84]);
  const g = new ResizeObservation(new FillEnv([20, 30]), { shape: [10, 15] });
  assert.deepEqual(g.observationSpace.shape, [10, 15]);
  const first = g.reset().obs;
  assert.ok(g.observationSpace.contains(first));
  assert.ok(first.every((v) => v === 0));
  const r = g.step(0);
  assert.ok(r.obs.every((v) => v === 1));
  assert.equal(r.reward, 1);
  // A channel axis of 1 is kept, as the space says.
  const kept = new ResizeObservation(new FillEnv([8, 8, 1]), { shape: [4, 4] });
  assert.deepEqual(kept.observationSpace.shape, [4, 4, 1]);
  assert.equal(kept.reset().obs.length, 16);
});

Deno.test("ResizeObservation rejects non-image spaces and upscaling", () => {
  assert.throws(() => new ResizeObservation(new FillEnv([10])), TypeError);
  assert.throws(
    () => new ResizeObservation(new FillEnv([64, 64, 3])),
    /only shrinks: cannot resize 64 × 64 to 84 × 84/,
  );
});
