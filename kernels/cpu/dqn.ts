/**
 * DQN learning on the CPU: replay ring, TD loss, backprop, clipping and Adam, run eagerly
 * (each queued call runs at once, which is the call order the contract asks for). The online
 * net trains on the WebAssembly kernels; the target net runs forward only on them.
 * @module
 */

import { replayIndex } from "../counter_rng.ts";
import { paramCount } from "../layout.ts";
import type {
  DqnLearner,
  DqnLearnerConfig,
  DqnStats,
  LearnerState,
  TransitionBatch,
} from "../types.ts";
import {
  validateDqnConfig,
  validateGradientSteps,
  validateLearnerState,
  validateLearningRate,
  validateParamCount,
  validateTau,
  validateTransitions,
} from "../validate.ts";
import { WasmMlpTrainer } from "../wasm/mlp.ts";
import { allocTransitions, type GatheredTransitions, tdLoss } from "./dqn_loss.ts";
import { CpuOptimizer } from "./optimizer.ts";
import { settle } from "./_settle.ts";

/** `DqnLearner` on the CPU. */
export class CpuDqnLearner implements DqnLearner {
  /** Queued work has already run: a flush only copies the parameters out. */
  readonly flushIsCheap = true;
  readonly #config: DqnLearnerConfig;
  readonly #obsSize: number;
  readonly #nActions: number;
  readonly #count: number;
  // Replay ring.
  readonly #obs: Float32Array;
  readonly #nextObs: Float32Array;
  readonly #actions: Int32Array;
  readonly #rewards: Float32Array;
  readonly #discount: Float32Array;
  #pos = 0;
  #size = 0;
  // Networks and optimiser.
  readonly #online: WasmMlpTrainer;
  readonly #target: WasmMlpTrainer;
  readonly #opt: CpuOptimizer;
  // Per-step buffers.
  readonly #batch: GatheredTransitions;
  readonly #qOnline: Float32Array;
  readonly #qTargetNext: Float32Array;
  readonly #qOnlineNext: Float32Array | null;
  readonly #dQ: Float64Array;
  readonly #lossStats = new Float64Array(2);
  // Statistics since the last flush.
  #steps = 0;
  #lossSum = 0;
  #qSum = 0;
  #destroyed = false;

