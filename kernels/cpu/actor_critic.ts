/**
 * PPO / A2C learning on the CPU: epochs over a rollout in counter-RNG minibatch order, the
 * actor-critic loss, one backward through both nets, global-norm clipping and Adam.
 * @module
 */

import { fillPermutation } from "../counter_rng.ts";
import { actionSize, type ActorCriticLayout, actorCriticLayout } from "../layout.ts";
import type {
  ActorCriticConfig,
  ActorCriticLearner,
  ActorCriticStats,
  LearnerState,
  Rollout,
} from "../types.ts";
import {
  actorCriticLoss,
  LOSS_STAT_COUNT,
  LossStat,
  type Minibatch,
  type PolicyLossSettings,
} from "./actor_critic_loss.ts";
import { type Floats, MlpWorkspace } from "./mlp.ts";
import { settle } from "./_settle.ts";
import { adamUpdate, clipGradNorm, validateAdam } from "./optim.ts";
import { validateLearnerState, validateRollout } from "../validate.ts";

/** The architecture and loss fields of an actor-critic configuration. */
export type ActorCriticLossConfig =
  & Pick<ActorCriticConfig, "obsSize" | "action" | "hidden" | "activation">
  & PolicyLossSettings;

/** Minibatch buffers for `batch` samples. */
export function allocMinibatch(batch: number, obsSize: number, actionWidth: number): Minibatch {
  return {
    obs: new Float64Array(batch * obsSize),
    actions: new Float64Array(batch * actionWidth),
    oldLogProbs: new Float64Array(batch),
    advantages: new Float64Array(batch),
    returns: new Float64Array(batch),
    oldValues: new Float64Array(batch),
  };
}

/**
 * Loss and gradient of one minibatch w.r.t. all actor-critic parameters, with preallocated
 * workspaces. Works on float32 or float64 parameters (the latter for gradient checks).
 */
export class ActorCriticCore {
  /** Configuration. */
  readonly config: ActorCriticLossConfig;
  /** Parameter layout. */
  readonly layout: ActorCriticLayout;
  /** Statistics of the last `lossAndGrad`, indexed by `LossStat`. */
  readonly stats: Float64Array = new Float64Array(LOSS_STAT_COUNT);
  readonly #actor: MlpWorkspace;
  readonly #critic: MlpWorkspace;
  #dActor: Float64Array;
  #dValues: Float64Array;
  #adv: Float64Array;

  /** Workspaces for minibatches of up to `maxBatch` samples (grown on demand). */
  constructor(config: ActorCriticLossConfig, maxBatch: number) {
    this.config = config;
    this.layout = actorCriticLayout(config);
    this.#actor = new MlpWorkspace(this.layout.actor.spec, maxBatch);
    this.#critic = new MlpWorkspace(this.layout.critic.spec, maxBatch);
    this.#dActor = new Float64Array(maxBatch * this.layout.actionSize);
    this.#dValues = new Float64Array(maxBatch);
    this.#adv = new Float64Array(maxBatch);
  }

  /**
   * Overwrites `grads` with the gradient of the loss of `data[0..batch)` w.r.t. `params`
   * (layout of `actorCriticLayout`), returns the total loss and leaves statistics in `stats`.
   */
  lossAndGrad(params: Floats, data: Minibatch, batch: number, grads: Float64Array): number {
    const { layout } = this;
    if (this.#dValues.length < batch) {
      this.#dActor = new Float64Array(batch * layout.actionSize);
      this.#dValues = new Float64Array(batch);
      this.#adv = new Float64Array(batch);
    }
    const actorOut = this.#actor.forward(params, layout.actor.offset, data.obs, batch);
    const values = this.#critic.forward(params, layout.critic.offset, data.obs, batch);
    grads.fill(0);
    const loss = actorCriticLoss(
      this.config,
      this.config.action,
      batch,
      actorOut,
      values,
      params,
      layout.logStd.offset,
      data,
      this.#dActor,
      this.#dValues,
      grads,
      layout.logStd.offset,
      this.#adv,
      this.stats,
    );
    this.#actor.backward(params, layout.actor.offset, this.#dActor, grads, layout.actor.offset);
    this.#critic.backward(params, layout.critic.offset, this.#dValues, grads, layout.critic.offset);
    return loss;
  }
}

/** Throws a `RangeError` describing the first invalid field of an actor-critic config. */
export function validateActorCriticConfig(config: ActorCriticConfig): void {
  actorCriticLayout(config);
  for (const key of ["updateEpochs", "numMinibatches"] as const) {
    if (!(Number.isInteger(config[key]) && config[key] >= 1)) {
      throw new RangeError(`${key} must be a positive integer, got ${config[key]}`);
    }
  }
  for (const key of ["clipCoef", "entCoef", "vfCoef"] as const) {
    if (!(config[key] >= 0)) throw new RangeError(`${key} must be ≥ 0, got ${config[key]}`);
  }
  if (config.maxGradNorm !== null && !(config.maxGradNorm > 0)) {
    throw new RangeError(`maxGradNorm must be > 0 or null, got ${config.maxGradNorm}`);
  }
  validateAdam(config.adam);
}

