/**
 * The TypeScript reference of MLP training: forward and backward of one MLP in float64
 * activations and gradients over float32 (or, for finite differences, float64) parameters.
 * The CPU backend trains on the WebAssembly kernels (`kernels/wasm/mlp.ts`); this is the
 * oracle their tests, the WebGPU kernels' tests and the gradient checks compare against, and
 * the "TypeScript" line of `deno task bench kernels`.
 * @module
 */

import { mlpLayers } from "../layout.ts";
import type { Floats, MlpSpec } from "../types.ts";
import { validateMlpSpec } from "../validate.ts";
import { activationCode, denseForward, IDENTITY, RELU, TANH } from "./_dense.ts";
import { accumulateParamGrads, matmulTransposed } from "./gemm.ts";

/**
 * Forward and backward of one MLP with preallocated activations (the training reference). `forward`
 * keeps what `backward` needs (the input and every layer's post-activation output); gradients
 * accumulate into a caller-owned float64 vector so several nets can share one gradient vector
 * (the global-norm clip spans them all).
 */
export class ReferenceMlp {
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
