/**
 * The contract every training algorithm follows, so that `train.ts`, `eval`, `record` and the
 * dashboard handle Q-learning, DQN, PPO and A2C alike.
 * @module
 */
import type { MetricsWriter, RunConfig } from "../core/run_log.ts";
import type { Progress } from "../core/progress.ts";
import type { Action, Observation } from "../envs/types.ts";
import type { DevicePreference } from "../kernels/types.ts";

/** A hyperparameter value (JSON-serialisable). */
export type HyperValue = number | string | boolean | null | readonly number[];
/** A flat set of hyperparameters. */
export type Hyperparameters = Record<string, HyperValue>;

/** Everything a training run needs; the CLI builds it. */
export interface TrainContext<H extends Hyperparameters = Hyperparameters> {
  /** The run folder (exists; config.json is written). */
  runDir: string;
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
  /** Metrics sink (`metrics.jsonl`). */
  metrics: MetricsWriter;
  /** Progress display. */
  progress: Progress;
  /** Aborted on Ctrl-C: stop at the next safe point, save the latest state, return. */
  signal: AbortSignal;
  /** Continue from the state saved in `runDir` (written by an earlier, stopped run). */
  resume: boolean;
  /** Prints a line of information for the user (stderr; silent with `--quiet`). */
  log(line: string): void;
  /** Called after each periodic evaluation and at the end, to update `status.json`. */
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

/** A training algorithm. */
export interface Algorithm<H extends Hyperparameters = Hyperparameters> {
  /** Id used by `--algo`. */
  readonly id: string;
  /** One line for `--help`. */
  readonly description: string;
  /** Why the algorithm cannot train on `envId`, or null if it can. */
  unsupported(envId: string): string | null;
  /** Tuned defaults for an env (presets). */
  defaults(envId: string): H;
  /** One line per hyperparameter, for `--help` and config docs. */
  readonly docs: Readonly<Record<string, string>>;
  /** Default number of env steps for an env. */
  defaultSteps(envId: string): number;
  /** Trains, writing metrics and checkpoints into `ctx.runDir`. */
  train(ctx: TrainContext<H>): Promise<TrainResult>;
  /** Loads the trained policy of a run (best checkpoint if there is one, else latest). */
  loadPolicy(runDir: string, config: RunConfig, which?: "best" | "latest"): Promise<Policy>;
}
