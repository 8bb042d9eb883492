/**
 * MLP training on the WebAssembly SIMD kernels: forward, backward into accumulated gradients,
 * global-norm clipping and Adam(W), all in float32 in one `WebAssembly.Memory`: the engine of
 * the CPU backend's learners. It computes what the TypeScript reference
 * (`kernels/cpu/reference_mlp.ts` plus `optim.ts`) does, about ten times faster.
 *
 * Parameters come and go in the layout of `kernels/layout.ts`; inside, every weight matrix,
 * bias and activation row is padded with zeros to a multiple of 4 floats so the kernels move
 * whole `f32x4` vectors (no padding at all for widths that are multiples of 4, e.g. 8-64-64-4).
 * Memory, front to back: parameters, gradients, Adam's first and second moments (each the
 * padded parameter count), the transposed weights, then the batch's activations.
 * @module
 */

import { mlpLayers, paramCount } from "../layout.ts";
import type { Activation, AdamConfig, Floats, LearnerState, MlpSpec } from "../types.ts";
import { validateAdam, validateLearnerState, validateParamCount } from "../validate.ts";
import { hasRelaxedSimd, instantiateMlpKernels, type MlpKernels } from "./module.ts";

/** Options of a `WasmMlpTrainer`. */
export interface WasmMlpOptions {
  /** Rows to allocate activations for up front; `forward` grows them on demand (default 1). */
  maxBatch?: number;
  /**
   * Use the relaxed-SIMD build (fused multiply-add where the CPU has it). Default: when the
   * engine supports relaxed SIMD; `false` forces the plain `mul` + `add` build.
   */
  relaxedSimd?: boolean;
}

/** One dense layer as the kernels see it. */
interface PaddedLayer {
  /** Widths, and widths rounded up to a multiple of 4. */
  inN: number;
  outN: number;
  inP: number;
  outP: number;
  /** Offsets in the standard layout. */
  weightOffset: number;
  biasOffset: number;
  /** Float offset of W (then b) in the padded parameter vector. */
  at: number;
  /** Float offset of Wᵀ (`outP × inP`) in the transposed-weights block. */
  tAt: number;
  activation: Activation;
}

const pad4 = (n: number): number => (n + 3) & ~3;
const PAGE = 65536;

/**
 * Trains one MLP on the WebAssembly kernels. `forward` keeps the activations for the next
 * `backward`; `backward` ADDS parameter gradients (call `zeroGrads` between steps), like
 * `ReferenceMlp.backward`; `adamStep` then updates the parameters.
 *
 * @example
 * ```ts
 * import { WasmMlpTrainer } from "./mlp.ts";
 * const spec = { sizes: [2, 8, 1], hidden: "tanh" } as const;
 * const net = new WasmMlpTrainer(spec, new Float32Array(2 * 8 + 8 + 8 + 1).fill(0.1));
 * const y = net.forward(new Float32Array([0.5, -0.5, 1, 0]), 2);
 * net.zeroGrads();
 * net.backward(y.map((v) => v - 1)); // gradient of ½(y − 1)²
 * net.adamStep({ learningRate: 1e-3 });
 * ```
 */
export class WasmMlpTrainer {
  /** Architecture. */
  readonly spec: MlpSpec;
  /** Number of parameters (standard layout). */
  readonly paramCount: number;
  /** Whether the relaxed-SIMD build runs. */
  readonly relaxedSimd: boolean;
  readonly #layers: PaddedLayer[];
  /** Padded parameter count (a multiple of 4). */
  readonly #np: number;
  readonly #memory: WebAssembly.Memory;
  readonly #k: MlpKernels;
  #f32: Float32Array;
  // Float offsets of the fixed blocks.
  readonly #p: number;
  readonly #g: number;
  readonly #m: number;
  readonly #v: number;
  readonly #wt: number;
  readonly #actBase: number;
  /** Padded indices that hold no parameter (re-zeroed after Adam with eps = 0: 0/0). */
  readonly #padding: Int32Array;
  /** Float offsets of the input and of every layer's output; the two gradient buffers. */
  #acts: number[] = [];
  #dA = 0;
  #dB = 0;
  #capacity = 0;
  #batch = 0;
  #step = 0;
  #transposed = false;

