/**
 * The optimizer phase of a gradient step on the device: adding the row-split partial gradients,
 * the global gradient norm (for clipping) and one fused Adam dispatch over every parameter of a
 * learner; plus Polyak target updates.
 * @module
 */

import type { AdamConfig } from "../types.ts";
import { KERNELS } from "./shaders.ts";
import {
  type Dispatch,
  type GpuRuntime,
  grid1d,
  makeDispatch,
  type StepValues,
  type UniformArena,
} from "./runtime.ts";

/** Norm (optional) and Adam dispatches over one learner's parameters, with its Adam moments. */
export class DeviceOptimizer {
  /** First moments (padded layout). */
  readonly m: GPUBuffer;
  /** Second moments (padded layout). */
  readonly v: GPUBuffer;
  /** `(clip scale, norm)` of the last clipped step. */
  readonly norm: GPUBuffer;
  /** One step without clipping: Adam. */
  readonly plain: Dispatch[];
  /** One step with global-norm clipping: grad norm, then Adam (threshold in the step). */
  readonly clipped: Dispatch[];

  private constructor(
    m: GPUBuffer,
    v: GPUBuffer,
    norm: GPUBuffer,
    plain: Dispatch[],
    clipped: Dispatch[],
  ) {
    this.m = m;
    this.v = v;
    this.norm = norm;
    this.plain = plain;
    this.clipped = clipped;
  }

  /** Allocates the moments of `count4` vec4s of `params` / `grads` and builds the dispatches. */
  static async create(
    rt: GpuRuntime,
    arena: UniformArena,
    params: GPUBuffer,
    grads: GPUBuffer,
    count4: number,
  ): Promise<DeviceOptimizer> {
    const m = rt.storage(count4 * 4, "adam m");
    const v = rt.storage(count4 * 4, "adam v");
    const norm = rt.storage(4, "grad norm");
    const count = arena.add([{ u: count4 }]);
    const grid = grid1d(count4);
    const normKernel = await rt.pipeline(KERNELS.gradNorm);
    const normDispatch = makeDispatch(rt, normKernel, [count, grads, norm], [1, 1, 1]);
    const adam = async (clip: boolean) =>
      makeDispatch(
        rt,
        await rt.pipeline(KERNELS.adam, { CLIP: clip }),
        [count, grads, norm, params, m, v],
        grid,
      );
    return new DeviceOptimizer(m, v, norm, [await adam(false)], [
      normDispatch,
      await adam(true),
    ]);
  }

  /** The dispatches of one step. */
  step(maxGradNorm: number | null): Dispatch[] {
    return maxGradNorm === null ? this.plain : this.clipped;
  }

  /** Frees the moments. */
  destroy(): void {
    this.m.destroy();
    this.v.destroy();
    this.norm.destroy();
  }
}

/**
 * The step constants of Adam step number `t` (1-based, the count after the step), with bias
 * corrections computed in float64 on the host, and the clipping threshold.
 */
export function adamStepValues(
  adam: AdamConfig,
  t: number,
  lr: number,
  maxGradNorm: number | null,
): StepValues {
  const beta1 = adam.beta1 ?? 0.9;
  const beta2 = adam.beta2 ?? 0.999;
  return {
    lr,
    beta1,
    beta2,
    eps: adam.eps ?? 1e-8,
    weightDecay: adam.weightDecay ?? 0,
    bc1: 1 - Math.pow(beta1, t),
    bc2: 1 - Math.pow(beta2, t),
    maxNorm: maxGradNorm ?? 0,
  };
}

/**
 * Adds the row-split partial gradients: `grads[i] = Σ_s partial[s·stride4 + i]` for the first
 * `count4` vec4s.
 */
export async function reduceDispatch(
  rt: GpuRuntime,
  arena: UniformArena,
  partial: GPUBuffer,
  grads: GPUBuffer,
  splits: number,
  count4: number,
  stride4: number,
): Promise<Dispatch> {
  const kernel = await rt.pipeline(KERNELS.gradReduce);
  const params = arena.add([{ u: count4 }, { u: splits }, { u: stride4 }, { u: 0 }]);
  return makeDispatch(rt, kernel, [params, partial, grads], grid1d(count4));
}

/** A `target ← tau·online + (1 − tau)·target` dispatch over `count4` vec4s. */
export async function polyakDispatch(
  rt: GpuRuntime,
  arena: UniformArena,
  online: GPUBuffer,
  target: GPUBuffer,
  count4: number,
): Promise<Dispatch> {
  const kernel = await rt.pipeline(KERNELS.polyak);
  const params = arena.add([{ u: count4 }]);
  return makeDispatch(rt, kernel, [params, online, target], grid1d(count4));
}
