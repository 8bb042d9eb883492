/**
 * The DQN temporal-difference loss and its gradient w.r.t. the online Q-values, as a plain
 * function of already computed network outputs (the learner owns the networks), and the
 * sampled batch it reads.
 * @module
 */

import type { Floats } from "../types.ts";

/** Index of the largest of `q[o..o+n)`; ties go to the lowest index (as `torch.argmax`). */
export function argmaxRow(q: Floats, o: number, n: number): number {
  let best = 0;
  let bestValue = q[o];
  for (let a = 1; a < n; a++) {
    if (q[o + a] > bestValue) {
      bestValue = q[o + a];
      best = a;
    }
  }
  return best;
}

/** A sampled batch of transitions, gathered into contiguous arrays. */
export interface GatheredTransitions {
  /** `batch × obsSize` observations. */
  obs: Float32Array;
  /** `batch` action indices. */
  actions: Int32Array;
  /** `batch` rewards. */
  rewards: Float32Array;
  /** `batch × obsSize` next observations. */
  nextObs: Float32Array;
  /** `batch` bootstrap discounts (γᵐ, 0 where the episode terminated). */
  discount: Float32Array;
}

/** Gathered-batch buffers for `batch` transitions of `obsSize`-wide observations. */
export function allocTransitions(batch: number, obsSize: number): GatheredTransitions {
  return {
    obs: new Float32Array(batch * obsSize),
    actions: new Int32Array(batch),
    rewards: new Float32Array(batch),
    nextObs: new Float32Array(batch * obsSize),
    discount: new Float32Array(batch),
  };
}

/** Settings of the TD loss. */
export interface TdLossSettings {
  /** Huber (smooth L1, δ = 1) or squared error. */
  loss: "huber" | "mse";
}

/**
 * TD loss `mean_b ℓ(q_b − y_b)` with `q_b = Q(s_b)[a_b]`,
 * `y_b = r_b + discount_b·Q⁻(s'_b)[a*_b]` (a constant: no gradient flows into it),
 * `a* = argmax Q_online(s')` when `qOnlineNext` is given (double DQN) else `argmax Q⁻(s')`.
 * Writes `dQ` (`batch × nActions`, zero except at the taken actions) and, into `stats`,
 * `[loss, mean q]`. Returns the loss.
 */
export function tdLoss(
  settings: TdLossSettings,
  batch: number,
  nActions: number,
  qOnline: Floats,
  qTargetNext: Floats,
  qOnlineNext: Floats | null,
  data: GatheredTransitions,
  dQ: Float64Array,
  stats: Float64Array,
): number {
  const huber = settings.loss === "huber";
  let lossSum = 0;
  let qSum = 0;
  dQ.fill(0, 0, batch * nActions);
  for (let b = 0; b < batch; b++) {
    const o = b * nActions;
    const aStar = argmaxRow(qOnlineNext ?? qTargetNext, o, nActions);
    const y = data.rewards[b] + data.discount[b] * qTargetNext[o + aStar];
    const a = data.actions[b];
    const q = qOnline[o + a];
    const d = q - y;
    qSum += q;
    if (huber) {
      const ad = Math.abs(d);
      lossSum += ad < 1 ? 0.5 * d * d : ad - 0.5;
      dQ[o + a] = (ad < 1 ? d : Math.sign(d)) / batch;
    } else {
      lossSum += d * d;
      dQ[o + a] = (2 * d) / batch;
    }
  }
  stats[0] = lossSum / batch;
  stats[1] = qSum / batch;
  return stats[0];
}
