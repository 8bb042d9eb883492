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

/** Element types a {@link Box} can hold, as numpy names them. */
export type BoxDtype = "float32" | "float64" | "uint8";

/** The typed array of each {@link BoxDtype}. */
export interface BoxArrays {
  /** Single-precision floats (the default, what the networks consume). */
  float32: Float32Array;
  /** Double-precision floats (e.g. FlappyBird's observations, as upstream declares them). */
  float64: Float64Array;
  /** Bytes in 0..255 (images). */
  uint8: Uint8Array;
}

/** Options of the {@link Box} constructor. */
export interface BoxOptions<D extends BoxDtype> {
  /** Element type; default `"float32"`. Bounds are stored (rounded) in it. */
  dtype?: D;
  /** Seed of the space's own generator (default: random). */
  seed?: number;
}

const BOX_ARRAYS = { float32: Float32Array, float64: Float64Array, uint8: Uint8Array } as const;

// numpy's `can_cast(from, to)` (safe casting) between the dtypes a Box holds.
const SAFE_CASTS: Record<BoxDtype, readonly (typeof BOX_ARRAYS)[BoxDtype][]> = {
  float32: [Float32Array, Uint8Array],
  float64: [Float64Array, Float32Array, Uint8Array],
  uint8: [Uint8Array],
};

/**
 * Gymnasium's `Box`: vectors (row-major arrays of any shape) with `low[i] ≤ x[i] ≤ high[i]`,
 * held in the typed array of its dtype (float32 by default, float64 or uint8 on request).
 * Float bounds may be infinite; uint8 bounds must be integers in 0..255.
 *
 * @example A float64 box and a uint8 image box
 * ```ts
 * import { Box } from "./spaces.ts";
 * const lidar = new Box(0, 1, [180], { dtype: "float64", seed: 0 });
 * const x: Float64Array = lidar.sample();
 * console.log(lidar.contains(x), String(lidar)); // true Box(0, 1, (180), float64)
 * const image = new Box(0, 255, [84, 84, 3], { dtype: "uint8" });
 * console.log(image.sample().length); // 21168
 * ```
 */
export class Box<D extends BoxDtype = "float32"> implements Space<BoxArrays[D]> {
  /** Element type. */
  readonly dtype: D;
  /** Lower bounds, one per element, in the dtype. */
  readonly low: BoxArrays[D];
  /** Upper bounds, one per element, in the dtype. */
  readonly high: BoxArrays[D];
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
    options: BoxOptions<D> = {},
  ) {
    const dtype = options.dtype ?? "float32";
    if (!Object.hasOwn(BOX_ARRAYS, dtype)) {
      throw new RangeError(
        `Box dtype must be one of ${Object.keys(BOX_ARRAYS).join(", ")}, got ${String(dtype)}`,
      );
    }
    const inferred = shape ??
      (typeof low !== "number" ? [low.length] : typeof high !== "number" ? [high.length] : null);
    if (inferred === null) {
      throw new TypeError("Box needs a shape when both bounds are scalars");
    }
    if (inferred.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new RangeError(`Box shape must hold positive integers, got [${inferred.join(", ")}]`);
    }
    this.dtype = dtype as D;
    this.shape = [...inferred];
    this.size = inferred.reduce((a, b) => a * b, 1);
    this.low = broadcast(low, this.size, "low", dtype) as BoxArrays[D];
    this.high = broadcast(high, this.size, "high", dtype) as BoxArrays[D];
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
   * normal on unbounded ones, as Gymnasium samples; uint8 draws `floor(uniform(low, high + 1))`.
   */
  sample(): BoxArrays[D] {
    const out = new BOX_ARRAYS[this.dtype](this.size);
    const integer = this.dtype === "uint8";
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i], hi = this.high[i];
      const bl = Number.isFinite(lo), bh = Number.isFinite(hi);
      if (integer) out[i] = Math.floor(this.#rng.uniform(lo, hi + 1));
      else if (bl && bh) out[i] = this.#rng.uniform(lo, hi);
      else if (bl) out[i] = lo - Math.log(1 - this.#rng.random());
      else if (bh) out[i] = hi + Math.log(1 - this.#rng.random());
      else out[i] = this.#rng.normal();
    }
    return out as BoxArrays[D];
  }

  /**
   * Whether `x` is a vector of the right length within the bounds (NaN is never contained).
   * As Gymnasium, a typed array must cast safely to the dtype (float32 takes `Float32Array`
   * and `Uint8Array`, float64 those and `Float64Array`, uint8 only `Uint8Array`), and a plain
   * array is read in the dtype: rounded to float32, exact in float64, integers for uint8.
   */
  contains(x: unknown): x is BoxArrays[D] {
    const typed = SAFE_CASTS[this.dtype].some((T) => x instanceof T);
    if (!(typed || Array.isArray(x)) || (x as ArrayLike<unknown>).length !== this.size) {
      return false;
    }
    const xs = x as ArrayLike<unknown>;
    for (let i = 0; i < this.size; i++) {
      const raw = xs[i];
      if (typeof raw !== "number") return false;
      if (this.dtype === "uint8" && !Number.isInteger(raw)) return false;
      const v = this.dtype === "float32" ? Math.fround(raw) : raw;
      if (!(v >= this.low[i] && v <= this.high[i])) return false;
    }
    return true;
  }

  /** `Box(low, high, shape)`, with the dtype appended unless it is float32. */
  toString(): string {
    const fmt = (a: BoxArrays[BoxDtype]) =>
      a.every((v) => v === a[0]) ? String(a[0]) : `[${Array.from(a).join(", ")}]`;
    const dtype = this.dtype === "float32" ? "" : `, ${this.dtype}`;
    return `Box(${fmt(this.low)}, ${fmt(this.high)}, (${this.shape.join(", ")})${dtype})`;
  }
}

function broadcast(
  v: number | ArrayLike<number>,
  size: number,
  name: string,
  dtype: BoxDtype,
): BoxArrays[BoxDtype] {
  if (typeof v !== "number" && v.length !== size) {
    throw new RangeError(`Box ${name} has ${v.length} values but the shape holds ${size}`);
  }
  if (dtype === "uint8") {
    const values = typeof v === "number" ? [v] : v;
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      if (!Number.isInteger(x) || x < 0 || x > 255) {
        throw new RangeError(
          `Box ${name} of a uint8 box must hold integers in 0..255, got ${name}${
            typeof v === "number" ? "" : `[${i}]`
          }=${x}`,
        );
      }
    }
  }
  return typeof v === "number" ? new BOX_ARRAYS[dtype](size).fill(v) : BOX_ARRAYS[dtype].from(v);
}

/**
 * Whether `space` is a {@link Box} of `dtype`, narrowing its type (e.g. to `Box<"uint8">` for
 * wrappers that take images).
 */
export function isBox<D extends BoxDtype>(space: unknown, dtype: D): space is Box<D> {
  return space instanceof Box && space.dtype === dtype;
}
