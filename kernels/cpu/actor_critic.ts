/**
 * PPO / A2C learning on the CPU: epochs over a rollout in counter-RNG minibatch order, the
 * actor-critic loss, backprop through both nets on the WebAssembly kernels, one global-norm
 * clip across actor, critic and log-std, and Adam. With `threads: 2` the critic may train in
 * a worker thread beside the actor (`critic_thread.ts`), with the same results bit for bit:
 * the learner times its updates both ways and keeps the faster (`measured_choice.ts`), since
 * the second thread only pays while it has a core to itself.
 * @module
 */

import { actionSize, type ActorCriticLayout, actorCriticLayout } from "../layout.ts";
import type {
  ActorCriticConfig,
  ActorCriticLearner,
  ActorCriticStats,
  LearnerState,
  Rollout,
} from "../types.ts";
import {
  validateActorCriticConfig,
  validateLearnerState,
  validateLearningRate,
  validateParamCount,
  validateRollout,
} from "../validate.ts";
import { WasmMlpTrainer } from "../wasm/mlp.ts";
import {
  allocMinibatch,
  LOSS_STAT_COUNT,
  LossStat,
  type Minibatch,
  policyLoss,
  valueLoss,
} from "./actor_critic_loss.ts";
import { CriticThread } from "./critic_thread.ts";
import { forEachMinibatch } from "./minibatch_order.ts";
import { MeasuredChoice } from "./measured_choice.ts";
import { CpuOptimizer, HostParams, type TrainedBlock } from "./optimizer.ts";
import { settle } from "./_settle.ts";

/** `ActorCriticLearner` on the CPU. */
export class CpuActorCriticLearner implements ActorCriticLearner {
  readonly #config: ActorCriticConfig;
  readonly #layout: ActorCriticLayout;
  readonly #actionWidth: number;
  readonly #actor: WasmMlpTrainer;
  /** The critic in this thread: trained here, or holding its state while the thread trains. */
  readonly #critic: WasmMlpTrainer;
  /** The critic's own thread, if `threads` is 2, and whether it trains the critic now. */
  readonly #thread: CriticThread | null;
  #threaded = false;
  readonly #choice = new MeasuredChoice();
  /** The log-std of a Gaussian head (no values for a discrete one). */
  readonly #logStd: HostParams;
  readonly #opt: CpuOptimizer;
  readonly #lossStats = new Float64Array(LOSS_STAT_COUNT);
  #perm = new Int32Array(0);
  #mb: Minibatch;
  #actorOut = new Float32Array(0);
  #values = new Float32Array(0);
  #dActor = new Float64Array(0);
  #dValues = new Float64Array(0);
  #adv = new Float64Array(0);
  #destroyed = false;

