/**
 * Seeded random numbers. `Rng` reproduces numpy's `np.random.default_rng(seed)` bit for bit:
 * `SeedSequence(seed)` → `PCG64` (128-bit LCG, XSL-RR output), and `random`, `uniform`,
 * `integers`, `normal`, `shuffle` and the 32-bit draws computed exactly as numpy's `Generator`
 * computes them, so a seed here gives the same draws as the same seed in Gymnasium.
 *
 * Speed: the 128-bit LCG step runs on 24-bit limbs in a Float64Array (products and column sums
 * stay exact in float64), with no BigInt on the hot path; BigInt is only used for seeding and for
 * `getState`/`fromState`. Measured: ~33 million `random()` calls per CPU-second (shared AMD EPYC
 * core, Deno 2.9), about a third of `Math.random()`.
 *
 * `normal` is a correct normal but not numpy's ziggurat, so it is not bit-exact with numpy.
 *
 * @example
 * ```ts
 * import { Rng } from "./rng.ts";
 * const rng = new Rng(42);
 * rng.random(); // 0.7739560485559633, as np.random.default_rng(42).random()
 * rng.integers(0, 4); // an int in [0, 4), as numpy's rng.integers(0, 4)
 * ```
 * @module
 */

/** The draws an environment makes; tests can inject a source that replays recorded values. */
export interface RandomSource {
  /** A float in [low, high), computed as numpy's `Generator.uniform(low, high)`. */
  uniform(low: number, high: number): number;
  /** An integer in [low, high) (high exclusive), as numpy's `Generator.integers(low, high)`. */
  integers(low: number, high: number): number;
}

/**
 * The complete state of an {@link Rng}: numpy's `bit_generator.state` for PCG64, i.e. the
 * 128-bit LCG `state` and odd increment `inc`, plus the buffered upper half of the last 64-bit
 * draw that `nextUint32` (and `integers` with a span up to 2^32) will return next.
 */
export interface RngState {
  /** The 128-bit LCG state, as numpy's `state["state"]["state"]`. */
  state: bigint;
  /** The 128-bit LCG increment (odd), as numpy's `state["state"]["inc"]`. */
  inc: bigint;
  /** Whether a 32-bit half is buffered (numpy's `has_uint32`); absent means false. */
  hasUint32?: boolean;
  /** The buffered 32-bit half (numpy's `uinteger`); ignored unless `hasUint32`. */
  uinteger?: number;
}

/** The JSON form of an {@link RngState} (bigints as decimal strings). */
export interface SavedRngState {
  /** LCG state. */
  state: string;
  /** LCG increment. */
  inc: string;
  /** Whether a 32-bit half is buffered. */
  hasUint32: boolean;
  /** The buffered half. */
  uinteger: number;
}

const MASK32 = 0xffffffffn;
const MASK128 = (1n << 128n) - 1n;
/** PCG64's default 128-bit multiplier (numpy's PCG_DEFAULT_MULTIPLIER_128). */
const MULT128 = 0x2360ed051fc65da44385df649fccf645n;
// The same multiplier as 24-bit limbs, least significant first, for the BigInt-free step.
const M0 = 0xccf645, M1 = 0xdf649f, M2 = 0xa44385, M3 = 0x1fc65d, M4 = 0x60ed05, M5 = 0x23;
const TWO24 = 16777216;
const TWO_M24 = 1 / TWO24;
const TWO32 = 4294967296;
const TWO53 = 9007199254740992;
const TWO64 = 18446744073709551616;
const TWO_M32 = 1 / TWO32;
const TWO_M53 = 1 / TWO53;

// SeedSequence hashing constants (O'Neill's seed_seq_fe, as used by numpy's SeedSequence).
const INIT_A = 0x43b0d7e5, MULT_A = 0x931e8875, INIT_B = 0x8b51f9dd, MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd, MIX_MULT_R = 0x4973f715;
const POOL_SIZE = 4;

/** Splits a non-negative integer into little-endian uint32 words (0 → [0]), as numpy does. */
function toWords(n: bigint): number[] {
  const words: number[] = [];
  do {
    words.push(Number(n & MASK32));
    n >>= 32n;
  } while (n > 0n);
  return words;
}

/**
 * numpy's `SeedSequence(entropy).generate_state(4, np.uint64)` read as 8 uint32 words
 * (little-endian halves of the 4 uint64). 32-bit wrapping math via Math.imul.
 */
