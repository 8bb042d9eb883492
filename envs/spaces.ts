/**
 * Spaces: the sets observations and actions belong to, with seeded `sample()` and `contains()`.
 * @module
 */
import { Rng } from "../core/rng.ts";

/** A set of values with seeded sampling and a membership test. */
export interface Space<T> {
  /** Shape of one element (`[]` for a scalar). */
  readonly shape: readonly number[];
  /** Reseeds the space's own generator (numpy `default_rng(seed)`). */
  seed(seed?: number): void;
  /** A random element. */
  sample(): T;
  /** Whether `x` is an element of the space. */
  contains(x: unknown): x is T;
}

/** The integers `start, start + 1, …, start + n − 1`. */
export class Discrete implements Space<number> {
  /** Number of elements. */
  readonly n: number;
  /** Smallest element. */
  readonly start: number;
  /** Always `[]`. */
  readonly shape: readonly number[] = [];
  #rng: Rng;

  /** Creates `Discrete(n)`; `n` must be a positive integer. */
  constructor(n: number, options: { start?: number; seed?: number } = {}) {
    if (!Number.isInteger(n) || n <= 0) {
      throw new RangeError(`Discrete space size must be a positive integer, got ${n}`);
    }
    const start = options.start ?? 0;
    if (!Number.isInteger(start)) {
      throw new RangeError(`Discrete space start must be an integer, got ${start}`);
    }
    this.n = n;
    this.start = start;
    this.#rng = new Rng(options.seed);
  }

  /** Reseeds the space's generator. */
  seed(seed?: number): void {
    this.#rng = new Rng(seed);
  }

  /** A uniformly drawn element. */
  sample(): number {
    return this.start + this.#rng.integers(0, this.n);
  }

  /** Whether `x` is an integer in range. */
  contains(x: unknown): x is number {
    return typeof x === "number" && Number.isInteger(x) && x >= this.start &&
      x < this.start + this.n;
  }

  /** `Discrete(n)`. */
  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }
}

/** A box of float32 vectors, `low[i] ≤ x[i] ≤ high[i]`; bounds may be infinite. */
export class Box implements Space<Float32Array> {
  /** Lower bounds, one per element. */
  readonly low: Float32Array;
  /** Upper bounds, one per element. */
  readonly high: Float32Array;
  /** Element shape. */
  readonly shape: readonly number[];
  /** Number of scalars in one element. */
  readonly size: number;
  #rng: Rng;

  /**
   * Creates `Box(low, high, shape)`. Scalar bounds are broadcast to `shape`; array bounds give
   * the shape when `shape` is omitted.
   */
  constructor(
    low: number | ArrayLike<number>,
    high: number | ArrayLike<number>,
    shape?: readonly number[],
    options: { seed?: number } = {},
  ) {
    const inferred = shape ??
      (typeof low !== "number" ? [low.length] : typeof high !== "number" ? [high.length] : null);
    if (inferred === null) {
      throw new TypeError("Box needs a shape when both bounds are scalars");
    }
    if (inferred.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new RangeError(`Box shape must hold positive integers, got [${inferred.join(", ")}]`);
    }
    this.shape = [...inferred];
    this.size = inferred.reduce((a, b) => a * b, 1);
    this.low = broadcast(low, this.size, "low");
    this.high = broadcast(high, this.size, "high");
    for (let i = 0; i < this.size; i++) {
      if (!(this.low[i] <= this.high[i])) {
        throw new RangeError(
          `Box bounds must satisfy low <= high, got low[${i}]=${this.low[i]} high[${i}]=${
            this.high[i]
          }`,
        );
      }
    }
    this.#rng = new Rng(options.seed);
  }

  /** Reseeds the space's generator. */
  seed(seed?: number): void {
    this.#rng = new Rng(seed);
  }

  /**
   * A random element: uniform on bounded dimensions, exponential on half-bounded ones and
   * normal on unbounded ones, as Gymnasium samples.
   */
  sample(): Float32Array {
    const out = new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i], hi = this.high[i];
      const bl = Number.isFinite(lo), bh = Number.isFinite(hi);
      if (bl && bh) out[i] = this.#rng.uniform(lo, hi);
      else if (bl) out[i] = lo - Math.log(1 - this.#rng.random());
      else if (bh) out[i] = hi + Math.log(1 - this.#rng.random());
      else out[i] = this.#rng.normal();
    }
    return out;
  }

  /** Whether `x` is a vector of the right length within the bounds (NaN is never contained). */
  contains(x: unknown): x is Float32Array {
    if (!(x instanceof Float32Array || Array.isArray(x)) || x.length !== this.size) return false;
    for (let i = 0; i < this.size; i++) {
      const v = Math.fround(x[i] as number);
      if (!(v >= this.low[i] && v <= this.high[i])) return false;
    }
    return true;
  }

  /** `Box(low, high, shape)`. */
  toString(): string {
    const fmt = (a: Float32Array) =>
      a.every((v) => v === a[0]) ? String(a[0]) : `[${Array.from(a).join(", ")}]`;
    return `Box(${fmt(this.low)}, ${fmt(this.high)}, (${this.shape.join(", ")}))`;
  }
}

function broadcast(v: number | ArrayLike<number>, size: number, name: string): Float32Array {
  if (typeof v === "number") return new Float32Array(size).fill(v);
  if (v.length !== size) {
    throw new RangeError(`Box ${name} has ${v.length} values but the shape holds ${size}`);
  }
  return Float32Array.from(v);
}
