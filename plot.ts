/**
 * `deno task plot RUN_DIR [--out curve.png]`: the learning curve of a run as a PNG, as the
 * course notebooks save `*_scores.png`: every training episode's return (`episodes.jsonl`), their
 * 100-episode rolling mean and the env's success threshold, drawn by `render/line_plot.ts`.
 * @module
 */
import { writeFileAtomic } from "./core/atomic_write.ts";
import { type CommandSpec, parseFlags, runCommand, UsageError } from "./core/cli.ts";
import { RUN_FILES, RunFolder } from "./core/run_folder.ts";
import { SOLVED_WINDOW } from "./agents/run_monitor.ts";
import { envSpec } from "./envs/registry.ts";
import { plotReturns } from "./render/line_plot.ts";
import { encodePng } from "./render/png.ts";

/** File name of the plot inside the run folder when `--out` is not given. */
export const SCORES_PLOT: string = RUN_FILES.scores;

const command: CommandSpec = {
  usage: "deno task plot",
  description:
    "Draws a run's episode returns, their rolling mean and the env's threshold as a PNG.",
  positionals: ["RUN_DIR"],
  flags: {
    out: {
      type: "string",
      help: `PNG path (default RUN_DIR/${SCORES_PLOT})`,
      valueName: "FILE.png",
    },
    window: {
      type: "int",
      help: "Episodes in the rolling mean",
      default: SOLVED_WINDOW,
      valueName: "N",
    },
    x: {
      type: "string",
      help: "What the x axis counts",
      default: "episode",
      choices: ["episode", "step"],
    },
    width: { type: "int", help: "Image width in pixels (200..8192)", default: 800, valueName: "W" },
    height: {
      type: "int",
      help: "Image height in pixels (150..8192)",
      default: 500,
      valueName: "H",
    },
  },
};

/** Runs `deno task plot` with `args` (the flags and RUN_DIR). */
export async function main(args: string[] = Deno.args): Promise<void> {
  const parsed = parseFlags(command, args);
  if (!parsed) return;
  const { flags: f, positionals: [runDir] } = parsed;
  const out = (f.out as string | undefined) ?? `${new RunFolder(runDir).dir}/${SCORES_PLOT}`;
  if (!/\.png$/i.test(out)) throw new UsageError(`--out must end in .png, got "${out}"`);
  const window = f.window as number;
  if (window < 1) throw new UsageError(`--window must be ≥ 1, got ${window}`);
  for (const [name, min] of [["width", 200], ["height", 150]] as const) {
    const v = f[name] as number;
    if (v < min || v > 8192) {
      throw new UsageError(`--${name} must be between ${min} and 8192, got ${v}`);
    }
  }
  const run = new RunFolder(runDir);
  const config = await run.readConfig();
  const episodes = await run.readEpisodes();
  if (episodes.length === 0) {
    throw new UsageError(
      `${run.path("episodes")} holds no finished episode yet; train longer, then plot`,
    );
  }
  const frame = plotReturns({
    episodes: episodes.map((e) => e.return),
    steps: episodes.map((e) => e.global_step),
    xAxis: f.x as "episode" | "step",
    window,
    threshold: envSpec(config.env).rewardThreshold ?? null,
    title: `${config.algo} on ${config.env}`,
    width: f.width as number,
    height: f.height as number,
  });
  const png = encodePng(frame);
  await writeFileAtomic(out, png);
  const last = episodes.slice(-window);
  const mean = last.reduce((a, e) => a + e.return, 0) / last.length;
  console.log(
    `Wrote ${out}: ${episodes.length} episodes from ${RUN_FILES.episodes}, ` +
      `last ${last.length}-episode mean ${mean.toFixed(2)}, ${frame.width} × ${frame.height}, ` +
      `${(png.length / 1024).toFixed(0)} KiB`,
  );
}

if (import.meta.main) await runCommand(() => main());