  /**
   * A learner starting from `params` (layout of `actorCriticLayout(config)`), all in this
   * thread; {@link CpuActorCriticLearner.create} also starts the critic's thread when
   * `config.threads` is 2.
   */
  constructor(config: ActorCriticConfig, params: Float32Array, criticThread?: CriticThread) {
    validateActorCriticConfig(config);
    this.#config = config;
    const layout = actorCriticLayout(config);
    this.#layout = layout;
    validateParamCount(params, layout.total);
    this.#actionWidth = config.action.kind === "discrete" ? 1 : actionSize(config.action);
    const block = (b: { offset: number; count: number }) =>
      params.subarray(b.offset, b.offset + b.count);
    this.#actor = new WasmMlpTrainer(layout.actor.spec, block(layout.actor));
    this.#critic = new WasmMlpTrainer(layout.critic.spec, block(layout.critic));
    this.#thread = criticThread ?? null;
    this.#logStd = new HostParams(block(layout.logStd));
    const blocks: TrainedBlock[] = [
      { offset: layout.actor.offset, net: this.#actor },
      { offset: layout.critic.offset, net: this.#critic },
    ];
    if (layout.logStd.count > 0) blocks.push({ offset: layout.logStd.offset, host: this.#logStd });
    this.#opt = new CpuOptimizer(blocks);
    this.#mb = allocMinibatch(0, config.obsSize, this.#actionWidth);
  }

  /** A learner from `params`; with `config.threads` 2 its critic trains in a worker thread. */
  static async create(
    config: ActorCriticConfig,
    params: Float32Array,
  ): Promise<CpuActorCriticLearner> {
    validateActorCriticConfig(config);
    if ((config.threads ?? 1) === 1) return new CpuActorCriticLearner(config, params);
    const layout = actorCriticLayout(config);
    validateParamCount(params, layout.total);
    const { offset, count } = layout.critic;
    const thread = await CriticThread.start(config, params.slice(offset, offset + count));
    try {
      return new CpuActorCriticLearner(config, params, thread);
    } catch (err) {
      thread.destroy();
      throw err;
    }
  }

  #alive(): void {
    if (this.#destroyed) throw new TypeError("This actor-critic learner has been destroyed");
  }

  /** Sizes the per-minibatch buffers for `mbSize` samples. */
  #reserve(mbSize: number): void {
    if (this.#mb.oldLogProbs.length === mbSize) return;
    this.#mb = allocMinibatch(mbSize, this.#config.obsSize, this.#actionWidth);
    this.#actorOut = new Float32Array(mbSize * this.#layout.actionSize);
    this.#values = new Float32Array(mbSize);
    this.#dActor = new Float64Array(mbSize * this.#layout.actionSize);
    this.#dValues = new Float64Array(mbSize);
    this.#adv = new Float64Array(mbSize);
  }

  /** Runs `updateEpochs × numMinibatches` gradient steps on `rollout` at `learningRate`. */
  update(rollout: Rollout, learningRate: number): Promise<ActorCriticStats> {
    return settle(() => {
      this.#alive();
      validateRollout(rollout, this.#config, this.#actionWidth);
      validateLearningRate(learningRate);
      const config = this.#config;
      const { numMinibatches, updateEpochs } = config;
      const n = rollout.size;
      const mbSize = n / numMinibatches;
      const aw = this.#actionWidth;
      if (this.#perm.length !== n) this.#perm = new Int32Array(n);
      this.#reserve(mbSize);
      const mb = this.#mb;
      const perm = this.#perm;
      const sums = new Float64Array(LOSS_STAT_COUNT);
      const stats = this.#lossStats;
      const way = this.#thread ? this.#choice.next() : 0;
      this.#moveCritic(way === 1);
      const thread = this.#threaded ? this.#thread : null;
      const t0 = performance.now();
      thread?.beginUpdate(rollout, learningRate, this.#opt.adamStep);
      forEachMinibatch(config, rollout, aw, this.#opt.adamStep, perm, mb, () => {
        this.#step(mb, mbSize, learningRate);
        for (let k = 0; k < LOSS_STAT_COUNT; k++) sums[k] += stats[k];
      });
      // The critic's thread summed its value losses in the same order.
      if (thread) sums[LossStat.value] = thread.endUpdate();
      const steps = updateEpochs * numMinibatches;
      if (this.#thread) this.#choice.record(way, (performance.now() - t0) / steps);
      return {
        policyLoss: sums[LossStat.policy] / steps,
        valueLoss: sums[LossStat.value] / steps,
        entropy: sums[LossStat.entropy] / steps,
        approxKl: sums[LossStat.approxKl] / steps,
        clipFraction: sums[LossStat.clipFraction] / steps,
        params: this.#opt.params(),
      };
    });
  }

  /** One gradient step on the gathered minibatch `mb` of `batch` samples. */
  #step(mb: Minibatch, batch: number, lr: number): void {
    const config = this.#config;
    this.#actor.forward(mb.obs, batch, this.#actorOut);
    // The loss writes the log-std gradient; the nets' gradients accumulate from zero.
    this.#opt.zeroGrads();
    policyLoss(
      config,
      config.action,
      batch,
      this.#actorOut,
      this.#logStd.params,
      0,
      mb,
      this.#dActor,
      this.#logStd.grads,
      0,
      this.#adv,
      this.#lossStats,
    );
    this.#actor.backward(this.#dActor);
    // With its own thread, the critic's half runs there (the optimizer waits for its norm).
    if (!this.#threaded) {
      this.#critic.forward(mb.obs, batch, this.#values);
      valueLoss(config, batch, this.#values, mb, this.#dValues, this.#lossStats);
      this.#critic.backward(this.#dValues);
    }
    this.#opt.step(config.adam, lr, config.maxGradNorm);
  }

  /**
   * Moves the critic's training into its thread (`threaded`) or back into this one, with its
   * parameters, Adam moments and step count: both compute the same steps.
   */
  #moveCritic(threaded: boolean): void {
    if (threaded === this.#threaded) return;
    const offset = this.#layout.critic.offset, thread = this.#thread!;
    if (threaded) {
      thread.setState(this.#critic.getState());
      this.#opt.replace({ offset, remote: thread });
    } else {
      this.#critic.setState({ ...thread.getState(), adamStep: this.#opt.adamStep });
      this.#opt.replace({ offset, net: this.#critic });
    }
    this.#threaded = threaded;
  }

  /** Where the critic trained last and why, when it has its own thread (else null). */
  threading(): string | null {
    if (!this.#thread) return null;
    const [here, there] = this.#choice.timings.map((ms) =>
      Number.isNaN(ms) ? "untimed" : `${(1000 * ms).toFixed(0)} µs`
    );
    const where = this.#threaded ? "in its own thread" : "in the training thread";
    return `The critic learned ${where} (a gradient step took ${there} with its thread, ${here} without)`;
  }

  /** Copies of the parameters, Adam moments and step count. */
  getState(): Promise<LearnerState> {
    return settle(() => {
      this.#alive();
      return this.#opt.state();
    });
  }

  /** Replaces the optimiser state. */
  setState(state: LearnerState): void {
    this.#alive();
    validateLearnerState(state, this.#layout.total);
    this.#opt.setState(state);
  }

  /** Drops the buffers and stops the critic's thread; later calls throw. */
  destroy(): void {
    this.#destroyed = true;
    this.#thread?.destroy();
  }
}
