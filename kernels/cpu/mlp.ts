/**
 * MLP forward and backward on the CPU: the reference the WebGPU kernels are checked against and
 * the acting path agents call every environment step.
 *
 * Parameters may be float32 (what every backend stores) or float64 (so tests can take finite
 * differences through the exact same code). Activations and gradients are always float64:
 * dot products accumulate in doubles anyway, and keeping them wide costs nothing here while the
 * float32 parameters keep results within float32 rounding of the GPU.
 * @module
 */

import { mlpLayers, paramCount, validateMlpSpec } from "../layout.ts";
import type { Activation, MlpSpec } from "../types.ts";
import { accumulateParamGrads, matmulBias, matmulTransposed } from "./gemm.ts";

/** A parameter vector: float32 in use, float64 in gradient checks. */
export type Floats = Float32Array | Float64Array;

/** Activation codes for the inner loops (a switch on small ints beats string compares). */
const IDENTITY = 0;
const RELU = 1;
const TANH = 2;

function activationCode(a: Activation): number {
  return a === "relu" ? RELU : a === "tanh" ? TANH : IDENTITY;
}

/** `y[b, :] = act(x[b, :]·W + bias)` for `batch` rows; `W` at `wOff`, the bias after it. */
function denseForward(
  params: Floats,
  wOff: number,
  inN: number,
  outN: number,
  act: number,
  x: Floats,
  batch: number,
  y: Float64Array,
): void {
  matmulBias(params, wOff, inN, outN, x, batch, y);
  const n = batch * outN;
  if (act === RELU) {
    for (let k = 0; k < n; k++) if (y[k] < 0) y[k] = 0;
  } else if (act === TANH) {
    for (let k = 0; k < n; k++) y[k] = Math.tanh(y[k]);
  }
}

// Ping-pong scratch of `mlpForward`, grown on demand and then reused: acting must not allocate.
let scratchA = new Float64Array(0);
let scratchB = new Float64Array(0);
let scratchX = new Float64Array(0);

/**
 * Synchronous forward pass for acting: writes `batch × sizes[L]` outputs of `batch` rows of `x`
 * into `out`, reading the MLP's parameters from `params` starting at `offset`. Allocates only
 * when a batch larger than any before needs more scratch.
 *
 * @example
 * ```ts
 * import { paramCount } from "../layout.ts";
 * import { mlpForward } from "./mlp.ts";
 * const spec = { sizes: [4, 64, 2], hidden: "tanh" } as const;
 * const params = new Float32Array(paramCount(spec));
 * const q = new Float32Array(2);
 * mlpForward(spec, params, 0, new Float32Array([0.1, 0, 0.2, 0]), 1, q);
 * ```
 */
export function mlpForward(
  spec: MlpSpec,
  params: Floats,
  offset: number,
  x: Floats,
  batch: number,
  out: Floats,
): void {
  const sizes = spec.sizes;
  const last = sizes.length - 2;
  if (last < 0) throw new RangeError(`An MLP needs at least 2 layer sizes, got ${sizes.length}`);
  if (x.length < batch * sizes[0]) {
    throw new RangeError(`Input holds ${x.length} values, need ${batch} × ${sizes[0]}`);
  }
  if (out.length < batch * sizes[last + 1]) {
    throw new RangeError(`Output holds ${out.length} values, need ${batch} × ${sizes[last + 1]}`);
  }
  let widest = 0;
  for (let l = 1; l < sizes.length; l++) widest = Math.max(widest, sizes[l]);
  // Inputs are copied to float64 so the products only ever see one array type (V8 compiles
  // them for the types it has seen; mixing float32 and float64 inputs slows every call).
  const nIn = batch * sizes[0];
  if (scratchX.length < nIn) scratchX = new Float64Array(nIn);
  for (let k = 0; k < nIn; k++) scratchX[k] = x[k];
  if (scratchA.length < batch * widest) {
    scratchA = new Float64Array(batch * widest);
    scratchB = new Float64Array(batch * widest);
  }
  const hidden = activationCode(spec.hidden);
  let input: Float64Array = scratchX;
  let y = scratchA;
  let at = offset;
  for (let l = 0; l <= last; l++) {
    const inN = sizes[l];
    const outN = sizes[l + 1];
    const act = l === last ? activationCode(spec.output ?? "identity") : hidden;
    denseForward(params, at, inN, outN, act, input, batch, y);
    at += inN * outN + outN;
    input = y;
    y = y === scratchA ? scratchB : scratchA;
  }
  const n = batch * sizes[last + 1];
  for (let k = 0; k < n; k++) out[k] = input[k];
}

/**
 * A small acting helper: an MLP's float32 parameters plus a reused output buffer, so agents
 * can call `forward` every step without allocating.
 */
export class MlpCpu {
  /** Architecture. */
  readonly spec: MlpSpec;
  /** Parameters (replace in place, or assign a new array of the same length). */
  params: Float32Array;
  /** Where the MLP starts inside `params` (e.g. the critic of an actor-critic). */
  readonly offset: number;
  #out = new Float32Array(0);

  /** Wraps `params` (not copied) holding `spec`'s parameters at `offset`. */
  constructor(spec: MlpSpec, params: Float32Array, offset = 0) {
    if (params.length < offset + paramCount(spec)) {
      throw new RangeError(
        `Parameter array holds ${params.length} values, need ${offset + paramCount(spec)}`,
      );
    }
    this.spec = spec;
    this.params = params;
    this.offset = offset;
  }