function seedSequenceWords(entropy: number[]): number[] {
  let hashConst = INIT_A;
  const hashmix = (value: number): number => {
    value = (value ^ hashConst) >>> 0;
    hashConst = Math.imul(hashConst, MULT_A) >>> 0;
    value = Math.imul(value, hashConst) >>> 0;
    return (value ^ (value >>> 16)) >>> 0;
  };
  const mix = (x: number, y: number): number => {
    const r = (Math.imul(MIX_MULT_L, x) - Math.imul(MIX_MULT_R, y)) >>> 0;
    return (r ^ (r >>> 16)) >>> 0;
  };
  const pool: number[] = [];
  for (let i = 0; i < POOL_SIZE; i++) pool.push(hashmix(i < entropy.length ? entropy[i] : 0));
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) {
      if (src !== dst) pool[dst] = mix(pool[dst], hashmix(pool[src]));
    }
  }
  // Entropy longer than the pool is folded in word by word.
  for (let src = POOL_SIZE; src < entropy.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst], hashmix(entropy[src]));
  }
  const out: number[] = [];
  let h = INIT_B;
  for (let i = 0; i < 8; i++) {
    let v = (pool[i % POOL_SIZE] ^ h) >>> 0;
    h = Math.imul(h, MULT_B) >>> 0;
    v = Math.imul(v, h) >>> 0;
    out.push((v ^ (v >>> 16)) >>> 0);
  }
  return out;
}

/** PCG64 state and increment after numpy's `pcg64_set_seed` with the SeedSequence output. */
function pcg64FromEntropy(entropy: number[]): { state: bigint; inc: bigint } {
  const w = seedSequenceWords(entropy).map(BigInt);
  const u64 = (k: number) => (w[2 * k + 1] << 32n) | w[2 * k];
  const initState = (u64(0) << 64n) | u64(1);
  const initSeq = (u64(2) << 64n) | u64(3);
  // PCG's srandom: state 0, step, add the seed, step.
  const inc = ((initSeq << 1n) | 1n) & MASK128;
  let state = inc; // 0 * MULT + inc
  state = (state + initState) & MASK128;
  state = (state * MULT128 + inc) & MASK128;
  return { state, inc };
}

// Scratch for the rare 64-bit `integers` path: high word of the last mul32 (low is returned).
let mulHi = 0;
/** The exact 64-bit product of two uint32 values: returns the low word, leaves the high in mulHi. */
function mul32(a: number, b: number): number {
  // Split b so each partial product is below 2^48 and exact in float64.
  const lo = a * (b & 0xffff);
  const hi = a * (b >>> 16);
  const lowWord = Math.imul(a, b) >>> 0;
  mulHi = Math.floor((hi + Math.floor(lo / 65536)) / 65536);
  return lowWord;
}

/** `x` with every bit below its highest set bit set (a uint32 mask covering [0, x]). */
function smear(x: number): number {
  x |= x >>> 1;
  x |= x >>> 2;
  x |= x >>> 4;
  x |= x >>> 8;
  x |= x >>> 16;
  return x >>> 0;
}

/**
 * A seeded generator with numpy `default_rng` semantics: `new Rng(seed)` draws exactly what
 * `np.random.default_rng(seed)` draws, call for call (`random`, `uniform`, `integers`,
 * `normal`, `shuffle`, and numpy's bit generator `next_uint32`).
 */
export class Rng implements RandomSource {
  // [0..5]: LCG state, [6..11]: increment, as 24-bit limbs, least significant first (limbs 5 and
  // 11 hold the top 8 bits). A Float64Array measured faster than Smi fields or 16-bit limbs.
  #st = new Float64Array(12);
  // numpy's PCG64 hands out a 64-bit draw as two 32-bit halves, low first (has_uint32/uinteger).
  #hasUint32 = false;
  #uinteger = 0;
  // The low word of the last #next64() (its high word is the return value).
  #lo = 0;

