/**
 * `eagle`: one entry point for every Eagle command, and what `deno task compile` turns into a
 * single self-contained binary (`deno compile`). `eagle train …` runs exactly what
 * `deno run -A train.ts …` runs: each subcommand is the command module's own `main`, imported
 * only when it is the one asked for (so `eagle eval` never loads the dashboard's server).
 *
 * @example
 * ```sh
 * deno task compile          # writes ./eagle
 * ./eagle train --algo qlearning --env FrozenLake-v1 --name frozen
 * ./eagle eval runs/frozen
 * ./eagle record runs/frozen --out frozen.mp4
 * ./eagle dashboard --runs runs
 * ```
 * @module
 */
import { runCommand, UsageError } from "./core/cli.ts";
import { VERSION } from "./version.ts";

/** A command's entry point: parses `args` (everything after the subcommand name) and runs. */
export type CommandMain = (args: string[]) => Promise<void>;

/** A subcommand of `eagle`. */
export interface Subcommand {
  /** One line for `eagle --help`. */
  summary: string;
  /** Imports the command's module and returns its `main`. */
  load(): Promise<CommandMain>;
}

/** The subcommands, in the order `eagle --help` lists them. */
export const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  train: {
    summary: "Train an agent; writes a run folder (config, metrics, episodes, checkpoints)",
    load: async () => (await import("./train.ts")).main,
  },
  eval: {
    summary: "Evaluate a run greedily over many seeds; writes RUN_DIR/eval.json",
    load: async () => (await import("./eval.ts")).main,
  },
  record: {
    summary: "Record the trained agent playing, as an MP4 (with ffmpeg) or a GIF",
    load: async () => (await import("./record.ts")).main,
  },
  plot: {
    summary: "Draw a run's episode returns, rolling mean and threshold as a PNG",
    load: async () => (await import("./plot.ts")).main,
  },
  sweep: {
    summary: "Run a hyperparameter sweep (SWEEP.json), or join one as a --worker",
    load: async () => (await import("./sweep.ts")).main,
  },
  serve: {
    summary: "Serve the REST API alone for a run folder (like uvicorn api:app)",
    load: async () => (await import("./dashboard/serve.ts")).main,
  },
  dashboard: {
    summary: "Serve the web dashboard and the REST API over a runs folder",
    load: async () => (await import("./dashboard/main.ts")).main,
  },
};

/**
 * Subcommands for Eagle's own child processes, not listed in `--help`: in the binary there is
 * no `deno run` to start a script, so `sweep` starts each trial as `eagle sweep-trial JOB`.
 */
export const INTERNAL_SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  "sweep-trial": {
    summary: "One trial of a sweep (started by `eagle sweep`)",
    load: async () => (await import("./sweeps/trial_process.ts")).main,
  },
};

/** `eagle --help`. */
export function usage(): string {
  const width = Math.max(...Object.keys(SUBCOMMANDS).map((n) => n.length)) + 4;
  return [
    `Eagle ${VERSION}: reinforcement learning for Deno`,
    "",
    "Usage: eagle <command> [flags]",
    "",
    "Commands:",
    ...Object.entries(SUBCOMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    "",
    "Run `eagle <command> --help` for a command's flags; `eagle --version` prints the version.",
  ].join("\n");
}

/** Runs `eagle` with `args`: the subcommand name, then its flags. */
export async function main(args: string[] = Deno.args): Promise<void> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || args.join(" ") === "help") {
    console.log(usage());
    return;
  }
  if (name === "--version" || name === "-V") {
    console.log(`eagle ${VERSION} (deno ${Deno.version.deno})`);
    return;
  }
  // `eagle help train` is `eagle train --help`.
  const [command, commandArgs] = name === "help" && rest.length > 0
    ? [rest[0], ["--help"]]
    : [name, rest];
  const sub = Object.hasOwn(SUBCOMMANDS, command)
    ? SUBCOMMANDS[command]
    : Object.hasOwn(INTERNAL_SUBCOMMANDS, command)
    ? INTERNAL_SUBCOMMANDS[command]
    : undefined;
  if (sub === undefined) {
    throw new UsageError(
      `Unknown command "${command}"; commands: ${Object.keys(SUBCOMMANDS).join(", ")} ` +
        "(eagle --help lists them)",
    );
  }
  await (await sub.load())(commandArgs);
}

if (import.meta.main) await runCommand(() => main());
