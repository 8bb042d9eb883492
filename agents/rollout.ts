/**
 * Rollout storage for on-policy algorithms (PPO, A2C): one time-major block of typed arrays per
 * field, filled step by step while acting, then turned into advantages and the flat
 * {@link Rollout} the learner consumes. Allocated once per run; nothing allocates per step.
 * @module
 */
import type { Rollout } from "../kernels/types.ts";
import { computeGae } from "./gae.ts";

/** `numSteps × numEnvs` samples of acting, indexed `t * numEnvs + i`. */
export class RolloutStorage {
  /** Number of envs. */
  readonly numEnvs: number;
  /** Steps per env per rollout. */
  readonly numSteps: number;
  /** Floats per observation. */
  readonly obsSize: number;
  /** Numbers stored per action: 1 (an index) or the action vector's size. */
  readonly actionWidth: number;
  /** Observations acted on. */
  readonly obs: Float32Array;
  /** Actions taken (indices as floats, or the unclipped Gaussian samples). */
  readonly actions: Float32Array;
  /** Log-probabilities of the actions when taken. */
  readonly logProbs: Float32Array;
  /** Rewards received. */
  readonly rewards: Float32Array;
  /** Values `V(s_t)` when acting. */
  readonly values: Float32Array;
  /** 1 where the step ended its episode in a terminal state. */
  readonly terminated: Uint8Array;
  /** 1 where the step ended its episode by truncation. */
  readonly truncated: Uint8Array;
  /** `V(finalObs)` where the step was truncated. */
  readonly finalValues: Float32Array;
  /** GAE advantages (after {@link RolloutStorage.finish}). */
  readonly advantages: Float32Array;
  /** Returns `advantages + values` (after {@link RolloutStorage.finish}). */
  readonly returns: Float32Array;
  /** Steps stored so far in the current rollout. */
  step = 0;

  /** Allocates storage for `numSteps × numEnvs` samples. */
  constructor(numEnvs: number, numSteps: number, obsSize: number, actionWidth: number) {
    for (
      const [name, v] of [["numEnvs", numEnvs], ["numSteps", numSteps], ["obsSize", obsSize], [
        "actionWidth",
        actionWidth,
      ]] as const
    ) {
      if (!(Number.isInteger(v) && v >= 1)) {
        throw new RangeError(`Rollout ${name} must be a positive integer, got ${v}`);
      }
    }
    this.numEnvs = numEnvs;
    this.numSteps = numSteps;
    this.obsSize = obsSize;
    this.actionWidth = actionWidth;
    const n = numEnvs * numSteps;
    this.obs = new Float32Array(n * obsSize);
    this.actions = new Float32Array(n * actionWidth);
    this.logProbs = new Float32Array(n);
    this.rewards = new Float32Array(n);
    this.values = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.finalValues = new Float32Array(n);
    this.advantages = new Float32Array(n);
    this.returns = new Float32Array(n);
  }

  /** Samples per rollout. */
  get size(): number {
    return this.numEnvs * this.numSteps;
  }

  /** Whether all `numSteps` steps are stored. */
  get full(): boolean {
    return this.step === this.numSteps;
  }

  /**
   * Stores what the agent saw and chose at the current step: the observations (`N × obsSize`),
   * the actions, their log-probabilities and the values. Rewards and flags follow with
   * {@link RolloutStorage.addOutcome}.
   */
  addDecision(
    obs: Float32Array,
    actions: ArrayLike<number>,
    logProbs: ArrayLike<number>,
    values: ArrayLike<number>,
  ): void {
    if (this.full) throw new RangeError(`Rollout already holds ${this.numSteps} steps`);
    const n = this.numEnvs, t = this.step;
    this.obs.set(obs.subarray(0, n * this.obsSize), t * n * this.obsSize);
    const aw = this.actionWidth;
    for (let k = 0; k < n * aw; k++) this.actions[t * n * aw + k] = actions[k];
    for (let i = 0; i < n; i++) {
      this.logProbs[t * n + i] = logProbs[i];
      this.values[t * n + i] = values[i];
    }
  }

  /**
   * Stores the outcome of the current step (rewards, flags, and `V(finalObs)` for the envs
   * whose episode was truncated) and advances to the next step.
   */
  addOutcome(
    rewards: ArrayLike<number>,
    terminated: ArrayLike<number>,
    truncated: ArrayLike<number>,
    finalValues: ArrayLike<number>,
  ): void {
    const n = this.numEnvs, o = this.step * n;
    for (let i = 0; i < n; i++) {
      this.rewards[o + i] = rewards[i];
      this.terminated[o + i] = terminated[i] ? 1 : 0;
      this.truncated[o + i] = !terminated[i] && truncated[i] ? 1 : 0;
      this.finalValues[o + i] = this.truncated[o + i] ? finalValues[i] : 0;
    }
    this.step++;
  }

  /**
   * Computes advantages and returns with GAE(λ), bootstrapping from `lastValues` = `V(s_T)`,
   * and returns the flat {@link Rollout} (views of this storage, valid until the next rollout).
   */
  finish(lastValues: ArrayLike<number>, gamma: number, gaeLambda: number): Rollout {
    if (!this.full) {
      throw new RangeError(`Rollout holds ${this.step} of ${this.numSteps} steps; fill it first`);
    }
    computeGae(
      {
        numEnvs: this.numEnvs,
        numSteps: this.numSteps,
        rewards: this.rewards,
        values: this.values,
        terminated: this.terminated,
        truncated: this.truncated,
        finalValues: this.finalValues,
        lastValues,
        gamma,
        gaeLambda,
      },
      this.advantages,
      this.returns,
    );
    return {
      size: this.size,
      obs: this.obs,
      actions: this.actions,
      logProbs: this.logProbs,
      advantages: this.advantages,
      returns: this.returns,
      values: this.values,
    };
  }

  /** Starts a new rollout (the arrays are overwritten as it fills). */
  clear(): void {
    this.step = 0;
  }
}
