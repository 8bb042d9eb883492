/**
 * The JSON (and the one binary format) that the page-data routes send to the islands: the
 * training-episode feed of the return curve, stored evaluations and evaluation job events, and
 * the replay's frame stream. Shared by the server modules (writers) and the islands (readers),
 * so both sides agree on the shape.
 * @module
 */
import type { EvalReport, MetricEvent } from "../../core/run_log.ts";

/** Which checkpoint an evaluation or a replay uses. */
export type CheckpointChoice = "best" | "latest";

/**
 * `GET /runs/:id/episodes.json?since=N`: the training episodes of a run from index `since`, as
 * columns. From `episodes.jsonl` when the run has one; runs written before it existed fall back
 * to the `charts/episodic_return` lines of `metrics.jsonl` (then `success` is null and
 * `episode` counts logged returns).
 */
export interface EpisodeFeed {
  /** Run id. */
  run: string;
  /** `status.json` state (`unknown` without one). */
  state: string;
  /** Where the episodes come from. */
  source: "episodes" | "metrics";
  /** The `since` asked for. */
  since: number;
  /** Episodes known in all: ask `since=next` for the following ones. */
  next: number;
  /**
   * Which version of the log this is: it changes when the log was rewritten (a resume drops
   * the lines after its saved step), and then the reader starts over from `since=0`.
   */
  epoch: string;
  /** Episode numbers (1-based). */
  episode: number[];
  /** Env steps when each episode ended. */
  step: number[];
  /** Episode returns. */
  return: number[];
  /** 1 for a success by the env's rule, 0 otherwise; null when the source does not say. */
  success: (0 | 1)[] | null;
  /** Every periodic evaluation so far (`eval/mean_return` of `metrics.jsonl`), not only new ones. */
  evals: { step: number[]; mean: number[] };
  /** Event lines of `metrics.jsonl` (e.g. `diverged`), sent once the run has stopped running. */
  events: MetricEvent[];
}

/** What identifies a stored evaluation of a run. */
export interface EvaluationKey {
  /** Checkpoint evaluated. */
  checkpoint: CheckpointChoice;
  /** Episodes played. */
  episodes: number;
  /** First seed (episode `i` is reset with `seed + i`). */
  seed: number;
}

/** An evaluation kept in the run folder, as the evaluate panel shows it. */
export interface StoredEvaluation extends EvaluationKey {
  /** Names of the discrete actions, indexed by action; null for continuous actions. */
  action_names: string[] | null;
  /**
   * Actions taken in each episode: `actions[i][a]` is how often episode `i` took action `a`.
   * Null for continuous actions, and for reports that did not count them (`eval.json`).
   */
  actions: number[][] | null;
  /** Modification time (ISO) of the checkpoint file evaluated, to tell when it has changed. */
  checkpoint_time: string | null;
  /** Where it came from: the dashboard's evaluate panel or `deno task eval` (`eval.json`). */
  source: "dashboard" | "eval.json";
  /** The report, `evaluatePolicy`'s. */
  report: EvalReport;
}

/** A stored evaluation in a list: its key and when it ran. */
export interface EvaluationListing extends EvaluationKey {
  /** ISO time of the evaluation. */
  evaluated_at: string;
}

/**
 * `POST /runs/:id/evaluate` answers with NDJSON, one event a line: `queued` while other
 * evaluations run first, `progress` after every episode, then one `result` or `error`.
 */
export type EvaluationEvent =
  | { type: "queued"; ahead: number }
  | {
    type: "progress";
    done: number;
    total: number;
    /** Mean reward of the episodes done. */
    mean: number;
    /** Wins so far. */
    wins: number;
  }
  | { type: "result"; evaluation: StoredEvaluation }
  | { type: "error"; message: string };

/** First record of a replay stream: what was played and how to show it. */
export interface ReplayMeta {
  /** Record kind. */
  kind: "meta";
  /** Env id. */
  env: string;
  /** Seed the episode was reset with. */
  seed: number;
  /** Checkpoint played. */
  checkpoint: CheckpointChoice;
  /** Frames per second the env renders at (Gymnasium's `render_fps`). */
  fps: number;
  /** Frame width in pixels. */
  width: number;
  /** Frame height in pixels. */
  height: number;
  /** Names of the discrete actions, or null. */
  action_names: string[] | null;
}

/** A step of a replay: the action taken, its reward, and (with it) the frame after it. */
export interface ReplayStep {
  /** Record kind. */
  kind: "step";
  /** 1-based step number (frame `step` shows the state after it). */
  step: number;
  /** The action (a number, or a vector for continuous actions). */
  action: number | number[];
  /** Reward of this step. */
  reward: number;
  /** Return so far, this step included. */
  return: number;
}

/** Last record of a replay stream. */
export interface ReplayEnd {
  /** Record kind. */
  kind: "end";
  /** Steps played. */
  steps: number;
  /** Undiscounted return. */
  total_reward: number;
  /** Whether the return counts as a success by the env's rule. */
  success: boolean;
  /** Ended in a terminal state (false: cut by the time limit or the replay's step cap). */
  terminated: boolean;
}

/** An error after the stream started (the HTTP status was already sent). */
export interface ReplayError {
  /** Record kind. */
  kind: "error";
  /** What went wrong. */
  message: string;
}

/**
 * One record of `GET /runs/:id/replay/episode`. The body is a sequence of records, each a
 * big-endian u32 byte length and that much UTF-8 JSON, then a u32 length and that much PNG
 * (length 0: no frame). The `meta` record carries frame 0 (after reset), each `step` record the
 * frame after its step, `end` and `error` none.
 */
export type ReplayRecord = ReplayMeta | ReplayStep | ReplayEnd | ReplayError;

/** The episode counts the evaluate panel offers (the tutorial's slider). */
export const EVAL_EPISODES = { min: 10, max: 200, step: 10, default: 100 } as const;
