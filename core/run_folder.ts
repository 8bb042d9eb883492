/**
 * The run folder: every file name of a run and how each is written and read. A run folder
 * `runs/<name>/` holds
 *
 * - `config.json`: {@link RunConfig}, every setting actually used (written once, atomically);
 * - `status.json`: {@link RunStatus}, rewritten atomically as training goes;
 * - `lock.json`: the live owner of a running run (see `run_lock.ts`);
 * - `metrics.jsonl`: scalar lines and event lines (`run_log.ts`), appended and flushed;
 * - `episodes.jsonl`: one line per finished training episode, appended and flushed;
 * - checkpoints, written atomically: `best.safetensors` / `latest.safetensors` (networks) or
 *   `qtable_best.json` / `qtable.json` (tabular); `state.safetensors`, the full training
 *   state a resume continues from; `finalists/<step>.safetensors`, the checkpoints of the best
 *   periodic evaluations, played again at the end of the run (`finalists`);
 * - `eval.json`: the latest `deno task eval` report;
 * - `evaluations/<checkpoint>_<episodes>_<seed>.json`: the dashboard's on-demand evaluations;
 * - `scores.png`: the episode-return curve `deno task plot` draws;
 * - `events.out.tfevents.<time>.<host>`: the same scalars for TensorBoard (`tensorboard.ts`
 *   names them; a resumed run adds a file);
 * - `videos/`: recorded episodes.
 *
 * No other module spells these names: train.ts, eval, record, the benchmarks, the dashboard
 * and the tests ask this module.
 * @module
 */
import { writeFileAtomic, writeJsonAtomic } from "./atomic_write.ts";
import { UsageError } from "./cli.ts";
import {
  type EpisodeRecord,
  type EvalReport,
  isEpisodeRecord,
  isMetricEvent,
  isMetricRecord,
  JsonlWriter,
  type MetricEvent,
  type MetricRecord,
  MetricsWriter,
  parseJsonl,
  type RunConfig,
  type RunStatus,
} from "./run_log.ts";

/** The fixed file names of a run folder. */
export const RUN_FILES = {
  config: "config.json",
  status: "status.json",
  lock: "lock.json",
  metrics: "metrics.jsonl",
  episodes: "episodes.jsonl",
  eval: "eval.json",
  trainingState: "state.safetensors",
  finalists: "finalists",
  videos: "videos",
  evaluations: "evaluations",
  scores: "scores.png",
} as const;

/** A fixed file of a run folder. */
export type RunFile = keyof typeof RUN_FILES;

/** Which checkpoint: the best periodic evaluation's, or the most recent. */
export type CheckpointWhich = "best" | "latest";

/** How a run's policy is stored: network weights or a Q-table. */
export type CheckpointFormat = "safetensors" | "qtable";

/** The file name of a checkpoint. */
export function checkpointFile(which: CheckpointWhich, format: CheckpointFormat): string {
  if (format === "safetensors") return `${which}.safetensors`;
  return which === "best" ? "qtable_best.json" : "qtable.json";
}

/** Every checkpoint file name, for readers that accept either format. */
export const CHECKPOINT_FILES: readonly string[] = (["best", "latest"] as const).flatMap((w) =>
  (["safetensors", "qtable"] as const).map((f) => checkpointFile(w, f))
);

