/**
 * `deno task record RUN_DIR [--out FILE.mp4 | FILE.gif] [--episodes N]`: records the trained
 * agent playing. By default it tries up to 10 episodes (seeds 0..9) and records the first that
 * succeeds, else the best, into `RUN_DIR/videos/episode.mp4` (`.gif` without ffmpeg);
 * `--episodes N` records seeds S..S+N-1 into `RUN_DIR/videos/`. An `.mp4` needs ffmpeg: without
 * it the command ends with one line saying how to install it, and `.gif` still works.
 * @module
 */
import { type CommandSpec, parseFlags, runCommand, UsageError } from "./core/cli.ts";
import { RunFolder } from "./core/run_folder.ts";
import { getAlgorithm } from "./agents/algorithms.ts";
import {
  checkVideoFormat,
  DEFAULT_TRIES,
  defaultVideoFormat,
  RECORDED_EPISODE_VIDEO,
  recordEpisode,
  recordEpisodes,
  type RecordResult,
  VIDEO_FORMATS,
  type VideoFormat,
  videoFormatOf,
} from "./agents/record.ts";
import { successRuleOf } from "./envs/catalog.ts";
import { VideoToolMissing } from "./render/mp4.ts";

const command: CommandSpec = {
  usage: "deno task record",
  description: "Records a trained agent playing, as an MP4 (needs ffmpeg) or a GIF.",
  positionals: ["RUN_DIR"],
  flags: {
    out: {
      type: "string",
      help: "Video path; its extension picks the format (default RUN_DIR/videos/episode.mp4, " +
        ".gif without ffmpeg)",
      valueName: "FILE.mp4|FILE.gif",
    },
    episodes: {
      type: "int",
      help: "Record N episodes (seeds S..S+N-1) into RUN_DIR/videos/ (1..1000)",
      valueName: "N",
    },
    format: {
      type: "string",
      help: "Format without --out (default mp4 when ffmpeg is installed, else gif)",
      choices: VIDEO_FORMATS,
      valueName: "FORMAT",
    },
    seed: {
      type: "int",
      help: "Record this seed; with --episodes, the first seed (default: search from 0)",
      valueName: "S",
    },
    tries: {
      type: "int",
      help: "Episodes to try for a success before recording the best",
      default: DEFAULT_TRIES,
      valueName: "N",
    },
    "min-return": {
      type: "number",
      help: "Return that counts as a success (default: the env's success rule)",
      valueName: "R",
    },
    fps: { type: "int", help: "Frames per second (default: the env's render fps)", valueName: "N" },
    checkpoint: {
      type: "string",
      help: "Which checkpoint",
      default: "best",
      choices: ["best", "latest"],
    },
  },
};

/** Runs `deno task record` with `args` (the flags and RUN_DIR). */
export async function main(args: string[] = Deno.args): Promise<void> {
  const parsed = parseFlags(command, args);
  if (!parsed) return;
  const { flags: f, positionals: [runDir] } = parsed;
  const out = f.out as string | undefined;
  const episodes = f.episodes as number | undefined;
  const fps = f.fps as number | undefined;
  const seed = f.seed as number | undefined;
  const tries = f.tries as number;
  if (out !== undefined && episodes !== undefined) {
    throw new UsageError("--out names one video; --episodes N writes into RUN_DIR/videos/");
  }
  if (episodes !== undefined && (episodes < 1 || episodes > 1000)) {
    throw new UsageError(`--episodes must be between 1 and 1000, got ${episodes}`);
  }
  if (fps !== undefined && (fps < 1 || fps > 120)) {
    throw new UsageError(`--fps must be between 1 and 120, got ${fps}`);
  }
  if (seed !== undefined && seed < 0) throw new UsageError(`--seed must be ≥ 0, got ${seed}`);
  if (tries < 1 || tries > 1000) {
    throw new UsageError(`--tries must be between 1 and 1000, got ${tries}`);
  }
  let format: VideoFormat;
  if (out !== undefined) {
    try {
      format = videoFormatOf(out);
    } catch {
      throw new UsageError(`--out must end in .mp4 or .gif, got "${out}"`);
    }
    if (f.format !== undefined && f.format !== format) {
      throw new UsageError(`--format ${f.format} disagrees with --out ${out}`);
    }
  } else format = (f.format as VideoFormat | undefined) ?? await defaultVideoFormat();

  const run = new RunFolder(runDir);
  const config = await run.readConfig();
  try {
    // Before loading anything: an .mp4 without ffmpeg is a one-line error with the fix.
    await checkVideoFormat(format);
  } catch (err) {
    if (err instanceof VideoToolMissing) throw new UsageError(err.message);
    throw err;
  }
  const policy = await getAlgorithm(config.algo).loadPolicy(
    run,
    config,
    f.checkpoint as "best" | "latest",
  );
  const options = {
    envOptions: config.envOptions,
    minReturn: f["min-return"] as number | undefined,
    video: { fps },
  };
  if (episodes !== undefined) {
    const results = await recordEpisodes(
      policy,
      config.env,
      await run.videosDir(),
      episodes,
      format,
      {
        ...options,
        firstSeed: seed ?? 0,
      },
    );
    for (const r of results) console.log(describe(r));
    const wins = results.filter((r) => r.reachedTarget).length;
    console.log(`${wins}/${results.length} episodes succeeded (${successRuleOf(config.env)})`);
    return;
  }
  const path = out ?? `${await run.videosDir()}/${RECORDED_EPISODE_VIDEO}.${format}`;
  const r = await recordEpisode(policy, config.env, path, { ...options, seed, tries });
  console.log(describe(r));
  if (seed === undefined) {
    const rule = f["min-return"] !== undefined
      ? `return ≥ ${f["min-return"]}`
      : successRuleOf(config.env);
    console.log(
      r.reachedTarget
        ? `Success on try ${r.tried} of ${tries} (${rule}).`
        : `No episode of ${r.tried} succeeded (${rule}); recorded the best one.`,
    );
  }
  if (out === undefined && format === "gif" && f.format === undefined) {
    console.log("ffmpeg was not found, so this is a GIF; install ffmpeg for MP4 video");
  }
}

/** One line about a recorded video. */
function describe(r: RecordResult): string {
  const size = r.bytes >= 1 << 20
    ? `${(r.bytes / (1 << 20)).toFixed(1)} MiB`
    : `${(r.bytes / 1024).toFixed(0)} KiB`;
  return `Wrote ${r.path}: seed ${r.seed}, return ${r.reward.toFixed(2)}, ${r.steps} steps, ` +
    `${r.frames} frames at ${r.fps} fps, ${size}`;
}

if (import.meta.main) await runCommand(() => main());
