/**
 * Backend selection. `chooseBackend("auto", workload)` decides by measuring: it times a few
 * gradient steps of the caller's actual learner on the CPU backend and on the WebGPU adapter
 * (`calibration.ts`), picks the faster, caches the figures per machine, adapter and network
 * shape, and returns the decision with its figures for the caller to print and record.
 * `"cpu"` and `"webgpu"` are taken as asked, without measuring.
 * @module
 */

import {
  CalibrationCache,
  type CalibrationFigure,
  calibrationKey,
  type CalibrationWorkload,
  defaultCalibrationFile,
  describeWorkload,
  measureWorkload,
} from "./calibration.ts";
import { CpuBackend } from "./cpu/backend.ts";
import type { Backend, BackendKind, DevicePreference } from "./types.ts";
import { describeAdapter, requestAdapterOnce } from "./webgpu/device.ts";
import { WebGpuBackend } from "./webgpu/backend.ts";

/** What WebGPU adapter this process has. */
export type AdapterKind = "hardware" | "software" | "none";

/** Why a backend was chosen, and the measurements behind it, as printed and recorded. */
export interface BackendDecision {
  /** What was asked for. */
  preference: DevicePreference;
  /** The backend chosen. */
  chosen: BackendKind;
  /** One sentence saying why. */
  reason: string;
  /** The WebGPU adapter (`null` when `cpu` was asked for: no adapter is probed then). */
  adapter: { kind: AdapterKind; description: string | null } | null;
  /** What was measured (`null` when nothing was). */
  workload: string | null;
  /** One figure per backend measured (empty when nothing was). */
  figures: CalibrationFigure[];
  /** When the figures were measured (ISO time; `null` when nothing was). */
  measuredAt: string | null;
  /** `hit`: figures from the cache; `miss`: measured now; `off`: no cache; `null`: no figures. */
  cache: "hit" | "miss" | "off" | null;
  /** The cache file used, if any. */
  cacheFile: string | null;
  /** Why the cache could not be written, if it could not. */
  cacheError?: string;
}

/** A backend and why it was chosen. */
export interface BackendChoice {
  /** The backend to learn on. */
  backend: Backend;
  /** The decision, for logs and the run's config. */
  decision: BackendDecision;
}

/** Options of `chooseBackend`. */
export interface ChooseBackendOptions {
  /** The calibration cache file; `null` disables the cache (default `defaultCalibrationFile()`). */
  cacheFile?: string | null;
  /** Measure again even when the cache has figures (and store the new ones). */
  refresh?: boolean;
  /** Milliseconds of timed steps per backend (default 250). */
  budgetMs?: number;
}

function validatePreference(pref: DevicePreference): void {
  if (pref !== "auto" && pref !== "cpu" && pref !== "webgpu") {
    throw new RangeError(`Device preference must be "auto", "cpu" or "webgpu", got "${pref}"`);
  }
}

/**
 * The faster backend of measured `figures` (CPU on a tie or when WebGPU failed), with the
 * sentence saying so.
 */
export function pickFaster(figures: readonly CalibrationFigure[]): [BackendKind, string] {
  const cpu = figures.find((f) => f.backend === "cpu");
  const gpu = figures.find((f) => f.backend === "webgpu");
  const rate = (f: CalibrationFigure) => `${f.stepsPerSecond.toLocaleString("en")} steps/s`;
  if (!gpu || gpu.error !== undefined || !(gpu.stepsPerSecond > 0)) {
    return ["cpu", `WebGPU could not run the workload${gpu?.error ? `: ${gpu.error}` : ""}`];
  }
  if (!cpu || cpu.error !== undefined) return ["webgpu", `the CPU backend failed: ${cpu?.error}`];
  const [winner, loser] = gpu.stepsPerSecond > cpu.stepsPerSecond ? [gpu, cpu] : [cpu, gpu];
  const ratio = winner.stepsPerSecond / Math.max(loser.stepsPerSecond, 1);
  return [
    winner.backend,
    `measured ${winner.backend} ${rate(winner)} vs ${loser.backend} ${rate(loser)} ` +
    `(${ratio.toFixed(1)}×)`,
  ];
}

/**
 * A backend for `pref`, and why. `"cpu"` and `"webgpu"` are taken as asked (`"webgpu"` throws
 * a `GpuDeviceError` without an adapter). `"auto"` picks the CPU when there is no adapter;
 * otherwise it measures `workload` on both backends (or reads the figures cached for this
 * machine, adapter and workload shape) and picks the faster. Without a workload there is
 * nothing to measure, and `"auto"` takes WebGPU only on a hardware adapter.
 */
