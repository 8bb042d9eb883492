/**
 * Tree-structured Parzen Estimator sampling as Optuna's `TPESampler()` with its default
 * settings, i.e. the independent (univariate) TPE. Definitions followed, from Optuna v4.9.0
 * (the latest release; its defaults are those of Optuna 3.x–4.x; the 5.0 release candidate
 * switches single-objective studies to multivariate TPE with `constant_liar=True`, not done here):
 *
 * - `optuna/samplers/_tpe/sampler.py`: `TPESampler.__init__` defaults (`n_startup_trials=10`,
 *   `n_ei_candidates=24`, `multivariate=False`, `constant_liar=False`, `prior_weight=1.0`,
 *   `consider_magic_clip=True`, `consider_endpoints=False`); `sample_independent` (random
 *   sampling while fewer than `n_startup_trials` trials are complete or pruned); `_sample` (split
 *   the complete and pruned trials into "below" (good) and "above", fit one Parzen estimator to
 *   each, draw `n_ei_candidates` from the good one and keep the candidate maximising
 *   log l(x) − log g(x), `_compute_acquisition_func` and `_compare`); `default_gamma(n) =
 *   min(ceil(0.1 n), 25)` good trials; `_split_trials`, `_split_complete_trials_single_objective`
 *   (complete trials ranked by value, best first), `_split_pruned_trials` with
 *   `_get_pruned_trial_score` (pruned trials fill the remaining good places, ranked by the
 *   latest step they reached, deeper first, then by their value at that step; a NaN value ranks
 *   last at its step, a trial that reported nothing after every trial that did); both groups are
 *   then put back in trial order, which sets the `default_weights` ramp.
 * - `parzen_estimator.py` and `probability_distributions.py`: see `_parzen_estimator.ts`.
 *
 * Direction: Optuna sorts by value, reversed for `maximize`; this sorts by value × sign, which
 * is the same order (ties keep trial order in both).
 *
 * Deviations from Optuna, all outside what the sweeps use or measure-zero:
 * - Random numbers come from `core/rng.ts` (numpy's PCG64 `default_rng`), not numpy's
 *   `RandomState` (MT19937), so a seed gives different (equally distributed) draws than
 *   Optuna's; one `Rng` serves both the startup sampler and TPE (Optuna seeds two).
 * - Failed trials and running ones are ignored, as Optuna's defaults do; a `complete` record
 *   with a null or NaN value counts as failed (Optuna marks a NaN objective `FAIL`).
 * - A past value not contained in the current search space (the sweep file changed) is left
 *   out of the estimators (Optuna would raise for a choice and use it for a number).
 * - Rounding to integers is half-up (`Math.round`); numpy rounds half to even.
 *
 * @example
 * ```ts
 * import { TpeSampler } from "./tpe_sampler.ts";
 * import { parseSearchSpace } from "./search_space.ts";
 * import { Rng } from "../core/rng.ts";
 * const space = parseSearchSpace({ x: { uniform: [-5, 5] } });
 * const tpe = new TpeSampler({ direction: "minimize" });
 * const rng = new Rng(0);
 * const history = [];
 * for (let i = 0; i < 20; i++) {
 *   const params = tpe.sample(space, history, rng);
 *   const x = params.x as number;
 *   history.push({ params, value: x * x, state: "complete" as const });
 * }
 * ```
 * @module
 */
import type { Rng } from "../core/rng.ts";
import { buildParzenEstimator, toExternal, toInternal } from "./_parzen_estimator.ts";
import { sampleIndependent } from "./random_sampler.ts";
import { contains, type SearchSpace } from "./search_space.ts";
import {
  type Direction,
  intermediateByStep,
  isCompleteTrial,
  type Params,
  type Sampler,
  type TrialRecord,
} from "./sampler_types.ts";

/** Options of {@link TpeSampler}; everything else is fixed at Optuna's defaults. */
export interface TpeOptions {
  /** Whether larger (`maximize`, sweeps' mean return) or smaller values are better. */
  direction: Direction;
  /** Random sampling until this many trials are complete or pruned (Optuna: 10). */
  startupTrials?: number;
  /** Candidates drawn from l(x) per parameter (Optuna's `n_ei_candidates`: 24). */
  eiCandidates?: number;
}

/** Optuna's `default_gamma(n)`: how many of n finished trials form the good group l(x). */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** The good ("below", l(x)) and other ("above", g(x)) trials, each in trial order. */
export interface TrialSplit {
  /** Trials whose parameters l(x) is fitted to. */
  below: TrialRecord[];
  /** Trials whose parameters g(x) is fitted to. */
  above: TrialRecord[];
}

/**
 * The trials TPE learns from, in trial order: complete ones with a value, and pruned ones
 * (Optuna's states `COMPLETE` and `PRUNED`).
 */
