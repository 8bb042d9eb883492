/**
 * PPO / A2C learning on WebGPU. `update` uploads the rollout, records every minibatch of every
 * epoch (gather in counter-RNG order, actor and critic forward, loss head, backward, clipping,
 * Adam) with their step constants in one ring of uniform slots, and reads the statistics and
 * parameters back once at the end (the only sync).
 * @module
 */

import { type ActorCriticLayout, actorCriticLayout } from "../layout.ts";
import type {
  ActorCriticConfig,
  ActorCriticLearner,
  ActorCriticStats,
  LearnerState,
  Rollout,
} from "../types.ts";
import {
  ceil4,
  type GpuMlpLayout,
  gpuMlpLayout,
  packMlp,
  padRows,
  unpackMlp,
} from "./gpu_layout.ts";
import { MlpGraph, rowSplits } from "./mlp_graph.ts";
import { adamStepValues, DeviceOptimizer, reduceDispatch } from "./optimizer.ts";
import { type Dispatch, type GpuRuntime, makeDispatch, Recorder, UniformArena } from "./runtime.ts";
import { KERNELS } from "./shaders.ts";
import {
  validateActorCriticConfig,
  validateLearnerState,
  validateLearningRate,
  validateParamCount,
  validateRollout,
} from "../validate.ts";

/** Device buffers and dispatches for one rollout size. */
interface UpdatePlan {
  size: number;
  buffers: GPUBuffer[];
  graphs: MlpGraph[];
  rollObs: GPUBuffer;
  rollAct: GPUBuffer;
  rollAux: GPUBuffer;
  /** Dispatches of one minibatch step (all read the step slot). */
  step: Dispatch[];
}

/** `ActorCriticLearner` on WebGPU. */
export class WebGpuActorCriticLearner implements ActorCriticLearner {
  readonly #rt: GpuRuntime;
  readonly #config: ActorCriticConfig;
  readonly #layout: ActorCriticLayout;
  readonly #actor: GpuMlpLayout;
  readonly #critic: GpuMlpLayout;
  readonly #logStd4: number;
  readonly #count4: number;
  readonly #actionWidth: number;
  readonly #rec: Recorder;
  readonly #params: GPUBuffer;
  readonly #grads: GPUBuffer;
  readonly #stats: GPUBuffer;
  readonly #arena: UniformArena;
  #opt!: DeviceOptimizer;
  #plan: Promise<UpdatePlan> | null = null;
  #adamStep = 0;
  #destroyed = false;

