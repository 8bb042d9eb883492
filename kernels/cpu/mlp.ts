/**
 * The synchronous MLP forward in TypeScript (`mlpForward`): the forward oracle of the tests,
 * and what evaluation code may call on any parameter vector without setting anything up.
 *
 * Parameters may be float32 (what every backend stores) or float64 (so tests can take finite
 * differences through the exact same code). Activations are float64: dot products accumulate
 * in doubles anyway, and the float32 parameters keep results within float32 rounding of the
 * WebAssembly and GPU kernels.
 * @module
 */

import { paramCount } from "../layout.ts";
import type { Floats, MlpSpec } from "../types.ts";
import { validateParamsAt } from "../validate.ts";
import { activationCode, denseForward } from "./_dense.ts";

// Ping-pong scratch of `mlpForward`, grown on demand and then reused: calls in loops allocate nothing.
let scratchA = new Float64Array(0);
let scratchB = new Float64Array(0);
let scratchX = new Float64Array(0);

/**
 * Synchronous forward pass in float64: writes `batch × sizes[L]` outputs of `batch` rows of `x`
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
 * The acting copy as it was before `ActingMlp` moved onto the WebAssembly kernels: the same
 * API on `mlpForward`. Kept while PPO acts on it: its presets were measured so, and acting on
 * `ActingMlp` (other float rounding, so other trajectories) changes the 5-seed results, e.g.
 * the default run 17 % faster but 2 of 5 LunarLander seeds with std > 30 (`bench train`).
 * New code uses `ActingMlp`, about ten times faster.
 * @deprecated Use `ActingMlp` from `acting_mlp.ts`.
 */
export class MlpCpu {
  /** Architecture. */
  readonly spec: MlpSpec;
  /** Parameters (replace in place, or assign a new array of the same length). */
  params: Float32Array;
  /** Where the MLP starts inside `params`. */
  readonly offset: number;
  #out = new Float32Array(0);

  /** Wraps `params` (not copied) holding `spec`'s parameters at `offset`. */
  constructor(spec: MlpSpec, params: Float32Array, offset = 0) {
    validateParamsAt(params, offset, paramCount(spec));
    this.spec = spec;
    this.params = params;
    this.offset = offset;
  }

  /** Outputs of `batch` rows of `x`; the returned array is reused by the next call. */
  forward(x: Float32Array, batch = 1): Float32Array {
    const n = batch * this.spec.sizes[this.spec.sizes.length - 1];
    if (this.#out.length !== n) this.#out = new Float32Array(n);
    mlpForward(this.spec, this.params, this.offset, x, batch, this.#out);
    return this.#out;
  }
}
