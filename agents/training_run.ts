/**
 * Running an algorithm over a run folder: the lifecycle every caller shares (`train.ts`, the
 * training benchmark, sweeps, tests). The run holds its liveness lock while it trains,
 * `status.json` is kept current, metrics and episodes are appended, progress is shown, and
 * however training ends (finished, solved, stopped, failed, diverged) the status keeps the
 * saved step and the best evaluation, so nothing already learned is lost.
 * @module
 */
import { Progress } from "../core/progress.ts";
import { RunFolder } from "../core/run_folder.ts";
import { RunLock } from "../core/run_lock.ts";
import { TensorBoardWriter } from "../core/tensorboard.ts";
import type { RunConfig, RunState, RunStatus, SolvedInfo } from "../core/run_log.ts";
import type { DevicePreference } from "../kernels/types.ts";
import { VERSION } from "../version.ts";
import type { Hyperparameters, TrainResult } from "./algorithm.ts";
import { getAlgorithm } from "./algorithms.ts";
import { DivergenceError } from "./divergence.ts";
import { RecordSchedule } from "./progress_video.ts";

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
  /** Resolved hyperparameters (every key of the algorithm's schema). */
  hyperparameters: Hyperparameters;
  /** Env options. */
  envOptions?: Record<string, unknown>;
  /** Where networks learn (default `auto`). */
  device?: DevicePreference;
  /** Stop when the 100-episode training mean reaches this. */
  stopAt?: number | null;
  /** When to record progress videos. */
  videos?: RecordSchedule | null;
}

/** Creates the run folder and writes its config; returns the config. */
export async function createRunFolder(run: RunFolder | string, spec: NewRun): Promise<RunConfig> {
  const folder = typeof run === "string" ? new RunFolder(run) : run;
  const config: RunConfig = {
    algo: spec.algo,
    env: spec.env,
    seed: spec.seed,
    totalSteps: spec.totalSteps,
    hyperparameters: spec.hyperparameters,
    envOptions: spec.envOptions ?? {},
    device: spec.device ?? "auto",
    stopAt: spec.stopAt ?? null,
    videos: spec.videos?.toJSON() ?? null,
    eagleVersion: VERSION,
    createdAt: new Date().toISOString(),
  };
  await folder.create(config);
  return config;
}

/** Options of {@link runTraining}. */
export interface RunTrainingOptions {
  /** Continue from the state saved in the run folder. */
  resume?: boolean;
  /** No progress bar and no log lines. */
  quiet?: boolean;
  /** Progress bar label (default: the algorithm id). */
  label?: string;
  /** Stops training at the next safe point (Ctrl-C, SIGTERM). */
  signal?: AbortSignal;
  /** Overrides the device recorded in the config. */
  device?: DevicePreference;
  /** Where information lines go (default: stderr unless quiet). */
  log?: (line: string) => void;
  /** Called after each save of the training state, after `status.json` is written. */
  onStatus?: (globalStep: number, bestEvalReturn: number | null) => void;
}

/** How a run ended, with its wall-clock duration. */
export interface RunTrainingResult extends TrainResult {
  /** Seconds this call trained for. */
  seconds: number;
  /** Set when the run stopped because it reached its `stopAt` mean return. */
  solved: SolvedInfo | null;
}

/**
 * Trains the run in `run` as `config` describes. Throws a `UsageError` when another live
 * process holds the run; a `DivergenceError` (status `diverged`) or the training error
 * (status `failed`) when training cannot go on.
 */
export async function runTraining(
  run: RunFolder | string,
  config: RunConfig,
  options: RunTrainingOptions = {},
): Promise<RunTrainingResult> {
  const folder = typeof run === "string" ? new RunFolder(run) : run;
  const algo = getAlgorithm(config.algo);
  const log = options.log ?? ((line: string) => {
    if (!options.quiet) console.error(line);
  });
  const lock = await RunLock.acquire(folder.path("lock"), { log });
  const previous = options.resume ? await folder.readStatus() : null;
  // What the run has kept so far; every ending writes it back.
  let kept = {
    step: previous?.globalStep ?? 0,
    best: previous?.bestEvalReturn ?? null as number | null,
  };
  const status = (state: RunState, extra: Partial<RunStatus> = {}) =>
    folder.writeStatus({
      state,
      globalStep: kept.step,
      totalSteps: config.totalSteps,
      bestEvalReturn: kept.best,
      updatedAt: new Date().toISOString(),
      ...extra,
    });
  const metrics = folder.metricsWriter();
  // The same scalars for `tensorboard --logdir runs` (a new event file per session).
  metrics.addSink(await TensorBoardWriter.open(folder.dir));
  const episodeLog = folder.episodesWriter();
  // Solving stops training like Ctrl-C does, but the run counts as finished.
  const stop = new AbortController();
  const userSignal = options.signal ?? new AbortController().signal;
  const onUserStop = () => stop.abort();
  userSignal.addEventListener("abort", onUserStop);
  if (userSignal.aborted) stop.abort();
  let solved: SolvedInfo | null = null;
  let resumed = !options.resume;
  const progress = new Progress({
    total: config.totalSteps,
    label: options.label ?? config.algo,
    quiet: options.quiet,
    start: kept.step,
  });
  const t0 = performance.now();
  try {
    await status("running");
    const result = await algo.train({
      run: folder,
      envId: config.env,
      envOptions: config.envOptions,
      seed: config.seed,
      totalSteps: config.totalSteps,
      hyper: config.hyperparameters as Hyperparameters,
      device: options.device ?? (config.device as DevicePreference | undefined) ?? "auto",
      metrics,
      episodeLog,
      progress,
      signal: stop.signal,
      resume: options.resume ?? false,
      stopAt: config.stopAt ?? null,
      videos: config.videos ? new RecordSchedule(config.videos) : null,
      log,
      recordDevice: async (decision) => {
        config.deviceDecision = { ...decision };
        await folder.writeConfig(config);
      },
      onSolved: (info) => {
        solved ??= info;
        stop.abort();
      },
      resumedAt: async (step) => {
        if (resumed) throw new Error("resumedAt was called twice or on a new run");
        resumed = true;
        await folder.truncateLogsAfter(step);
        metrics.continueClock(await folder.lastWallTime());
        kept = { ...kept, step };
      },
      onStatus: async (step, best) => {
        kept = { step, best };
        await status("running");
        options.onStatus?.(step, best);
      },
    });
    if (!resumed) throw new Error(`${config.algo} resumed without calling resumedAt`);
    kept = { step: result.globalStep, best: result.bestEvalReturn };
    const userStopped = result.stopped && solved === null;
    await status(userStopped ? "stopped" : "finished", solved ? { solved } : {});
    return { ...result, stopped: userStopped, solved, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof DivergenceError) {
      metrics.event(err.step, "diverged", message, err.metric, err.value);
      await status("diverged", { error: message });
    } else {
      await status("failed", { error: message });
    }
    throw err;
  } finally {
    userSignal.removeEventListener("abort", onUserStop);
    metrics.close();
    episodeLog.close();
    await lock.release();
  }
}
