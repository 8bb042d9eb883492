/**
 * One dense layer's forward in TypeScript, shared by the acting forward (`mlp.ts`) and the
 * training reference (`reference_mlp.ts`), with the activations as small integer codes.
 * @module
 */

import type { Activation, Floats } from "../types.ts";
import { matmulBias } from "./gemm.ts";

/** Activation codes for the inner loops (a switch on small ints beats string compares). */
export const IDENTITY = 0;
/** ReLU's code. */
export const RELU = 1;
/** tanh's code. */
export const TANH = 2;

/** The code of an activation. */
export function activationCode(a: Activation): number {
  return a === "relu" ? RELU : a === "tanh" ? TANH : IDENTITY;
}

/** `y[b, :] = act(x[b, :]·W + bias)` for `batch` rows; `W` at `wOff`, the bias after it. */
export function denseForward(
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
