/**
 * Props the server renders into `data-props` of each island placeholder; shared by the pages
 * (writers) and the islands (readers) so both sides agree on the shape.
 * @module
 */
import type { EpisodeResult } from "../../core/run_log.ts";

/** `train-charts`: training curves of one run, polled live while it runs. */
export interface TrainChartsProps {
  /** Run id. */
  run: string;
  /** Return at which the env counts as solved (threshold line), if any. */
  threshold: number | null;
  /** Run state when the page was rendered (polling continues while `running`). */
  state: string;
  /** Seconds between polls. */
  pollSeconds: number;
}

/** `eval-charts`: the charts of the latest evaluation. */
export interface EvalChartsProps {
  /** Per-episode results. */
  episodes: EpisodeResult[];
  /** Success threshold, if any. */
  threshold: number | null;
  /** Mean reward. */
  mean: number;
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

/** How the replay island draws a state. */
export type ReplayScene =
  | { kind: "lunar" }
  | { kind: "grid"; desc: string[] }
  | { kind: "cartpole" }
  | { kind: "generic" };

/** `replay`: plays an episode from `/api/play` and animates it. */
export interface ReplayProps {
  /** Run id. */
  run: string;
  /** Env id. */
  env: string;
  /** How to draw states. */
  scene: ReplayScene;
  /** First seed to play. */
  seed: number;
}

/** `api-docs`: wires the docs page forms to `fetch`. */
export type ApiDocsProps = Record<never, never>;

/** `sortable`: sorts the table inside the placeholder by a clicked header. */
export type SortableProps = Record<never, never>;
