/**
 * Backend selection: `createBackend("auto")` picks WebGPU when a hardware adapter exists, else
 * the CPU backend, and says which in `Backend.description`. A software adapter (Mesa's
 * llvmpipe) is skipped by `auto`: there our TypeScript CPU backend trains about 3.5× faster
 * than the same kernels emulated on the CPU (`deno task bench kernels`). Ask for `webgpu`
 * explicitly to use it anyway.
 * @module
 */

import { CpuBackend } from "./cpu/backend.ts";
import { webGpuAdapterKind } from "./device.ts";
import type { Backend, BackendKind, DevicePreference } from "./types.ts";
import { WebGpuBackend } from "./webgpu/backend.ts";

/** What WebGPU adapter this process has. */
export type AdapterKind = "hardware" | "software" | "none";

/** The backend kind `pref` resolves to, given the WebGPU adapter this process has. */
export function resolveBackendKind(pref: DevicePreference, adapter: AdapterKind): BackendKind {
  if (pref === "cpu" || pref === "webgpu") return pref;
  if (pref === "auto") return adapter === "hardware" ? "webgpu" : "cpu";
  throw new RangeError(`Device preference must be "auto", "cpu" or "webgpu", got "${pref}"`);
}

/**
 * A backend for `pref`. `"webgpu"` throws a `GpuDeviceError` when no adapter exists; `"auto"`
 * falls back to the CPU then, and its description says so.
 */
export async function createBackend(pref: DevicePreference): Promise<Backend> {
  const adapter = pref === "cpu" ? "none" : await webGpuAdapterKind();
  const kind = resolveBackendKind(pref, adapter);
  if (kind === "cpu") {
    const cpu = new CpuBackend();
    if (pref !== "auto") return cpu;
    const why = adapter === "none"
      ? "no WebGPU adapter found"
      : "the WebGPU adapter is a software fallback, slower than the CPU backend";
    return {
      kind: cpu.kind,
      description: `${cpu.description}; auto: ${why}`,
      createMlp: (spec, params) => cpu.createMlp(spec, params),
      createDqnLearner: (config, params) => cpu.createDqnLearner(config, params),
      createActorCriticLearner: (config, params) => cpu.createActorCriticLearner(config, params),
      destroy: () => cpu.destroy(),
    };
  }
  return await WebGpuBackend.create();
}
