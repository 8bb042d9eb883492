/**
 * Recording episodes of a policy as video: an H.264 MP4 through ffmpeg (`render/mp4.ts`) or an
 * animated GIF (`render/gif.ts`), the format named by the file's extension, so GIF bytes never
 * land under an `.mp4` name. The default record is the tutorial's "victory lap": play up to 10
 * seeded episodes and keep the first that succeeds, else the best of them.
 *
 * Every video holds the reset frame plus one frame per step (`steps + 1` frames) at the env's
 * `renderFps`.
 * @module
 */
import { type GifOptions, GifWriter, type PaletteColor } from "../render/gif.ts";
import { ffmpegAvailable, Mp4Writer } from "../render/mp4.ts";
import { catalogEntry, isParallelEnv } from "../envs/catalog.ts";
import { makeParallel } from "../envs/multi_agent/registry.ts";
import type { AnyParallelEnv } from "../envs/multi_agent/types.ts";
import { isSuccess, make } from "../envs/registry.ts";
import type { Action, AnyEnv, RgbaFrame } from "../envs/types.ts";
import type { Policy } from "./algorithm.ts";
import { isSharedPolicy } from "./shared_policy.ts";
import { TeamEpisode } from "./team_episode.ts";

/** A video container Eagle writes. */
export type VideoFormat = "mp4" | "gif";

/** The video formats, MP4 first (the one every player opens at full colour). */
export const VIDEO_FORMATS: readonly VideoFormat[] = ["mp4", "gif"];

/** File name (without extension) of the single episode `deno task record` writes by default. */
export const RECORDED_EPISODE_VIDEO = "episode";

/** File name prefix of the episodes `deno task record --episodes N` writes: `episode_seed_<S>`. */
export const EPISODE_VIDEO_PREFIX = "episode_seed_";

/** Episodes tried before settling for the best one, as the tutorial's recording cell does. */
export const DEFAULT_TRIES = 10;

/** The format a video path names by its extension; a `RangeError` for anything else. */
export function videoFormatOf(path: string): VideoFormat {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1].toLowerCase();
  if (ext !== "mp4" && ext !== "gif") {
    throw new RangeError(
      `Video path must end in .mp4 or .gif, got ${JSON.stringify(path)}`,
    );
  }
  return ext;
}

/** MP4 when ffmpeg with libx264 is installed, otherwise GIF (which needs nothing). */
export async function defaultVideoFormat(): Promise<VideoFormat> {
  return (await ffmpegAvailable()) ? "mp4" : "gif";
}

/** The file name of episode `seed` recorded by `recordEpisodes`. */
export function episodeVideoName(seed: number, format: VideoFormat): string {
  return `${EPISODE_VIDEO_PREFIX}${seed}.${format}`;
}

/** How a video is encoded. */
export interface VideoOptions {
  /** Frames per second (default: the env's `renderFps`, else 50). */
  fps?: number;
  /** GIF palette (default: the env's palette, else quantised from the first frame). */
  palette?: readonly PaletteColor[];
}

/** What a finished video holds. */
export interface VideoResult {
  /** Where it was written. */
  path: string;
  /** Its container. */
  format: VideoFormat;
  /** Frames in it. */
  frames: number;
  /** File size in bytes. */
  bytes: number;
  /** Frames per second. */
  fps: number;
}

/** A video being written: add every frame, then `close()` (or `abort()`). */
export interface VideoWriter {
  /** Where `close()` publishes the video. */
  readonly path: string;
  /** Its container. */
  readonly format: VideoFormat;
  /** Adds a frame (all frames the size given to `openVideo`). */
  addFrame(frame: RgbaFrame): Promise<void>;
  /** Publishes the video atomically. */
  close(): Promise<VideoResult>;
  /** Discards the unfinished video. */
  abort(): Promise<void>;
}

/**
 * Opens an MP4 or GIF writer for `width × height` frames, the format taken from `path`'s
 * extension. An `.mp4` without ffmpeg throws `VideoToolMissing` (from `render/mp4.ts`) at once.
 */
export async function openVideo(
  path: string,
  size: { width: number; height: number },
  options: VideoOptions = {},
): Promise<VideoWriter> {
  const format = videoFormatOf(path);
  const fps = options.fps ?? 50;
  if (format === "mp4") {
    const mp4 = await Mp4Writer.open(path, { ...size, fps });
    return {
      path,
      format,
      addFrame: (frame) => mp4.addFrame(frame),
      close: async () => ({ ...(await mp4.close()), format, fps }),
      abort: () => mp4.abort(),
    };
  }
  const gifOptions: GifOptions = { fps, palette: options.palette };
  const gif = new GifWriter(path, gifOptions);
  return {
    path,
    format,
    addFrame: (frame) => Promise.resolve(gif.addFrame(frame)),
    close: async () => ({ ...(await gif.close()), format, fps }),
    // Nothing is on disk before close().
    abort: () => Promise.resolve(),
  };
}

