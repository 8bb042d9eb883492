/**
 * Measuring which backend trains a given network fastest: a few gradient steps of the actual
 * learner (same network, batch and minibatch sizes, random data) on a backend, timed, and a
 * cache of the figures per machine, adapter and network shape, so `--device auto` measures
 * once and decides from numbers instead of from the adapter's kind.
 *
 * The cache is one JSON file, by default `$XDG_CACHE_HOME/eagle/calibration.json` (else
 * `~/.cache/eagle/calibration.json`; `EAGLE_CACHE_DIR` overrides the folder). Reading or
 * writing it never fails a caller: without permission or a home folder there is no cache.
 * @module
 */

import { cpus } from "node:os";
import { Rng } from "../core/rng.ts";
import { writeJsonAtomic } from "../core/atomic_write.ts";
import { initActorCriticParams, initMlpParams } from "./init.ts";
import type {
  ActorCriticConfig,
  Backend,
  BackendKind,
  DqnLearnerConfig,
  Rollout,
} from "./types.ts";
import { hasRelaxedSimd } from "./wasm/module.ts";

/**
 * The training a backend is chosen for, in the kernels' terms: a DQN learner taking
 * `stepsPerFlush` gradient steps between flushes (default 32), or an actor-critic learner
 * updating on rollouts of `rolloutSize` samples.
 */
export type CalibrationWorkload =
  | { kind: "dqn"; config: DqnLearnerConfig; stepsPerFlush?: number }
  | { kind: "actor-critic"; config: ActorCriticConfig; rolloutSize: number };

/** One backend's measured speed on a workload. */
export interface CalibrationFigure {
  /** The backend measured. */
  backend: BackendKind;
  /** Its description (adapter name for WebGPU). */
  description: string;
  /** Gradient steps per second (DQN: one sampled batch each; actor-critic: one minibatch). */
  stepsPerSecond: number;
  /** Milliseconds per gradient step. */
  msPerStep: number;
  /** Gradient steps timed. */
  steps: number;
  /** Milliseconds to create the learner and take the untimed first steps (compiles kernels). */
  setupMs: number;
  /** Why the backend could not run the workload (then `stepsPerSecond` is 0). */
  error?: string;
}

/**
 * Bump when the kernels change speed, so cached figures of older kernels are measured again.
 */
export const CALIBRATION_VERSION = 1;

/** Default measuring time per backend, after the untimed first steps. */
const BUDGET_MS = 250;

/** A short human-readable name of a workload, e.g. `"DQN 8-64-64-4 relu, batch 64"`. */
export function describeWorkload(w: CalibrationWorkload): string {
  if (w.kind === "dqn") {
    const { net, batchSize, doubleDqn } = w.config;
    return `DQN ${net.sizes.join("-")} ${net.hidden}, batch ${batchSize}` +
      `${doubleDqn ? ", double" : ""}, ${w.stepsPerFlush ?? 32} steps per flush`;
  }
  const c = w.config;
  const out = c.action.kind === "discrete" ? c.action.n : c.action.dim;
  return `actor-critic ${[c.obsSize, ...c.hidden, out].join("-")} ${c.activation} ` +
    `(${c.action.kind}), minibatch ${w.rolloutSize / c.numMinibatches} of ${w.rolloutSize}`;
}

/** What makes two workloads run at the same speed (the cache key's workload part). */
function workloadShape(w: CalibrationWorkload): unknown {
  if (w.kind === "dqn") {
    const c = w.config;
    return {
      kind: w.kind,
      net: [c.net.sizes, c.net.hidden, c.net.output ?? "identity"],
      batch: c.batchSize,
      double: c.doubleDqn,
      clip: c.maxGradNorm !== null,
      stepsPerFlush: w.stepsPerFlush ?? 32,
    };
  }
  const c = w.config;
  return {
    kind: w.kind,
    obs: c.obsSize,
    action: c.action.kind === "discrete" ? ["discrete", c.action.n] : ["continuous", c.action.dim],
    hidden: c.hidden,
    activation: c.activation,
    rollout: w.rolloutSize,
    minibatches: c.numMinibatches,
    clip: c.maxGradNorm !== null,
  };
}

