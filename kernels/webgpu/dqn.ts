/**
 * DQN learning on WebGPU. The replay ring lives on the device; each gradient step is a fixed
 * list of dispatches (replay draw, online and target forward, TD loss, backward, clipping,
 * Adam) whose step-dependent constants (draw stream k, replay size, Adam bias corrections) come
 * from one ring slot. Queued steps are recorded, not run; `flush` submits and reads back the
 * statistics and parameters at once (the only sync).
 * @module
 */

import { paramCount } from "../layout.ts";
import type {
  DqnLearner,
  DqnLearnerConfig,
  DqnStats,
  LearnerState,
  TransitionBatch,
} from "../types.ts";
import {
  ACTIVATION_CODE,
  ceil4,
  type GpuMlpLayout,
  gpuMlpLayout,
  packMlp,
  unpackMlp,
} from "./gpu_layout.ts";
import { MlpGraph, rowSplits } from "./mlp_graph.ts";
import { adamStepValues, DeviceOptimizer, polyakDispatch, reduceDispatch } from "./optimizer.ts";
import { type Dispatch, type GpuRuntime, makeDispatch, Recorder, UniformArena } from "./runtime.ts";
import { KERNELS } from "./shaders.ts";
import {
  validateDqnConfig,
  validateGradientSteps,
  validateLearnerState,
  validateLearningRate,
  validateParamCount,
  validateTau,
  validateTransitions,
} from "../validate.ts";

/** `DqnLearner` on WebGPU. */
export class WebGpuDqnLearner implements DqnLearner {
  /** A flush waits for the device (one readback): let gradient steps pile up between them. */
  readonly flushIsCheap = false;
  readonly #rt: GpuRuntime;
  readonly #config: DqnLearnerConfig;
  readonly #layout: GpuMlpLayout;
  readonly #count: number;
  readonly #obsSize: number;
  readonly #rec: Recorder;
  readonly #buffers: GPUBuffer[] = [];
  #ringObs!: GPUBuffer;
  #ringNext!: GPUBuffer;
  #ringAux!: GPUBuffer;
  #params!: GPUBuffer;
  #target!: GPUBuffer;
  #stats!: GPUBuffer;
  #opt!: DeviceOptimizer;
  #graphs: MlpGraph[] = [];
  /** Dispatches of one gradient step (all read the step slot). */
  #stepDispatches: Dispatch[] = [];
  #polyak!: Dispatch;
  #pos = 0;
  #size = 0;
  #adamStep = 0;
  #steps = 0;
  #destroyed = false;

  private constructor(rt: GpuRuntime, config: DqnLearnerConfig) {
    this.#rt = rt;
    this.#config = config;
    this.#layout = gpuMlpLayout(config.net);
    this.#count = paramCount(config.net);
    this.#obsSize = config.net.sizes[0];
    this.#rec = new Recorder(rt);
  }

  /** A learner whose online and target nets both start as copies of `params`. */
  static async create(
    rt: GpuRuntime,
    config: DqnLearnerConfig,
    params: Float32Array,
  ): Promise<WebGpuDqnLearner> {
    validateDqnConfig(config);
    const count = paramCount(config.net);
    validateParamCount(params, count);
    const learner = new WebGpuDqnLearner(rt, config);
    await learner.#build();
    learner.setState({
      params,
      target: params,
      adamM: new Float32Array(count),
      adamV: new Float32Array(count),
      adamStep: 0,
    });
    return learner;
  }

