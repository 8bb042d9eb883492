/**
 * `deno task record RUN_DIR`: writes an animated GIF of the trained agent playing one episode,
 * by default the first (from seed 0) whose return reaches the env's threshold.
 * @module
 */
import { type CommandSpec, parseFlags, runCommand } from "./core/cli.ts";
import { RunFolder } from "./core/run_folder.ts";
import { getAlgorithm } from "./agents/algorithms.ts";
import { recordEpisode } from "./agents/record.ts";
import { envSpec } from "./envs/registry.ts";

const command: CommandSpec = {
  usage: "deno task record",
  description: "Writes an animated GIF of a trained agent playing one episode.",
  positionals: ["RUN_DIR"],
  flags: {
    seed: { type: "int", help: "Record this episode seed (default: search for a success)" },
    "min-return": {
      type: "number",
      help: "Return to search for (default: the env's threshold)",
      valueName: "R",
    },
    out: { type: "string", help: "GIF path (default RUN_DIR/episode.gif)", valueName: "FILE" },
    fps: { type: "int", help: "Frames per second", default: 50 },
    checkpoint: {
      type: "string",
      help: "Which checkpoint",
      default: "best",
      choices: ["best", "latest"],
    },
  },
};

async function main(): Promise<void> {
  const parsed = parseFlags(command, Deno.args);
  if (!parsed) return;
  const { flags: f, positionals: [runDir] } = parsed;
  const run = new RunFolder(runDir);
  const config = await run.readConfig();
  const policy = await getAlgorithm(config.algo).loadPolicy(
    run,
    config,
    f.checkpoint as "best" | "latest",
  );
  const fps = f.fps as number;
  if (fps < 1 || fps > 100) throw new RangeError(`--fps must be between 1 and 100, got ${fps}`);
  const defaultPath = `${run.dir}/episode.gif`;
  const result = await recordEpisode(policy, config.env, (f.out as string) ?? defaultPath, {
    envOptions: config.envOptions,
    seed: f.seed as number | undefined,
    minReturn: f["min-return"] as number | undefined,
    gif: { fps, palette: envSpec(config.env).palette },
  });
  console.log(
    `Wrote ${result.path}: seed ${result.seed}, return ${result.reward.toFixed(1)}, ` +
      `${result.steps} steps, ${result.frames} frames, ${(result.bytes / 1024).toFixed(0)} KiB` +
      (result.reachedTarget ? "" : " (no searched episode reached the target; recorded the best)"),
  );
}

if (import.meta.main) await runCommand(main);
