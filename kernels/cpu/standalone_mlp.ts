/**
 * The standalone `Mlp` of the CPU backend: forward, backward, Adam and parameter access on one
 * network, for supervised use, tests and benchmarks.
 * @module
 */

import { paramCount } from "../layout.ts";
import type { AdamConfig, Mlp, MlpSpec } from "../types.ts";
import { MlpWorkspace } from "./mlp.ts";
import { settle } from "./_settle.ts";
import { adamUpdate, clipGradNorm, validateAdam } from "./optim.ts";

/** `Mlp` on the CPU; every call runs at once. */
export class CpuMlp implements Mlp {
  /** Architecture. */
  readonly spec: MlpSpec;
  /** Number of float32 parameters. */
  readonly paramCount: number;
  #params: Float32Array;
  #m: Float32Array;
  #v: Float32Array;
  #step = 0;
  readonly #grads: Float64Array;
  readonly #ws: MlpWorkspace;
  #x = new Float64Array(0);
  #batch = 0;
  #destroyed = false;

  /** An MLP holding a copy of `params`. */
  constructor(spec: MlpSpec, params: Float32Array) {
    this.spec = spec;
    this.paramCount = paramCount(spec);
    if (params.length !== this.paramCount) {
      throw new RangeError(`Expected ${this.paramCount} parameters, got ${params.length}`);
    }
    this.#params = params.slice();
    this.#m = new Float32Array(this.paramCount);
    this.#v = new Float32Array(this.paramCount);
    this.#grads = new Float64Array(this.paramCount);
    this.#ws = new MlpWorkspace(spec, 1);
  }

  #alive(): void {
    if (this.#destroyed) throw new TypeError("This MLP has been destroyed");
  }

  /** Outputs of `batch` rows of `x`; keeps the activations for `backward`. */
  forward(x: Float32Array, batch: number): Promise<Float32Array> {
    return settle(() => {
      this.#alive();
      const inN = this.spec.sizes[0];
      if (!(Number.isInteger(batch) && batch >= 1) || x.length !== batch * inN) {
        throw new RangeError(`Input must hold batch × ${inN} values, got ${x.length} for ${batch}`);
      }
      // A private float64 copy: the caller may reuse `x` before calling backward.
      if (this.#x.length < x.length) this.#x = new Float64Array(x.length);
      this.#x.set(x);
      this.#batch = batch;
      const y = this.#ws.forward(this.#params, 0, this.#x, batch);
      return Float32Array.from(y.subarray(0, batch * this.spec.sizes[this.spec.sizes.length - 1]));
    });
  }

  /** Stores the parameter gradients for `dY` and returns the gradient w.r.t. the inputs. */
  backward(dY: Float32Array): Promise<Float32Array> {
    return settle(() => {
      this.#alive();
      const outN = this.spec.sizes[this.spec.sizes.length - 1];
      if (this.#batch === 0) throw new TypeError("backward needs a forward first");
      if (dY.length !== this.#batch * outN) {
        throw new RangeError(`dY must hold ${this.#batch} × ${outN} values, got ${dY.length}`);
      }
      const dX = new Float64Array(this.#batch * this.spec.sizes[0]);
      this.#grads.fill(0);
      this.#ws.backward(this.#params, 0, Float64Array.from(dY), this.#grads, 0, dX);
      return Float32Array.from(dX);
    });
  }

  /** One Adam step (step count kept here) on the stored gradients, after optional clipping. */
  adamStep(adam: AdamConfig, maxGradNorm: number | null = null): void {
    this.#alive();
    validateAdam(adam);
    clipGradNorm(this.#grads, maxGradNorm);
    this.#step++;
    adamUpdate(this.#params, this.#grads, this.#m, this.#v, this.#step, adam);
  }

  /** A copy of the parameters. */
  getParams(): Promise<Float32Array> {
    return settle(() => {
      this.#alive();
      return this.#params.slice();
    });
  }

  /** Replaces the parameters and resets Adam's moments and step count. */
  setParams(params: Float32Array): void {
    this.#alive();
    if (params.length !== this.paramCount) {
      throw new RangeError(`Expected ${this.paramCount} parameters, got ${params.length}`);
    }
    this.#params = params.slice();
    this.#m.fill(0);
    this.#v.fill(0);
    this.#step = 0;
  }

  /** The gradients stored by the last `backward`, as float32. */
  getGrads(): Promise<Float32Array> {
    return settle(() => {
      this.#alive();
      return Float32Array.from(this.#grads);
    });
  }

  /** Marks the MLP destroyed; later calls throw. */
  destroy(): void {
    this.#destroyed = true;
  }
}
