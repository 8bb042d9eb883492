/**
 * The PPO / A2C loss of one minibatch and its gradient w.r.t. the actor's outputs, the critic's
 * values and the log-std, as a plain function of already computed network outputs. Formulas
 * follow CleanRL's `ppo.py` / `ppo_continuous_action.py`, including PyTorch's tie rule for
 * `max` (the gradient is split between equal arguments), which makes the clipped objective's
 * gradient `−A·ratio` exactly when the unclipped term is the larger or equal one.
 * @module
 */

import type { ActionHead, ActorCriticConfig, Floats } from "../types.ts";

/** The loss-defining fields of an actor-critic configuration. */
export type PolicyLossSettings = Pick<
  ActorCriticConfig,
  "objective" | "clipCoef" | "clipValueLoss" | "entCoef" | "vfCoef" | "normAdvantages"
>;

/** The rollout data of one minibatch, gathered into contiguous arrays. */
export interface Minibatch {
  /** `batch × obsSize` observations. */
  obs: Float32Array;
  /** `batch` action indices (discrete) or `batch × dim` actions (continuous). */
  actions: Float32Array;
  /** Log-probabilities under the acting policy. */
  oldLogProbs: Float32Array;
  /** Advantages (normalised by the loss when asked). */
  advantages: Float32Array;
  /** Returns, the value targets. */
  returns: Float32Array;
  /** Values predicted when acting (the centre of the value clip). */
  oldValues: Float32Array;
}

/** Minibatch buffers for `batch` samples with `actionWidth` numbers per action. */
export function allocMinibatch(batch: number, obsSize: number, actionWidth: number): Minibatch {
  return {
    obs: new Float32Array(batch * obsSize),
    actions: new Float32Array(batch * actionWidth),
    oldLogProbs: new Float32Array(batch),
    advantages: new Float32Array(batch),
    returns: new Float32Array(batch),
    oldValues: new Float32Array(batch),
  };
}

/** Indices into the `stats` vector `actorCriticLoss` fills. */
export const LossStat = {
  /** Total loss `pg − entCoef·entropy + vfCoef·vloss`. */
  total: 0,
  /** Policy loss. */
  policy: 1,
  /** Value loss. */
  value: 2,
  /** Mean entropy. */
  entropy: 3,
  /** `mean((ratio − 1) − log ratio)`. */
  approxKl: 4,
  /** `mean(|ratio − 1| > clipCoef)`. */
  clipFraction: 5,
} as const;

/** Length of the `stats` vector. */
export const LOSS_STAT_COUNT = 6;

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Loss of a minibatch of `batch` samples given the actor outputs (`batch × n` logits or
 * `batch × dim` means) and critic values (`batch`). `logStd` is read at `logStdOffset` for
 * continuous heads only. Overwrites `dActor` (`batch × size`),
 * `dValues` (`batch`) and, for continuous heads, `grads[dLogStdOffset..+dim)` with the
 * gradients of the total loss; `advScratch` (`batch`) receives the (normalised) advantages.
 * Writes the statistics (see `LossStat`) into `stats` and returns the total loss: the
 * {@link policyLoss} and {@link valueLoss} of the minibatch, which touch disjoint outputs, so
 * that a learner may compute them in different threads.
 */
export function actorCriticLoss(
  settings: PolicyLossSettings,
  action: ActionHead,
  batch: number,
  actorOut: Floats,
  values: Floats,
  logStd: Floats,
  logStdOffset: number,
  data: Minibatch,
  dActor: Float64Array,
  dValues: Float64Array,
  grads: Float64Array,
  dLogStdOffset: number,
  advScratch: Float64Array,
  stats: Float64Array,
): number {
  policyLoss(
    settings,
    action,
    batch,
    actorOut,
    logStd,
    logStdOffset,
    data,
    dActor,
    grads,
    dLogStdOffset,
    advScratch,
    stats,
  );
  valueLoss(settings, batch, values, data, dValues, stats);
  const total = stats[LossStat.policy] - settings.entCoef * stats[LossStat.entropy] +
    settings.vfCoef * stats[LossStat.value];
  stats[LossStat.total] = total;
  return total;
}

/**
 * The policy part of {@link actorCriticLoss}: the clipped surrogate (or `−A·log π`) and the
 * entropy bonus. Writes `dActor`, the log-std gradient, the advantages into `advScratch` and
 * the `policy`, `entropy`, `approxKl` and `clipFraction` statistics.
 *
 * Advantage normalisation uses the unbiased std; a minibatch of 1 has none, and its
 * normalised advantage is 0 (`(A − mean) = 0`), where PyTorch would produce NaN.
 */
