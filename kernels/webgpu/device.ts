/**
 * Acquires the WebGPU adapter and device once per process, describes the adapter, and turns
 * device loss and uncaught validation errors into clear exceptions instead of hangs.
 * @module
 */

/** Thrown when WebGPU is unavailable, the device is lost, or the device reports an error. */
export class GpuDeviceError extends Error {
  /** A message stating what went wrong and, where known, why. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "GpuDeviceError";
  }
}

/** A WebGPU device with what the kernels need to know about it. */
export interface GpuContext {
  /** The device all kernels run on. */
  readonly device: GPUDevice;
  /** Adapter description, e.g. `"llvmpipe (LLVM 15.0.6, 256 bits)"`. */
  readonly adapterName: string;
  /** True for software adapters such as llvmpipe. */
  readonly isFallback: boolean;
  /** Resolves when the device is lost (never rejects). */
  readonly lost: Promise<GPUDeviceLostInfo>;
  /** Throws the device's pending failure (loss or uncaught error), if any. */
  check(): void;
}

let adapterPromise: Promise<GPUAdapter | null> | null = null;
let contextPromise: Promise<GpuContext> | null = null;
let shared: GPUDevice | null = null;

/**
 * Gives the Vulkan/EGL loaders a private `XDG_RUNTIME_DIR` when none is set (a headless
 * machine, CI): without one Mesa prints "error: XDG_RUNTIME_DIR is invalid or not set" on
 * every adapter request, which reads as a failure though nothing failed.
 */
function ensureRuntimeDir(): void {
  try {
    if (Deno.env.get("XDG_RUNTIME_DIR")) return;
    // One folder per user, reused by every process (the loaders want it private: 0700).
    const dir = `${Deno.env.get("TMPDIR") ?? "/tmp"}/eagle-xdg-${Deno.uid() ?? "user"}`;
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    Deno.env.set("XDG_RUNTIME_DIR", dir);
  } catch { /* without env or write permission the loader just prints its line */ }
}

/** The default adapter, requested once; `null` when WebGPU or an adapter is unavailable. */
export function requestAdapterOnce(): Promise<GPUAdapter | null> {
  if (!adapterPromise) {
    adapterPromise = (async () => {
      if (typeof navigator === "undefined" || !("gpu" in navigator) || !navigator.gpu) {
        return null;
      }
      ensureRuntimeDir();
      try {
        return await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
      } catch {
        return null;
      }
    })();
  }
  return adapterPromise;
}

/** Whether a WebGPU adapter exists in this process. */
export async function hasWebGpuAdapter(): Promise<boolean> {
  return (await requestAdapterOnce()) !== null;
}

/** Whether this process has a hardware WebGPU adapter, only a software fallback, or none. */
export async function webGpuAdapterKind(): Promise<"hardware" | "software" | "none"> {
  const adapter = await requestAdapterOnce();
  if (!adapter) return "none";
  return adapter.info.isFallbackAdapter ? "software" : "hardware";
}

/** A readable name of an adapter: its description, else vendor and architecture. */
export function describeAdapter(adapter: GPUAdapter): string {
  const info = adapter.info;
  const name = info.description ||
    [info.vendor, info.architecture, info.device].filter((s) => s).join(" ") ||
    "unknown adapter";
  return info.isFallbackAdapter ? `${name} (software fallback)` : name;
}

/**
 * The process-wide device, created on first use. Throws a `GpuDeviceError` when no adapter
 * exists (so asking for `webgpu` explicitly fails clearly) or when the device cannot be made.
 * Once the device is lost, the next call makes a new one.
 */
export function acquireGpu(): Promise<GpuContext> {
  if (!contextPromise) {
    contextPromise = requestAdapterOnce().then(createGpuContext).then((ctx) => {
      shared = ctx.device;
      return ctx;
    }).catch((e) => {
      contextPromise = null;
      throw e;
    });
  }
  return contextPromise;
}

/**
 * A new device on `adapter` (not cached: `acquireGpu` is the shared entry point). Throws a
 * `GpuDeviceError` when `adapter` is `null` or the device cannot be created.
 */
export async function createGpuContext(adapter: GPUAdapter | null): Promise<GpuContext> {
  if (!adapter) {
    throw new GpuDeviceError(
      "No WebGPU adapter is available (navigator.gpu.requestAdapter() returned null); " +
        'use the "cpu" backend, or "auto" to fall back to it',
    );
  }
  const limits = adapter.limits;
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBuffersPerShaderStage: Math.min(10, limits.maxStorageBuffersPerShaderStage),
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
      },
    });
  } catch (e) {
    throw new GpuDeviceError(`Could not create a WebGPU device on ${describeAdapter(adapter)}`, {
      cause: e,
    });
  }
  let failure: GpuDeviceError | null = null;
  const lost = device.lost.then((info) => {
    const why = info.message ? `: ${info.message}` : "";
    failure ??= new GpuDeviceError(`The WebGPU device was lost (${info.reason})${why}`);
    // A later acquireGpu() starts over on a fresh adapter and device (an adapter gives out
    // one device only).
    if (shared === device) {
      contextPromise = null;
      adapterPromise = null;
      shared = null;
    }
    return info;
  });
  device.addEventListener("uncapturederror", (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    failure ??= new GpuDeviceError(`WebGPU error: ${error.message.trim()}`);
  });
  return {
    device,
    adapterName: describeAdapter(adapter),
    isFallback: adapter.info.isFallbackAdapter,
    lost,
    check() {
      if (failure) throw failure;
    },
  };
}
