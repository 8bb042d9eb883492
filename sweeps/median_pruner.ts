/**
 * Median stopping, as Optuna's `MedianPruner` (`optuna/pruners/_median.py`, which is
 * `PercentilePruner(50.0, ...)` in `optuna/pruners/_percentile.py`, Optuna v4.9.0), with its
 * defaults `n_startup_trials=5`, `n_warmup_steps=0`, `interval_steps=1`, `n_min_trials=1`.
 *
 * `PercentilePruner.prune`, for a running trial whose latest report is at step s:
 * 1. never prune while fewer than `startupTrials` trials are complete (none complete: never);
 * 2. never prune before the trial has reported, or while s < `warmupSteps` (s = warmup may prune);
 * 3. check only at the first report in each interval of `intervalSteps` steps counted from
 *    `warmupSteps` (`_is_first_in_interval_step`);
 * 4. the trial's best value over all its reports so far (`_get_best_intermediate_result_over_steps`:
 *    max when maximising, min when minimising, NaN ignored; all NaN: prune) is compared with the
 *    median of the complete trials' values reported at exactly step s
 *    (`_get_percentile_intermediate_result_over_trials`: `np.nanpercentile`, linear
 *    interpolation; the percentile 50 is its own mirror, so direction only flips the test);
 *    fewer than `minTrials` such values, or all NaN: keep the trial;
 * 5. prune if best < median when maximising (best > median when minimising).
 *
 * Sweeps report `eval/mean_return` at global environment steps, so trials that evaluate on the
 * same schedule are compared at the same step; a sweep file's `{"median": {"startup_trials": 5,
 * "warmup_steps": 50000}}` maps to `startupTrials` and `warmupSteps` ({@link parseMedianPruner}).
 * @module
 */
import {
  type Direction,
  intermediateByStep,
  isCompleteTrial,
  type TrialRecord,
} from "./sampler_types.ts";

/** Options of {@link MedianPruner}; defaults are Optuna's. */
export interface MedianPrunerOptions {
  /** No pruning until this many trials are complete (Optuna `n_startup_trials`: 5). */
  startupTrials?: number;
  /** No pruning before a trial reports at this step or later (`n_warmup_steps`: 0). */
  warmupSteps?: number;
  /** Steps between pruning checks, counted from the warmup (`interval_steps`: 1). */
  intervalSteps?: number;
  /** Complete trials that must have reported at the step (`n_min_trials`: 1). */
  minTrials?: number;
}

/** Checks that `value` is an integer >= `min`, naming it as `name` otherwise. */
function checkCount(name: string, value: unknown, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** Median of non-empty `values` (the 50th percentile with linear interpolation). */
function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = (v.length - 1) / 2;
  return 0.5 * (v[Math.floor(mid)] + v[Math.ceil(mid)]);
}

/** Decides whether a running trial stops early, from the complete trials' intermediate values. */
export class MedianPruner {
  /** Complete trials needed before any pruning. */
  readonly startupTrials: number;
  /** First step at which a trial may be pruned. */
  readonly warmupSteps: number;
  /** Steps between checks. */
  readonly intervalSteps: number;
  /** Complete trials that must have a value at the step. */
  readonly minTrials: number;

  /**
   * Creates a pruner; omitted options take Optuna's `MedianPruner` defaults.
   *
   * @throws {RangeError} If `startupTrials` or `warmupSteps` is not an integer >= 0, or
   *   `intervalSteps` or `minTrials` not an integer >= 1.
   */
  constructor(options: MedianPrunerOptions = {}) {
    this.startupTrials = checkCount("startupTrials", options.startupTrials ?? 5, 0);
    this.warmupSteps = checkCount("warmupSteps", options.warmupSteps ?? 0, 0);
    this.intervalSteps = checkCount("intervalSteps", options.intervalSteps ?? 1, 1);
    this.minTrials = checkCount("minTrials", options.minTrials ?? 1, 1);
  }

  /**
   * Whether `trial` should stop now, just after its latest report.
   *
   * @param trial The running trial, with its intermediate values so far.
   * @param history All trials of the sweep (only complete ones are read; the trial itself may be
   *   among them, it is not complete).
   * @param direction Whether larger intermediate values are better.
   */
  shouldPrune(
    trial: Pick<TrialRecord, "intermediate">,
    history: readonly TrialRecord[],
    direction: Direction,
  ): boolean {
    const completed = history.filter(isCompleteTrial);
    if (completed.length === 0 || completed.length < this.startupTrials) return false;
    const reports = intermediateByStep(trial);
    if (reports.size === 0) return false;
    const step = Math.max(...reports.keys());
    if (step < this.warmupSteps) return false;
    if (!this.#isFirstInInterval(step, [...reports.keys()])) return false;

    const maximize = direction === "maximize";
    const finite = [...reports.values()].filter((v) => !Number.isNaN(v));
    if (finite.length === 0) return true;
    const best = maximize ? Math.max(...finite) : Math.min(...finite);

    const atStep: number[] = [];
    for (const t of completed) {
      const v = intermediateByStep(t).get(step);
      if (v !== undefined) atStep.push(v);
    }
    if (atStep.length < this.minTrials) return false;
    const others = atStep.filter((v) => !Number.isNaN(v));
    if (others.length === 0) return false;
    const m = median(others);
    return maximize ? best < m : best > m;
  }

  /** `_is_first_in_interval_step`: no earlier report since the last check point at or below. */
  #isFirstInInterval(step: number, steps: readonly number[]): boolean {
    const w = this.warmupSteps, k = this.intervalSteps;
    const checkPoint = Math.floor((step - w) / k) * k + w;
    let previous = -1;
    for (const s of steps) if (s > previous && s !== step) previous = s;
    return previous < checkPoint;
  }
}

/**
 * Builds a {@link MedianPruner} from a sweep file's `median` pruner object, with snake_case keys
 * `startup_trials`, `warmup_steps`, `interval_steps` and `min_trials`, all optional.
 *
 * @param json The object under `pruner.median`.
 * @param path Its place in messages.
 * @throws {TypeError} If `json` is not an object.
 * @throws {RangeError} On an unknown key or a value out of range, naming it as `path.key`.
 */
export function parseMedianPruner(json: unknown, path = "pruner.median"): MedianPruner {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new TypeError(
      `${path}: expected an object like {"startup_trials": 5, "warmup_steps": 50000}, ` +
        `got ${JSON.stringify(json)}`,
    );
  }
  const keys = {
    startup_trials: 0,
    warmup_steps: 0,
    interval_steps: 1,
    min_trials: 1,
  } as const;
  const entries = json as Record<string, unknown>;
  for (const key of Object.keys(entries)) {
    if (!(key in keys)) {
      throw new RangeError(
        `${path}: unknown key ${JSON.stringify(key)}, expected ${Object.keys(keys).join(", ")}`,
      );
    }
  }
  const read = (key: keyof typeof keys): number | undefined =>
    entries[key] === undefined ? undefined : checkCount(`${path}.${key}`, entries[key], keys[key]);
  return new MedianPruner({
    startupTrials: read("startup_trials"),
    warmupSteps: read("warmup_steps"),
    intervalSteps: read("interval_steps"),
    minTrials: read("min_trials"),
  });
}