export function finishedTrials(history: readonly TrialRecord[]): TrialRecord[] {
  return history.filter((t) => isCompleteTrial(t) || t.state === "pruned");
}

/** `_get_pruned_trial_score`: sorts ascending; deeper last step first, then better value. */
function prunedScore(t: TrialRecord, sign: number): [number, number] {
  let step = -Infinity, value = 0;
  for (const [s, v] of intermediateByStep(t)) if (s > step) [step, value] = [s, v];
  if (step === -Infinity) return [1, 0];
  return [-step, Number.isNaN(value) ? Infinity : sign * value];
}

/**
 * Splits the finished trials as Optuna's `_split_trials` (single objective, no constraints):
 * the `defaultGamma(n)` best complete trials are good; if there are fewer complete trials than
 * that, the best-ranked pruned trials fill the rest. Failed and running trials are dropped.
 */
export function splitTrials(history: readonly TrialRecord[], direction: Direction): TrialSplit {
  const sign = direction === "maximize" ? -1 : 1;
  const finished = finishedTrials(history);
  let nBelow = defaultGamma(finished.length);
  const complete = finished.filter(isCompleteTrial)
    .sort((a, b) => compareValues(sign * a.value, sign * b.value));
  const belowComplete = complete.slice(0, nBelow);
  nBelow = Math.max(0, nBelow - belowComplete.length);
  const pruned = finished.filter((t) => t.state === "pruned")
    .map((t) => ({ t, score: prunedScore(t, sign) }))
    .sort((a, b) => a.score[0] - b.score[0] || compareValues(a.score[1], b.score[1]))
    .map((p) => p.t);
  const below = new Set([...belowComplete, ...pruned.slice(0, nBelow)]);
  // Filtering `finished` puts both groups back in trial order.
  return {
    below: finished.filter((t) => below.has(t)),
    above: finished.filter((t) => !below.has(t)),
  };
}

/** Ascending order that also places ±Infinity (equal infinities compare equal). */
function compareValues(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The `"tpe"` sampler of a sweep file: Optuna's default `TPESampler`. */
export class TpeSampler implements Sampler {
  /** The optimisation direction. */
  readonly direction: Direction;
  /** Trials sampled at random before TPE starts. */
  readonly startupTrials: number;
  /** Candidates per parameter. */
  readonly eiCandidates: number;

  /**
   * Creates a TPE sampler; only the direction is required, the rest default to Optuna's.
   *
   * @throws {RangeError} If `direction` is not `maximize`/`minimize`, `startupTrials` is not a
   *   non-negative integer or `eiCandidates` not a positive integer.
   */
  constructor(options: TpeOptions) {
    const { direction, startupTrials = 10, eiCandidates = 24 } = options;
    if (direction !== "maximize" && direction !== "minimize") {
      throw new RangeError(`TPE direction must be "maximize" or "minimize", got ${direction}`);
    }
    if (!Number.isSafeInteger(startupTrials) || startupTrials < 0) {
      throw new RangeError(`TPE startupTrials must be an integer >= 0, got ${startupTrials}`);
    }
    if (!Number.isSafeInteger(eiCandidates) || eiCandidates < 1) {
      throw new RangeError(`TPE eiCandidates must be an integer >= 1, got ${eiCandidates}`);
    }
    this.direction = direction;
    this.startupTrials = startupTrials;
    this.eiCandidates = eiCandidates;
  }

  /**
   * Samples every parameter of `space` (in key order): at random during the startup trials,
   * then each parameter independently by TPE from the complete and pruned trials of `history`.
   */
  sample(space: SearchSpace, history: readonly TrialRecord[], rng: Rng): Params {
    if (finishedTrials(history).length < this.startupTrials) return sampleIndependent(space, rng);
    const { below, above } = splitTrials(history, this.direction);
    const params: Params = {};
    for (const [name, spec] of Object.entries(space)) {
      // Optuna's `_get_internal_repr`: only trials that have the parameter contribute.
      const observe = (trials: TrialRecord[]) =>
        trials.filter((t) => contains(spec, t.params[name]))
          .map((t) => toInternal(spec, t.params[name]));
      const l = buildParzenEstimator(spec, observe(below));
      const g = buildParzenEstimator(spec, observe(above));
      const candidates = l.sample(rng, this.eiCandidates);
      const logL = l.logPdf(candidates);
      const logG = g.logPdf(candidates);
      let best = 0;
      for (let i = 1; i < candidates.length; i++) {
        if (logL[i] - logG[i] > logL[best] - logG[best]) best = i;
      }
      params[name] = toExternal(spec, candidates[best]);
    }
    return params;
  }
}
