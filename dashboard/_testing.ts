/**
 * Helpers for the dashboard's tests and `bench/api.ts`: a small real run, trained and evaluated
 * by the CLI (`train.ts`, `eval.ts`) exactly as a user would, and raw HTTP requests.
 * @module
 */
import { join } from "node:path";

const ROOT = join(import.meta.dirname!, "..");

/** Options of {@link trainRun}. */
export interface TrainRunOptions {
  /** Algorithm (default `qlearning`). */
  algo?: string;
  /** Env (default `FrozenLake-v1`). */
  env?: string;
  /** Env steps (default 20 000: about a second for Q-learning on FrozenLake). */
  steps?: number;
  /** Evaluation episodes written to `eval.json` (0: no evaluation). */
  evalEpisodes?: number;
  /** More `train.ts` flags, e.g. `["--device", "cpu"]`. */
  extra?: string[];
}

/** Runs a Deno script of the repo with arguments; throws with its output if it fails. */
export async function runScript(script: string, args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, script), ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const out = new TextDecoder().decode(stdout);
  if (code !== 0) {
    throw new Error(
      `${script} ${args.join(" ")} failed (${code}):\n${out}\n${new TextDecoder().decode(stderr)}`,
    );
  }
  return out;
}

/** Trains run `name` into `runsDir` with the CLI and evaluates it; returns the run folder. */
export async function trainRun(
  runsDir: string,
  name: string,
  options: TrainRunOptions = {},
): Promise<string> {
  await runScript("train.ts", [
    "--algo",
    options.algo ?? "qlearning",
    "--env",
    options.env ?? "FrozenLake-v1",
    "--steps",
    String(options.steps ?? 20_000),
    "--out",
    runsDir,
    "--name",
    name,
    "--quiet",
    ...(options.extra ?? []),
  ]);
  const dir = join(runsDir, name);
  const episodes = options.evalEpisodes ?? 20;
  if (episodes > 0) await runScript("eval.ts", [dir, "--episodes", String(episodes), "--quiet"]);
  return dir;
}

/**
 * Sends raw HTTP/1.1 bytes to `port` (no URL normalisation, unlike `fetch`, and any `Host`);
 * returns the status and body.
 */
export async function rawRequest(
  port: number,
  requestLine: string,
  headers: Record<string, string> = { Host: "127.0.0.1" },
): Promise<{ status: number; body: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    await conn.write(
      new TextEncoder().encode(`${requestLine}\r\n${lines}Connection: close\r\n\r\n`),
    );
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(16384);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const text = new TextDecoder().decode(
      chunks.reduce((a, c) => {
        const out = new Uint8Array(a.length + c.length);
        out.set(a);
        out.set(c, a.length);
        return out;
      }, new Uint8Array(0)),
    );
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
    return { status, body: text.slice(text.indexOf("\r\n\r\n") + 4) };
  } finally {
    conn.close();
  }
}
