/**
 * The run folder contract shared by training (writer) and the dashboard, eval and record
 * (readers). A run folder `runs/<name>/` holds:
 *
 * - `config.json`: {@link RunConfig}, every hyperparameter actually used;
 * - `metrics.jsonl`: one {@link MetricRecord} per line, appended and flushed as written;
 * - `status.json`: {@link RunStatus}, rewritten atomically as training goes;
 * - checkpoints: `qtable.json` (tabular) or `best.safetensors` / `latest.safetensors` (networks);
 * - `eval.json`: {@link EvalReport} of the latest `deno task eval`.
 * @module
 */
import { writeJsonAtomic } from "./atomic_write.ts";

/** Every hyperparameter of a run. */
export interface RunConfig {
  /** Algorithm id: `qlearning`, `dqn`, `ppo`, `a2c`. */
  algo: string;
  /** Env registry id. */
  env: string;
  /** Master seed. */
  seed: number;
  /** Total env steps to train for. */
  totalSteps: number;
  /** Algorithm hyperparameters (flat; values are JSON). */
  hyperparameters: Record<string, unknown>;
  /** Env constructor options. */
  envOptions: Record<string, unknown>;
  /** Eagle version that wrote the run. */
  eagleVersion: string;
  /** ISO time the run started. */
  createdAt: string;
}

/**
 * One line of `metrics.jsonl`: `global_step`, `wall_time` (seconds since the run started) and
 * namespaced scalars such as `charts/episodic_return`, `charts/episodic_length`, `charts/sps`,
 * `charts/epsilon`, `losses/td_loss`, `losses/entropy`, `eval/mean_return`.
 */
export interface MetricRecord {
  /** Env steps taken so far. */
  global_step: number;
  /** Seconds since the run started. */
  wall_time: number;
  /** Namespaced scalar values. */
  [key: string]: number;
}

/** Lifecycle of a run, kept in `status.json`. */
export interface RunStatus {
  /** `running`, `finished`, `stopped` (Ctrl-C, resumable) or `failed`. */
  state: "running" | "finished" | "stopped" | "failed";
  /** Env steps taken. */
  globalStep: number;
  /** Total env steps planned. */
  totalSteps: number;
  /** Best periodic evaluation mean return so far, or null. */
  bestEvalReturn: number | null;
  /** ISO time of the last update. */
  updatedAt: string;
  /** Error message when `state` is `failed`. */
  error?: string;
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
  /** How often each action was taken (discrete) or `{}` (continuous). */
  action_counts: Record<string, number>;
  /** Success threshold used. */
  reward_threshold: number | null;
  /** Per-episode results. */
  per_episode: EpisodeResult[];
  /** ISO time of the evaluation. */
  evaluated_at: string;
}

/** Appends metric records to `metrics.jsonl`, one flushed line each. */
export class MetricsWriter {
  #file: Deno.FsFile;
  #start: number;
  #enc = new TextEncoder();

  private constructor(file: Deno.FsFile, start: number) {
    this.#file = file;
    this.#start = start;
  }

  /** Opens `path` for appending; `wallTimeOffset` continues the clock of a resumed run. */
  static async open(path: string, wallTimeOffset = 0): Promise<MetricsWriter> {
    const file = await Deno.open(path, { append: true, create: true });
    return new MetricsWriter(file, performance.now() / 1000 - wallTimeOffset);
  }

  /** Seconds since the run started. */
  get wallTime(): number {
    return performance.now() / 1000 - this.#start;
  }

  /** Writes one record; non-finite values are dropped rather than written as invalid JSON. */
  write(globalStep: number, scalars: Record<string, number>): void {
    const rec: MetricRecord = { global_step: globalStep, wall_time: round(this.wallTime) };
    for (const [k, v] of Object.entries(scalars)) if (Number.isFinite(v)) rec[k] = v;
    this.#file.writeSync(this.#enc.encode(JSON.stringify(rec) + "\n"));
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }
}

/** Writes `status.json` atomically. */
export function writeStatus(runDir: string, status: RunStatus): Promise<void> {
  return writeJsonAtomic(`${runDir}/status.json`, status);
}

/**
 * Reads `metrics.jsonl`, skipping blank, corrupt or half-written lines (a run may be writing
 * its last line while we read).
 */
export async function readMetrics(path: string): Promise<MetricRecord[]> {
  const text = await Deno.readTextFile(path);
  const out: MetricRecord[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line);
      if (v && typeof v === "object" && typeof v.global_step === "number") out.push(v);
    } catch { /* skip a corrupt or partial line */ }
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
