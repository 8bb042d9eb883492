/**
 * `deno task serve RUN_DIR [--port 8000] [--host 127.0.0.1] [--allow-host NAME]`: the REST API
 * alone, as `uvicorn api:app` serves the tutorial's FastAPI service: `/health`, `/predict`,
 * `/play`, `/evaluate` (and the run routes and `/openapi.json`) at the root and under `/api`.
 * RUN_DIR is a run folder, pinned as the model (the tutorial's `MODEL_PATH`), or a folder of
 * runs, whose newest finished run is served and named in `/health`.
 * @module
 */
import { basename, dirname, resolve } from "node:path";
import { type CommandSpec, parseFlags, runCommand, UsageError } from "../core/cli.ts";
import { RunFolder } from "../core/run_folder.ts";
import { serveDashboard } from "./app.ts";
import { runIdProblem } from "./runs.ts";
import { listen, SERVER_FLAGS, stopOnSignals } from "./server_cli.ts";

const command: CommandSpec = {
  usage: "deno task serve",
  description: "Serves the REST API alone (no pages) for one run folder, or for the newest " +
    "finished run of a folder of runs; the OpenAPI document is at /openapi.json.",
  positionals: ["RUN_DIR"],
  flags: SERVER_FLAGS,
};

/** Parses `args` and starts the server (which keeps the process alive until a signal). */
export async function main(args: string[] = Deno.args): Promise<void> {
  const parsed = parseFlags(command, args);
  if (!parsed) return;
  const dir = resolve(parsed.positionals[0]);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch {
    throw new UsageError(`RUN_DIR: ${parsed.positionals[0]} does not exist`);
  }
  if (!info.isDirectory) throw new UsageError(`RUN_DIR: ${parsed.positionals[0]} is not a folder`);
  const pinned = await new RunFolder(dir).isRun();
  const id = basename(dir);
  if (pinned && runIdProblem(id)) {
    throw new UsageError(
      `RUN_DIR: the run folder's name ${JSON.stringify(id)} ${runIdProblem(id)}`,
    );
  }
  const server = listen(parsed.flags, (options) =>
    serveDashboard({
      ...options,
      runsDir: pinned ? dirname(dir) : dir,
      model: pinned ? id : undefined,
      onlyModel: pinned,
      pages: false,
    }));
  const what = pinned ? `run ${id}` : `the newest finished run in ${dir}`;
  console.log(`Eagle API: ${server.url}  (serving ${what}; OpenAPI at /openapi.json)`);
  stopOnSignals(server);
}

if (import.meta.main) await runCommand(() => main());
