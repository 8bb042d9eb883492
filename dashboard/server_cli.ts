/**
 * What `deno task dashboard` and `deno task serve` share on the command line: the `--port`,
 * `--host` and `--allow-host` flags, binding with a one-line error for a port in use, telling
 * which model is served when it changes, and stopping on Ctrl-C or SIGTERM.
 * @module
 */
import { type FlagSpec, type FlagValues, UsageError } from "../core/cli.ts";
import type { DashboardServer, ServeOptions } from "./app.ts";

/** The flags of both commands. */
export const SERVER_FLAGS: Record<string, FlagSpec> = {
  port: { type: "int", help: "Port (0: any free port)", default: 8000, valueName: "N" },
  host: {
    type: "string",
    help: "Interface to bind (0.0.0.0 exposes the server to the network)",
    default: "127.0.0.1",
  },
  "allow-host": {
    type: "list",
    help: "Also accept requests whose Host header is NAME (repeatable; '*': any host). By " +
      "default only the bound address and localhost are, against DNS rebinding",
    valueName: "NAME",
  },
};

/** Starts a server with the parsed flags; `start` adds the command's own options. */
export function listen(
  flags: FlagValues,
  start: (options: Omit<ServeOptions, "runsDir">) => DashboardServer,
): DashboardServer {
  const port = flags.port as number;
  if (port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, got ${port}`);
  try {
    return start({
      port,
      host: flags.host as string,
      allowHosts: (flags["allow-host"] as string[] | undefined) ?? [],
      onModelChange: (id) =>
        console.log(
          id === null
            ? "No finished run to serve now"
            : `Serving model ${id} (newest finished run)`,
        ),
    });
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      throw new UsageError(`Port ${port} is in use; pass --port N (0 picks a free one)`);
    }
    throw err;
  }
}

/** Shuts `server` down gracefully on SIGINT or SIGTERM, then exits. */
export function stopOnSignals(server: DashboardServer): void {
  const stop = () => server.shutdown().finally(() => Deno.exit(0));
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
}