  /** A trainer holding a copy of `params` (standard layout) with zeroed Adam state. */
  constructor(spec: MlpSpec, params: Float32Array, options: WasmMlpOptions = {}) {
    this.paramCount = paramCount(spec);
    this.spec = spec;
    validateParamCount(params, this.paramCount);
    const maxBatch = options.maxBatch ?? 1;
    if (!(Number.isInteger(maxBatch) && maxBatch >= 1)) {
      throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
    }
    this.relaxedSimd = options.relaxedSimd ?? hasRelaxedSimd();
    let at = 0;
    let tAt = 0;
    this.#layers = mlpLayers(spec).map((l) => {
      const layer: PaddedLayer = {
        inN: l.inSize,
        outN: l.outSize,
        inP: pad4(l.inSize),
        outP: pad4(l.outSize),
        weightOffset: l.weightOffset,
        biasOffset: l.biasOffset,
        at,
        tAt,
        activation: l.activation,
      };
      at += layer.inP * layer.outP + layer.outP;
      tAt += layer.inP * layer.outP;
      return layer;
    });
    this.#np = at;
    this.#p = 0;
    this.#g = at;
    this.#m = 2 * at;
    this.#v = 3 * at;
    this.#wt = 4 * at;
    this.#actBase = 4 * at + tAt;
    this.#memory = new WebAssembly.Memory({ initial: 1 });
    this.#f32 = new Float32Array(this.#memory.buffer);
    this.#k = instantiateMlpKernels(this.#memory, this.relaxedSimd);
    this.#reserve(maxBatch);
    const isParam = new Uint8Array(at);
    for (const l of this.#layers) {
      for (let i = 0; i < l.inN; i++) {
        isParam.fill(1, l.at + i * l.outP, l.at + i * l.outP + l.outN);
      }
      const b = l.at + l.inP * l.outP;
      isParam.fill(1, b, b + l.outN);
    }
    this.#padding = Int32Array.from(isParam.keys()).filter((i) => isParam[i] === 0);
    this.#load(params, this.#p);
  }

  /** Rows the activation buffers hold now. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Adam steps taken since construction or the last `setParams` / `setState`. */
  get adamStepCount(): number {
    return this.#step;
  }

  #reserve(rows: number): void {
    const sizes = this.spec.sizes.map(pad4);
    const widest = Math.max(...sizes);
    let at = this.#actBase;
    this.#acts = sizes.map((n) => {
      const start = at;
      at += rows * n;
      return start;
    });
    this.#dA = at;
    this.#dB = at + rows * widest;
    const bytes = 4 * (this.#dB + rows * widest);
    const pages = Math.ceil(bytes / PAGE) - this.#memory.buffer.byteLength / PAGE;
    if (pages > 0) this.#memory.grow(pages);
    this.#f32 = new Float32Array(this.#memory.buffer);
    this.#capacity = rows;
  }

  /** Writes a standard-layout vector into the padded block at float offset `base`. */
  #load(src: Float32Array, base: number): void {
    const f = this.#f32;
    for (const l of this.#layers) {
      if (l.inN === l.inP && l.outN === l.outP) {
        // Unpadded: W and b are contiguous in both layouts.
        f.set(src.subarray(l.weightOffset, l.biasOffset + l.outN), base + l.at);
      } else {
        for (let i = 0; i < l.inN; i++) {
          const row = src.subarray(l.weightOffset + i * l.outN, l.weightOffset + (i + 1) * l.outN);
          f.set(row, base + l.at + i * l.outP);
        }
        f.set(src.subarray(l.biasOffset, l.biasOffset + l.outN), base + l.at + l.inP * l.outP);
      }
    }
  }

  /** Reads the padded block at float offset `base` into the standard layout. */
  #store(base: number): Float32Array {
    const out = new Float32Array(this.paramCount);
    const f = this.#f32;
    for (const l of this.#layers) {
      for (let i = 0; i < l.inN; i++) {
        const from = base + l.at + i * l.outP;
        out.set(f.subarray(from, from + l.outN), l.weightOffset + i * l.outN);
      }
      const b = base + l.at + l.inP * l.outP;
      out.set(f.subarray(b, b + l.outN), l.biasOffset);
    }
    return out;
  }

  /** Copies `batch` rows of `width` values from `src` into the padded rows at `dst`. */
  #rowsIn(src: Floats, batch: number, width: number, dst: number): void {
    const ld = pad4(width);
    if (ld === width) {
      this.#f32.set(src.subarray(0, batch * width), dst);
      return;
    }
    const f = this.#f32;
    for (let r = 0; r < batch; r++) {
      const o = dst + r * ld;
      for (let j = 0; j < width; j++) f[o + j] = src[r * width + j];
      for (let j = width; j < ld; j++) f[o + j] = 0;
    }
  }

  /** Copies `batch` padded rows at `src` out into `dst` (`batch × width`). */
  #rowsOut(src: number, batch: number, width: number, dst: Float32Array | Float64Array): void {
    const ld = pad4(width);
    if (ld === width) {
      dst.set(this.#f32.subarray(src, src + batch * width));
      return;
    }
    for (let r = 0; r < batch; r++) {
      dst.set(this.#f32.subarray(src + r * ld, src + r * ld + width), r * width);
    }
  }

  /**
   * Outputs of `batch` rows of `x` (`batch × sizes[0]`, extra values ignored), written into
   * `out` (allocated when not given) and returned. Keeps the activations for `backward`.
   */
  forward(x: Floats, batch: number, out?: Float32Array): Float32Array {
    const sizes = this.spec.sizes;
    const nOut = sizes[sizes.length - 1];
    if (!(Number.isInteger(batch) && batch >= 1)) {
      throw new RangeError(`Batch must be a positive integer, got ${batch}`);
    }
    if (x.length < batch * sizes[0]) {
      throw new RangeError(`Input holds ${x.length} values, need ${batch} × ${sizes[0]}`);
    }
    const y = out ?? new Float32Array(batch * nOut);
    if (y.length < batch * nOut) {
      throw new RangeError(`Output holds ${y.length} values, need ${batch} × ${nOut}`);
    }
    if (batch > this.#capacity) this.#reserve(batch);
    this.#rowsIn(x, batch, sizes[0], this.#acts[0]);
    const k = this.#k;
    for (const [l, layer] of this.#layers.entries()) {
      const fn = layer.activation === "relu"
        ? k.forward_relu
        : layer.activation === "tanh"
        ? k.forward_tanh
        : k.forward_identity;
      fn(
        4 * this.#acts[l],
        4 * (this.#p + layer.at),
        4 * this.#acts[l + 1],
        batch,
        layer.inP,
        layer.outP,
      );
    }
    this.#batch = batch;
    this.#rowsOut(this.#acts[this.#layers.length], batch, nOut, y);
    return y;
  }

  /**
   * Backpropagates `dY` (`batch × sizes[L]`: the loss gradient w.r.t. the last `forward`'s
   * outputs), ADDING the parameter gradients to the stored ones, and writes the gradient
   * w.r.t. the inputs into `dX` when given (`batch × sizes[0]`).
   */
  backward(dY: Floats, dX?: Float32Array | Float64Array): void {
    const sizes = this.spec.sizes;
    const L = this.#layers.length;
    const batch = this.#batch;
    if (batch === 0) throw new TypeError("backward needs a forward first");
    if (dY.length < batch * sizes[L]) {
      throw new RangeError(`dY holds ${dY.length} values, need ${batch} × ${sizes[L]}`);
    }
    if (dX !== undefined && dX.length < batch * sizes[0]) {
      throw new RangeError(`dX holds ${dX.length} values, need ${batch} × ${sizes[0]}`);
    }
    const k = this.#k;
    if (!this.#transposed) {
      for (const l of this.#layers) {
        k.transpose(4 * (this.#p + l.at), 4 * (this.#wt + l.tAt), l.inP, l.outP);
      }
      this.#transposed = true;
    }
    let dz = this.#dA;
    let next = this.#dB;
    this.#rowsIn(dY, batch, sizes[L], dz);
    const top = this.#layers[L - 1];
    if (top.activation !== "identity") {
      const fn = top.activation === "relu" ? k.act_grad_relu : k.act_grad_tanh;
      fn(4 * dz, 4 * this.#acts[L], 4 * dz, batch * top.outP);
    }
    for (let l = L - 1; l >= 0; l--) {
      const layer = this.#layers[l];
      const input = this.#acts[l];
      k.weight_grad(4 * input, 4 * dz, 4 * (this.#g + layer.at), batch, layer.inP, layer.outP);
      if (l === 0 && dX === undefined) break;
      const act = l > 0 ? this.#layers[l - 1].activation : "identity";
      const fn = act === "relu"
        ? k.input_grad_relu
        : act === "tanh"
        ? k.input_grad_tanh
        : k.input_grad_identity;
      fn(4 * dz, 4 * (this.#wt + layer.tAt), 4 * input, 4 * next, batch, layer.outP, layer.inP);
      [dz, next] = [next, dz];
    }
    if (dX !== undefined) this.#rowsOut(dz, batch, sizes[0], dX);
  }

  /** Sets the stored gradients to zero. */
  zeroGrads(): void {
    this.#f32.fill(0, this.#g, this.#g + this.#np);
  }

  /** `Σ g²` over the stored gradients (float64 accumulation). */
  gradSquaredNorm(): number {
    return this.#k.sum_squares(4 * this.#g, this.#np);
  }

  /** Multiplies the stored gradients by `s` (for a clip spanning several nets). */
  scaleGrads(s: number): void {
    this.#k.scale(4 * this.#g, this.#np, s);
  }

  /**
   * `clip_grad_norm_` on the stored gradients, as `kernels/cpu/optim.ts`'s `clipGradNorm`:
   * scales by `min(1, maxNorm / (norm + 1e-6))`; returns the norm before clipping
   * (`maxNorm === null` only measures).
   */
  clipGradNorm(maxNorm: number | null): number {
    const norm = Math.sqrt(this.gradSquaredNorm());
    if (maxNorm !== null) {
      const scale = Math.min(1, maxNorm / (norm + 1e-6));
      if (scale < 1) this.scaleGrads(scale);
    }
    return norm;
  }

  /**
   * One Adam(W) step on the stored gradients (step count kept here), with PyTorch's formulas
   * as `kernels/cpu/optim.ts`'s `adamUpdate`; `lr` overrides `adam.learningRate`.
   */
  adamStep(adam: AdamConfig, lr: number = adam.learningRate): void {
    validateAdam({ ...adam, learningRate: lr });
    const beta1 = adam.beta1 ?? 0.9;
    const beta2 = adam.beta2 ?? 0.999;
    const eps = adam.eps ?? 1e-8;
    this.#step++;
    this.#k.adam(
      4 * this.#p,
      4 * this.#g,
      4 * this.#m,
      4 * this.#v,
      this.#np,
      lr,
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      eps,
      1 - Math.pow(beta1, this.#step),
      1 - Math.pow(beta2, this.#step),
      lr * (adam.weightDecay ?? 0),
    );
    // Padding has zero gradients and moments, so it only moves when eps = 0 makes 0/0.
    if (eps === 0) { for (const i of this.#padding) this.#f32[this.#p + i] = 0; }
    this.#transposed = false;
  }

  /**
   * Overwrites the parameters with `src[offset, offset + paramCount)` (standard layout) and
   * leaves Adam's moments and step count alone: for nets that only run forward (a target
   * net, an acting copy), where `setParams`' reset of the moments would be wasted work.
   */
  loadParams(src: Float32Array, offset = 0): void {
    if (!(Number.isInteger(offset) && offset >= 0 && offset + this.paramCount <= src.length)) {
      throw new RangeError(
        `Parameters at offset ${offset} need ${offset + this.paramCount} values, got ${src.length}`,
      );
    }
    this.#load(offset === 0 ? src : src.subarray(offset), this.#p);
    this.#transposed = false;
  }

  /** A copy of the parameters (standard layout). */
  getParams(): Float32Array {
    return this.#store(this.#p);
  }

  /** The stored gradients (standard layout). */
  getGrads(): Float32Array {
    return this.#store(this.#g);
  }

  /** Replaces the parameters and resets Adam's moments and step count. */
  setParams(params: Float32Array): void {
    validateParamCount(params, this.paramCount);
    this.#load(params, this.#p);
    this.#f32.fill(0, this.#m, this.#v + this.#np);
    this.#step = 0;
    this.#transposed = false;
  }

  /** Parameters, Adam moments and step count (standard layout, copies). */
  getState(): LearnerState {
    return {
      params: this.getParams(),
      adamM: this.#store(this.#m),
      adamV: this.#store(this.#v),
      adamStep: this.#step,
    };
  }

  /** Replaces parameters, Adam moments and step count (`state.target` is ignored). */
  setState(state: LearnerState): void {
    validateLearnerState({ ...state, target: undefined }, this.paramCount);
    this.#load(state.params, this.#p);
    this.#load(state.adamM, this.#m);
    this.#load(state.adamV, this.#v);
    this.#step = state.adamStep;
    this.#transposed = false;
  }
}
