/**
 * The kernels layer: batched MLP training on hand-written WGSL compute kernels through WebGPU,
 * with a plain-TypeScript reference backend computing the same numbers.
 *
 * @example
 * ```ts
 * import type { MlpSpec } from "@eagle/rl/kernels";
 * const spec: MlpSpec = { sizes: [8, 64, 64, 4], hidden: "relu" };
 * ```
 * @module
 */
export type * from "./types.ts";
export { type AdapterKind, createBackend, resolveBackendKind } from "./backend.ts";
export { describeAdapter, GpuDeviceError, webGpuAdapterKind } from "./device.ts";
export {
  type ActorCriticLayout,
  actorCriticLayout,
  type ActorCriticShape,
  type ParamBlock,
  paramCount,
} from "./layout.ts";
export { initActorCriticParams, initMlpParams, type InitScheme } from "./init.ts";
export { type Floats, MlpCpu, mlpForward } from "./cpu/mlp.ts";
export { CpuBackend } from "./cpu/backend.ts";
export { type WasmMlpOptions, WasmMlpTrainer } from "./wasm/mlp.ts";
export { hasRelaxedSimd } from "./wasm/module.ts";
