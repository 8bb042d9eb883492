/**
 * `DiscretizeObservation`: a continuous `Box` observation becomes one `Discrete` state index,
 * as Gymnasium 1.x's `DiscretizeObservation`, so tabular methods (Q-learning) can run on
 * CartPole-like envs. Unbounded dimensions need explicit bounds, given by the caller or by
 * {@link DISCRETIZE_DEFAULT_BOUNDS} for registered envs.
 * @module
 */
import { Box, Discrete, type Space } from "../spaces.ts";
import type { Env, EnvSpec, ResetOptions, ResetResult, RgbaFrame, StepResult } from "../types.ts";

/** Bounds of each observation dimension; `null` keeps the space's (or the default) bound. */
export interface DiscretizeBounds {
  /** Lower bound of each dimension. */
  low: readonly (number | null)[];
  /** Upper bound of each dimension. */
  high: readonly (number | null)[];
}

/**
 * Bounds for the unbounded dimensions of registered envs, used when the caller gives none.
 *
 * CartPole-v1 (`[x, ẋ, θ, θ̇]`, with ẋ and θ̇ unbounded in the space): cart velocity ±3 m/s and
 * pole angular velocity ±3.5 rad/s. Episodes end at |x| > 2.4 or |θ| > 0.2095, which caps how
 * fast either can get: over 300 seeded episodes each of a uniform random policy, an
 * always-push-right policy and two balancing controllers, the largest magnitudes seen were
 * |ẋ| = 2.20 and |θ̇| = 3.32 (both under always-push, at the failing step). These bounds cover
 * every observed value with some margin; values beyond them go to the outer bins. x and θ keep
 * the space's bounds (±4.8, ±0.419); pass `low`/`high` to narrow them.
 */
export const DISCRETIZE_DEFAULT_BOUNDS: Readonly<Record<string, DiscretizeBounds>> = {
  "CartPole-v1": { low: [null, -3, null, -3.5], high: [null, 3, null, 3.5] },
};

/** Options of {@link DiscretizeObservation}. */
export interface DiscretizeObservationOptions {
  /** Bins per dimension: one count for all, or one per dimension; each a positive integer. */
  bins: number | readonly number[];
  /** Lower bounds per dimension (`null`: the space's bound, else the env's default). */
  low?: readonly (number | null)[];
  /** Upper bounds per dimension (`null`: the space's bound, else the env's default). */
  high?: readonly (number | null)[];
}

/**
 * Maps a `Box` observation of `d` dimensions to `Discrete(bins[0] · … · bins[d−1])`.
 *
 * Dimension `i` is cut into `bins[i]` equal-width bins between `low[i]` and `high[i]`, with
 * interior edges `low + k (high − low) / bins` for `k = 1 … bins − 1`. A value's bin is the
 * number of interior edges at or below it (`np.digitize`, as Gymnasium): a value exactly on an
 * edge goes to the upper bin, values at or below `low` to bin 0, values at or above `high` to
 * the last bin. The state index is row-major over dimensions, the first most significant:
 * `((b0 · bins[1] + b1) · bins[2] + b2) …`, as in the tabular CartPole tutorials.
 *
 * Bounds per dimension come from `options.low`/`options.high`, else the space's finite bound,
 * else {@link DISCRETIZE_DEFAULT_BOUNDS} for the env's registry id; an unbounded dimension with
 * none of these is a `RangeError`.
 *
 * @example
 * ```ts
 * import { make } from "../registry.ts";
 * import { DiscretizeObservation } from "./discretize_observation.ts";
 * const env = new DiscretizeObservation(make("CartPole-v1"), { bins: [1, 6, 12, 12] });
 * const { obs } = env.reset({ seed: 0 });
 * console.log(env.observationSpace.n, obs); // 864 and a state index below it
 * ```
 */
export class DiscretizeObservation<A, I extends object> implements Env<number, A, I> {
  /** The wrapped env. */
  readonly env: Env<Float32Array, A, I>;
  /** `Discrete(prod(bins))`. */
  readonly observationSpace: Discrete;
  /** Bins per dimension. */
  readonly bins: readonly number[];
  /** Lower bound used for each dimension. */
  readonly low: readonly number[];
  /** Upper bound used for each dimension. */
  readonly high: readonly number[];
  /** Interior bin edges of each dimension (`bins[i] − 1` ascending values). */
  readonly edges: readonly Float64Array[];
  /** Registry spec. */
  spec?: EnvSpec;
  /** Renders the wrapped env; present only when the wrapped env can render. */
  render?: () => RgbaFrame;

