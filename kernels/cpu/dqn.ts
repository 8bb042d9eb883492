/**
 * DQN learning on the CPU: replay ring, TD loss, backprop, clipping and Adam, run eagerly
 * (each queued call runs at once, which is the call order the contract asks for).
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
import { type GatheredTransitions, tdLoss } from "./dqn_loss.ts";
import { type Floats, MlpWorkspace } from "./mlp.ts";
import { settle } from "./_settle.ts";
import { adamUpdate, clipGradNorm, validateAdam } from "./optim.ts";
import { validateLearnerState, validateTransitions } from "../validate.ts";

/** The loss-defining part of a DQN configuration. */
export type DqnLossConfig = Pick<
  DqnLearnerConfig,
  "net" | "batchSize" | "gamma" | "loss" | "doubleDqn"
>;

/** Gathered-batch buffers for `batch` transitions of `obsSize`-wide observations. */
export function allocTransitions(batch: number, obsSize: number): GatheredTransitions {
  return {
    obs: new Float64Array(batch * obsSize),
    actions: new Int32Array(batch),
    rewards: new Float64Array(batch),
    nextObs: new Float64Array(batch * obsSize),
    terminated: new Float64Array(batch),
  };
}

/**
 * The TD loss of a gathered batch and its gradient w.r.t. the online parameters, with
 * preallocated workspaces. Works on float32 or float64 parameters (the latter for gradient
 * checks), so the learner and the tests run the same code.
 */
export class DqnCore {
  /** Loss settings. */
  readonly config: DqnLossConfig;
  /** `[loss, mean q]` of the last `lossAndGrad`. */
  readonly stats: Float64Array = new Float64Array(2);
  readonly #online: MlpWorkspace;
  readonly #target: MlpWorkspace;
  readonly #onlineNext: MlpWorkspace | null;
  readonly #dQ: Float64Array;

