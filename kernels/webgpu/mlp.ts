/**
 * The standalone `Mlp` of the WebGPU backend (tests, supervised use, benchmarks), and batched
 * supervised training steps (`trainRegression`) that queue many steps behind one readback.
 * @module
 */

import { paramCount } from "../layout.ts";
import type { AdamConfig, Mlp, MlpSpec } from "../types.ts";
import { validateAdam, validateMaxGradNorm, validateParamCount } from "../validate.ts";
import {
  ceil4,
  type GpuMlpLayout,
  gpuMlpLayout,
  packMlp,
  padRows,
  unpackMlp,
  unpadRows,
} from "./gpu_layout.ts";
import { MlpGraph, rowSplits } from "./mlp_graph.ts";
import { adamStepValues, DeviceOptimizer, reduceDispatch } from "./optimizer.ts";
import {
  type Dispatch,
  type GpuRuntime,
  grid1d,
  makeDispatch,
  Recorder,
  UniformArena,
} from "./runtime.ts";
import { KERNELS } from "./shaders.ts";

/** Buffers and dispatches for one batch size. */
interface BatchPlan {
  rows: number;
  arena: UniformArena;
  input: GPUBuffer;
  inputGrad: GPUBuffer;
  outGrad: GPUBuffer;
  partial: GPUBuffer | null;
  targets: GPUBuffer;
  graph: MlpGraph;
  /** Output activation derivative, when the output activation is not the identity. */
  outputGrad: Dispatch[];
  reduce: Dispatch[];
  mse: Dispatch;
}

/** Batch sizes whose buffers an MLP keeps at once (least recently used are freed). */
const MAX_PLANS = 8;

function freePlan(p: BatchPlan): void {
  p.graph.destroy();
  for (const b of [p.input, p.inputGrad, p.outGrad, p.targets, p.partial]) b?.destroy();
  p.arena.buffer.destroy();
}

/** Result of `WebGpuMlp.trainRegression`. */
export interface RegressionResult {
  /** Mean MSE loss over the steps. */
  loss: number;
  /** Parameters after the steps (flat layout). */
  params: Float32Array;
}

/** `Mlp` on WebGPU. Work is recorded and submitted in order; reads are the only syncs. */
export class WebGpuMlp implements Mlp {
  /** Architecture. */
  readonly spec: MlpSpec;
  /** Number of float32 parameters. */
  readonly paramCount: number;
  readonly #rt: GpuRuntime;
  readonly #layout: GpuMlpLayout;
  readonly #params: GPUBuffer;
  readonly #grads: GPUBuffer;
  readonly #stats: GPUBuffer;
  readonly #opt: DeviceOptimizer;
  readonly #rec: Recorder;
  readonly #plans = new Map<number, Promise<BatchPlan>>();
  #last: BatchPlan | null = null;
  #step = 0;
  #destroyed = false;

  private constructor(
    rt: GpuRuntime,
    spec: MlpSpec,
    layout: GpuMlpLayout,
    opt: DeviceOptimizer,
    bufs: GPUBuffer[],
  ) {
    this.#rt = rt;
    this.spec = spec;
    this.paramCount = paramCount(spec);
    this.#layout = layout;
    [this.#params, this.#grads, this.#stats] = bufs;
    this.#opt = opt;
    this.#rec = new Recorder(rt);
  }

  /** An MLP on `rt` holding a copy of `params`. */
  static async create(rt: GpuRuntime, spec: MlpSpec, params: Float32Array): Promise<WebGpuMlp> {
    validateParamCount(params, paramCount(spec));
    const layout = gpuMlpLayout(spec);
    const p = rt.storage(layout.count4 * 4, "mlp params");
    const g = rt.storage(layout.count4 * 4, "mlp grads");
    const stats = rt.storage(4, "mlp stats");
    const arena = new UniformArena(rt, 4, "mlp optimizer uniforms");
    const opt = await DeviceOptimizer.create(rt, arena, p, g, layout.count4);
    const mlp = new WebGpuMlp(rt, spec, layout, opt, [p, g, stats]);
    mlp.setParams(params);
    return mlp;
  }

  #alive(): void {
    if (this.#destroyed) throw new TypeError("This MLP has been destroyed");
  }

  #plan(rows: number): Promise<BatchPlan> {
    let plan = this.#plans.get(rows);
    if (plan) {
      // Most recently used last, so the eviction below drops the least recently used.
      this.#plans.delete(rows);
    } else {
      plan = this.#buildPlan(rows);
      if (this.#plans.size >= MAX_PLANS) {
        const [oldest, evicted] = this.#plans.entries().next().value as [
          number,
          Promise<BatchPlan>,
        ];
        this.#plans.delete(oldest);
        // Recorded work may still use its buffers: submit it first (destroy waits for it).
        this.#rec.submit();
        evicted.then((p) => {
          if (this.#last === p) this.#last = null;
          freePlan(p);
        }).catch(() => {});
      }
    }
    this.#plans.set(rows, plan);
    return plan;
  }

