/**
 * Progress videos: while a run trains, a short video of one greedy episode of the current
 * policy after chosen training episodes (`--record-every N`, `--record-at 1,300,500`), written
 * to `RUN_DIR/videos/progress_episode_<NNNNNN>.mp4` (`.gif` without ffmpeg). Watched in
 * episode order they show how the agent learned, as the DQN project's videos of episodes 1–50,
 * 300–350 and 451–500 do.
 *
 * Every progress video plays the same seed, so the videos differ only by the policy.
 * @module
 */
import { type FlagSpec, UsageError } from "../core/cli.ts";
import type { RunFolder } from "../core/run_folder.ts";
import type { Policy } from "./algorithm.ts";
import {
  defaultVideoFormat,
  recordEpisode,
  type RecordResult,
  VIDEO_FORMATS,
  type VideoFormat,
  type VideoOptions,
} from "./record.ts";

/** File name prefix of progress videos; the episode number follows, zero-padded to 6 digits. */
export const PROGRESS_VIDEO_PREFIX = "progress_episode_";

/** Largest episode number a schedule accepts. */
export const MAX_SCHEDULE_EPISODE = 100_000_000;

/** The file name of the progress video after training episode `episode` (from 1). */
export function progressVideoName(episode: number, format: VideoFormat): string {
  checkEpisode("episode", episode);
  if (!VIDEO_FORMATS.includes(format)) {
    throw new RangeError(`format must be mp4 or gif, got ${JSON.stringify(format)}`);
  }
  return `${PROGRESS_VIDEO_PREFIX}${String(episode).padStart(6, "0")}.${format}`;
}

/** Options of {@link recordProgressVideo}. */
export interface ProgressVideoOptions {
  /** Env options passed to `make` (the run's). */
  envOptions?: Record<string, unknown>;
  /** Seed of the recorded episode, the same for every video of a run (default 0). */
  seed?: number;
  /** Container (default: MP4 when ffmpeg is installed, else GIF). */
  format?: VideoFormat;
  /** How the video is encoded (default: the env's fps and palette). */
  video?: VideoOptions;
}

/** What {@link recordProgressVideo} wrote. */
export interface ProgressVideoResult extends RecordResult {
  /** The training episode it belongs to. */
  episode: number;
}

/**
 * Plays one greedy episode of `policy` (the policy after training episode `episode`) and writes
 * it to `run`'s `videos/` folder as {@link progressVideoName}; the file appears atomically, so
 * a reader never sees half a video. Resolves to what was written.
 */
export async function recordProgressVideo(
  run: RunFolder,
  policy: Policy,
  envId: string,
  episode: number,
  options: ProgressVideoOptions = {},
): Promise<ProgressVideoResult> {
  const format = options.format ?? await defaultVideoFormat();
  const path = `${await run.videosDir()}/${progressVideoName(episode, format)}`;
  const result = await recordEpisode(policy, envId, path, {
    envOptions: options.envOptions,
    seed: options.seed ?? 0,
    video: options.video,
  });
  return { ...result, episode };
}

/** When to record progress videos: every `every` episodes and/or after the listed episodes. */
export interface RecordScheduleSpec {
  /** Record after episodes `every`, `2·every`, …; null: not periodically. */
  every: number | null;
  /** Record after exactly these episodes (sorted, distinct). */
  at: readonly number[];
}

/** A schedule of progress videos; `shouldRecord(episode)` after each finished episode. */
export class RecordSchedule {
  /** Record after episodes `every`, `2·every`, …; null: not periodically. */
  readonly every: number | null;
  /** Record after exactly these episodes (sorted, distinct). */
  readonly at: readonly number[];
  readonly #at: ReadonlySet<number>;

  /** A schedule from its spec; a `RangeError` for a non-positive or non-integer episode. */
  constructor(spec: RecordScheduleSpec) {
    if (spec.every !== null) checkEpisode("every", spec.every);
    for (const e of spec.at) checkEpisode("at", e);
    this.every = spec.every;
    this.at = [...new Set(spec.at)].sort((a, b) => a - b);
    this.#at = new Set(this.at);
  }

  /** Whether to record after training episode `episode` (counted from 1). */
  shouldRecord(episode: number): boolean {
    if (!Number.isInteger(episode) || episode < 1) return false;
    return this.#at.has(episode) || (this.every !== null && episode % this.every === 0);
  }

  /** The schedule in words, e.g. "every 100 episodes and after episodes 1, 300". */
  describe(): string {
    const parts: string[] = [];
    if (this.every !== null) parts.push(`every ${this.every} episodes`);
    if (this.at.length) {
      parts.push(`after episode${this.at.length > 1 ? "s" : ""} ${this.at.join(", ")}`);
    }
    return parts.join(" and ");
  }

  /** The spec, for `config.json`. */
  toJSON(): RecordScheduleSpec {
    return { every: this.every, at: [...this.at] };
  }
}

/** The train.ts flags of progress videos, to spread into its `CommandSpec.flags`. */
export const PROGRESS_VIDEO_FLAGS: Record<string, FlagSpec> = {
  "record-every": {
    type: "int",
    help: "Record a greedy episode into RUN_DIR/videos/ every N training episodes",
    valueName: "N",
  },
  "record-at": {
    type: "string",
    help: "Record a greedy episode after these training episodes",
    valueName: "1,300,500",
  },
};

/**
 * The schedule `--record-every N` and `--record-at 1,300,500` ask for (both may be given), or
 * null when neither is. Throws a `UsageError` naming the flag and the bad value.
 */
export function parseRecordSchedule(
  flags: Readonly<Record<string, unknown>>,
): RecordSchedule | null {
  const every = flags["record-every"];
  const at = flags["record-at"];
  if (every === undefined && at === undefined) return null;
  if (every !== undefined && !isEpisodeNumber(every)) {
    throw new UsageError(
      `--record-every must be an integer in 1..${MAX_SCHEDULE_EPISODE}, got ${
        JSON.stringify(every)
      }`,
    );
  }
  const episodes: number[] = [];
  if (at !== undefined) {
    const text = String(at);
    for (const part of text.split(",")) {
      const v = /^\s*\d+\s*$/.test(part) ? Number(part) : NaN;
      if (!isEpisodeNumber(v)) {
        throw new UsageError(
          `--record-at takes episode numbers in 1..${MAX_SCHEDULE_EPISODE} separated by commas ` +
            `(e.g. 1,300,500); got "${part.trim()}" in "${text}"`,
        );
      }
      episodes.push(v);
    }
  }
  return new RecordSchedule({ every: (every as number | undefined) ?? null, at: episodes });
}

function isEpisodeNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= MAX_SCHEDULE_EPISODE;
}

function checkEpisode(name: string, v: number): void {
  if (!isEpisodeNumber(v)) {
    throw new RangeError(`${name} must be an integer in 1..${MAX_SCHEDULE_EPISODE}, got ${v}`);
  }
}
