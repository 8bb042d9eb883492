/**
 * The TypeScript reference of the CPU learners' gradients: the loss of one DQN batch or one
 * actor-critic minibatch and its gradient w.r.t. every trained parameter, in float64 on
 * `ReferenceMlp`. Tests check these against finite differences, and the learners (WebAssembly
 * on the CPU, WGSL on WebGPU) against these.
 * @module
 */

import { type ActorCriticLayout, actorCriticLayout } from "../layout.ts";
import type { ActorCriticConfig, DqnLearnerConfig, Floats } from "../types.ts";
import {
  actorCriticLoss,
  LOSS_STAT_COUNT,
  type Minibatch,
  type PolicyLossSettings,
} from "./actor_critic_loss.ts";
import { type GatheredTransitions, tdLoss } from "./dqn_loss.ts";
import { ReferenceMlp } from "./reference_mlp.ts";

/** The loss-defining part of a DQN configuration. */
export type DqnLossConfig = Pick<
  DqnLearnerConfig,
  "net" | "batchSize" | "loss" | "doubleDqn"
>;

/**
 * The TD loss of a gathered batch and its gradient w.r.t. the online parameters, in float64
 * on the reference MLP. Works on float32 or float64 parameters (the latter for gradient
 * checks).
 */
export class ReferenceDqnGradient {
  /** Loss settings. */
  readonly config: DqnLossConfig;
  /** `[loss, mean q]` of the last `lossAndGrad`. */
  readonly stats: Float64Array = new Float64Array(2);
  readonly #online: ReferenceMlp;
  readonly #target: ReferenceMlp;
  readonly #onlineNext: ReferenceMlp | null;
  readonly #dQ: Float64Array;

  /** Workspaces for `config.batchSize` transitions. */
  constructor(config: DqnLossConfig) {
    this.config = config;
    this.#online = new ReferenceMlp(config.net, config.batchSize);
    this.#target = new ReferenceMlp(config.net, config.batchSize);
    this.#onlineNext = config.doubleDqn ? new ReferenceMlp(config.net, config.batchSize) : null;
    this.#dQ = new Float64Array(config.batchSize * config.net.sizes[config.net.sizes.length - 1]);
  }

  /**
   * Overwrites `grads` with the gradient of the TD loss of `data[0..batch)` w.r.t. `online`,
   * returns the loss and leaves `[loss, mean q]` in `stats`.
   */
  lossAndGrad(
    online: Floats,
    target: Floats,
    data: GatheredTransitions,
    batch: number,
    grads: Float64Array,
  ): number {
    const sizes = this.config.net.sizes;
    const nActions = sizes[sizes.length - 1];
    if (batch > this.config.batchSize) {
      throw new RangeError(`Batch of ${batch} exceeds the configured ${this.config.batchSize}`);
    }
    // The s' passes first: the online pass on s must be the last one before backward.
    const qTargetNext = this.#target.forward(target, 0, data.nextObs, batch);
    const qOnlineNext = this.#onlineNext?.forward(online, 0, data.nextObs, batch) ?? null;
    const qOnline = this.#online.forward(online, 0, data.obs, batch);
    const loss = tdLoss(
      this.config,
      batch,
      nActions,
      qOnline,
      qTargetNext,
      qOnlineNext,
      data,
      this.#dQ,
      this.stats,
    );
    grads.fill(0);
    this.#online.backward(online, 0, this.#dQ, grads, 0);
    return loss;
  }
}

/** The architecture and loss fields of an actor-critic configuration. */
export type ActorCriticLossConfig =
  & Pick<ActorCriticConfig, "obsSize" | "action" | "hidden" | "activation">
  & PolicyLossSettings;

/**
 * Loss and gradient of one minibatch w.r.t. all actor-critic parameters, in float64 on the
 * reference MLP. Works on float32 or float64 parameters (the latter for gradient checks).
 */
export class ReferenceActorCriticGradient {
  /** Configuration. */
  readonly config: ActorCriticLossConfig;
  /** Parameter layout. */
  readonly layout: ActorCriticLayout;
  /** Statistics of the last `lossAndGrad`, indexed by `LossStat`. */
  readonly stats: Float64Array = new Float64Array(LOSS_STAT_COUNT);
  readonly #actor: ReferenceMlp;
  readonly #critic: ReferenceMlp;
  #dActor: Float64Array;
  #dValues: Float64Array;
  #adv: Float64Array;

  /** Workspaces for minibatches of up to `maxBatch` samples (grown on demand). */
  constructor(config: ActorCriticLossConfig, maxBatch: number) {
    this.config = config;
    this.layout = actorCriticLayout(config);
    this.#actor = new ReferenceMlp(this.layout.actor.spec, maxBatch);
    this.#critic = new ReferenceMlp(this.layout.critic.spec, maxBatch);
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