  private constructor(rt: GpuRuntime, config: ActorCriticConfig) {
    this.#rt = rt;
    this.#config = config;
    this.#layout = actorCriticLayout(config);
    this.#actor = gpuMlpLayout(this.#layout.actor.spec, 0, this.#layout.actor.offset);
    this.#critic = gpuMlpLayout(
      this.#layout.critic.spec,
      this.#actor.count4,
      this.#layout.critic.offset,
    );
    this.#logStd4 = this.#actor.count4 + this.#critic.count4;
    this.#count4 = this.#logStd4 + ceil4(this.#layout.logStd.count) / 4;
    this.#actionWidth = config.action.kind === "discrete" ? 1 : config.action.dim;
    this.#rec = new Recorder(rt);
    this.#params = rt.storage(this.#count4 * 4, "actor-critic params");
    this.#grads = rt.storage(this.#count4 * 4, "actor-critic grads");
    this.#stats = rt.storage(8, "actor-critic stats");
    const layers = this.#actor.layers.length + this.#critic.layers.length;
    this.#arena = new UniformArena(rt, 4 * layers + 8, "actor-critic uniforms");
  }

  /** A learner starting from `params` (layout of `actorCriticLayout(config)`). */
  static async create(
    rt: GpuRuntime,
    config: ActorCriticConfig,
    params: Float32Array,
  ): Promise<WebGpuActorCriticLearner> {
    validateActorCriticConfig(config);
    if (config.action.kind === "continuous" && config.action.dim > 16) {
      throw new RangeError(
        `The WebGPU backend supports up to 16 action dimensions, got ${config.action.dim}`,
      );
    }
    const total = actorCriticLayout(config).total;
    validateParamCount(params, total);
    const learner = new WebGpuActorCriticLearner(rt, config);
    learner.#opt = await DeviceOptimizer.create(
      rt,
      learner.#arena,
      learner.#params,
      learner.#grads,
      learner.#count4,
    );
    learner.setState({
      params,
      adamM: new Float32Array(total),
      adamV: new Float32Array(total),
      adamStep: 0,
    });
    return learner;
  }

  #alive(): void {
    if (this.#destroyed) throw new TypeError("This actor-critic learner has been destroyed");
  }

  async #buildPlan(size: number): Promise<UpdatePlan> {
    const rt = this.#rt;
    const config = this.#config;
    const mb = size / config.numMinibatches;
    const obs4 = ceil4(config.obsSize) / 4;
    const act4 = ceil4(this.#actionWidth) / 4;
    const out4 = ceil4(this.#layout.actionSize) / 4;
    const { splits } = rowSplits(mb);
    const arena = new UniformArena(
      rt,
      3 * (this.#actor.layers.length + this.#critic.layers.length) + 4,
      "update uniforms",
    );
    const buffers: GPUBuffer[] = [arena.buffer];
    const alloc = (floats: number, label: string) => {
      const b = rt.storage(floats, label);
      buffers.push(b);
      return b;
    };
    const rollObs = alloc(size * obs4 * 4, "rollout obs");
    const rollAct = alloc(size * act4 * 4, "rollout actions");
    const rollAux = alloc(size * 4, "rollout logp, adv, ret, value");
    const mbObs = alloc(mb * obs4 * 4, "minibatch obs");
    const mbAct = alloc(mb * act4 * 4, "minibatch actions");
    const mbAux = alloc(mb * 4, "minibatch logp, adv, ret, value");
    const partial = splits > 1 ? alloc(splits * this.#count4 * 4, "partial grads") : null;
    const backward = { rows: mb, grads: this.#grads, partial, stride4: this.#count4 };
    const common = { params: this.#params, input: mbObs, inputOffset4: 0, forwardRows: mb };
    const actor = await MlpGraph.create(rt, arena, { ...common, layout: this.#actor, backward });
    const critic = await MlpGraph.create(rt, arena, { ...common, layout: this.#critic, backward });
    const gather = makeDispatch(
      rt,
      await rt.pipeline(KERNELS.minibatchGather),
      [
        arena.add([{ u: mb }, { u: obs4 }, { u: act4 }, { u: config.seed >>> 0 }]),
        rollObs,
        rollAct,
        rollAux,
        mbObs,
        mbAct,
        mbAux,
      ],
      [Math.ceil(mb / 64), 1, 1],
    );
    const discrete = config.action.kind === "discrete";
    const loss = makeDispatch(
      rt,
      await rt.pipeline(KERNELS.actorCriticLoss, {
        DISCRETE: discrete,
        SIZE: this.#layout.actionSize,
        SIZE4: out4,
        PPO: config.objective === "ppo",
        CLIP_VLOSS: config.clipValueLoss,
        NORM_ADV: config.normAdvantages,
      }),
      [
        arena.add([
          { u: mb },
          { f: config.clipCoef },
          { f: config.entCoef },
          { f: config.vfCoef },
          { u: this.#logStd4 },
        ]),
        actor.output,
        critic.output,
        mbAct,
        mbAux,
        this.#params,
        actor.dz[actor.dz.length - 1],
        critic.dz[critic.dz.length - 1],
        this.#grads,
        this.#stats,
      ],
      [1, 1, 1],
    );
    const reduce = partial
      ? [await reduceDispatch(rt, arena, partial, this.#grads, splits, this.#logStd4, this.#count4)]
      : [];
    return {
      size,
      buffers,
      graphs: [actor, critic],
      rollObs,
      rollAct,
      rollAux,
      step: [
        gather,
        ...actor.forward,
        ...critic.forward,
        loss,
        ...actor.backward,
        ...critic.backward,
        ...reduce,
        ...this.#opt.step(config.maxGradNorm),
      ],
    };
  }

  /** Runs `updateEpochs × numMinibatches` gradient steps on `rollout`; one readback (SYNC). */
  async update(rollout: Rollout, learningRate: number): Promise<ActorCriticStats> {
    this.#alive();
    validateRollout(rollout, this.#config, this.#actionWidth);
    validateLearningRate(learningRate);
    const config = this.#config;
    const n = rollout.size;
    if (!this.#plan || (await this.#plan).size !== n) {
      const old = this.#plan;
      this.#plan = this.#buildPlan(n);
      // The old plan's buffers may still be used by submitted work; queue order keeps them
      // alive until it has run (destroy only marks them).
      old?.then((p) => this.#freePlan(p));
    }
    const plan = await this.#plan;
    // Upload the rollout (after submitting anything recorded before, which must not see it).
    this.#rec.submit();
    const queue = this.#rt.device.queue;
    queue.writeBuffer(plan.rollObs, 0, padRows(rollout.obs, n, config.obsSize));
    queue.writeBuffer(plan.rollAct, 0, padRows(rollout.actions, n, this.#actionWidth));
    const aux = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) {
      aux[i * 4] = rollout.logProbs[i];
      aux[i * 4 + 1] = rollout.advantages[i];
      aux[i * 4 + 2] = rollout.returns[i];
      aux[i * 4 + 3] = rollout.values[i];
    }
    queue.writeBuffer(plan.rollAux, 0, aux);

    const { numMinibatches: M, updateEpochs } = config;
    const mb = n / M;
    for (let epoch = 0; epoch < updateEpochs; epoch++) {
      const e = Math.floor(this.#adamStep / M); // global epoch index (kernels/counter_rng.ts)
      for (let m = 0; m < M; m++) {
        this.#adamStep++;
        const offset = this.#rec.step({
          ...adamStepValues(config.adam, this.#adamStep, learningRate, config.maxGradNorm),
          counter: e,
          size: n,
          offset: m * mb,
        });
        this.#rec.dispatch(plan.step, offset);
      }
    }
    const steps = updateEpochs * M;
    const [stats, padded] = await this.#rec.read(
      [
        { buffer: this.#stats, offset: 0, size: 32 },
        { buffer: this.#params, offset: 0, size: this.#count4 * 16 },
      ],
      (encoder) => encoder.clearBuffer(this.#stats),
    );
    return {
      policyLoss: stats[0] / steps,
      valueLoss: stats[1] / steps,
      entropy: stats[2] / steps,
      approxKl: stats[3] / steps,
      clipFraction: stats[4] / steps,
      params: this.#unpack(padded),
    };
  }

  #unpack(padded: Float32Array): Float32Array {
    const flat = new Float32Array(this.#layout.total);
    unpackMlp(this.#actor, padded, flat);
    unpackMlp(this.#critic, padded, flat);
    const ls = this.#layout.logStd;
    flat.set(padded.subarray(this.#logStd4 * 4, this.#logStd4 * 4 + ls.count), ls.offset);
    return flat;
  }

  #pack(flat: Float32Array): Float32Array<ArrayBuffer> {
    const padded = new Float32Array(this.#count4 * 4);
    packMlp(this.#actor, flat, padded);
    packMlp(this.#critic, flat, padded);
    const ls = this.#layout.logStd;
    padded.set(flat.subarray(ls.offset, ls.offset + ls.count), this.#logStd4 * 4);
    return padded;
  }

  /** Reads parameters, Adam moments and step count. */
  async getState(): Promise<LearnerState> {
    this.#alive();
    const adamStep = this.#adamStep;
    const size = this.#count4 * 16;
    const parts = await this.#rec.read(
      [this.#params, this.#opt.m, this.#opt.v].map((buffer) => ({ buffer, offset: 0, size })),
    );
    const [params, adamM, adamV] = parts.map((p) => this.#unpack(p));
    return { params, adamM, adamV, adamStep };
  }

  /** Replaces parameters, Adam moments and step count. */
  setState(state: LearnerState): void {
    this.#alive();
    const total = this.#layout.total;
    const arrays = [["params", state.params], ["adamM", state.adamM], [
      "adamV",
      state.adamV,
    ]] as const;
    validateLearnerState(state, total);
    this.#rec.submit();
    const buffers = [this.#params, this.#opt.m, this.#opt.v];
    arrays.forEach(([, array], i) => {
      this.#rt.device.queue.writeBuffer(buffers[i], 0, this.#pack(array));
    });
    this.#adamStep = state.adamStep;
  }

  #freePlan(plan: UpdatePlan): void {
    for (const g of plan.graphs) g.destroy();
    for (const b of plan.buffers) b.destroy();
  }

  /** Frees device memory; later calls throw. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#plan?.then((p) => this.#freePlan(p)).catch(() => {});
    for (const b of [this.#params, this.#grads, this.#stats, this.#arena.buffer]) b.destroy();
    this.#opt?.destroy();
    this.#rec.destroy();
  }
}