export async function chooseBackend(
  pref: DevicePreference,
  workload: CalibrationWorkload | null,
  options: ChooseBackendOptions = {},
): Promise<BackendChoice> {
  validatePreference(pref);
  const base = {
    preference: pref,
    workload: null,
    figures: [],
    measuredAt: null,
    cache: null,
    cacheFile: null,
  };
  if (pref === "cpu") {
    const backend = new CpuBackend();
    return {
      backend,
      decision: { ...base, chosen: "cpu", reason: "asked for cpu", adapter: null },
    };
  }
  const gpuAdapter = await requestAdapterOnce();
  const adapter = gpuAdapter === null ? { kind: "none" as const, description: null } : {
    kind: gpuAdapter.info.isFallbackAdapter ? "software" as const : "hardware" as const,
    description: describeAdapter(gpuAdapter),
  };
  if (pref === "webgpu") {
    const backend = await WebGpuBackend.create();
    return {
      backend,
      decision: { ...base, chosen: "webgpu", reason: "asked for webgpu", adapter },
    };
  }
  const cpu = new CpuBackend();
  const onCpu = (reason: string, extra: Partial<BackendDecision> = {}): BackendChoice => ({
    backend: cpu,
    decision: { ...base, chosen: "cpu", reason, adapter, ...extra },
  });
  if (adapter.kind === "none") return onCpu("no WebGPU adapter found");
  if (workload === null) {
    if (adapter.kind === "software") {
      return onCpu("nothing to measure, and the WebGPU adapter is a software fallback");
    }
    return {
      backend: await WebGpuBackend.create(),
      decision: {
        ...base,
        chosen: "webgpu",
        reason: "nothing to measure, and the WebGPU adapter is hardware",
        adapter,
      },
    };
  }

  let gpu: WebGpuBackend;
  try {
    gpu = await WebGpuBackend.create();
  } catch (e) {
    return onCpu(`the WebGPU device could not be created: ${(e as Error).message}`);
  }
  const cacheFile = options.cacheFile === undefined ? defaultCalibrationFile() : options.cacheFile;
  const cache = await CalibrationCache.open(cacheFile);
  const key = calibrationKey(workload, adapter.description ?? "");
  const cached = options.refresh ? undefined : cache.get(key);
  let entry = cached;
  let cacheError: string | null = null;
  if (entry === undefined) {
    const figures = [
      await measureWorkload(cpu, workload, options.budgetMs),
      await measureWorkload(gpu, workload, options.budgetMs),
    ];
    entry = { measuredAt: new Date().toISOString(), workload: describeWorkload(workload), figures };
    cacheError = await cache.put(key, entry);
  }
  const [chosen, why] = pickFaster(entry.figures);
  const decision: BackendDecision = {
    preference: pref,
    chosen,
    reason: cached ? `${why}, cached from ${entry.measuredAt}` : why,
    adapter,
    workload: entry.workload,
    figures: entry.figures,
    measuredAt: entry.measuredAt,
    cache: cacheFile === null ? "off" : cached ? "hit" : "miss",
    cacheFile,
    ...(cacheError === null ? {} : { cacheError }),
  };
  if (chosen === "cpu") gpu.destroy();
  return { backend: chosen === "cpu" ? cpu : gpu, decision };
}

/** One line for logs: `"auto → cpu: measured cpu 4,200 steps/s vs webgpu 310 steps/s (13.5×)"`. */
export function formatDecision(decision: BackendDecision): string {
  const head = decision.preference === decision.chosen
    ? decision.chosen
    : `${decision.preference} → ${decision.chosen}`;
  return `${head}: ${decision.reason}`;
}

/**
 * A backend for `pref` when there is no learner to measure (a standalone `Mlp`, tests): see
 * `chooseBackend`; its description says why `auto` chose it.
 */
export async function createBackend(pref: DevicePreference): Promise<Backend> {
  const { backend, decision } = await chooseBackend(pref, null);
  if (pref !== "auto") return backend;
  return {
    kind: backend.kind,
    description: `${backend.description}; auto: ${decision.reason}`,
    createMlp: (spec, params) => backend.createMlp(spec, params),
    createDqnLearner: (config, params) => backend.createDqnLearner(config, params),
    createActorCriticLearner: (config, params) => backend.createActorCriticLearner(config, params),
    destroy: () => backend.destroy(),
  };
}