export function policyLoss(
  settings: PolicyLossSettings,
  action: ActionHead,
  batch: number,
  actorOut: Floats,
  logStd: Floats,
  logStdOffset: number,
  data: Minibatch,
  dActor: Float64Array,
  grads: Float64Array,
  dLogStdOffset: number,
  advScratch: Float64Array,
  stats: Float64Array,
): void {
  const { clipCoef, entCoef } = settings;
  const ppo = settings.objective === "ppo";
  const invB = 1 / batch;

  // Advantages, normalised per minibatch (constants: no gradient flows through mean/std).
  const adv = advScratch;
  let mean = 0;
  for (let i = 0; i < batch; i++) mean += data.advantages[i];
  mean *= invB;
  let varSum = 0;
  for (let i = 0; i < batch; i++) varSum += (data.advantages[i] - mean) ** 2;
  const std = batch > 1 ? Math.sqrt(varSum / (batch - 1)) : 0;
  for (let i = 0; i < batch; i++) {
    adv[i] = settings.normAdvantages
      ? (data.advantages[i] - mean) / (std + 1e-8)
      : data.advantages[i];
  }

  const discrete = action.kind === "discrete";
  const size = discrete ? action.n : action.dim;
  if (!discrete) {
    for (let d = 0; d < size; d++) grads[dLogStdOffset + d] = 0;
  }
  let pgSum = 0;
  let entSum = 0;
  let klSum = 0;
  let clipped = 0;
  for (let i = 0; i < batch; i++) {
    const o = i * size;
    const A = adv[i];
    // --- log-probability and entropy of the taken action under the current policy ---
    let newLogp = 0;
    let entropy = 0;
    let lse = 0;
    if (discrete) {
      let max = actorOut[o];
      for (let k = 1; k < size; k++) if (actorOut[o + k] > max) max = actorOut[o + k];
      let sum = 0;
      for (let k = 0; k < size; k++) sum += Math.exp(actorOut[o + k] - max);
      lse = max + Math.log(sum);
      newLogp = actorOut[o + (data.actions[i] | 0)] - lse;
      for (let k = 0; k < size; k++) {
        const lp = actorOut[o + k] - lse;
        entropy -= Math.exp(lp) * lp;
      }
    } else {
      for (let d = 0; d < size; d++) {
        const ls = logStd[logStdOffset + d];
        const z = (data.actions[o + d] - actorOut[o + d]) * Math.exp(-ls);
        newLogp += -0.5 * z * z - ls - HALF_LOG_2PI;
        entropy += 0.5 + HALF_LOG_2PI + ls;
      }
    }
    const logRatio = newLogp - data.oldLogProbs[i];
    const ratio = Math.exp(logRatio);
    klSum += ratio - 1 - logRatio;
    if (Math.abs(ratio - 1) > clipCoef) clipped++;
    entSum += entropy;

    // --- policy loss and dLoss/dnewLogp ---
    let gLogp: number;
    if (ppo) {
      const t1 = -A * ratio;
      const t2 = -A * Math.min(Math.max(ratio, 1 - clipCoef), 1 + clipCoef);
      pgSum += Math.max(t1, t2);
      gLogp = t1 >= t2 ? -A * ratio * invB : 0;
    } else {
      pgSum += -A * newLogp;
      gLogp = -A * invB;
    }

    // --- actor output gradient: policy term plus entropy bonus ---
    if (discrete) {
      const a = data.actions[i] | 0;
      const entScale = entCoef * invB;
      for (let k = 0; k < size; k++) {
        const lp = actorOut[o + k] - lse;
        const p = Math.exp(lp);
        // d newLogp/dz_k = δ_ka − p_k; dH/dz_k = −p_k(log p_k + H); loss has −entCoef·H/B.
        dActor[o + k] = gLogp * ((k === a ? 1 : 0) - p) + entScale * p * (lp + entropy);
      }
    } else {
      for (let d = 0; d < size; d++) {
        const ls = logStd[logStdOffset + d];
        const invVar = Math.exp(-2 * ls);
        const diff = data.actions[o + d] - actorOut[o + d];
        // d logp/dμ = (a − μ)/σ²; d logp/dlogσ = (a − μ)²/σ² − 1; dH/dlogσ = 1.
        dActor[o + d] = gLogp * diff * invVar;
        grads[dLogStdOffset + d] += gLogp * (diff * diff * invVar - 1) - entCoef * invB;
      }
    }
  }
  stats[LossStat.policy] = pgSum * invB;
  stats[LossStat.entropy] = entSum * invB;
  stats[LossStat.approxKl] = klSum * invB;
  stats[LossStat.clipFraction] = clipped * invB;
}

/**
 * The value part of {@link actorCriticLoss}: `½(v − R)²` (or its clipped form around the old
 * values) weighted by `vfCoef`. Writes `dValues` and the `value` statistic.
 */
export function valueLoss(
  settings: PolicyLossSettings,
  batch: number,
  values: Floats,
  data: Minibatch,
  dValues: Float64Array,
  stats: Float64Array,
): void {
  const { clipCoef, vfCoef } = settings;
  const invB = 1 / batch;
  let vSum = 0;
  for (let i = 0; i < batch; i++) {
    // --- value loss ---
    const v = values[i];
    const R = data.returns[i];
    const l1 = (v - R) * (v - R);
    if (settings.clipValueLoss) {
      const vOld = data.oldValues[i];
      const delta = v - vOld;
      const inRange = delta >= -clipCoef && delta <= clipCoef;
      const vc = vOld + Math.min(Math.max(delta, -clipCoef), clipCoef);
      const l2 = (vc - R) * (vc - R);
      vSum += 0.5 * Math.max(l1, l2);
      const g1 = 2 * (v - R);
      const g2 = inRange ? 2 * (vc - R) : 0;
      const g = l1 > l2 ? g1 : l1 < l2 ? g2 : 0.5 * (g1 + g2);
      dValues[i] = vfCoef * 0.5 * g * invB;
    } else {
      vSum += 0.5 * l1;
      dValues[i] = vfCoef * (v - R) * invB;
    }
  }
  stats[LossStat.value] = vSum * invB;
}