/** `ActorCriticLearner` on the CPU. */
export class CpuActorCriticLearner implements ActorCriticLearner {
  readonly #config: ActorCriticConfig;
  readonly #count: number;
  readonly #actionWidth: number;
  readonly #core: ActorCriticCore;
  #params: Float32Array;
  #m: Float32Array;
  #v: Float32Array;
  #adamStep = 0;
  readonly #grads: Float64Array;
  #perm = new Int32Array(0);
  #mb: Minibatch;
  #destroyed = false;

  /** A learner starting from `params` (layout of `actorCriticLayout(config)`). */
  constructor(config: ActorCriticConfig, params: Float32Array) {
    validateActorCriticConfig(config);
    this.#config = config;
    this.#core = new ActorCriticCore(config, 1);
    this.#count = this.#core.layout.total;
    if (params.length !== this.#count) {
      throw new RangeError(`Expected ${this.#count} parameters, got ${params.length}`);
    }
    this.#actionWidth = config.action.kind === "discrete" ? 1 : actionSize(config.action);
    this.#params = params.slice();
    this.#m = new Float32Array(this.#count);
    this.#v = new Float32Array(this.#count);
    this.#grads = new Float64Array(this.#count);
    this.#mb = allocMinibatch(0, config.obsSize, this.#actionWidth);
  }

  #alive(): void {
    if (this.#destroyed) throw new TypeError("This actor-critic learner has been destroyed");
  }

  /** Runs `updateEpochs × numMinibatches` gradient steps on `rollout` at `learningRate`. */
  update(rollout: Rollout, learningRate: number): Promise<ActorCriticStats> {
    return settle(() => {
      this.#alive();
      validateRollout(rollout, this.#config, this.#actionWidth);
      if (!(learningRate >= 0)) {
        throw new RangeError(`Learning rate must be ≥ 0, got ${learningRate}`);
      }
      const { obsSize, numMinibatches, updateEpochs, seed } = this.#config;
      const n = rollout.size;
      const mbSize = n / numMinibatches;
      const aw = this.#actionWidth;
      if (this.#perm.length !== n) this.#perm = new Int32Array(n);
      if (this.#mb.oldLogProbs.length !== mbSize) {
        this.#mb = allocMinibatch(mbSize, obsSize, aw);
      }
      const mb = this.#mb;
      const perm = this.#perm;
      const sums = new Float64Array(LOSS_STAT_COUNT);
      const stats = this.#core.stats;
      for (let epoch = 0; epoch < updateEpochs; epoch++) {
        // Global epoch index: see kernels/counter_rng.ts.
        fillPermutation(perm, n, seed, Math.floor(this.#adamStep / numMinibatches));
        for (let m = 0; m < numMinibatches; m++) {
          for (let p = 0; p < mbSize; p++) {
            const s = perm[m * mbSize + p];
            for (let i = 0; i < obsSize; i++) {
              mb.obs[p * obsSize + i] = rollout.obs[s * obsSize + i];
            }
            for (let i = 0; i < aw; i++) mb.actions[p * aw + i] = rollout.actions[s * aw + i];
            mb.oldLogProbs[p] = rollout.logProbs[s];
            mb.advantages[p] = rollout.advantages[s];
            mb.returns[p] = rollout.returns[s];
            mb.oldValues[p] = rollout.values[s];
          }
          this.#core.lossAndGrad(this.#params, mb, mbSize, this.#grads);
          for (let k = 0; k < LOSS_STAT_COUNT; k++) sums[k] += stats[k];
          clipGradNorm(this.#grads, this.#config.maxGradNorm);
          this.#adamStep++;
          adamUpdate(
            this.#params,
            this.#grads,
            this.#m,
            this.#v,
            this.#adamStep,
            this.#config.adam,
            learningRate,
          );
        }
      }
      const steps = updateEpochs * numMinibatches;
      return {
        policyLoss: sums[LossStat.policy] / steps,
        valueLoss: sums[LossStat.value] / steps,
        entropy: sums[LossStat.entropy] / steps,
        approxKl: sums[LossStat.approxKl] / steps,
        clipFraction: sums[LossStat.clipFraction] / steps,
        params: this.#params.slice(),
      };
    });
  }

  /** Copies of the parameters, Adam moments and step count. */
  getState(): Promise<LearnerState> {
    return settle(() => {
      this.#alive();
      return {
        params: this.#params.slice(),
        adamM: this.#m.slice(),
        adamV: this.#v.slice(),
        adamStep: this.#adamStep,
      };
    });
  }

  /** Replaces the optimiser state. */
  setState(state: LearnerState): void {
    this.#alive();
    validateLearnerState(state, this.#count);
    this.#params = state.params.slice();
    this.#m = state.adamM.slice();
    this.#v = state.adamV.slice();
    this.#adamStep = state.adamStep;
  }

  /** Drops the buffers; later calls throw. */
  destroy(): void {
    this.#destroyed = true;
  }
}
