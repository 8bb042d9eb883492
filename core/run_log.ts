/**
 * The records of a run folder, shared by training (writer) and the dashboard, eval and record
 * (readers), and the append-only JSONL logs they live in. File names and how each file is
 * read and written belong to `run_folder.ts`; this module says what a record holds.
 *
 * The logs are written one flushed line per record, so a run killed at any moment leaves at
 * most one partial last line, which readers skip and a resumed run drops.
 * @module
 */

/** Every setting of a run, as written to `config.json`. */
export interface RunConfig {
  /** Algorithm id: `qlearning`, `dqn`, `ppo`, `a2c`. */
  algo: string;
  /** Env registry id. */
  env: string;
  /** Master seed. */
  seed: number;
  /** Total env steps to train for (after the algorithm's rounding, see `stepPlan`). */
  totalSteps: number;
  /** Algorithm hyperparameters, every key of the algorithm's schema. */
  hyperparameters: Record<string, unknown>;
  /** Env constructor options. */
  envOptions: Record<string, unknown>;
  /** Where networks learn: `auto`, `cpu` or `webgpu`. */
  device?: string;
  /** The backend `device` resolved to, why, and what was measured to decide (`--device auto`). */
  deviceDecision?: Record<string, unknown>;
  /** Stop when the 100-episode training mean return reaches this (null: train to the end). */
  stopAt?: number | null;
  /** Progress videos: after every `every` training episodes and/or after the `at` episodes. */
  videos?: { every: number | null; at: readonly number[] } | null;
  /** Eagle version that wrote the run. */
  eagleVersion: string;
  /** ISO time the run started. */
  createdAt: string;
}

/**
 * One scalar line of `metrics.jsonl`: `global_step`, `wall_time` (seconds since the run
 * started) and namespaced scalars such as `charts/episodic_return`, `charts/sps`,
 * `losses/td_loss`, `eval/mean_return`. Each `global_step` appears on one line.
 */
export interface MetricRecord {
  /** Env steps taken so far. */
  global_step: number;
  /** Seconds since the run started. */
  wall_time: number;
  /** Namespaced scalar values (finite). */
  [key: string]: number;
}

/**
 * An event line of `metrics.jsonl` (it has an `event` field, scalar lines do not): e.g. a
 * divergence, with the metric and value that were not finite.
 */
export interface MetricEvent {
  /** Env steps taken when it happened. */
  global_step: number;
  /** Seconds since the run started. */
  wall_time: number;
  /** What happened, e.g. `diverged`. */
  event: string;
  /** One sentence for people. */
  message: string;
  /** The metric concerned, if any. */
  metric?: string;
  /** Its value as text (`NaN`, `Infinity`, `-Infinity`: JSON has no such numbers). */
  value?: string;
}

/** One line of `episodes.jsonl`: a finished training episode. */
export interface EpisodeRecord {
  /** Env steps taken (all envs) when the episode ended. */
  global_step: number;
  /** 1-based count of finished training episodes. */
  episode: number;
  /** Undiscounted return. */
  return: number;
  /** Steps in the episode. */
  length: number;
  /** Whether the return counts as a success by the env's rule. */
  success: boolean;
  /** Which of the vector env's copies played it. */
  env_index: number;
  /** Seconds since the run started. */
  wall_time: number;
}

/** When a run reached its `stopAt` mean return. */
export interface SolvedInfo {
  /** Training episodes finished. */
  episode: number;
  /** Env steps taken. */
  step: number;
  /** Mean return of the last 100 training episodes. */
  mean: number;
}

/** Lifecycle states of a run. */
export type RunState = "running" | "finished" | "stopped" | "failed" | "diverged";

/** The lifecycle of a run, kept in `status.json`. */
export interface RunStatus {
  /**
   * `running`; `finished`; `stopped` (Ctrl-C, SIGTERM, SIGHUP: resumable); `failed` (an error;
   * the message is in `error`); `diverged` (a non-finite loss or parameter; see `error`).
   */
  state: RunState;
  /** Env steps of the last saved state (what a resume continues from). */
  globalStep: number;
  /** Total env steps planned. */
  totalSteps: number;
  /** Best checkpoint's evaluation mean return (its final selection's once it has one), or null. */
  bestEvalReturn: number | null;
  /** ISO time of the last update. */
  updatedAt: string;
  /** What went wrong, when `state` is `failed` or `diverged`. */
  error?: string;
  /** Set when the run stopped because it reached its `stopAt` mean return. */
  solved?: SolvedInfo;
}

/** One evaluated episode. */
export interface EpisodeResult {
  /** Episode index within the evaluation. */
  episode: number;
  /** Seed the episode was reset with. */
  seed: number;
  /** Undiscounted return. */
  reward: number;
  /** Steps taken. */
  steps: number;
  /** Reached the threshold (or the goal, for FrozenLake). */
  success: boolean;
  /** The env's own score at the episode's end (`info.score`: FlappyBird's pipes), if it keeps one. */
  score?: number;
}

