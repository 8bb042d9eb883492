/**
 * Schedules of exploration rates and learning rates, as pure functions of a position (env
 * steps, episodes or updates), so a resumed run only needs its counters to be back on track.
 * @module
 */

/**
 * Linear interpolation from `start` to `end` over the first `fraction` of `total` units, then
 * flat at `end` (Stable-Baselines3's `get_linear_fn`, used for DQN's epsilon).
 *
 * @example
 * ```ts
 * import { linearSchedule } from "./schedules.ts";
 * linearSchedule(1, 0.1, 0.5, 1000, 250); // 0.55
 * ```
 */
export function linearSchedule(
  start: number,
  end: number,
  fraction: number,
  total: number,
  t: number,
): number {
  const span = fraction * total;
  if (!(span > 0)) return end;
  const progress = Math.min(1, Math.max(0, t / span));
  return start + progress * (end - start);
}

/**
 * Multiplicative decay `max(end, start·decay^t)` (the DQN tutorials' per-episode epsilon,
 * `eps = max(eps_end, eps_decay·eps)`), for `0 < decay ≤ 1`.
 *
 * @example
 * ```ts
 * import { exponentialSchedule } from "./schedules.ts";
 * exponentialSchedule(1, 0.01, 0.995, 100); // ≈ 0.606
 * ```
 */
export function exponentialSchedule(
  start: number,
  end: number,
  decay: number,
  t: number,
): number {
  if (!(decay > 0 && decay <= 1)) throw new RangeError(`decay must be in (0, 1], got ${decay}`);
  return Math.max(end, start * Math.pow(decay, Math.max(0, t)));
}

/**
 * CleanRL's learning-rate annealing: before update `update` (0-based) of `numUpdates`, the rate
 * is `lr0·(1 − update/numUpdates)`, so the first update uses `lr0` and the last `lr0/numUpdates`.
 * With `anneal` false the rate stays `lr0`.
 *
 * @example
 * ```ts
 * import { annealedLearningRate } from "./schedules.ts";
 * annealedLearningRate(3e-4, 0, 10, true); // 3e-4
 * annealedLearningRate(3e-4, 5, 10, true); // 1.5e-4
 * ```
 */
export function annealedLearningRate(
  lr0: number,
  update: number,
  numUpdates: number,
  anneal: boolean,
): number {
  if (!anneal || numUpdates <= 0) return lr0;
  return lr0 * Math.max(0, 1 - update / numUpdates);
}

/** How DQN's exploration rate decays. */
export type EpsilonScheduleKind = "linear" | "exponential";

/** Settings of {@link epsilonAt}. */
export interface EpsilonSettings {
  /** `linear` over env steps, or `exponential` per finished episode. */
  kind: EpsilonScheduleKind;
  /** Rate at the start. */
  start: number;
  /** Floor. */
  end: number;
  /** Linear: fraction of the total env steps over which epsilon falls to `end`. */
  fraction: number;
  /** Exponential: factor applied per finished episode. */
  decay: number;
}

/** The exploration rate after `step` env steps and `episodes` finished episodes of `total`. */
export function epsilonAt(
  s: EpsilonSettings,
  step: number,
  episodes: number,
  total: number,
): number {
  if (s.kind === "linear") return linearSchedule(s.start, s.end, s.fraction, total, step);
  if (s.kind === "exponential") return exponentialSchedule(s.start, s.end, s.decay, episodes);
  throw new RangeError(`Epsilon schedule must be "linear" or "exponential", got "${s.kind}"`);
}