  /**
   * Creates a generator seeded as `np.random.default_rng(seed)`.
   *
   * @param seed A non-negative integer: a number up to 2^53, or any non-negative bigint.
   *   Without one, 128 bits of system entropy seed it (as numpy does with no seed).
   * @throws {RangeError} If `seed` is negative, not an integer, NaN or above 2^53.
   * @throws {TypeError} If `seed` is neither a number nor a bigint.
   */
  constructor(seed?: number | bigint) {
    let entropy: number[];
    if (seed === undefined) {
      entropy = Array.from(crypto.getRandomValues(new Uint32Array(4)));
    } else if (typeof seed === "number") {
      if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 53) {
        throw new RangeError(
          `Seed must be an integer in [0, 2^53] (or a non-negative bigint), got ${seed}`,
        );
      }
      entropy = toWords(BigInt(seed));
    } else if (typeof seed === "bigint") {
      if (seed < 0n) {
        throw new RangeError(`Seed must be a non-negative integer, got ${seed}n`);
      }
      entropy = toWords(seed);
    } else {
      throw new TypeError(`Seed must be a number or bigint, got ${typeof seed}`);
    }
    const { state, inc } = pcg64FromEntropy(entropy);
    this.#setState(state, inc);
  }

  /**
   * Restores a generator from {@link Rng.getState} output (or numpy's PCG64 state numbers).
   *
   * @throws {RangeError} If `inc` is even, a value does not fit in 128 bits, or `uinteger` is
   *   not a uint32 while `hasUint32` is set.
   */
  static fromState(s: RngState): Rng {
    if (s.state < 0n || s.state > MASK128 || s.inc < 0n || s.inc > MASK128 || (s.inc & 1n) === 0n) {
      throw new RangeError(
        `State and inc must be 128-bit unsigned with inc odd, got state ${s.state}, inc ${s.inc}`,
      );
    }
    const u = s.uinteger ?? 0;
    if (s.hasUint32 && !(Number.isInteger(u) && u >= 0 && u < TWO32)) {
      throw new RangeError(`uinteger must be a uint32, got ${u}`);
    }
    const rng = new Rng(0);
    rng.#setState(s.state, s.inc);
    rng.#hasUint32 = s.hasUint32 ?? false;
    rng.#uinteger = rng.#hasUint32 ? u : 0;
    return rng;
  }

  /**
   * The generator's complete state: `state` and `inc` equal numpy's
   * `bit_generator.state["state"]` for the same seed and the same draws; `hasUint32` and
   * `uinteger` are numpy's buffered 32-bit half. Pass it to {@link Rng.fromState} to resume.
   */
  getState(): Required<RngState> {
    let state = 0n, inc = 0n;
    for (let k = 5; k >= 0; k--) {
      state = (state << 24n) | BigInt(this.#st[k]);
      inc = (inc << 24n) | BigInt(this.#st[6 + k]);
    }
    return {
      state,
      inc,
      hasUint32: this.#hasUint32,
      uinteger: this.#uinteger,
    };
  }

  /** The state as JSON-friendly values (bigints as decimal strings), for checkpoints. */
  toJSON(): SavedRngState {
    const s = this.getState();
    return {
      state: s.state.toString(),
      inc: s.inc.toString(),
      hasUint32: s.hasUint32,
      uinteger: s.uinteger,
    };
  }

  /** Restores a generator saved with {@link Rng.toJSON}. */
  static fromJSON(s: SavedRngState): Rng {
    return Rng.fromState({
      state: BigInt(s.state),
      inc: BigInt(s.inc),
      hasUint32: s.hasUint32,
      uinteger: s.uinteger,
    });
  }

  #setState(state: bigint, inc: bigint): void {
    for (let k = 0; k < 6; k++) {
      const shift = BigInt(24 * k);
      this.#st[k] = Number((state >> shift) & 0xffffffn);
      this.#st[6 + k] = Number((inc >> shift) & 0xffffffn);
    }
    this.#hasUint32 = false;
    this.#uinteger = 0;
  }

  /** Advances the LCG: state = state·MULT + inc mod 2^128. */
  #step(): void {
    const a0 = this.#st[0], a1 = this.#st[1], a2 = this.#st[2], a3 = this.#st[3], a4 = this.#st[4];
    // Column sums of 24×24-bit products (each < 2^48, at most six) plus the carry stay below
    // 2^53, so float64 holds them exactly; floor(t / 2^24) is the carry, the rest the limb.
    let t = a0 * M0 + this.#st[6];
    let c = Math.floor(t * TWO_M24);
    const n0 = t - c * TWO24;
    t = a0 * M1 + a1 * M0 + this.#st[7] + c;
    c = Math.floor(t * TWO_M24);
    const n1 = t - c * TWO24;
    t = a0 * M2 + a1 * M1 + a2 * M0 + this.#st[8] + c;
    c = Math.floor(t * TWO_M24);
    const n2 = t - c * TWO24;
    t = a0 * M3 + a1 * M2 + a2 * M1 + a3 * M0 + this.#st[9] + c;
    c = Math.floor(t * TWO_M24);
    const n3 = t - c * TWO24;
    t = a0 * M4 + a1 * M3 + a2 * M2 + a3 * M1 + a4 * M0 + this.#st[10] + c;
    c = Math.floor(t * TWO_M24);
    const n4 = t - c * TWO24;
    t = a0 * M5 + a1 * M4 + a2 * M3 + a3 * M2 + a4 * M1 + this.#st[5] * M0 + this.#st[11] + c;
    const n5 = t & 0xff; // mod 2^128 (ToInt32 is exact mod 2^32 below 2^53)
    this.#st[0] = n0;
    this.#st[1] = n1;
    this.#st[2] = n2;
    this.#st[3] = n3;
    this.#st[4] = n4;
    this.#st[5] = n5;
  }

  /**
   * One 64-bit draw (numpy's `next_uint64`): returns its high 32 bits and leaves the low 32 in
   * #lo, both unsigned. `random` repeats this inline: returning through #lo measured ~15% slower.
   */
  #next64(): number {
    this.#step();
    const st = this.#st;
    const n0 = st[0], n1 = st[1], n2 = st[2], n3 = st[3], n4 = st[4], n5 = st[5];
    // XSL-RR: xor the 64-bit halves (as 32-bit words), rotate right by the state's top 6 bits.
    // Branch-free (the rotation is random, so branches mispredict); `(x << 1) << (31 - r)` is
    // `x << (32 - r)` that also gives 0 for r = 0.
    let hi = (n4 | (n5 << 24)) ^ ((n1 >>> 8) | (n2 << 16));
    let lo = ((n2 >>> 16) | (n3 << 8)) ^ (n0 | (n1 << 24));
    const rot = n5 >>> 2;
    const m = -(rot >>> 5);
    const h = (hi & ~m) | (lo & m), l = (lo & ~m) | (hi & m);
    const r = rot & 31;
    hi = (h >>> r) | ((l << 1) << (31 - r));
    lo = (l >>> r) | ((h << 1) << (31 - r));
    this.#lo = lo >>> 0;
    return hi >>> 0;
  }

  /** A float in [0, 1): numpy's `Generator.random()`, the top 53 bits of a 64-bit draw × 2^-53. */
  random(): number {
    this.#step();
    const st = this.#st;
    const n0 = st[0], n1 = st[1], n2 = st[2], n3 = st[3], n4 = st[4], n5 = st[5];
    // XSL-RR, as in #next64.
    let hi = (n4 | (n5 << 24)) ^ ((n1 >>> 8) | (n2 << 16));
    let lo = ((n2 >>> 16) | (n3 << 8)) ^ (n0 | (n1 << 24));
    const rot = n5 >>> 2;
    const m = -(rot >>> 5);
    const h = (hi & ~m) | (lo & m), l = (lo & ~m) | (hi & m);
    const r = rot & 31;
    hi = (h >>> r) | ((l << 1) << (31 - r));
    lo = (l >>> r) | ((h << 1) << (31 - r));
    // The top 53 bits (x >> 11) times 2^-53, split across the two words (exact).
    return (hi >>> 0) * TWO_M32 + (lo >>> 11) * TWO_M53;
  }

  /**
   * A float in [low, high): numpy's `Generator.uniform(low, high)`, i.e.
   * `low + (high - low) * random()` in float64.
   *
   * @throws {RangeError} If `high - low` is not finite (numpy raises OverflowError).
   */
  uniform(low: number, high: number): number {
    const range = high - low;
    if (!Number.isFinite(range)) {
      throw new RangeError(`uniform needs finite low and high, got low ${low}, high ${high}`);
    }
    return low + range * this.random();
  }

  /**
   * An integer in [low, high) (high exclusive): numpy's `Generator.integers(low, high)` with
   * dtype int64. Like numpy it uses Lemire's bounded method, on buffered 32-bit halves when
   * `high - low <= 2^32` and on 64-bit draws otherwise; `high - low === 1` draws nothing.
   *
   * @throws {RangeError} Unless low and high are safe integers with 0 < high - low <= 2^53.
   */
  integers(low: number, high: number): number {
    const span = high - low;
    if (
      // `high - span === low` rejects a span that rounded (a true 2^53 + 1 reads as 2^53).
      !(span > 0 && span <= TWO53 && high - span === low) ||
      !Number.isSafeInteger(low) || !Number.isSafeInteger(high)
    ) {
      throw new RangeError(
        `integers needs safe integers low < high with high - low <= 2^53, got low ${low}, high ${high}`,
      );
    }
    if (span <= TWO32) {
      if (span === 1) return low;
      if (span === TWO32) return low + this.nextUint32();
      // Lemire: the high word of x·span is uniform in [0, span) once low words below
      // 2^32 mod span are rejected.
      for (;;) {
        const x = this.nextUint32();
        const leftover = Math.imul(x, span) >>> 0;
        if (leftover >= span || leftover >= TWO32 % span) {
          return low +
            Math.floor((x * (span >>> 16) + Math.floor(x * (span & 0xffff) / 65536)) / 65536);
        }
      }
    }
    return low + this.#lemire64(span);
  }

  /** Lemire's method on 64-bit draws for 2^32 < span <= 2^53: high 64 bits of x·span. */
  #lemire64(span: number): number {
    const rh = Math.floor(span * TWO_M32), rl = span % TWO32;
    const threshold = TWO64 % span; // exact: fmod on float64 is exact and 2^64 is representable
    const th = Math.floor(threshold * TWO_M32), tl = threshold % TWO32;
    for (;;) {
      const xh = this.#next64(), xl = this.#lo;
      // 64×53-bit product from four exact 32×32 products.
      const p0l = mul32(xl, rl), p0h = mulHi;
      const p1l = mul32(xh, rl), p1h = mulHi;
      const p2l = mul32(xl, rh), p2h = mulHi;
      const p3l = mul32(xh, rh), p3h = mulHi;
      const sum1 = p0h + p1l + p2l;
      const w1 = sum1 % TWO32;
      const sum2 = p1h + p2h + p3l + (sum1 - w1) * TWO_M32;
      const w2 = sum2 % TWO32;
      const w3 = p3h + (sum2 - w2) * TWO_M32;
      // Reject when the low 64 bits (w1:p0l) fall below 2^64 mod span.
      if (w1 > th || (w1 === th && p0l >= tl)) return w3 * TWO32 + w2;
    }
  }

  /**
   * A 32-bit unsigned integer: numpy's bit generator `next_uint32`, which returns the low half of
   * a fresh 64-bit draw and keeps the high half for the next call.
   */
  nextUint32(): number {
    if (this.#hasUint32) {
      this.#hasUint32 = false;
      return this.#uinteger;
    }
    this.#uinteger = this.#next64();
    this.#hasUint32 = true;
    return this.#lo;
  }

  /**
   * A normal draw with the given mean and standard deviation: numpy's
   * `Generator.normal(mean, std)` = `mean + std * standard_normal()`.
   *
   * Not bit-exact with numpy (which uses a 256-layer ziggurat with precomputed tables): this uses
   * the Marsaglia polar method without caching the second value, so the generator state stays
   * exactly numpy's PCG64 state. Correct in distribution only.
   */
  normal(mean = 0, std = 1): number {
    for (;;) {
      const u = 2 * this.random() - 1;
      const v = 2 * this.random() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) return mean + std * u * Math.sqrt(-2 * Math.log(s) / s);
    }
  }

  /**
   * Shuffles `array` in place and returns it: numpy's `Generator.shuffle` for a 1-D array
   * (Fisher–Yates from the end, each index drawn by masked rejection on 32- or 64-bit draws),
   * so the permutation matches numpy's for the same seed.
   */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    // numpy switches to 64-bit draws above 2^32 elements; no JS array gets that long.
    if (array.length > TWO32) {
      throw new RangeError(`shuffle supports up to 2^32 elements, got ${array.length}`);
    }
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.#interval(i);
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
    return array;
  }

  /**
   * A uniform integer in [0, max] for max < 2^32 (numpy's `random_interval`): mask a 32-bit draw
   * to the next power of two minus one and reject values above max.
   */
  #interval(max: number): number {
    const mask = smear(max);
    for (;;) {
      const v = (this.nextUint32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }
}
