/**
 * The action distributions of the network policies, shared by acting while training (PPO,
 * A2C, DQN) and the deterministic policies of eval, record and the API: the categorical of
 * a row of logits and the diagonal Gaussian with a state-independent log-std.
 * @module
 */

/** `½·log(2π)`, the Gaussian's normalising constant per dimension. */
export const HALF_LOG_2PI: number = 0.5 * Math.log(2 * Math.PI);

/** Index of the largest value (the first one on ties, as numpy's argmax). */
export function argmax(values: ArrayLike<number>, offset = 0, n = values.length - offset): number {
  let best = 0;
  for (let a = 1; a < n; a++) if (values[offset + a] > values[offset + best]) best = a;
  return best;
}

/** Softmax of `n` logits at `offset`, as a plain array (for `Decision.probs`). */
export function softmax(
  logits: ArrayLike<number>,
  offset = 0,
  n = logits.length - offset,
): number[] {
  let max = -Infinity;
  for (let k = 0; k < n; k++) max = Math.max(max, logits[offset + k]);
  const p = new Array<number>(n);
  let sum = 0;
  for (let k = 0; k < n; k++) sum += p[k] = Math.exp(logits[offset + k] - max);
  for (let k = 0; k < n; k++) p[k] /= sum;
  return p;
}

/** A draw from a categorical: the action and its log-probability. */
export interface CategoricalSample {
  /** The action drawn. */
  action: number;
  /** `log π(action)`. */
  logProb: number;
}

/**
 * Draws from the categorical of `n` logits at `offset` by the inverse CDF of one uniform
 * `u` in [0, 1) (one draw per decision keeps runs reproducible from the seed).
 */
export function sampleCategorical(
  logits: ArrayLike<number>,
  offset: number,
  n: number,
  u: number,
): CategoricalSample {
  let max = -Infinity;
  for (let k = 0; k < n; k++) max = Math.max(max, logits[offset + k]);
  let sum = 0;
  for (let k = 0; k < n; k++) sum += Math.exp(logits[offset + k] - max);
  let rest = u * sum, action = n - 1;
  for (let k = 0; k < n; k++) {
    rest -= Math.exp(logits[offset + k] - max);
    if (rest < 0) {
      action = k;
      break;
    }
  }
  return { action, logProb: logits[offset + action] - max - Math.log(sum) };
}

/** Log-density of one Gaussian dimension at `mean + exp(logStd)·z`, given `z`. */
export function gaussianLogProb(z: number, logStd: number): number {
  return -0.5 * z * z - logStd - HALF_LOG_2PI;
}
