/**
 * What the sweep samplers and the pruner see of a sweep: finished and running trials as plain
 * records (the runner's storage converts to these), the optimisation direction, and the
 * `Sampler` contract that `RandomSampler` and `TpeSampler` implement.
 * @module
 */
import type { Rng } from "../core/rng.ts";
import type { ParamValue, SearchSpace } from "./search_space.ts";

/** One set of sampled hyperparameters, keyed by the `search` section's names. */
export type Params = Record<string, ParamValue>;

/** Whether the sweep looks for the largest or the smallest objective value. */
export type Direction = "maximize" | "minimize";

/**
 * A trial's lifecycle state, as Optuna's `TrialState`: `complete` with a final value, `pruned`
 * by the pruner (ranked on its intermediate values), `failed` (ignored by samplers and pruner),
 * `running` (ignored: Optuna's default `constant_liar=False`).
 */
export type TrialState = "complete" | "pruned" | "failed" | "running";

/** One trial of a sweep as the samplers and the pruner read it. */
export interface TrialRecord {
  /** The hyperparameters the trial ran with. */
  params: Params;
  /**
   * The objective value (sweeps: mean evaluation return); `null` unless complete. A complete
   * trial whose value is null or NaN is treated as failed, as Optuna fails a NaN return.
   */
  value: number | null;
  /** Lifecycle state. */
  state: TrialState;
  /**
   * Intermediate values as `[step, value]` pairs (sweeps: eval mean return at a global step).
   * A step reported twice keeps its first value, as Optuna's `Trial.report` does.
   */
  intermediate?: readonly (readonly [step: number, value: number])[];
}

/**
 * Chooses the next trial's parameters from the search space and the trials so far.
 * Deterministic: the same space, history (in trial order) and generator state give the same
 * parameters.
 */
export interface Sampler {
  /**
   * Samples one value for every parameter of `space`.
   *
   * @param space The parsed `search` section.
   * @param history Every trial so far in creation order (any state); samplers that learn
   *   (TPE) weigh recent trials more, so the order matters.
   * @param rng The random source, advanced by the call.
   */
  sample(space: SearchSpace, history: readonly TrialRecord[], rng: Rng): Params;
}

/**
 * Whether a record counts as complete: state `complete` with a non-NaN number as value (Optuna
 * records a NaN objective as a failed trial).
 */
export function isCompleteTrial(t: TrialRecord): t is TrialRecord & { value: number } {
  return t.state === "complete" && typeof t.value === "number" && !Number.isNaN(t.value);
}

/** A trial's intermediate values by step; a step reported twice keeps its first value. */
export function intermediateByStep(t: Pick<TrialRecord, "intermediate">): Map<number, number> {
  const byStep = new Map<number, number>();
  for (const [step, value] of t.intermediate ?? []) if (!byStep.has(step)) byStep.set(step, value);
  return byStep;
}
