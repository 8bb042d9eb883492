/**
 * The acting copy of a network: what agents call every environment step to pick actions from
 * weights a learner last handed out. It runs forward only, on the WebAssembly SIMD kernels
 * (about ten times `mlpForward` at 16 rows of a 64-64 net), and reads the caller's parameter
 * vector at every call, so agents refresh it in place (`params.set(...)`) or share one vector
 * between several copies (an actor-critic's actor and critic, at their offsets).
 * @module
 */

import { paramCount } from "../layout.ts";
import type { Floats, MlpSpec } from "../types.ts";
import { validateParamsAt } from "../validate.ts";
import { WasmMlpTrainer } from "../wasm/mlp.ts";

/**
 * An MLP's float32 parameters (the caller's array, not copied) plus reused buffers, so agents
 * can call `forward` every step without allocating.
 *
 * @example
 * ```ts
 * import { ActingMlp } from "./acting_mlp.ts";
 * const spec = { sizes: [4, 64, 2], hidden: "tanh" } as const;
 * const net = new ActingMlp(spec, new Float32Array(4 * 64 + 64 + 64 * 2 + 2));
 * const q = net.forward(new Float32Array([0.1, 0, 0.2, 0]));
 * ```
 */
export class ActingMlp {
  /** Architecture. */
  readonly spec: MlpSpec;
  /** Parameters (replace in place, or assign a new array of the same length). */
  params: Float32Array;
  /** Where the MLP starts inside `params` (e.g. the critic of an actor-critic). */
  readonly offset: number;
  readonly #net: WasmMlpTrainer;
  #out = new Float32Array(0);

  /** Wraps `params` (not copied) holding `spec`'s parameters at `offset`. */
  constructor(spec: MlpSpec, params: Float32Array, offset = 0) {
    validateParamsAt(params, offset, paramCount(spec));
    this.spec = spec;
    this.params = params;
    this.offset = offset;
    this.#net = new WasmMlpTrainer(spec, params.subarray(offset, offset + paramCount(spec)));
  }

  /**
   * Outputs of `batch` rows of `x` (`batch × sizes[0]` values), `batch × sizes[L]` values, with
   * the parameters `params` holds now. The returned array is reused by the next call with the
   * same batch size; copy it to keep it.
   */
  forward(x: Floats, batch = 1): Float32Array {
    const n = batch * this.spec.sizes[this.spec.sizes.length - 1];
    if (this.#out.length !== n) this.#out = new Float32Array(n);
    // A copy of about 20 KB for a 64-64 net: cheaper than asking callers to say when it changed.
    this.#net.loadParams(this.params, this.offset);
    return this.#net.forward(x, batch, this.#out);
  }
}