  /** Wraps `env`, whose observation space must be a `Box`. */
  constructor(env: Env<Float32Array, A, I>, options: DiscretizeObservationOptions) {
    const space: Space<Float32Array> = env.observationSpace;
    if (!(space instanceof Box)) {
      throw new TypeError(`DiscretizeObservation needs a Box observation space, got ${space}`);
    }
    const d = space.size;
    this.bins = resolveBins(options.bins, d);
    const defaults = env.spec ? DISCRETIZE_DEFAULT_BOUNDS[env.spec.id] : undefined;
    const low: number[] = [], high: number[] = [], missing: string[] = [];
    for (let i = 0; i < d; i++) {
      const lo = pick(options.low, space.low[i], defaults?.low, i, "low", d);
      const hi = pick(options.high, space.high[i], defaults?.high, i, "high", d);
      if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
        missing.push(`${i} (space bounds ${space.low[i]}, ${space.high[i]})`);
      } else if (!(lo < hi)) {
        throw new RangeError(
          `DiscretizeObservation bounds of dimension ${i} must satisfy low < high, got low ${lo}, high ${hi}`,
        );
      }
      low.push(lo);
      high.push(hi);
    }
    if (missing.length > 0) {
      const id = env.spec?.id ?? "this env";
      throw new RangeError(
        `DiscretizeObservation needs finite bounds, but ${id} has unbounded dimension(s) ${
          missing.join(", ")
        }; pass options.low and options.high (use null to keep a dimension's bound)`,
      );
    }
    const n = this.bins.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(n)) {
      throw new RangeError(`DiscretizeObservation has too many states: ${this.bins.join(" × ")}`);
    }
    this.low = low;
    this.high = high;
    this.edges = this.bins.map((b, i) => {
      const e = new Float64Array(b - 1);
      for (let k = 1; k < b; k++) e[k - 1] = low[i] + (k * (high[i] - low[i])) / b;
      return e;
    });
    this.observationSpace = new Discrete(n);
    this.env = env;
    this.spec = env.spec;
    if (env.render) this.render = env.render.bind(env);
  }

  /** The wrapped env's action space. */
  get actionSpace(): Space<A> {
    return this.env.actionSpace;
  }

  /** The bin of each dimension of `obs` (for debugging and inspecting tables). */
  binsOf(obs: ArrayLike<number>): number[] {
    if (obs.length !== this.bins.length) {
      throw new RangeError(
        `Observation has ${obs.length} values, expected ${this.bins.length}`,
      );
    }
    const out: number[] = [];
    for (let i = 0; i < this.bins.length; i++) {
      const v = obs[i];
      if (Number.isNaN(v)) throw new RangeError(`Observation value ${i} is NaN`);
      const e = this.edges[i];
      let k = 0;
      while (k < e.length && e[k] <= v) k++;
      out.push(k);
    }
    return out;
  }

  /** The state index of `obs`: its per-dimension bins, row-major. */
  stateOf(obs: ArrayLike<number>): number {
    const b = this.binsOf(obs);
    let s = 0;
    for (let i = 0; i < b.length; i++) s = s * this.bins[i] + b[i];
    return s;
  }

  /** Resets the wrapped env and discretizes its first observation. */
  reset(options?: ResetOptions): ResetResult<number, I> {
    const r = this.env.reset(options);
    return { obs: this.stateOf(r.obs), info: r.info };
  }

  /** Steps the wrapped env and discretizes its observation. */
  step(action: A): StepResult<number, I> {
    const r = this.env.step(action);
    return { ...r, obs: this.stateOf(r.obs) };
  }

  /** Closes the wrapped env. */
  close(): void {
    this.env.close();
  }
}

function resolveBins(bins: number | readonly number[], d: number): number[] {
  const list = typeof bins === "number" ? new Array<number>(d).fill(bins) : [...bins];
  if (list.length !== d) {
    throw new RangeError(`bins has ${list.length} entries but the observation has ${d} dimensions`);
  }
  for (const b of list) {
    if (!Number.isInteger(b) || b <= 0) {
      throw new RangeError(`bins must be positive integers, got [${list.join(", ")}]`);
    }
  }
  return list;
}

/** The bound of dimension `i`: the caller's, else the space's if finite, else the default. */
function pick(
  given: readonly (number | null)[] | undefined,
  fromSpace: number,
  fallback: readonly (number | null)[] | undefined,
  i: number,
  name: string,
  d: number,
): number {
  if (given !== undefined && given.length !== d) {
    throw new RangeError(`${name} has ${given.length} entries but the observation has ${d}`);
  }
  const v = given?.[i];
  if (v !== undefined && v !== null) {
    if (!Number.isFinite(v)) throw new RangeError(`${name}[${i}] must be finite, got ${v}`);
    return v;
  }
  if (Number.isFinite(fromSpace)) return fromSpace;
  return fallback?.[i] ?? fromSpace;
}