function cpuModel(): string {
  try {
    return cpus()[0]?.model ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** The cache key of `workload` measured against the WebGPU adapter `adapter`. */
export function calibrationKey(workload: CalibrationWorkload, adapter: string): string {
  return JSON.stringify({
    version: CALIBRATION_VERSION,
    deno: Deno.version.deno,
    cpu: cpuModel(),
    threads: navigator.hardwareConcurrency,
    relaxedSimd: hasRelaxedSimd(),
    adapter,
    workload: workloadShape(workload),
  });
}

/** Random but valid data, seeded so every backend and every run sees the same. */
function uniform(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

async function timeDqn(
  backend: Backend,
  w: Extract<CalibrationWorkload, { kind: "dqn" }>,
  budgetMs: number,
): Promise<[steps: number, ms: number, setupMs: number]> {
  const rng = new Rng(0);
  // The replay ring's size does not change a step's cost; a small one fills fast.
  const config = { ...w.config, bufferCapacity: Math.min(w.config.bufferCapacity, 4096) };
  const sizes = config.net.sizes;
  const d = sizes[0];
  const count = config.bufferCapacity;
  const t0 = performance.now();
  const learner = await backend.createDqnLearner(
    config,
    initMlpParams(config.net, rng, "torch-default"),
  );
  try {
    learner.addTransitions({
      count,
      obs: uniform(rng, count * d),
      nextObs: uniform(rng, count * d),
      actions: Int32Array.from({ length: count }, () => rng.integers(0, sizes[sizes.length - 1])),
      rewards: uniform(rng, count),
      discount: Float32Array.from({ length: count }, () => (rng.random() < 0.05 ? 0 : 0.99)),
    });
    const perFlush = w.stepsPerFlush ?? 32;
    learner.queueGradientSteps(2);
    await learner.flush(); // SYNC: compiles and uploads before the clock starts
    const setupMs = performance.now() - t0;
    let steps = 0;
    const start = performance.now();
    let ms = 0;
    for (let round = 0; round < 2 || ms < budgetMs; round++) {
      learner.queueGradientSteps(perFlush);
      await learner.flush(); // SYNC: one per round, as a learner's caller flushes
      steps += perFlush;
      ms = performance.now() - start;
    }
    return [steps, ms, setupMs];
  } finally {
    learner.destroy();
  }
}

async function timeActorCritic(
  backend: Backend,
  w: Extract<CalibrationWorkload, { kind: "actor-critic" }>,
  budgetMs: number,
): Promise<[steps: number, ms: number, setupMs: number]> {
  const rng = new Rng(0);
  // One epoch per update: an update's cost is per minibatch, epochs only repeat it.
  const config: ActorCriticConfig = { ...w.config, updateEpochs: 1 };
  const n = w.rolloutSize;
  const { action, obsSize } = config;
  const aw = action.kind === "discrete" ? 1 : action.dim;
  const rollout: Rollout = {
    size: n,
    obs: uniform(rng, n * obsSize),
    actions: action.kind === "discrete"
      ? Float32Array.from({ length: n }, () => rng.integers(0, action.n))
      : uniform(rng, n * aw),
    logProbs: uniform(rng, n).map((x) => x - 1.5),
    advantages: uniform(rng, n),
    returns: uniform(rng, n),
    values: uniform(rng, n),
  };
  const t0 = performance.now();
  const learner = await backend.createActorCriticLearner(
    config,
    initActorCriticParams(config, rng),
  );
  try {
    await learner.update(rollout, 1e-4); // compiles and uploads before the clock starts
    const setupMs = performance.now() - t0;
    let steps = 0;
    const start = performance.now();
    let ms = 0;
    while (steps === 0 || ms < budgetMs) {
      await learner.update(rollout, 1e-4); // SYNC: one readback per update
      steps += config.numMinibatches;
      ms = performance.now() - start;
    }
    return [steps, ms, setupMs];
  } finally {
    learner.destroy();
  }
}

/**
 * Times `workload` on `backend`: creates its learner, takes untimed first steps (pipeline
 * compilation, uploads), then gradient steps for about `budgetMs` milliseconds (at least two
 * flushes of a DQN learner, one update of an actor-critic). A backend that throws gets a
 * figure with `error` and zero speed.
 */
export async function measureWorkload(
  backend: Backend,
  workload: CalibrationWorkload,
  budgetMs: number = BUDGET_MS,
): Promise<CalibrationFigure> {
  const figure = { backend: backend.kind, description: backend.description };
  try {
    const [steps, ms, setupMs] = workload.kind === "dqn"
      ? await timeDqn(backend, workload, budgetMs)
      : await timeActorCritic(backend, workload, budgetMs);
    return {
      ...figure,
      stepsPerSecond: Math.round((steps / ms) * 1000),
      msPerStep: Number((ms / steps).toPrecision(4)),
      steps,
      setupMs: Math.round(setupMs),
    };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    return { ...figure, stepsPerSecond: 0, msPerStep: Infinity, steps: 0, setupMs: 0, error };
  }
}

/** Where the calibration cache lives by default, or `null` when there is nowhere to put it. */
export function defaultCalibrationFile(): string | null {
  try {
    const env = (k: string) => Deno.env.get(k) || undefined;
    const dir = env("EAGLE_CACHE_DIR") ??
      (env("XDG_CACHE_HOME") ? `${env("XDG_CACHE_HOME")}/eagle` : undefined) ??
      (env("LOCALAPPDATA") ? `${env("LOCALAPPDATA")}/eagle` : undefined) ??
      (env("HOME") ? `${env("HOME")}/.cache/eagle` : undefined);
    return dir === undefined ? null : `${dir}/calibration.json`;
  } catch {
    return null; // no --allow-env
  }
}

/** One cached measurement. */
export interface CalibrationEntry {
  /** ISO time of the measurement. */
  measuredAt: string;
  /** What was measured, for people reading the file. */
  workload: string;
  /** One figure per backend measured. */
  figures: CalibrationFigure[];
}

/** Cached entries kept at most (the oldest go first). */
const MAX_ENTRIES = 64;

/** The calibration cache file: entries by `calibrationKey`. */
export class CalibrationCache {
  /** The file, or `null` for a cache that keeps nothing. */
  readonly file: string | null;
  #entries: Record<string, CalibrationEntry>;

  private constructor(file: string | null, entries: Record<string, CalibrationEntry>) {
    this.file = file;
    this.#entries = entries;
  }

  /** The cache in `file` (missing, unreadable or malformed files read as empty). */
  static async open(file: string | null): Promise<CalibrationCache> {
    if (file === null) return new CalibrationCache(null, {});
    try {
      const data = JSON.parse(await Deno.readTextFile(file));
      const entries = data?.version === CALIBRATION_VERSION && typeof data.entries === "object"
        ? data.entries as Record<string, CalibrationEntry>
        : {};
      return new CalibrationCache(file, entries);
    } catch {
      return new CalibrationCache(file, {});
    }
  }

  /** The entry under `key`, if any. */
  get(key: string): CalibrationEntry | undefined {
    return Object.hasOwn(this.#entries, key) ? this.#entries[key] : undefined;
  }

  /**
   * Stores `entry` under `key` and writes the file atomically. Returns `null`, or why the
   * file could not be written (the entry is then kept in memory only).
   */
  async put(key: string, entry: CalibrationEntry): Promise<string | null> {
    const entries = { ...this.#entries, [key]: entry };
    const keys = Object.keys(entries).sort((a, b) =>
      entries[a].measuredAt.localeCompare(entries[b].measuredAt)
    );
    for (const k of keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES))) delete entries[k];
    this.#entries = entries;
    if (this.file === null) return null;
    try {
      await Deno.mkdir(this.file.slice(0, this.file.lastIndexOf("/")), { recursive: true });
      await writeJsonAtomic(this.file, { version: CALIBRATION_VERSION, entries });
      return null;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }
}
