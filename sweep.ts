/**
 * `deno task sweep SWEEP.json`: runs a hyperparameter sweep — every configuration of the sweep
 * file × every seed as an ordinary run folder under `runs/<sweep>/`, several at once, each
 * evaluated greedily on the same episodes — then prints the ranked table, writes
 * `summary.json` and `summary.md` and copies the best trial to `runs/<sweep>/best`.
 *
 * `--storage postgres://...` keeps the study in a shared database (created or joined);
 * `deno task sweep --worker --storage URL --study NAME` on any machine claims its trials until
 * none are left. Ctrl-C stops every trial resumably; `--resume` continues.
 * @module
 */
import { type CommandSpec, parseFlags, runCommand, UsageError } from "./core/cli.ts";
import { LiveDisplay } from "./sweeps/live_display.ts";
import { runSweep } from "./sweeps/runner.ts";
import { loadSweepFile } from "./sweeps/sweep_file.ts";

const flags: CommandSpec["flags"] = {
  parallel: {
    type: "int",
    help: "Trials trained at once, each in its own process",
    default: navigator.hardwareConcurrency,
    valueName: "N",
  },
  out: { type: "string", help: "Folder holding sweep folders", default: "runs", valueName: "DIR" },
  resume: {
    type: "boolean",
    help: "Continue the sweep: keep ended trials, resume stopped ones from their checkpoints",
  },
  final: {
    type: "int",
    help: "Then train the best configuration for N steps, as runs/<sweep>__final",
    valueName: "STEPS",
  },
  storage: {
    type: "string",
    help: "Study storage: postgres://user:pass@host:5432/db (shared) or a SQLite file " +
      "(default: runs/<sweep>/study.sqlite)",
    valueName: "URL",
  },
  study: {
    type: "string",
    help: "Study name in the storage (default: the sweep's name)",
    valueName: "NAME",
  },
  worker: {
    type: "boolean",
    help: "Join the study --study in --storage and claim its trials until none are left",
  },
  lease: {
    type: "number",
    help: "Seconds a claimed trial stays held without renewal (a dead worker's trials return " +
      "to the queue after this)",
    default: 30,
    valueName: "S",
  },
  quiet: { type: "boolean", help: "No live display: event lines and the final table only" },
};

const sweepCommand: CommandSpec = {
  usage: "deno task sweep",
  description: "Runs a hyperparameter sweep: trains every configuration × seed of SWEEP.json, " +
    "ranks them by greedy evaluation and keeps the best.\n" +
    "Worker on another machine: deno task sweep --worker --storage URL --study NAME",
  positionals: ["SWEEP.json"],
  flags,
};

const workerCommand: CommandSpec = { ...sweepCommand, positionals: [] };

/** Runs `deno task sweep` with `args` (also the `eagle sweep` subcommand). */
export async function main(args: string[] = Deno.args): Promise<void> {
  const isWorker = args.includes("--worker");
  const parsed = parseFlags(isWorker ? workerCommand : sweepCommand, args);
  if (!parsed) return;
  const f = parsed.flags;
  if (isWorker && (!f.storage || !f.study)) {
    throw new UsageError("--worker needs --storage URL and --study NAME");
  }
  if (isWorker && (f.final !== undefined || f.resume)) {
    throw new UsageError("--final and --resume apply to deno task sweep SWEEP.json, not --worker");
  }
  if (f.final !== undefined && ((f.final as number) < 1 || (f.final as number) > 1e12)) {
    throw new UsageError(`--final must be an integer in [1, 1e12], got ${f.final}`);
  }
  const file = isWorker ? undefined : await loadSweepFile(parsed.positionals[0]);

  const display = new LiveDisplay({ quiet: f.quiet as boolean });
  const stop = new AbortController(), kill = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    if (++interrupts === 1) {
      display.log("\nStopping every trial after its current step (Ctrl-C again to kill them)…");
      stop.abort();
    } else kill.abort();
  };
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) Deno.addSignalListener(sig, onSignal);
  const result = await runSweep({
    file,
    studyName: f.study as string | undefined,
    out: f.out as string,
    parallel: f.parallel as number,
    resume: f.resume as boolean,
    storage: f.storage as string | undefined,
    finalSteps: f.final as number | undefined,
    leaseSeconds: f.lease as number,
    signal: stop.signal,
    killSignal: kill.signal,
    display,
    log: (line) => console.log(line),
  });
  if (result.stopped) Deno.exit(130);
}

if (import.meta.main) await runCommand(() => main());
