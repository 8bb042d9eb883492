/**
 * Seeded random numbers. `Rng` is meant to reproduce numpy's `default_rng(seed)` bit for bit
 * (SeedSequence → PCG64; `random`, `uniform`, `integers` as numpy computes them), so a seed here
 * gives the same draws as the same seed in Gymnasium.
 *
 * PLACEHOLDER: the numpy-exact implementation replaces the body of this file; the API is fixed.
 * @module
 */

/** The draws an environment makes; tests can inject a source that replays recorded values. */
export interface RandomSource {
  /** A float in [low, high), computed as numpy's `Generator.uniform(low, high)`. */
  uniform(low: number, high: number): number;
  /** An integer in [low, high) (high exclusive), as numpy's `Generator.integers(low, high)`. */
  integers(low: number, high: number): number;
}

/** A seeded generator with numpy `default_rng` semantics. */
export class Rng implements RandomSource {
  #s: number;
  /** Creates a generator; with no seed, one is taken from the system's entropy. */
  constructor(seed?: number) {
    this.#s = seed ?? crypto.getRandomValues(new Uint32Array(1))[0];
  }
  /** A float in [0, 1). */
  random(): number {
    this.#s = (this.#s + 0x6d2b79f5) | 0;
    let t = Math.imul(this.#s ^ (this.#s >>> 15), 1 | this.#s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** A float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }
  /** An integer in [low, high). */
  integers(low: number, high: number): number {
    return low + Math.floor(this.random() * (high - low));
  }
  /** A standard normal draw times `std` plus `mean`. */
  normal(mean = 0, std = 1): number {
    const u = 1 - this.random();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }
  /** A 32-bit unsigned integer, for seeding other generators (e.g. GPU counter-based RNG). */
  nextUint32(): number {
    return Math.floor(this.random() * 4294967296) >>> 0;
  }
  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.integers(0, i + 1);
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
    return array;
  }
}