/** Options of {@link recordEpisode} and {@link recordEpisodes}. */
export interface RecordOptions {
  /** Env options passed to `make`. */
  envOptions?: Record<string, unknown>;
  /**
   * Record exactly this seed. Omitted: play seeds `firstSeed, firstSeed + 1, …` without
   * rendering and record the first that succeeds, else the best of `tries`.
   */
  seed?: number;
  /** First seed to search from, or of `recordEpisodes` (default 0). */
  firstSeed?: number;
  /** Episodes to try before settling for the best one seen (default 10). */
  tries?: number;
  /**
   * Return an episode must reach to be kept (default: the env's success rule, e.g. return ≥
   * 200 on LunarLander, reaching the goal on FrozenLake).
   */
  minReturn?: number;
  /** How the video is encoded. */
  video?: VideoOptions;
}

/** What was recorded. */
export interface RecordResult extends VideoResult {
  /** Seed of the recorded episode. */
  seed: number;
  /** Its return. */
  reward: number;
  /** Its length in steps (the video has `steps + 1` frames). */
  steps: number;
  /** Whether the return met `minReturn` (or the env's success rule). */
  reachedTarget: boolean;
  /** Episodes played to choose it (1 when the seed was given). */
  tried: number;
}

/** Plays one greedy episode from `seed`, calling `onFrame` after the reset and each step. */
async function play(
  policy: Policy,
  env: AnyEnv,
  seed: number,
  onFrame?: () => Promise<void>,
): Promise<{ reward: number; steps: number }> {
  let { obs } = env.reset({ seed });
  await onFrame?.();
  let reward = 0, steps = 0, done = false;
  while (!done) {
    const r = env.step(policy.decide(obs).action as Action);
    reward += r.reward;
    steps++;
    obs = r.obs;
    done = r.terminated || r.truncated;
    await onFrame?.();
  }
  return { reward, steps };
}

/** Plays one greedy team episode (every agent through the shared policy): the team return. */
async function playTeam(
  policy: Policy,
  env: AnyParallelEnv,
  seed: number,
  onFrame?: () => Promise<void>,
): Promise<{ reward: number; steps: number }> {
  if (!isSharedPolicy(policy)) {
    throw new TypeError(
      `${env.spec?.id} is a multi-agent env: recording it needs a multi-agent run's policy`,
    );
  }
  const episode = new TeamEpisode(policy, env, seed);
  await onFrame?.();
  while (!episode.done) {
    episode.step();
    await onFrame?.();
  }
  return { reward: episode.teamReturn, steps: episode.steps };
}

/** An env to play greedily and draw: single-agent, or parallel with a shared policy. */
interface Stage {
  play(
    policy: Policy,
    seed: number,
    onFrame?: () => Promise<void>,
  ): Promise<{ reward: number; steps: number }>;
  render(): RgbaFrame;
  close(): void;
}

/** The stage of an env that can render, or a `TypeError` naming the one that cannot. */
function renderableEnv(envId: string, envOptions: Record<string, unknown>): Stage {
  const env = isParallelEnv(envId) ? makeParallel(envId, envOptions) : make(envId, envOptions);
  if (!env.render) {
    env.close();
    throw new TypeError(`${envId} cannot render frames; recording needs an env with render()`);
  }
  const render = env.render.bind(env);
  const close = () => env.close();
  if ("possibleAgents" in env) {
    return { play: (policy, seed, onFrame) => playTeam(policy, env, seed, onFrame), render, close };
  }
  return { play: (policy, seed, onFrame) => play(policy, env, seed, onFrame), render, close };
}

function checkSeed(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) {
    throw new RangeError(`${name} must be an integer ≥ 0, got ${v}`);
  }
}

/** Whether a return counts: at least `minReturn` when given, else the env's success rule. */
function successTest(envId: string, minReturn: number | undefined): (ret: number) => boolean {
  if (minReturn === undefined && isParallelEnv(envId)) {
    // A parallel env's threshold is of the team return (the one recorded).
    const threshold = catalogEntry(envId).rewardThreshold;
    return (ret) => threshold !== undefined && ret >= threshold;
  }
  return (ret) => minReturn !== undefined ? ret >= minReturn : isSuccess(envId, ret);
}

