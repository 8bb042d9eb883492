/**
 * `deno task dashboard [--runs DIR] [--port 8000] [--host 127.0.0.1] [--model RUN]`: serves the
 * web dashboard and the REST API over a runs folder, read live.
 * @module
 */
import { type CommandSpec, parseFlags, runCommand, UsageError } from "../core/cli.ts";
import { serveDashboard } from "./app.ts";
import { islandAssets } from "./assets.ts";
import { RunStore } from "./runs.ts";
import { HttpError } from "./validate.ts";

const command: CommandSpec = {
  usage: "deno task dashboard",
  description: "Serves the web dashboard and REST API (/api, docs at /api/docs) over a runs " +
    "folder; runs still training appear and update live.",
  flags: {
    runs: { type: "string", help: "Folder holding run folders", default: "runs", valueName: "DIR" },
    port: { type: "int", help: "Port (0: any free port)", default: 8000, valueName: "N" },
    host: {
      type: "string",
      help: "Interface to bind (0.0.0.0 exposes the server to the network)",
      default: "127.0.0.1",
    },
    model: {
      type: "string",
      help: "Run served by /api/predict when a request names none (default: newest finished)",
      valueName: "RUN",
    },
  },
};

async function main(): Promise<void> {
  const parsed = parseFlags(command, Deno.args);
  if (!parsed) return;
  const f = parsed.flags;
  const port = f.port as number;
  if (port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, got ${port}`);
  const runsDir = f.runs as string;
  const model = f.model as string | undefined;
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
  let server;
  try {
    server = serveDashboard({ runsDir, port, host: f.host as string, model });
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      throw new UsageError(`Port ${port} is in use; pass --port N (0 picks a free one)`);
    }
    throw err;
  }
  console.log(`Eagle dashboard: ${server.url}  (runs: ${server.runs.root}; API docs /api/docs)`);
  const t0 = performance.now();
  islandAssets().then(
    () => console.log(`Client bundle ready in ${Math.round(performance.now() - t0)} ms`),
    (err) => console.error(`Client bundle failed (pages work without charts): ${err.message}`),
  );
  Deno.addSignalListener("SIGINT", () => {
    server.shutdown().finally(() => Deno.exit(0));
  });
}

if (import.meta.main) await runCommand(main);