  async #buildPlan(rows: number): Promise<BatchPlan> {
    const rt = this.#rt;
    const { layers } = this.#layout;
    const first = layers[0];
    const last = layers[layers.length - 1];
    const { splits } = rowSplits(rows);
    const count4 = this.#layout.count4;
    const arena = new UniformArena(rt, 3 * layers.length + 4, "mlp uniforms");
    const input = rt.storage(rows * first.in4 * 4, "mlp input");
    const inputGrad = rt.storage(rows * first.in4 * 4, "mlp input gradient");
    const outGrad = rt.storage(rows * last.out4 * 4, "mlp output gradient");
    const targets = rt.storage(rows * last.out4 * 4, "mlp targets");
    const partial = splits > 1 ? rt.storage(splits * count4 * 4, "mlp partial gradients") : null;
    const graph = await MlpGraph.create(rt, arena, {
      layout: this.#layout,
      params: this.#params,
      input,
      inputOffset4: 0,
      forwardRows: rows,
      backward: { rows, grads: this.#grads, partial, stride4: count4, inputGrad },
    });
    const dz = graph.dz[graph.dz.length - 1];
    const outputGrad: Dispatch[] = [];
    const n4 = rows * last.out4;
    if (last.act !== 0) {
      const k = await rt.pipeline(KERNELS.activationBackward, { ACT: last.act });
      outputGrad.push(
        makeDispatch(rt, k, [arena.add([{ u: n4 }]), graph.output, outGrad, dz], grid1d(n4)),
      );
    }
    const reduce = partial
      ? [await reduceDispatch(rt, arena, partial, this.#grads, splits, count4, count4)]
      : [];
    const mseKernel = await rt.pipeline(KERNELS.mseLoss);
    const mseParams = arena.add([{ u: n4 }, { f: 1 / (rows * last.outSize) }]);
    // The MSE gradient goes where backward expects dY: straight into dZ for identity outputs.
    const mseOut = last.act === 0 ? dz : outGrad;
    const mse = makeDispatch(
      rt,
      mseKernel,
      [mseParams, graph.output, targets, mseOut, this.#stats],
      [1, 1, 1],
    );
    return {
      rows,
      arena,
      input,
      inputGrad,
      outGrad,
      partial,
      targets,
      graph,
      outputGrad,
      reduce,
      mse,
    };
  }

  /** Outputs of `batch` rows of `x`; keeps the activations for `backward`. */
  async forward(x: Float32Array, batch: number): Promise<Float32Array> {
    this.#alive();
    const inN = this.spec.sizes[0];
    if (!(Number.isInteger(batch) && batch >= 1) || x.length !== batch * inN) {
      throw new RangeError(`Input must hold batch × ${inN} values, got ${x.length} for ${batch}`);
    }
    const plan = await this.#plan(batch);
    // Writes land before the next submit, so submit what was recorded before them first.
    this.#rec.submit();
    this.#rt.device.queue.writeBuffer(plan.input, 0, padRows(x, batch, inN));
    this.#rec.dispatch(plan.graph.forward);
    this.#last = plan;
    const last = this.#layout.layers[this.#layout.layers.length - 1];
    const [y] = await this.#rec.read([
      { buffer: plan.graph.output, offset: 0, size: batch * last.out4 * 16 },
    ]);
    return unpadRows(y, batch, last.outSize);
  }

  /** Stores the parameter gradients for `dY` and returns the gradient w.r.t. the inputs. */
  async backward(dY: Float32Array): Promise<Float32Array> {
    this.#alive();
    const plan = this.#last;
    if (!plan) throw new TypeError("backward needs a forward first");
    const sizes = this.spec.sizes;
    const outN = sizes[sizes.length - 1];
    if (dY.length !== plan.rows * outN) {
      throw new RangeError(`dY must hold ${plan.rows} × ${outN} values, got ${dY.length}`);
    }
    this.#rec.submit();
    const target = plan.outputGrad.length > 0
      ? plan.outGrad
      : plan.graph.dz[plan.graph.dz.length - 1];
    this.#rt.device.queue.writeBuffer(target, 0, padRows(dY, plan.rows, outN));
    this.#rec.dispatch([...plan.outputGrad, ...plan.graph.backward, ...plan.reduce]);
    const [dx] = await this.#rec.read([
      { buffer: plan.inputGrad, offset: 0, size: plan.rows * ceil4(sizes[0]) * 4 },
    ]);
    return unpadRows(dx, plan.rows, sizes[0]);
  }

  /** Queues one Adam step on the stored gradients (after optional global-norm clipping). */
  adamStep(adam: AdamConfig, maxGradNorm: number | null = null): void {
    this.#alive();
    validateAdam(adam);
    validateMaxGradNorm(maxGradNorm);
    this.#step++;
    const offset = this.#rec.step(adamStepValues(adam, this.#step, adam.learningRate, maxGradNorm));
    this.#rec.dispatch(this.#opt.step(maxGradNorm), offset);
  }

  /**
   * Runs `steps` supervised steps on one batch (forward, MSE loss against `targets`, backward,
   * clipping, Adam) recorded behind ONE readback of the mean loss and the parameters.
   */
  async trainRegression(
    x: Float32Array,
    targets: Float32Array,
    batch: number,
    steps: number,
    adam: AdamConfig,
    maxGradNorm: number | null = null,
  ): Promise<RegressionResult> {
    this.#alive();
    validateAdam(adam);
    const sizes = this.spec.sizes;
    const outN = sizes[sizes.length - 1];
    if (x.length !== batch * sizes[0] || targets.length !== batch * outN) {
      throw new RangeError(`Inputs and targets must hold ${batch} rows`);
    }
    const plan = await this.#plan(batch);
    this.#rec.submit();
    const queue = this.#rt.device.queue;
    queue.writeBuffer(plan.input, 0, padRows(x, batch, sizes[0]));
    queue.writeBuffer(plan.targets, 0, padRows(targets, batch, outN));
    const step = [
      ...plan.graph.forward,
      plan.mse,
      ...plan.outputGrad,
      ...plan.graph.backward,
      ...plan.reduce,
      ...this.#opt.step(maxGradNorm),
    ];
    for (let s = 0; s < steps; s++) {
      this.#step++;
      const offset = this.#rec.step(
        adamStepValues(adam, this.#step, adam.learningRate, maxGradNorm),
      );
      this.#rec.dispatch(step, offset);
    }
    this.#last = plan;
    const [stats, padded] = await this.#rec.read(
      [
        { buffer: this.#stats, offset: 0, size: 16 },
        { buffer: this.#params, offset: 0, size: this.#layout.count4 * 16 },
      ],
      (encoder) => encoder.clearBuffer(this.#stats),
    );
    const params = new Float32Array(this.paramCount);
    unpackMlp(this.#layout, padded, params);
    return { loss: steps > 0 ? stats[0] / steps : NaN, params };
  }

  async #readFlat(buffer: GPUBuffer): Promise<Float32Array> {
    const [padded] = await this.#rec.read([{ buffer, offset: 0, size: this.#layout.count4 * 16 }]);
    const flat = new Float32Array(this.paramCount);
    unpackMlp(this.#layout, padded, flat);
    return flat;
  }

  /** Reads the parameters (after everything queued). */
  getParams(): Promise<Float32Array> {
    this.#alive();
    return this.#readFlat(this.#params);
  }

  /** Replaces the parameters and resets Adam's moments and step count. */
  setParams(params: Float32Array): void {
    this.#alive();
    validateParamCount(params, this.paramCount);
    this.#rec.submit();
    const padded = new Float32Array(this.#layout.count4 * 4);
    packMlp(this.#layout, params, padded);
    this.#rt.device.queue.writeBuffer(this.#params, 0, padded);
    const encoder = this.#rec.encoder();
    encoder.clearBuffer(this.#opt.m);
    encoder.clearBuffer(this.#opt.v);
    this.#step = 0;
  }

  /** Reads the gradients stored by the last `backward`. */
  getGrads(): Promise<Float32Array> {
    this.#alive();
    return this.#readFlat(this.#grads);
  }

  /** Frees device memory; later calls throw. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    for (const b of [this.#params, this.#grads, this.#stats]) b.destroy();
    this.#opt.destroy();
    this.#rec.destroy();
    for (const plan of this.#plans.values()) plan.then(freePlan).catch(() => {});
  }
}