function videoDefaults(envId: string, video: VideoOptions = {}): VideoOptions {
  const spec = catalogEntry(envId);
  return {
    ...video,
    fps: video.fps ?? spec.renderFps ?? 50,
    palette: video.palette ?? spec.palette,
  };
}

/**
 * Plays episode `seed` of `env` greedily into a video at `path`. The writer opens on the reset
 * frame, which gives the size, and is aborted if anything fails.
 */
async function recordSeed(
  policy: Policy,
  stage: Stage,
  seed: number,
  path: string,
  video: VideoOptions,
): Promise<VideoResult & { reward: number; steps: number }> {
  let writer: VideoWriter | undefined;
  try {
    const { reward, steps } = await stage.play(policy, seed, async () => {
      const frame = stage.render();
      writer ??= await openVideo(path, frame, video);
      await writer.addFrame(frame);
    });
    return { ...(await writer!.close()), reward, steps };
  } catch (err) {
    await writer?.abort();
    throw err;
  }
}

/**
 * Throws `VideoToolMissing` (saying how to install ffmpeg) when `format` is MP4 and ffmpeg
 * with libx264 is missing: checked before any episode is played.
 */
export async function checkVideoFormat(format: VideoFormat): Promise<void> {
  // Mp4Writer.open probes ffmpeg before it starts anything, and its error carries the fix.
  if (format === "mp4" && !(await ffmpegAvailable())) {
    await Mp4Writer.open("unused.mp4", { width: 2, height: 2 });
  }
}

/**
 * Plays an episode greedily and writes it to `path` (`.mp4` or `.gif`). Without `seed`, it
 * tries up to `tries` seeds and records the first that succeeds, else the best.
 */
export async function recordEpisode(
  policy: Policy,
  envId: string,
  path: string,
  options: RecordOptions = {},
): Promise<RecordResult> {
  const format = videoFormatOf(path);
  const video = videoDefaults(envId, options.video);
  const reached = successTest(envId, options.minReturn);
  const stage = renderableEnv(envId, options.envOptions ?? {});
  try {
    await checkVideoFormat(format);
    let seed = options.seed, tried = 1;
    if (seed !== undefined) checkSeed("seed", seed);
    else {
      const first = options.firstSeed ?? 0, tries = options.tries ?? DEFAULT_TRIES;
      checkSeed("firstSeed", first);
      if (!Number.isInteger(tries) || tries < 1) {
        throw new RangeError(`tries must be an integer ≥ 1, got ${tries}`);
      }
      let best = { seed: first, reward: -Infinity };
      for (tried = 1; tried <= tries; tried++) {
        const s = first + tried - 1;
        const { reward } = await stage.play(policy, s);
        if (reward > best.reward) best = { seed: s, reward };
        if (reached(reward)) break;
      }
      tried = Math.min(tried, tries);
      seed = best.seed;
    }
    const out = await recordSeed(policy, stage, seed, path, video);
    return { ...out, seed, reachedTarget: reached(out.reward), tried };
  } finally {
    stage.close();
  }
}

/**
 * Records `episodes` consecutive seeds from `firstSeed` into `dir`, one video each named by
 * {@link episodeVideoName}.
 */
export async function recordEpisodes(
  policy: Policy,
  envId: string,
  dir: string,
  episodes: number,
  format: VideoFormat,
  options: Omit<RecordOptions, "seed" | "tries"> = {},
): Promise<RecordResult[]> {
  if (!Number.isInteger(episodes) || episodes < 1) {
    throw new RangeError(`episodes must be an integer ≥ 1, got ${episodes}`);
  }
  if (!VIDEO_FORMATS.includes(format)) {
    throw new RangeError(`format must be mp4 or gif, got ${JSON.stringify(format)}`);
  }
  const first = options.firstSeed ?? 0;
  checkSeed("firstSeed", first);
  await checkVideoFormat(format);
  const video = videoDefaults(envId, options.video);
  const reached = successTest(envId, options.minReturn);
  const stage = renderableEnv(envId, options.envOptions ?? {});
  try {
    const results: RecordResult[] = [];
    for (let seed = first; seed < first + episodes; seed++) {
      const path = `${dir}/${episodeVideoName(seed, format)}`;
      const out = await recordSeed(policy, stage, seed, path, video);
      results.push({ ...out, seed, reachedTarget: reached(out.reward), tried: 1 });
    }
    return results;
  } finally {
    stage.close();
  }
}