  /**
   * Outputs of `batch` rows of `x`, `batch × sizes[L]` values. The returned array is reused by
   * the next call with the same batch size; copy it to keep it.
   */
  forward(x: Float32Array, batch = 1): Float32Array {
    const n = batch * this.spec.sizes[this.spec.sizes.length - 1];
    if (this.#out.length !== n) this.#out = new Float32Array(n);
    mlpForward(this.spec, this.params, this.offset, x, batch, this.#out);
    return this.#out;
  }
}

/**
 * Forward and backward of one MLP with preallocated activations, for training. `forward`
 * keeps what `backward` needs (the input and every layer's post-activation output); gradients
 * accumulate into a caller-owned float64 vector so several nets can share one gradient vector
 * (the global-norm clip spans them all).
 */
export class MlpWorkspace {
  /** Architecture. */
  readonly spec: MlpSpec;
  /** Rows the buffers currently hold; `forward` grows them for larger batches. */
  maxBatch: number;
  readonly #sizes: number[];
  readonly #acts: number[];
  #out: Float64Array[] = [];
  #delta: Float64Array[] = [];
  #x: Floats = new Float64Array(0);
  #batch = 0;

  /** Buffers for up to `maxBatch` rows. */
  constructor(spec: MlpSpec, maxBatch: number) {
    validateMlpSpec(spec);
    this.spec = spec;
    this.#sizes = [...spec.sizes];
    this.#acts = mlpLayers(spec).map((layer) => activationCode(layer.activation));
    this.maxBatch = 0;
    this.#grow(maxBatch);
  }

  #grow(maxBatch: number): void {
    this.maxBatch = maxBatch;
    this.#out = this.#sizes.slice(1).map((n) => new Float64Array(maxBatch * n));
    this.#delta = this.#sizes.slice(1).map((n) => new Float64Array(maxBatch * n));
  }

  /**
   * Outputs (`batch × sizes[L]`, float64, valid until the next `forward`) of `batch` rows of
   * `x`, with the parameters at `offset` of `params`. `x` must stay unchanged until `backward`.
   */
  forward(params: Floats, offset: number, x: Floats, batch: number): Float64Array {
    if (batch > this.maxBatch) this.#grow(batch);
    const sizes = this.#sizes;
    let input: Floats = x;
    let at = offset;
    for (let l = 0; l < this.#acts.length; l++) {
      denseForward(params, at, sizes[l], sizes[l + 1], this.#acts[l], input, batch, this.#out[l]);
      at += sizes[l] * sizes[l + 1] + sizes[l + 1];
      input = this.#out[l];
    }
    this.#x = x;
    this.#batch = batch;
    return this.#out[this.#out.length - 1];
  }

  /**
   * Backpropagates `dY` (`batch × sizes[L]`: the loss gradient w.r.t. the last `forward`'s
   * outputs), ADDING parameter gradients into `grads` at `gradOffset` (same layout as the
   * parameters) and, if `dX` is given, writing the gradient w.r.t. the inputs into it.
   */
  backward(
    params: Floats,
    offset: number,
    dY: Float64Array,
    grads: Float64Array,
    gradOffset: number,
    dX?: Float64Array,
  ): void {
    const sizes = this.#sizes;
    const batch = this.#batch;
    const nLayers = this.#acts.length;
    // Parameter offsets of every layer, computed backwards from the end of the MLP.
    let wOff = offset;
    for (let l = 0; l < nLayers - 1; l++) wOff += sizes[l] * sizes[l + 1] + sizes[l + 1];
    let gOff = gradOffset + (wOff - offset);

    // dZ of the last layer: dY times the output activation's derivative.
    const top = this.#delta[nLayers - 1];
    const topOut = this.#out[nLayers - 1];
    const topAct = this.#acts[nLayers - 1];
    const nTop = batch * sizes[nLayers];
    for (let k = 0; k < nTop; k++) {
      const a = topOut[k];
      top[k] = topAct === RELU
        ? (a > 0 ? dY[k] : 0)
        : topAct === TANH
        ? dY[k] * (1 - a * a)
        : dY[k];
    }

    for (let l = nLayers - 1; l >= 0; l--) {
      const inN = sizes[l];
      const outN = sizes[l + 1];
      const dz = this.#delta[l];
      const input: Floats = l === 0 ? this.#x : this.#out[l - 1];
      accumulateParamGrads(input, inN, dz, outN, batch, grads, gOff);
      // dX of this layer is the previous layer's dZ once multiplied by its activation's slope.
      const prev = l > 0 ? this.#delta[l - 1] : dX;
      if (prev !== undefined) {
        matmulTransposed(dz, outN, params, wOff, inN, batch, prev);
        const act = l > 0 ? this.#acts[l - 1] : IDENTITY;
        const n = batch * inN;
        if (act === RELU) {
          for (let k = 0; k < n; k++) if (!(input[k] > 0)) prev[k] = 0;
        } else if (act === TANH) {
          for (let k = 0; k < n; k++) prev[k] *= 1 - input[k] * input[k];
        }
      }
      if (l > 0) {
        wOff -= sizes[l - 1] * inN + inN;
        gOff -= sizes[l - 1] * inN + inN;
      }
    }
  }
}
