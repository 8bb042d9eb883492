/**
 * The contract every training algorithm follows, so that `train.ts`, `eval`, `record` and the
 * dashboard handle Q-learning, DQN, PPO and A2C alike.
 * @module
 */
import type { Progress } from "../core/progress.ts";
import type { CheckpointWhich, RunFolder } from "../core/run_folder.ts";
import type {
  EpisodeRecord,
  JsonlWriter,
  MetricsWriter,
  RunConfig,
  SolvedInfo,
} from "../core/run_log.ts";
import type { Action, Observation } from "../envs/types.ts";
import type { BackendDecision } from "../kernels/backend.ts";
import type { DevicePreference } from "../kernels/types.ts";
import type { HyperSchema, HyperSpecs } from "./hyperparameters.ts";
import type { RecordSchedule } from "./progress_video.ts";

/** A hyperparameter value (JSON-serialisable). */
export type HyperValue = number | string | boolean | null | readonly number[];
/** A flat set of hyperparameters. */
export type Hyperparameters = Record<string, HyperValue>;

/** Everything a training run needs; the CLI builds it. */
export interface TrainContext<H extends Hyperparameters = Hyperparameters> {
  /** The run folder (exists; its config is written). */
  run: RunFolder;
  /** Env registry id. */
  envId: string;
  /** Env options passed to `make`. */
  envOptions: Record<string, unknown>;
  /** Master seed. */
  seed: number;
  /** Env steps to train for in total (including steps of a resumed run). */
  totalSteps: number;
  /** Resolved hyperparameters. */
  hyper: H;
  /** Compute backend preference for learning. */
  device: DevicePreference;
  /** Metrics sink (`metrics.jsonl`): one line per step; merge what a step logs. */
  metrics: MetricsWriter;
  /** Per-episode log (`episodes.jsonl`), written by the run monitor. */
  episodeLog: JsonlWriter<EpisodeRecord>;
  /** Stop once the 100-episode training mean return reaches this (null: never). */
  stopAt: number | null;
  /** After which training episodes to record a progress video (null: none). */
  videos: RecordSchedule | null;
  /** Called once when the run reaches `stopAt`; training then stops at the next safe point. */
  onSolved(info: SolvedInfo): void;
  /**
   * Called by a resuming algorithm right after loading its saved state (before writing any
   * log line): drops the log lines written after `globalStep`, the step it continues from
   * (0 when there was no saved state to load).
   */
  resumedAt(globalStep: number): Promise<void>;
  /** Progress display. */
  progress: Progress;
  /**
   * Aborted on Ctrl-C, SIGTERM, SIGHUP or when solved: stop at the next safe point, save the
   * latest state, return.
   */
  signal: AbortSignal;
  /** Continue from the state saved in the run folder (by an earlier, stopped or killed run). */
  resume: boolean;
  /** Records which backend the learner runs on and why (`config.json`'s `deviceDecision`). */
  recordDevice(decision: BackendDecision): Promise<void>;
  /** Prints a line of information for the user (stderr; silent with `--quiet`). */
  log(line: string): void;
  /** Called after each save of the training state, to update `status.json`. */
  onStatus(globalStep: number, bestEvalReturn: number | null): Promise<void>;
}

/** How a training run ended. */
export interface TrainResult {
  /** Env steps taken. */
  globalStep: number;
  /** True when stopped early by the signal (resumable). */
  stopped: boolean;
  /** Best periodic evaluation mean return, or null. */
  bestEvalReturn: number | null;
}

/** A policy's decision with what it was based on. */
export interface Decision {
  /** The action taken. */
  action: Action;
  /** Action values (value-based agents). */
  qValues?: number[];
  /** Action probabilities (discrete policy-gradient agents). */
  probs?: number[];
}

/** A trained policy, acting deterministically (greedy / mean action). */
export interface Policy {
  /** Chooses an action for `obs`. */
  decide(obs: Observation): Decision;
}

/** How many env steps a run really takes, when the algorithm trains in whole chunks. */
export interface StepPlan {
  /** Env steps the run will take. */
  steps: number;
  /** Why it differs from the request, e.g. "one rollout of 64 envs × 64 steps"; else null. */
  note: string | null;
}

/** A training algorithm. */
export interface Algorithm<H extends Hyperparameters = Hyperparameters> {
  /** Id used by `--algo`. */
  readonly id: string;
  /** One line for `--help`. */
  readonly description: string;
  /** Every hyperparameter, declared once, with per-env presets. */
  readonly schema: HyperSchema<HyperSpecs>;
  /** Why the algorithm cannot train on `envId` (with `envOptions`), or null if it can. */
  unsupported(envId: string, envOptions?: Record<string, unknown>): string | null;
  /** Default number of env steps for an env. */
  defaultSteps(envId: string): number;
  /** The env steps a request of `totalSteps` really trains (default: exactly those). */
  stepPlan?(hyper: H, totalSteps: number): StepPlan;
  /** Trains, writing metrics and checkpoints into `ctx.run`. */
  train(ctx: TrainContext<H>): Promise<TrainResult>;
  /** Loads the trained policy of a run (best checkpoint if there is one, else latest). */
  loadPolicy(run: RunFolder, config: RunConfig, which?: CheckpointWhich): Promise<Policy>;
}
