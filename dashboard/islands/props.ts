/**
 * Props the server renders into `data-props` of each island placeholder; shared by the pages
 * (writers) and the islands (readers) so both sides agree on the shape.
 * @module
 */
import type { CheckpointChoice, EvaluationListing, StoredEvaluation } from "./protocol.ts";

/**
 * `train-charts`: the other training curves of one run (losses, exploration, speed; returns
 * are the `return-curve`'s), polled live while it runs.
 */
export interface TrainChartsProps {
  /** Run id. */
  run: string;
  /** Run state when the page was rendered (polling continues while `running`). */
  state: string;
  /** Seconds between polls. */
  pollSeconds: number;
}

/** `return-curve`: every training episode's return and a rolling mean, polled live. */
export interface ReturnCurveProps {
  /** Run id. */
  run: string;
  /** Return at which the env counts as solved (threshold line), if any. */
  threshold: number | null;
  /** Run state when the page was rendered (polling continues while `running`). */
  state: string;
  /** Seconds between polls. */
  pollSeconds: number;
  /** Initial rolling-mean window, in episodes. */
  window: number;
}

/** `evaluate`: the evaluate panel (its form is server-rendered inside the placeholder). */
export interface EvaluateProps {
  /** Run id. */
  run: string;
  /** Success threshold line, if the env has one. */
  threshold: number | null;
  /** The env's success rule in words. */
  successRule: string;
  /** Modification time (ISO) of each checkpoint the run has. */
  checkpoints: Partial<Record<CheckpointChoice, string>>;
  /** Stored evaluations, newest first. */
  stored: EvaluationListing[];
  /** The evaluation shown when the page opens, or null. */
  initial: StoredEvaluation | null;
}

/** `compare-chart`: one metric of several runs overlaid. */
export interface CompareProps {
  /** Run ids. */
  runs: string[];
  /** Metric name, e.g. `charts/episodic_return`. */
  metric: string;
  /** Threshold line, if the runs share an env that has one. */
  threshold: number | null;
}

/** `replay`: plays an episode rendered by the server (`/runs/:id/replay/episode`). */
export interface ReplayProps {
  /** Run id. */
  run: string;
  /** First seed to play. */
  seed: number;
  /** Checkpoints the run has (best first). */
  checkpoints: CheckpointChoice[];
}

/** `api-docs`: wires the docs page forms to `fetch`. */
export type ApiDocsProps = Record<never, never>;

/** `sortable`: sorts the table inside the placeholder by a clicked header. */
export type SortableProps = Record<never, never>;