  /** Workspaces for `config.batchSize` transitions. */
  constructor(config: DqnLossConfig) {
    this.config = config;
    this.#online = new MlpWorkspace(config.net, config.batchSize);
    this.#target = new MlpWorkspace(config.net, config.batchSize);
    this.#onlineNext = config.doubleDqn ? new MlpWorkspace(config.net, config.batchSize) : null;
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

/** Throws a `RangeError` describing the first invalid field of a DQN configuration. */
export function validateDqnConfig(config: DqnLearnerConfig): void {
  paramCount(config.net);
  for (const key of ["bufferCapacity", "batchSize"] as const) {
    if (!(Number.isInteger(config[key]) && config[key] >= 1)) {
      throw new RangeError(`${key} must be a positive integer, got ${config[key]}`);
    }
  }
  if (!(config.gamma >= 0 && config.gamma <= 1)) {
    throw new RangeError(`gamma must be in [0, 1], got ${config.gamma}`);
  }
  if (config.maxGradNorm !== null && !(config.maxGradNorm > 0)) {
    throw new RangeError(`maxGradNorm must be > 0 or null, got ${config.maxGradNorm}`);
  }
  validateAdam(config.adam);
}

/** `DqnLearner` on the CPU. */
export class CpuDqnLearner implements DqnLearner {
  readonly #config: DqnLearnerConfig;
  readonly #obsSize: number;
  readonly #count: number;
  // Replay ring.
  readonly #obs: Float32Array;
  readonly #nextObs: Float32Array;
  readonly #actions: Int32Array;
  readonly #rewards: Float32Array;
  readonly #terminated: Float32Array;
  #pos = 0;
  #size = 0;
  // Optimiser state.
  #params: Float32Array;
  #target: Float32Array;
  #m: Float32Array;
  #v: Float32Array;
  #adamStep = 0;
  readonly #grads: Float64Array;
  readonly #batch: GatheredTransitions;
  readonly #core: DqnCore;
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
    if (params.length !== this.#count) {
      throw new RangeError(`Expected ${this.#count} parameters, got ${params.length}`);
    }
    this.#obsSize = config.net.sizes[0];
    const cap = config.bufferCapacity;
    this.#obs = new Float32Array(cap * this.#obsSize);
    this.#nextObs = new Float32Array(cap * this.#obsSize);
    this.#actions = new Int32Array(cap);
    this.#rewards = new Float32Array(cap);
    this.#terminated = new Float32Array(cap);
    this.#params = params.slice();
    this.#target = params.slice();
    this.#m = new Float32Array(this.#count);
    this.#v = new Float32Array(this.#count);
    this.#grads = new Float64Array(this.#count);
    this.#batch = allocTransitions(config.batchSize, this.#obsSize);
    this.#core = new DqnCore(config);
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
    const { count } = batch;
    const d = this.#obsSize;
    const nActions = this.#config.net.sizes[this.#config.net.sizes.length - 1];
    validateTransitions(batch, d, nActions);
    const cap = this.#config.bufferCapacity;
    for (let t = 0; t < count; t++) {
      const a = batch.actions[t];
      const slot = this.#pos;
      this.#obs.set(batch.obs.subarray(t * d, (t + 1) * d), slot * d);
      this.#nextObs.set(batch.nextObs.subarray(t * d, (t + 1) * d), slot * d);
      this.#actions[slot] = a;
      this.#rewards[slot] = batch.rewards[t];
      this.#terminated[slot] = batch.terminated[t];
      this.#pos = (slot + 1) % cap;
      this.#size = Math.min(this.#size + 1, cap);
    }
  }

  /**
   * Runs `n` gradient steps now (see `DqnLearner.queueGradientSteps`) at `learningRate`, which
   * applies to these steps only (default `config.adam.learningRate`).
   */
  queueGradientSteps(n: number, learningRate?: number): void {
    this.#alive();
    if (!(Number.isInteger(n) && n >= 0)) {
      throw new RangeError(`Number of gradient steps must be a non-negative integer, got ${n}`);
    }
    if (n > 0 && this.#size === 0) {
      throw new RangeError("Cannot take a gradient step with an empty replay ring");
    }
    const lr = learningRate ?? this.#config.adam.learningRate;
    if (!(lr >= 0)) throw new RangeError(`Learning rate must be ≥ 0, got ${lr}`);
    const { batchSize, seed } = this.#config;
    const d = this.#obsSize;
    const g = this.#batch;
    for (let s = 0; s < n; s++) {
      const k = this.#adamStep;
      for (let j = 0; j < batchSize; j++) {
        const slot = replayIndex(seed, k, j, this.#size);
        const so = slot * d;
        const jo = j * d;
        for (let i = 0; i < d; i++) {
          g.obs[jo + i] = this.#obs[so + i];
          g.nextObs[jo + i] = this.#nextObs[so + i];
        }
        g.actions[j] = this.#actions[slot];
        g.rewards[j] = this.#rewards[slot];
        g.terminated[j] = this.#terminated[slot];
      }
      this.#lossSum += this.#core.lossAndGrad(
        this.#params,
        this.#target,
        g,
        batchSize,
        this.#grads,
      );
      this.#qSum += this.#core.stats[1];
      clipGradNorm(this.#grads, this.#config.maxGradNorm);
      adamUpdate(this.#params, this.#grads, this.#m, this.#v, k + 1, this.#config.adam, lr);
      this.#adamStep = k + 1;
      this.#steps++;
    }
  }

  /** Runs `target ← tau·online + (1 − tau)·target` now. */
  queueTargetUpdate(tau: number): void {
    this.#alive();
    if (!(tau >= 0 && tau <= 1)) throw new RangeError(`tau must be in [0, 1], got ${tau}`);
    if (tau === 1) {
      this.#target.set(this.#params);
      return;
    }
    const p = this.#params;
    const t = this.#target;
    for (let k = 0; k < t.length; k++) t[k] = tau * p[k] + (1 - tau) * t[k];
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
        params: this.#params.slice(),
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
      return {
        params: this.#params.slice(),
        target: this.#target.slice(),
        adamM: this.#m.slice(),
        adamV: this.#v.slice(),
        adamStep: this.#adamStep,
      };
    });
  }

  /** Replaces the optimiser state (a missing `target` becomes a copy of `params`). */
  setState(state: LearnerState): void {
    this.#alive();
    validateLearnerState(state, this.#count);
    this.#params = state.params.slice();
    this.#target = (state.target ?? state.params).slice();
    this.#m = state.adamM.slice();
    this.#v = state.adamV.slice();
    this.#adamStep = state.adamStep;
  }

  /** Drops the buffers; later calls throw. */
  destroy(): void {
    this.#destroyed = true;
  }
}
