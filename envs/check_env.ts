/**
 * `checkEnv`: verifies that an env follows the API, stays in its spaces and is deterministic
 * under a seed.
 * @module
 */
import { Box, type BoxDtype } from "./spaces.ts";
import type { AnyEnv, Observation } from "./types.ts";

/** Options of {@link checkEnv}. */
export interface CheckEnvOptions {
  /** Steps to roll out per check (default 200). */
  steps?: number;
  /** Seed of the two identical rollouts (default 123). */
  seed?: number;
  /**
   * What an observation of the right type and shape whose values leave a `Box`'s bounds is:
   * `"error"` (default) throws; `"warn"` reports it in {@link CheckEnvReport} (for envs that,
   * like their upstream, overshoot their declared bounds; Gymnasium's passive checker warns).
   */
  outOfBounds?: "error" | "warn";
}

/** The worst excursion of observations out of their `Box`'s bounds. */
export interface OutOfBoundsSummary {
  /** Observations (of the first rollout) with at least one value outside the bounds. */
  count: number;
  /** Observations checked in that rollout. */
  checked: number;
  /** Where the worst value was returned, e.g. `"step 12"` or `"reset"`. */
  where: string;
  /** Its index in the observation. */
  index: number;
  /** The value. */
  value: number;
  /** The bound it crossed (`low` or `high` of that index). */
  bound: number;
}

/** What {@link checkEnv} found short of an error. */
export interface CheckEnvReport {
  /** Problems reported instead of thrown, in words. */
  warnings: string[];
  /** Out-of-bounds observations (with `outOfBounds: "warn"`), or null when there were none. */
  outOfBounds: OutOfBoundsSummary | null;
}

/**
 * Runs two rollouts with the same seed and the same sampled actions and throws a `TypeError`
 * describing the first problem: an observation outside the observation space, a non-finite
 * reward, non-boolean flags, or any difference between the two rollouts. Returns what it
 * reported instead of throwing (`outOfBounds: "warn"`).
 *
 * @example
 * ```ts
 * import { checkEnv } from "./check_env.ts";
 * import { make } from "./registry.ts";
 * const report = checkEnv(() => make("CartPole-v1"));
 * console.log(report.warnings); // []
 * ```
 */
export function checkEnv(makeEnv: () => AnyEnv, options: CheckEnvOptions = {}): CheckEnvReport {
  const steps = options.steps ?? 200;
  const seed = options.seed ?? 123;
  const outOfBounds = options.outOfBounds ?? "error";
  if (outOfBounds !== "error" && outOfBounds !== "warn") {
    throw new RangeError(`checkEnv outOfBounds must be "error" or "warn", got ${outOfBounds}`);
  }
  const bounds = new BoundsTally(outOfBounds === "warn");
  const a = rollout(makeEnv(), seed, steps, bounds);
  const b = rollout(makeEnv(), seed, steps, new BoundsTally(outOfBounds === "warn"));
  if (a.length !== b.length) {
    throw new TypeError(`Env is not deterministic: rollouts of ${a.length} and ${b.length} steps`);
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      throw new TypeError(
        `Env is not deterministic under seed ${seed}: step ${i} differs:\n` +
          `  ${a[i]}\n  ${b[i]}`,
      );
    }
  }
  const summary = bounds.summary();
  const warnings = summary === null ? [] : [
    `${summary.count} of ${summary.checked} observations left the bounds of ${bounds.space}; ` +
    `the worst: ${summary.where} returned obs[${summary.index}] = ${summary.value}, ` +
    `${summary.value > summary.bound ? "above high" : "below low"} ${summary.bound}`,
  ];
  return { warnings, outOfBounds: summary };
}

/** Counts observations outside their Box's bounds and keeps the one that overshoots most. */
class BoundsTally {
  checked = 0;
  /** The space crossed, in words. */
  space = "";
  #count = 0;
  #worst: Omit<OutOfBoundsSummary, "count" | "checked"> | null = null;
  #excess = -Infinity;

  constructor(readonly tolerate: boolean) {}

  /**
   * Whether `obs` is a bounds-only violation of `space` (right type and shape, no NaN, some
   * values outside the bounds), recording it; false for anything else.
   */
  record(space: Box<BoxDtype>, obs: Observation, where: string): boolean {
    if (typeof obs === "number") return false;
    // The same array with its values clamped: if the space takes it, only the bounds failed.
    const clamped = obs.slice();
    for (let i = 0; i < Math.min(clamped.length, space.size); i++) {
      const v: unknown = clamped[i];
      if (typeof v === "number") clamped[i] = Math.min(Math.max(v, space.low[i]), space.high[i]);
    }
    if (!space.contains(clamped)) return false;
    this.space = String(space);
    this.#count++;
    for (let i = 0; i < obs.length; i++) {
      const v = obs[i], lo = space.low[i], hi = space.high[i];
      if (v >= lo && v <= hi) continue;
      const bound = v < lo ? lo : hi;
      if (Math.abs(v - bound) > this.#excess) {
        this.#excess = Math.abs(v - bound);
        this.#worst = { where, index: i, value: v, bound };
      }
    }
    return true;
  }

  summary(): OutOfBoundsSummary | null {
    return this.#worst && { count: this.#count, checked: this.checked, ...this.#worst };
  }
}

function rollout(env: AnyEnv, seed: number, steps: number, bounds: BoundsTally): string[] {
  const trace: string[] = [];
  const assertObs = (obs: Observation, where: string) => {
    bounds.checked++;
    if (env.observationSpace.contains(obs)) return;
    const space = env.observationSpace;
    if (bounds.tolerate && space instanceof Box && bounds.record(space, obs, where)) return;
    throw new TypeError(
      `${where} returned an observation outside the observation space: ${
        describe(obs)
      } not in ${space}`,
    );
  };
  env.actionSpace.seed(seed);
  const first = env.reset({ seed });
  assertObs(first.obs, "reset");
  trace.push(describe(first.obs));
  for (let t = 0; t < steps; t++) {
    const action = env.actionSpace.sample();
    if (!env.actionSpace.contains(action)) {
      throw new TypeError(`actionSpace.sample() returned ${action}, which it does not contain`);
    }
    const r = env.step(action);
    assertObs(r.obs, `step ${t}`);
    if (typeof r.reward !== "number" || !Number.isFinite(r.reward)) {
      throw new TypeError(`step ${t} returned a non-finite reward ${r.reward}`);
    }
    if (typeof r.terminated !== "boolean" || typeof r.truncated !== "boolean") {
      throw new TypeError(`step ${t} returned non-boolean terminated/truncated`);
    }
    trace.push(`${describe(r.obs)} r=${r.reward} ${r.terminated} ${r.truncated}`);
    if (r.terminated || r.truncated) {
      const again = env.reset();
      assertObs(again.obs, `reset after step ${t}`);
      trace.push(describe(again.obs));
    }
  }
  env.close();
  return trace;
}

function describe(obs: Observation): string {
  return typeof obs === "number" ? String(obs) : `[${Array.from(obs).join(", ")}]`;
}