  #alloc(floats: number, label: string): GPUBuffer {
    const b = this.#rt.storage(floats, label);
    this.#buffers.push(b);
    return b;
  }

  async #build(): Promise<void> {
    const rt = this.#rt;
    const { batchSize: B, bufferCapacity: cap, net } = this.#config;
    const layers = this.#layout.layers;
    const obs4 = layers[0].in4;
    const last = layers[layers.length - 1];
    const count4 = this.#layout.count4;
    const { splits } = rowSplits(B);
    const arena = new UniformArena(rt, 3 * 2 * layers.length + 8, "dqn uniforms");
    this.#buffers.push(arena.buffer);
    this.#ringObs = this.#alloc(cap * obs4 * 4, "replay obs");
    this.#ringNext = this.#alloc(cap * obs4 * 4, "replay next obs");
    this.#ringAux = this.#alloc(cap * 4, "replay action, reward, discount");
    const xin = this.#alloc(2 * B * obs4 * 4, "sampled obs and next obs");
    const aux = this.#alloc(B * 4, "sampled action, reward, discount");
    this.#params = this.#alloc(count4 * 4, "online params");
    this.#target = this.#alloc(count4 * 4, "target params");
    const grads = this.#alloc(count4 * 4, "grads");
    const partial = splits > 1 ? this.#alloc(splits * count4 * 4, "partial grads") : null;
    this.#stats = this.#alloc(4, "dqn stats");

    const double = this.#config.doubleDqn;
    const online = await MlpGraph.create(rt, arena, {
      layout: this.#layout,
      params: this.#params,
      input: xin,
      inputOffset4: 0,
      forwardRows: double ? 2 * B : B,
      backward: { rows: B, grads, partial, stride4: count4 },
    });
    const target = await MlpGraph.create(rt, arena, {
      layout: this.#layout,
      params: this.#target,
      input: xin,
      inputOffset4: B * obs4,
      forwardRows: B,
    });
    this.#graphs = [online, target];
    const sample = makeDispatch(
      rt,
      await rt.pipeline(KERNELS.replaySample),
      [
        arena.add([{ u: B }, { u: obs4 }, { u: this.#config.seed >>> 0 }]),
        this.#ringObs,
        this.#ringNext,
        this.#ringAux,
        xin,
        aux,
      ],
      [Math.ceil(B / 64), 1, 1],
    );
    const nActions = net.sizes[net.sizes.length - 1];
    const loss = makeDispatch(
      rt,
      await rt.pipeline(KERNELS.dqnLoss, {
        ACTIONS: nActions,
        ACT4: last.out4,
        DOUBLE: double,
        HUBER: this.#config.loss === "huber",
        OUT_ACT: ACTIVATION_CODE[net.output ?? "identity"],
      }),
      [
        arena.add([{ u: B }]),
        online.output,
        target.output,
        aux,
        online.dz[online.dz.length - 1],
        this.#stats,
      ],
      [1, 1, 1],
    );
    this.#opt = await DeviceOptimizer.create(rt, arena, this.#params, grads, count4);
    const reduce = partial
      ? [await reduceDispatch(rt, arena, partial, grads, splits, count4, count4)]
      : [];
    this.#stepDispatches = [
      sample,
      ...online.forward,
      ...target.forward,
      loss,
      ...online.backward,
      ...reduce,
      ...this.#opt.step(this.#config.maxGradNorm),
    ];
    this.#polyak = await polyakDispatch(rt, arena, this.#params, this.#target, count4);
  }

  /** Transitions held in the replay ring. */
  get size(): number {
    return this.#size;
  }

  #alive(): void {
    if (this.#destroyed) throw new TypeError("This DQN learner has been destroyed");
  }

  /** Appends transitions to the replay ring, overwriting the oldest when full. */
  addTransitions(batch: TransitionBatch): void {
    this.#alive();
    const { count } = batch;
    const d = this.#obsSize;
    const sizes = this.#config.net.sizes;
    validateTransitions(batch, d, sizes[sizes.length - 1]);
    if (count === 0) return;
    const cap = this.#config.bufferCapacity;
    // Only the last `cap` transitions survive a batch larger than the ring.
    const skip = Math.max(0, count - cap);
    const n = count - skip;
    const d4 = ceil4(d);
    const obs = new Float32Array(n * d4);
    const next = new Float32Array(n * d4);
    const aux = new Float32Array(n * 4);
    for (let t = 0; t < n; t++) {
      const src = (skip + t) * d;
      obs.set(batch.obs.subarray(src, src + d), t * d4);
      next.set(batch.nextObs.subarray(src, src + d), t * d4);
      aux[t * 4] = batch.actions[skip + t];
      aux[t * 4 + 1] = batch.rewards[skip + t];
      aux[t * 4 + 2] = batch.discount[skip + t];
    }
    // Steps queued before this call must sample the ring as it was: writeBuffer lands before
    // the next submit, so submit them first (cheap: nothing waits).
    this.#rec.submit();
    const queue = this.#rt.device.queue;
    const start = (this.#pos + skip) % cap;
    const first = Math.min(n, cap - start);
    for (const [begin, len, slot] of [[0, first, start], [first, n - first, 0]]) {
      if (len === 0) continue;
      queue.writeBuffer(this.#ringObs, slot * d4 * 4, obs, begin * d4, len * d4);
      queue.writeBuffer(this.#ringNext, slot * d4 * 4, next, begin * d4, len * d4);
      queue.writeBuffer(this.#ringAux, slot * 16, aux, begin * 4, len * 4);
    }
    this.#pos = (this.#pos + count) % cap;
    this.#size = Math.min(this.#size + count, cap);
  }

  /** Queues `n` gradient steps (recorded now, run at the next submit). */
  queueGradientSteps(n: number, learningRate?: number): void {
    this.#alive();
    validateGradientSteps(n, this.#size);
    const lr = learningRate ?? this.#config.adam.learningRate;
    validateLearningRate(lr);
    for (let s = 0; s < n; s++) {
      const k = this.#adamStep;
      const offset = this.#rec.step({
        ...adamStepValues(this.#config.adam, k + 1, lr, this.#config.maxGradNorm),
        counter: k,
        size: this.#size,
      });
      this.#rec.dispatch(this.#stepDispatches, offset);
      this.#adamStep = k + 1;
      this.#steps++;
    }
  }

  /** Queues `target ← tau·online + (1 − tau)·target`. */
  queueTargetUpdate(tau: number): void {
    this.#alive();
    validateTau(tau);
    this.#rec.dispatch([this.#polyak], this.#rec.step({ tau }));
  }

  /** Runs everything queued; reads the statistics and the parameters back at once (SYNC). */
  async flush(): Promise<DqnStats> {
    this.#alive();
    const steps = this.#steps;
    this.#steps = 0;
    const [stats, padded] = await this.#rec.read(
      [
        { buffer: this.#stats, offset: 0, size: 16 },
        { buffer: this.#params, offset: 0, size: this.#layout.count4 * 16 },
      ],
      (encoder) => encoder.clearBuffer(this.#stats),
    );
    return {
      gradientSteps: steps,
      loss: steps > 0 ? stats[0] / steps : NaN,
      qMean: steps > 0 ? stats[1] / steps : NaN,
      params: this.#unpack(padded),
    };
  }

  #unpack(padded: Float32Array): Float32Array {
    const flat = new Float32Array(this.#count);
    unpackMlp(this.#layout, padded, flat);
    return flat;
  }

  /** Reads parameters, target, Adam moments and step count (after running anything queued). */
  async getState(): Promise<LearnerState> {
    this.#alive();
    const size = this.#layout.count4 * 16;
    const adamStep = this.#adamStep;
    const parts = await this.#rec.read(
      [this.#params, this.#target, this.#opt.m, this.#opt.v].map((buffer) => ({
        buffer,
        offset: 0,
        size,
      })),
    );
    const [params, target, adamM, adamV] = parts.map((p) => this.#unpack(p));
    return { params, target, adamM, adamV, adamStep };
  }

  /** Replaces the optimiser state (a missing `target` becomes a copy of `params`). */
  setState(state: LearnerState): void {
    this.#alive();
    const arrays = [
      ["params", state.params],
      ["target", state.target ?? state.params],
      ["adamM", state.adamM],
      ["adamV", state.adamV],
    ] as const;
    validateLearnerState(state, this.#count);
    this.#rec.submit();
    const buffers = [this.#params, this.#target, this.#opt.m, this.#opt.v];
    const padded = new Float32Array(this.#layout.count4 * 4);
    arrays.forEach(([, array], i) => {
      packMlp(this.#layout, array, padded);
      this.#rt.device.queue.writeBuffer(buffers[i], 0, padded);
    });
    this.#adamStep = state.adamStep;
  }

  /** Frees device memory; later calls throw. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const g of this.#graphs) g.destroy();
    for (const b of this.#buffers) b.destroy();
    this.#opt?.destroy();
    this.#rec.destroy();
  }
}
