/**
 * Generalised advantage estimation (Schulman et al., 2016) over a time-major rollout of
 * `numSteps × numEnvs` samples, with Gymnasium's distinction between ending an episode by
 * termination (no value after it) and by truncation (the state still has a value: bootstrap
 * from `V(finalObs)`).
 * @module
 */

/** The inputs of {@link computeGae}, all time-major (`t * numEnvs + i`). */
export interface GaeInput {
  /** Number of envs `N`. */
  numEnvs: number;
  /** Number of steps `T`. */
  numSteps: number;
  /** Rewards `r_t` (`T × N`). */
  rewards: ArrayLike<number>;
  /** Values `V(s_t)` of the observations acted on (`T × N`). */
  values: ArrayLike<number>;
  /** 1 where step `t` ended its episode in a terminal state (`T × N`). */
  terminated: ArrayLike<number>;
  /** 1 where step `t` ended its episode by truncation (`T × N`). */
  truncated: ArrayLike<number>;
  /** `V(finalObs)` where step `t` was truncated; read only there (`T × N`). */
  finalValues: ArrayLike<number>;
  /** `V(s_T)`: values of the observations after the last step (`N`). */
  lastValues: ArrayLike<number>;
  /** Discount γ. */
  gamma: number;
  /** GAE λ (1: Monte-Carlo returns with bootstrap; 0: one-step TD). */
  gaeLambda: number;
}

/**
 * Writes advantages `A_t` and returns `A_t + V(s_t)` into `advantages` and `returns`
 * (`T × N` each). For each env, backwards in time:
 *
 * - `next = 0` after a termination, `V(finalObs)` after a truncation, else `V(s_{t+1})`
 *   (`lastValues` after the last step);
 * - `δ_t = r_t + γ·next − V(s_t)`;
 * - `A_t = δ_t + γλ·A_{t+1}`, where `A_{t+1}` counts only if the episode went on past `t`.
 *
 * @example
 * ```ts
 * import { computeGae } from "./gae.ts";
 * const advantages = new Float32Array(2), returns = new Float32Array(2);
 * computeGae({
 *   numEnvs: 1, numSteps: 2, rewards: [1, 1], values: [0, 0], terminated: [0, 1],
 *   truncated: [0, 0], finalValues: [0, 0], lastValues: [5], gamma: 0.5, gaeLambda: 1,
 * }, advantages, returns);
 * // advantages = [1.5, 1]: the episode terminated, so lastValues was not used.
 * ```
 */
export function computeGae(input: GaeInput, advantages: Float32Array, returns: Float32Array): void {
  const { numEnvs: n, numSteps: steps, rewards, values, terminated, truncated } = input;
  const { finalValues, lastValues, gamma, gaeLambda } = input;
  const size = n * steps;
  for (
    const [name, a] of [
      ["rewards", rewards],
      ["values", values],
      ["terminated", terminated],
      [
        "truncated",
        truncated,
      ],
      ["finalValues", finalValues],
      ["advantages", advantages],
      ["returns", returns],
    ] as const
  ) {
    if (a.length < size) {
      throw new RangeError(
        `GAE ${name} must hold numSteps × numEnvs = ${size} values, got ${a.length}`,
      );
    }
  }
  if (lastValues.length < n) {
    throw new RangeError(
      `GAE lastValues must hold numEnvs = ${n} values, got ${lastValues.length}`,
    );
  }
  for (let i = 0; i < n; i++) {
    let carry = 0;
    for (let t = steps - 1; t >= 0; t--) {
      const k = t * n + i;
      let next: number;
      let goesOn: number;
      if (terminated[k]) {
        next = 0;
        goesOn = 0;
      } else if (truncated[k]) {
        next = finalValues[k];
        goesOn = 0;
      } else {
        next = t === steps - 1 ? lastValues[i] : values[k + n];
        goesOn = 1;
      }
      const delta = rewards[k] + gamma * next - values[k];
      // At the last step nothing follows inside the rollout: `carry` is still 0 there.
      carry = delta + gamma * gaeLambda * goesOn * carry;
      advantages[k] = carry;
      returns[k] = carry + values[k];
    }
  }
}

/**
 * `1 − Var(returns − values)/Var(returns)`: how much of the return variance the value function
 * explains (1 perfect, 0 no better than a constant, negative worse); NaN when the returns do
 * not vary.
 */
export function explainedVariance(values: ArrayLike<number>, returns: ArrayLike<number>): number {
  const n = Math.min(values.length, returns.length);
  if (n === 0) return NaN;
  let my = 0, md = 0;
  for (let k = 0; k < n; k++) {
    my += returns[k];
    md += returns[k] - values[k];
  }
  my /= n;
  md /= n;
  let vy = 0, vd = 0;
  for (let k = 0; k < n; k++) {
    vy += (returns[k] - my) ** 2;
    vd += (returns[k] - values[k] - md) ** 2;
  }
  return vy === 0 ? NaN : 1 - vd / vy;
}
