/**
 * The kernels layer: batched MLP training on hand-written WGSL compute kernels through WebGPU
 * and on WebAssembly SIMD kernels on the CPU, both checked against a plain-TypeScript
 * reference; `chooseBackend("auto", workload)` measures which is faster for a network.
 *
 * @example
 * ```ts
 * import type { MlpSpec } from "@eagle/rl/kernels";
 * const spec: MlpSpec = { sizes: [8, 64, 64, 4], hidden: "relu" };
 * ```
 * @module
 */
export type * from "./types.ts";
export {
  type AdapterKind,
  type BackendChoice,
  type BackendDecision,
  chooseBackend,
  type ChooseBackendOptions,
  createBackend,
  formatDecision,
} from "./backend.ts";
export { type CalibrationFigure, type CalibrationWorkload } from "./calibration.ts";
export { describeAdapter, GpuDeviceError, webGpuAdapterKind } from "./webgpu/device.ts";
export {
  type ActorCriticLayout,
  actorCriticLayout,
  type ActorCriticShape,
  type ParamBlock,
  paramCount,
} from "./layout.ts";
export { initActorCriticParams, initMlpParams, type InitScheme } from "./init.ts";
export { ActingMlp } from "./cpu/acting_mlp.ts";
export { mlpForward } from "./cpu/mlp.ts";
export { CpuBackend } from "./cpu/backend.ts";
export { type WasmMlpOptions, WasmMlpTrainer } from "./wasm/mlp.ts";
export { hasRelaxedSimd } from "./wasm/module.ts";