/** A default run folder name: `<env>__<algo>__<seed>__<YYYYMMDD-HHMMSS>`. */
export function defaultRunName(
  env: string,
  algo: string,
  seed: number,
  date: Date = new Date(),
): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${
    p(date.getHours())
  }${p(date.getMinutes())}${p(date.getSeconds())}`;
  return `${env}__${algo}__${seed}__${stamp}`;
}

/** A run folder on disk. */
export class RunFolder {
  /** The folder's path. */
  readonly dir: string;

  /** The run folder at `dir` (nothing is read or created). */
  constructor(dir: string) {
    this.dir = dir.replace(/\/+$/, "") || "/";
  }

  /** Path of a fixed file. */
  path(file: RunFile): string {
    return `${this.dir}/${RUN_FILES[file]}`;
  }

  /** Path of a checkpoint. */
  checkpoint(which: CheckpointWhich, format: CheckpointFormat): string {
    return `${this.dir}/${checkpointFile(which, format)}`;
  }

  /** Path of the network checkpoint of the periodic evaluation at `step`, kept as a finalist. */
  finalist(step: number): string {
    return `${this.path("finalists")}/${step}.safetensors`;
  }

  /** Whether the folder holds a `config.json` (it is a run folder). */
  async isRun(): Promise<boolean> {
    return await exists(this.path("config"));
  }

  /** Creates the folder and writes `config.json`. */
  async create(config: RunConfig): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true });
    await this.writeConfig(config);
  }

  /** Rewrites `config.json` atomically. */
  writeConfig(config: RunConfig): Promise<void> {
    return writeJsonAtomic(this.path("config"), config);
  }

  /** Reads `config.json`, or throws a `UsageError` saying what is missing or wrong. */
  async readConfig(): Promise<RunConfig> {
    let stat;
    try {
      stat = await Deno.stat(this.dir);
    } catch {
      throw new UsageError(`Run folder "${this.dir}" does not exist`);
    }
    if (!stat.isDirectory) throw new UsageError(`"${this.dir}" is not a folder`);
    let text;
    try {
      text = await Deno.readTextFile(this.path("config"));
    } catch {
      throw new UsageError(
        `"${this.dir}" is not a run folder: it has no ${RUN_FILES.config} (train.ts writes one)`,
      );
    }
    let config: RunConfig;
    try {
      config = JSON.parse(text);
    } catch {
      throw new UsageError(`${this.path("config")} is not valid JSON`);
    }
    if (typeof config?.algo !== "string" || typeof config?.env !== "string") {
      throw new UsageError(`${this.path("config")} lacks "algo" and "env"`);
    }
    config.envOptions ??= {};
    config.hyperparameters ??= {};
    return config;
  }

  /** Reads `status.json`, or null if the run has none (or it is unreadable). */
  readStatus(): Promise<RunStatus | null> {
    return readJson<RunStatus>(this.path("status"));
  }

  /** Rewrites `status.json` atomically. */
  writeStatus(status: RunStatus): Promise<void> {
    return writeJsonAtomic(this.path("status"), status);
  }

  /** Reads `eval.json`, or null. */
  readEval(): Promise<EvalReport | null> {
    return readJson<EvalReport>(this.path("eval"));
  }

  /** Writes `eval.json` atomically. */
  writeEval(report: EvalReport): Promise<void> {
    return writeJsonAtomic(this.path("eval"), report);
  }

  /** The scalar lines of `metrics.jsonl` (empty when there is none). */
  async readMetrics(): Promise<MetricRecord[]> {
    return parseJsonl<MetricRecord>(await readText(this.path("metrics")), isMetricRecord);
  }

  /** The event lines of `metrics.jsonl`. */
  async readMetricEvents(): Promise<MetricEvent[]> {
    return parseJsonl<MetricEvent>(await readText(this.path("metrics")), isMetricEvent);
  }

  /** The lines of `episodes.jsonl`. */
  async readEpisodes(): Promise<EpisodeRecord[]> {
    return parseJsonl<EpisodeRecord>(await readText(this.path("episodes")), isEpisodeRecord);
  }

  /** Seconds since the run started at the last line of `metrics.jsonl` (0 if none). */
  async lastWallTime(): Promise<number> {
    const lines = parseJsonl<{ wall_time?: unknown }>(
      await readText(this.path("metrics")),
      (v) => typeof v.global_step === "number",
    );
    const last = lines.at(-1)?.wall_time;
    return typeof last === "number" && Number.isFinite(last) ? last : 0;
  }

  /** A writer appending to `metrics.jsonl`, its clock continuing from `wallTimeOffset`. */
  metricsWriter(wallTimeOffset = 0): MetricsWriter {
    return new MetricsWriter(this.path("metrics"), wallTimeOffset);
  }

  /** A writer appending to `episodes.jsonl`. */
  episodesWriter(): JsonlWriter<EpisodeRecord> {
    return new JsonlWriter<EpisodeRecord>(this.path("episodes"));
  }

  /**
   * Drops every log line written after `step` (and any corrupt line), atomically: what a
   * resume does so that each step appears once when training continues from its saved state.
   * Call it before the writers' first write (they open the files on first write).
   */
  async truncateLogsAfter(step: number): Promise<void> {
    for (const file of ["metrics", "episodes"] as const) {
      const text = await readText(this.path(file));
      if (!text) continue;
      const kept = parseJsonl<{ global_step: number }>(
        text,
        (v) => typeof v.global_step === "number" && v.global_step <= step,
      );
      const out = kept.map((r) => JSON.stringify(r) + "\n").join("");
      if (out !== text) await writeFileAtomic(this.path(file), out);
    }
  }

  /** The folder for recorded videos (created on demand). */
  async videosDir(): Promise<string> {
    const dir = `${this.dir}/${RUN_FILES.videos}`;
    await Deno.mkdir(dir, { recursive: true });
    return dir;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return "";
    throw err;
  }
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return null;
  }
}