  /** A learner whose online and target nets both start as copies of `params`. */
  constructor(config: DqnLearnerConfig, params: Float32Array) {
    validateDqnConfig(config);
    this.#config = config;
    this.#count = paramCount(config.net);
    validateParamCount(params, this.#count);
    const sizes = config.net.sizes;
    this.#obsSize = sizes[0];
    this.#nActions = sizes[sizes.length - 1];
    const cap = config.bufferCapacity;
    this.#obs = new Float32Array(cap * this.#obsSize);
    this.#nextObs = new Float32Array(cap * this.#obsSize);
    this.#actions = new Int32Array(cap);
    this.#rewards = new Float32Array(cap);
    this.#discount = new Float32Array(cap);
    const B = config.batchSize;
    this.#online = new WasmMlpTrainer(config.net, params, { maxBatch: B });
    this.#target = new WasmMlpTrainer(config.net, params, { maxBatch: B });
    this.#opt = new CpuOptimizer([{ offset: 0, net: this.#online }]);
    this.#batch = allocTransitions(B, this.#obsSize);
    this.#qOnline = new Float32Array(B * this.#nActions);
    this.#qTargetNext = new Float32Array(B * this.#nActions);
    this.#qOnlineNext = config.doubleDqn ? new Float32Array(B * this.#nActions) : null;
    this.#dQ = new Float64Array(B * this.#nActions);
  }

  /** Transitions held in the replay ring. */
  get size(): number {
    return this.#size;
  }

  #alive(): void {
    if (this.#destroyed) throw new TypeError("This DQN learner has been destroyed");
  }

  /** Appends transitions to the ring, overwriting the oldest when full. */
  addTransitions(batch: TransitionBatch): void {
    this.#alive();
    const d = this.#obsSize;
    validateTransitions(batch, d, this.#nActions);
    const cap = this.#config.bufferCapacity;
    for (let t = 0; t < batch.count; t++) {
      const slot = this.#pos;
      this.#obs.set(batch.obs.subarray(t * d, (t + 1) * d), slot * d);
      this.#nextObs.set(batch.nextObs.subarray(t * d, (t + 1) * d), slot * d);
      this.#actions[slot] = batch.actions[t];
      this.#rewards[slot] = batch.rewards[t];
      this.#discount[slot] = batch.discount[t];
      this.#pos = (slot + 1) % cap;
      this.#size = Math.min(this.#size + 1, cap);
    }
  }

  /** Fills the gathered batch with the transitions gradient step `k` samples. */
  #gather(k: number): void {
    const { batchSize, seed } = this.#config;
    const d = this.#obsSize;
    const g = this.#batch;
    for (let j = 0; j < batchSize; j++) {
      const slot = replayIndex(seed, k, j, this.#size);
      // Plain loops: a subarray per row would allocate two views per sample.
      for (let i = 0, so = slot * d, jo = j * d; i < d; i++) {
        g.obs[jo + i] = this.#obs[so + i];
        g.nextObs[jo + i] = this.#nextObs[so + i];
      }
      g.actions[j] = this.#actions[slot];
      g.rewards[j] = this.#rewards[slot];
      g.discount[j] = this.#discount[slot];
    }
  }

  /**
   * Runs `n` gradient steps now (see `DqnLearner.queueGradientSteps`) at `learningRate`, which
   * applies to these steps only (default `config.adam.learningRate`).
   */
  queueGradientSteps(n: number, learningRate?: number): void {
    this.#alive();
    validateGradientSteps(n, this.#size);
    const lr = learningRate ?? this.#config.adam.learningRate;
    validateLearningRate(lr);
    const config = this.#config;
    const B = config.batchSize;
    const g = this.#batch;
    for (let s = 0; s < n; s++) {
      this.#gather(this.#opt.adamStep);
      // The s' passes first: the online pass on s must be the last one before backward.
      this.#target.forward(g.nextObs, B, this.#qTargetNext);
      if (this.#qOnlineNext) this.#online.forward(g.nextObs, B, this.#qOnlineNext);
      this.#online.forward(g.obs, B, this.#qOnline);
      this.#lossSum += tdLoss(
        config,
        B,
        this.#nActions,
        this.#qOnline,
        this.#qTargetNext,
        this.#qOnlineNext,
        g,
        this.#dQ,
        this.#lossStats,
      );
      this.#qSum += this.#lossStats[1];
      this.#opt.zeroGrads();
      this.#online.backward(this.#dQ);
      this.#opt.step(config.adam, lr, config.maxGradNorm);
      this.#steps++;
    }
  }

  /** Runs `target ← tau·online + (1 − tau)·target` now. */
  queueTargetUpdate(tau: number): void {
    this.#alive();
    validateTau(tau);
    const p = this.#online.getParams();
    if (tau < 1) {
      const t = this.#target.getParams();
      for (let k = 0; k < p.length; k++) p[k] = tau * p[k] + (1 - tau) * t[k];
    }
    this.#target.loadParams(p);
  }

  /** Statistics since the previous flush and a copy of the online parameters. */
  flush(): Promise<DqnStats> {
    return settle(() => {
      this.#alive();
      const steps = this.#steps;
      const stats: DqnStats = {
        gradientSteps: steps,
        loss: steps > 0 ? this.#lossSum / steps : NaN,
        qMean: steps > 0 ? this.#qSum / steps : NaN,
        params: this.#online.getParams(),
      };
      this.#steps = 0;
      this.#lossSum = 0;
      this.#qSum = 0;
      return stats;
    });
  }

  /** Copies of the parameters, target, Adam moments and step count. */
  getState(): Promise<LearnerState> {
    return settle(() => {
      this.#alive();
      return { ...this.#opt.state(), target: this.#target.getParams() };
    });
  }

  /** Replaces the optimiser state (a missing `target` becomes a copy of `params`). */
  setState(state: LearnerState): void {
    this.#alive();
    validateLearnerState(state, this.#count);
    this.#opt.setState(state);
    this.#target.loadParams(state.target ?? state.params);
  }

  /** Drops the buffers; later calls throw. */
  destroy(): void {
    this.#destroyed = true;
  }
}
