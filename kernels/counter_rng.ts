/**
 * Counter-based random numbers shared by the `cpu` and `webgpu` backends. Both must draw the
 * same replay indices and minibatch permutations, so every draw is a pure function of
 * `(seed, stream, counter)` — no generator state to carry between kernels — and all arithmetic
 * is wrapping u32, which WGSL's `u32` reproduces exactly.
 *
 * Where the draws are used:
 *
 * - **DQN replay sampling.** Gradient step `k` (the Adam step count before the step, over the
 *   learner's lifetime, persisted as `LearnerState.adamStep`) samples, for `j` in
 *   `[0, batchSize)`, the ring slot {@linkcode replayIndex}`(seed, k, j, size)` =
 *   `randU32(seed, k, j) % size`, where `size` is the number of transitions in the ring when
 *   that step runs.
 * - **PPO / A2C minibatches.** The global epoch index of an epoch is
 *   `e = floor(adamStep / numMinibatches)` with `adamStep` read at the start of that epoch
 *   (every epoch takes exactly `numMinibatches` Adam steps, so consecutive epochs get
 *   consecutive `e`, across updates and across checkpoints). Minibatch `m` of the epoch takes
 *   the rollout samples {@linkcode permuteIndex}`(pos, n, seed, e)` for positions
 *   `pos` in `[m·mb, (m+1)·mb)`.
 *
 * Seeds are taken modulo 2^32 (`seed >>> 0`).
 * @module
 */

/**
 * The PCG-RXS-M-XS 32-bit hash (Jarzynski & Olano, "Hash Functions for GPU Rendering", 2020):
 * `state = x·747796405 + 2891336453; word = ((state >> ((state >> 28) + 4)) ^ state)·277803737;
 * return (word >> 22) ^ word`, all wrapping u32.
 */
export function pcgHash(x: number): number {
  const state = (Math.imul(x, 747796405) + 2891336453) >>> 0;
  const word = Math.imul((state >>> ((state >>> 28) + 4)) ^ state, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}

/**
 * The `counter`-th u32 of stream `stream` of generator `seed`:
 * `pcgHash(pcgHash(pcgHash(seed ^ 0x9e3779b9) + stream) + counter)`, additions wrapping.
 */
export function randU32(seed: number, stream: number, counter: number): number {
  const s = pcgHash((seed ^ 0x9e3779b9) >>> 0);
  return pcgHash((pcgHash((s + stream) >>> 0) + counter) >>> 0);
}

/** The ring slot that sample `j` of DQN gradient step `step` reads: `randU32(seed, step, j) % size`. */
export function replayIndex(seed: number, step: number, j: number, size: number): number {
  return randU32(seed, step >>> 0, j) % size;
}

/** Stream of the Feistel round keys of epoch `epoch`: `0x80000000 + epoch`, wrapping. */
export function epochStream(epoch: number): number {
  return (0x80000000 + epoch) >>> 0;
}

/**
 * Half the bit width of the Feistel domain for `n` items: `max(1, ceil(ceil(log2 n) / 2))`,
 * with `ceil(log2 n)` computed exactly as `32 − clz32(n − 1)` (0 for `n = 1`).
 */
export function feistelHalfBits(n: number): number {
  const bits = n <= 1 ? 0 : 32 - Math.clz32(n - 1);
  return Math.max(1, Math.ceil(bits / 2));
}

/**
 * Position `i` of the pseudo-random permutation `P_epoch` of `[0, n)`: a 4-round Feistel
 * network on `[0, 4^half)` with round keys `randU32(seed, 0x80000000 + epoch, (r << 24) ^ R)`
 * (masked to `half` bits), cycle-walked until the result is below `n`. A Feistel network is a
 * bijection of its domain, and cycle-walking restricts a bijection to `[0, n)`, so this is a
 * permutation for any `n ≥ 1`; the walk takes under 4 rounds on average since `4^half < 4n`.
 */
export function permuteIndex(i: number, n: number, seed: number, epoch: number): number {
  if (!(Number.isInteger(n) && n >= 1 && n <= 0x40000000)) {
    throw new RangeError(`Permutation size must be an integer in [1, 2^30], got ${n}`);
  }
  if (!(Number.isInteger(i) && i >= 0 && i < n)) {
    throw new RangeError(`Permutation index must be an integer in [0, ${n}), got ${i}`);
  }
  const half = feistelHalfBits(n);
  const mask = (1 << half) - 1;
  const stream = epochStream(epoch);
  let x = i;
  do {
    let l = x >>> half;
    let r = x & mask;
    for (let round = 0; round < 4; round++) {
      const f = randU32(seed, stream, ((round << 24) ^ r) >>> 0) & mask;
      const t = r;
      r = l ^ f;
      l = t;
    }
    x = ((l << half) | r) >>> 0;
  } while (x >= n);
  return x;
}

/** Writes the whole permutation `P_epoch` of `[0, n)` into `out[0..n)` (`out.length ≥ n`). */
export function fillPermutation(
  out: Int32Array | Uint32Array,
  n: number,
  seed: number,
  epoch: number,
): void {
  for (let i = 0; i < n; i++) out[i] = permuteIndex(i, n, seed, epoch);
}
