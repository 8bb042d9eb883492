/**
 * The CPU backend's standalone `Mlp` (the counterpart of `WebGpuMlp`): forward, backward, Adam
 * and parameter access on one network trained by the WebAssembly kernels, for supervised use,
 * tests and benchmarks.
 * @module
 */

import type { AdamConfig, Mlp, MlpSpec } from "../types.ts";
import { validateAdam, validateMaxGradNorm, validateParamCount } from "../validate.ts";
import { WasmMlpTrainer } from "../wasm/mlp.ts";
import { CpuOptimizer } from "./optimizer.ts";
import { settle } from "./_settle.ts";

/** `Mlp` on the CPU; every call runs at once. */
export class CpuMlp implements Mlp {
  /** Architecture. */
  readonly spec: MlpSpec;
  /** Number of float32 parameters. */
  readonly paramCount: number;
  readonly #net: WasmMlpTrainer;
  readonly #opt: CpuOptimizer;
  #batch = 0;
  #destroyed = false;

  /** An MLP holding a copy of `params`. */
  constructor(spec: MlpSpec, params: Float32Array) {
    this.#net = new WasmMlpTrainer(spec, params);
    this.spec = spec;
    this.paramCount = this.#net.paramCount;
    this.#opt = new CpuOptimizer([{ offset: 0, net: this.#net }]);
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
      const y = this.#net.forward(x, batch);
      this.#batch = batch;
      return y;
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
      const dX = new Float32Array(this.#batch * this.spec.sizes[0]);
      this.#opt.zeroGrads();
      this.#net.backward(dY, dX);
      return dX;
    });
  }

  /** One Adam step (step count kept here) on the stored gradients, after optional clipping. */
  adamStep(adam: AdamConfig, maxGradNorm: number | null = null): void {
    this.#alive();
    validateAdam(adam);
    validateMaxGradNorm(maxGradNorm);
    this.#opt.step(adam, adam.learningRate, maxGradNorm);
  }

  /** A copy of the parameters. */
  getParams(): Promise<Float32Array> {
    return settle(() => {
      this.#alive();
      return this.#net.getParams();
    });
  }

  /** Replaces the parameters and resets Adam's moments and step count. */
  setParams(params: Float32Array): void {
    this.#alive();
    validateParamCount(params, this.paramCount);
    const zeros = new Float32Array(this.paramCount);
    this.#opt.setState({ params, adamM: zeros, adamV: zeros, adamStep: 0 });
  }

  /** The gradients stored by the last `backward`. */
  getGrads(): Promise<Float32Array> {
    return settle(() => {
      this.#alive();
      return this.#net.getGrads();
    });
  }

  /** Marks the MLP destroyed; later calls throw. */
  destroy(): void {
    this.#destroyed = true;
  }
}
