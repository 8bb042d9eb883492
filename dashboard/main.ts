/**
 * `deno task dashboard [--runs DIR] [--port 8000] [--host 127.0.0.1] [--model RUN]
 * [--allow-host NAME] [--sweep-storage URL]`: serves the web dashboard and the REST API over a
 * runs folder, read live; with `--sweep-storage`, also the sweeps (studies) of that database.
 * @module
 */
import { basename, dirname, resolve } from "node:path";
import { type CommandSpec, parseFlags, runCommand, UsageError } from "../core/cli.ts";
import { serveDashboard } from "./app.ts";
import { islandAssets } from "./assets.ts";
import { listen, SERVER_FLAGS, stopOnSignals } from "./server_cli.ts";
import { RunStore } from "./runs.ts";
import { HttpError } from "./validate.ts";

const command: CommandSpec = {
  usage: "deno task dashboard",
  description: "Serves the web dashboard and REST API (/api, docs at /api/docs; the model " +
    "routes /health, /predict, /play, /evaluate also at the root) over a runs folder; runs " +
    "still training appear and update live.",
  flags: {
    runs: { type: "string", help: "Folder holding run folders", default: "runs", valueName: "DIR" },
    ...SERVER_FLAGS,
    model: {
      type: "string",
      help: "Run served when a request names none: its id or folder (default: the newest " +
        "finished run)",
      valueName: "RUN",
    },
    "sweep-storage": {
      type: "string",
      help: "Also show the sweeps of this study storage: a postgres://user:pass@host:5432/db " +
        "URL or a SQLite file (their trials link to the run folders found in --runs)",
      valueName: "URL",
    },
  },
};

/** Parses `args` and starts the server (which keeps the process alive until a signal). */
export async function main(args: string[] = Deno.args): Promise<void> {
  const parsed = parseFlags(command, args);
  if (!parsed) return;
  const f = parsed.flags;
  const runsDir = f.runs as string;
  let model = f.model as string | undefined;
  if (model !== undefined && /[/\\]/.test(model)) {
    // A run folder's path (like the tutorial's MODEL_PATH) names the run it holds.
    if (dirname(resolve(model)) !== resolve(runsDir)) {
      throw new UsageError(`--model: ${model} is not a run folder inside --runs ${runsDir}`);
    }
    model = basename(resolve(model));
  }
  if (model !== undefined) {
    const store = new RunStore(runsDir);
    try {
      await store.runDir(model, "model");
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      throw new UsageError(
        err.status === 404
          ? `--model: ${store.root} has no run folder "${model}" (with a config.json)`
          : `--model: ${err.message}`,
      );
    }
  }
  const sweepStorage = f["sweep-storage"] as string | undefined;
  const server = listen(
    f,
    (options) => serveDashboard({ ...options, runsDir, model, sweepStorage }),
  );
  console.log(`Eagle dashboard: ${server.url}  (runs: ${server.runs.root}; API docs /api/docs)`);
  if (sweepStorage !== undefined) {
    // Said at once, but not fatal: the database may come up later; /sweeps says it too.
    server.sweeps.list().then(({ storage }) =>
      console.log(storage?.error ?? `Sweeps also from ${server.sweeps.storageLocation}`)
    );
  }
  const t0 = performance.now();
  islandAssets().then(
    () => console.log(`Client bundle ready in ${Math.round(performance.now() - t0)} ms`),
    (err) => console.error(`Client bundle failed (pages work without charts): ${err.message}`),
  );
  stopOnSignals(server);
}

if (import.meta.main) await runCommand(() => main());