/** What `deno task eval --json` prints and writes to `eval.json`. */
export interface EvalReport {
  /** Env id. */
  env: string;
  /** Algorithm of the run. */
  algo: string;
  /** Number of episodes. */
  episodes: number;
  /** First seed (episode `i` uses `seed + i`). */
  seed: number;
  /** Mean return. */
  mean_reward: number;
  /** Population standard deviation of the returns. */
  std_reward: number;
  /** Smallest return. */
  min_reward: number;
  /** Largest return. */
  max_reward: number;
  /** Median return. */
  median_reward: number;
  /** Fraction of successful episodes. */
  success_rate: number;
  /** Mean episode length. */
  mean_steps: number;
  /** Mean of the episodes' `score`, where the env keeps one (FlappyBird: pipes passed). */
  mean_score?: number;
  /** How often each action was taken (discrete) or `{}` (continuous). */
  action_counts: Record<string, number>;
  /** Success threshold used. */
  reward_threshold: number | null;
  /** Per-episode results. */
  per_episode: EpisodeResult[];
  /** ISO time of the evaluation. */
  evaluated_at: string;
}

const enc = new TextEncoder();

/**
 * Appends JSON records to a file, one line each, written with one `write` call. The file is
 * opened on the first write, so a resumed run can first drop the lines after its saved step.
 */
export class JsonlWriter<T> {
  /** The file written. */
  readonly path: string;
  #file: Deno.FsFile | null = null;
  #closed = false;

  /** A writer appending to `path` (created if missing). */
  constructor(path: string) {
    this.path = path;
  }

  /** Appends one record. */
  write(record: T): void {
    if (this.#closed) throw new Error(`${this.path} is closed`);
    this.#file ??= Deno.openSync(this.path, { append: true, create: true });
    const bytes = enc.encode(JSON.stringify(record) + "\n");
    let done = 0;
    while (done < bytes.length) done += this.#file.writeSync(bytes.subarray(done));
  }

  /** Closes the file. */
  close(): void {
    this.#closed = true;
    this.#file?.close();
    this.#file = null;
  }
}

/** Another destination of the scalars written to `metrics.jsonl` (e.g. TensorBoard). */
export interface ScalarSink {
  /** Receives one step's finite scalars; `wallTime` in Unix seconds. */
  addScalars(step: number, wallTime: number, scalars: Record<string, number>): void;
  /** Closes the sink. */
  close(): void;
}

/**
 * Writes `metrics.jsonl`. Non-finite values are never dropped silently: the line keeps the
 * finite ones and an `event` line names each value that was not finite. Sinks receive the
 * same scalars.
 */
export class MetricsWriter {
  #out: JsonlWriter<MetricRecord | MetricEvent>;
  #start: number;
  #sinks: ScalarSink[] = [];

  /** A writer appending to `path`; `wallTimeOffset` continues the clock of a resumed run. */
  constructor(path: string, wallTimeOffset = 0) {
    this.#out = new JsonlWriter(path);
    this.#start = performance.now() / 1000 - wallTimeOffset;
  }

  /** Sends every later line's scalars to `sink` too (closed with this writer). */
  addSink(sink: ScalarSink): void {
    this.#sinks.push(sink);
  }

  /** Continues the clock from `seconds` (the wall time of the last line kept by a resume). */
  continueClock(seconds: number): void {
    this.#start = performance.now() / 1000 - seconds;
  }

  /** Seconds since the run started. */
  get wallTime(): number {
    return performance.now() / 1000 - this.#start;
  }

  /** Writes the scalars of one step (one line per step: callers merge what a step logs). */
  write(globalStep: number, scalars: Record<string, number>): void {
    const rec: MetricRecord = { global_step: globalStep, wall_time: round(this.wallTime) };
    const finite: Record<string, number> = {};
    const bad: [string, number][] = [];
    for (const [k, v] of Object.entries(scalars)) {
      if (Number.isFinite(v)) rec[k] = finite[k] = v;
      else bad.push([k, v]);
    }
    this.#out.write(rec);
    for (const sink of this.#sinks) sink.addScalars(globalStep, Date.now() / 1000, finite);
    for (const [metric, v] of bad) {
      this.event(globalStep, "nonfinite", `${metric} was ${v}`, metric, v);
    }
  }

  /** Writes an event line (e.g. `diverged`). */
  event(
    globalStep: number,
    event: string,
    message: string,
    metric?: string,
    value?: number,
  ): void {
    const rec: MetricEvent = {
      global_step: globalStep,
      wall_time: round(this.wallTime),
      event,
      message,
    };
    if (metric !== undefined) rec.metric = metric;
    if (value !== undefined) rec.value = String(value);
    this.#out.write(rec);
  }

  /** Closes the file and the sinks. */
  close(): void {
    this.#out.close();
    for (const sink of this.#sinks) sink.close();
  }
}

/**
 * Parses JSONL text, skipping blank, corrupt or half-written lines (a run may be writing its
 * last line while we read); `keep` selects and types the records.
 */
export function parseJsonl<T>(text: string, keep: (v: Record<string, unknown>) => boolean): T[] {
  const out: T[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line);
      if (v && typeof v === "object" && !Array.isArray(v) && keep(v)) out.push(v as T);
    } catch { /* skip a corrupt or partial line */ }
  }
  return out;
}

/** Whether a parsed `metrics.jsonl` line is a scalar line. */
export function isMetricRecord(v: Record<string, unknown>): boolean {
  return typeof v.global_step === "number" && !("event" in v);
}

/** Whether a parsed `metrics.jsonl` line is an event line. */
export function isMetricEvent(v: Record<string, unknown>): boolean {
  return typeof v.global_step === "number" && typeof v.event === "string";
}

/** Whether a parsed line is an `episodes.jsonl` record. */
export function isEpisodeRecord(v: Record<string, unknown>): boolean {
  return typeof v.global_step === "number" && typeof v.return === "number" &&
    typeof v.length === "number";
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
