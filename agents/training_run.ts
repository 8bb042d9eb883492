/**
 * Running an algorithm over a run folder: the lifecycle every caller shares (`train.ts`, the
 * training benchmark, tests): `config.json` first, then `status.json` kept current, metrics
 * appended, progress shown, and the final state written however training ends.
 * @module
 */
import { writeJsonAtomic } from "../core/atomic_write.ts";
import { Progress } from "../core/progress.ts";
import {
  MetricsWriter,
  readMetrics,
  type RunConfig,
  type RunStatus,
  writeStatus,
} from "../core/run_log.ts";
import type { DevicePreference } from "../kernels/types.ts";
import { VERSION } from "../version.ts";
import type { Hyperparameters, TrainResult } from "./algorithm.ts";
import { getAlgorithm } from "./algorithms.ts";

/** What a new run is. */
export interface NewRun {
  /** Algorithm id. */
  algo: string;
  /** Env id. */
  env: string;
  /** Master seed. */
  seed: number;
  /** Env steps to train for. */
  totalSteps: number;
  /** Resolved hyperparameters (including `device`). */
  hyperparameters: Hyperparameters;
  /** Env options. */
  envOptions?: Record<string, unknown>;
}

/** Creates `runDir` and writes its `config.json`; returns the config. */
export async function createRunFolder(runDir: string, run: NewRun): Promise<RunConfig> {
  await Deno.mkdir(runDir, { recursive: true });
  const config: RunConfig = {
    algo: run.algo,
    env: run.env,
    seed: run.seed,
    totalSteps: run.totalSteps,
    hyperparameters: run.hyperparameters,
    envOptions: run.envOptions ?? {},
    eagleVersion: VERSION,
    createdAt: new Date().toISOString(),
  };
  await writeJsonAtomic(`${runDir}/config.json`, config);
  return config;
}

/** Reads `status.json`, or null if the run has none (or it is unreadable). */
export async function readRunStatus(runDir: string): Promise<RunStatus | null> {
  try {
    return JSON.parse(await Deno.readTextFile(`${runDir}/status.json`));
  } catch {
    return null;
  }
}

/** Options of {@link runTraining}. */
export interface RunTrainingOptions {
  /** Continue from the state saved in the run folder. */
  resume?: boolean;
  /** No progress bar and no log lines. */
  quiet?: boolean;
  /** Progress bar label (default: the algorithm id). */
  label?: string;
  /** Stops training at the next safe point (Ctrl-C). */
  signal?: AbortSignal;
  /** Overrides the device recorded in the config. */
  device?: DevicePreference;
  /** Where information lines go (default: stderr unless quiet). */
  log?: (line: string) => void;
  /** Called after each periodic evaluation, after `status.json` is written. */
  onStatus?: (globalStep: number, bestEvalReturn: number | null) => void;
}

/** How a run ended, with its wall-clock duration. */
export interface RunTrainingResult extends TrainResult {
  /** Seconds this call trained for. */
  seconds: number;
}

/**
 * Trains the run in `runDir` as `config` describes, keeping `status.json` current (`running`,
 * then `finished`, `stopped` or `failed`) and appending to `metrics.jsonl`.
 */
export async function runTraining(
  runDir: string,
  config: RunConfig,
  options: RunTrainingOptions = {},
): Promise<RunTrainingResult> {
  const algo = getAlgorithm(config.algo);
  const previous = options.resume ? await readRunStatus(runDir) : null;
  const start = previous?.globalStep ?? 0;
  const status = (state: RunStatus["state"], step: number, best: number | null, error?: string) =>
    writeStatus(runDir, {
      state,
      globalStep: step,
      totalSteps: config.totalSteps,
      bestEvalReturn: best,
      updatedAt: new Date().toISOString(),
      error,
    });
  await status("running", start, previous?.bestEvalReturn ?? null);
  const metrics = await MetricsWriter.open(`${runDir}/metrics.jsonl`, await lastWallTime(runDir));
  const log = options.log ?? ((line: string) => {
    if (!options.quiet) console.error(line);
  });
  const progress = new Progress({
    total: config.totalSteps,
    label: options.label ?? config.algo,
    quiet: options.quiet,
    start,
  });
  const t0 = performance.now();
  try {
    const result = await algo.train({
      runDir,
      envId: config.env,
      envOptions: config.envOptions,
      seed: config.seed,
      totalSteps: config.totalSteps,
      hyper: config.hyperparameters as Hyperparameters,
      device: options.device ??
        (config.hyperparameters.device as DevicePreference | undefined) ?? "auto",
      metrics,
      progress,
      signal: options.signal ?? new AbortController().signal,
      resume: options.resume ?? false,
      log,
      onStatus: async (step, best) => {
        await status("running", step, best);
        options.onStatus?.(step, best);
      },
    });
    await status(result.stopped ? "stopped" : "finished", result.globalStep, result.bestEvalReturn);
    return { ...result, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    await status("failed", start, null, (err as Error).message);
    throw err;
  } finally {
    metrics.close();
  }
}

async function lastWallTime(runDir: string): Promise<number> {
  try {
    const m = await readMetrics(`${runDir}/metrics.jsonl`);
    return m.length ? m[m.length - 1].wall_time : 0;
  } catch {
    return 0;
  }
}
