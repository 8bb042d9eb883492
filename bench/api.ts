/**
 * `deno task bench api [--json] [--requests N] [--concurrency C] [--plays P] [--url URL]`: a
 * bounded load test of the REST API on loopback. Without `--url` it trains a small LunarLander
 * DQN run (the tutorial's) into a temp folder and starts the dashboard as a child process (so
 * client and server do not share an event loop). Reports requests/s, p50/p99 latency and
 * errors for `/api/predict`, with `/api/health` as a baseline; then `/api/health`'s latency
 * while P episodes are requested at once from `/api/play` (played on the workers, the excess
 * refused with 503 + Retry-After). Errors must be zero (a 503 from the full queue is not one):
 * the command exits 1 otherwise.
 * @module
 */
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { type CommandSpec, parseFlags, UsageError } from "../core/cli.ts";
import { trainRun } from "../dashboard/_testing.ts";

const command: CommandSpec = {
  usage: "deno task bench api",
  description: "Load-tests the dashboard's REST API on loopback (bounded request count).",
  flags: {
    requests: {
      type: "int",
      help: "Requests per endpoint (1..100000)",
      default: 5000,
      valueName: "N",
    },
    concurrency: { type: "int", help: "Requests in flight (1..256)", default: 32, valueName: "C" },
    plays: {
      type: "int",
      help: "POST /api/play requests sent at once for the /health-under-load figure (0..1000)",
      default: 300,
      valueName: "P",
    },
    url: {
      type: "string",
      help: "A running dashboard on this machine (default: start one over a fresh run)",
      valueName: "URL",
    },
    json: { type: "boolean", help: "Print one JSON object" },
  },
};

/** One endpoint's figures. */
export interface LoadResult {
  /** What was requested. */
  name: string;
  /** Requests sent (after warm-up). */
  requests: number;
  /** Requests in flight. */
  concurrency: number;
  /** Wall time of the measured requests, seconds. */
  seconds: number;
  /** Throughput. */
  requests_per_s: number;
  /** Median latency, milliseconds. */
  p50_ms: number;
  /** 99th percentile latency, milliseconds. */
  p99_ms: number;
  /** Largest latency, milliseconds. */
  max_ms: number;
  /** Non-200 answers, bad bodies and network errors. */
  errors: number;
}

/** `/api/health` while many episodes are played. */
export interface PlayLoadResult {
  /** What was measured. */
  name: string;
  /** `POST /api/play` requests sent at once. */
  plays: number;
  /** Of them answered with an episode. */
  played: number;
  /** Of them refused with 503 and Retry-After (the queue was full). */
  refused_503: number;
  /** Any other answer, or a network error. */
  play_errors: number;
  /** Seconds until every play was answered. */
  seconds: number;
  /** `/api/health` requests sent meanwhile, one after another. */
  health_requests: number;
  /** Median `/api/health` latency, milliseconds. */
  health_p50_ms: number;
  /** 99th percentile `/api/health` latency, milliseconds. */
  health_p99_ms: number;
  /** Largest `/api/health` latency, milliseconds. */
  health_max_ms: number;
  /** `/api/health` answers that were not a 200. */
  health_errors: number;
}

type Shape = { kind: "discrete"; n: number; start: number } | { kind: "box"; size: number };

/** Runs the benchmark. */
export async function main(args: string[]): Promise<void> {
  const parsed = parseFlags(command, args);
  if (!parsed) return;
  const f = parsed.flags;
  const requests = f.requests as number, concurrency = f.concurrency as number;
  if (requests < 1 || requests > 100_000) {
    throw new UsageError(`--requests must be 1..100000, got ${requests}`);
  }
  if (concurrency < 1 || concurrency > 256) {
    throw new UsageError(`--concurrency must be 1..256, got ${concurrency}`);
  }
  const plays = f.plays as number;
  if (plays < 0 || plays > 1000) throw new UsageError(`--plays must be 0..1000, got ${plays}`);
  const given = f.url as string | undefined;
  if (given && !/^http:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\/?$/.test(given)) {
    throw new UsageError(`--url must be a loopback address (http://127.0.0.1:PORT), got ${given}`);
  }
  const server = given ? null : await startServer(!f.json);
  const base = (given ?? server!.url).replace(/\/$/, "");
  try {
    const health = await (await fetch(`${base}/api/health`)).json();
    const shape: Shape | null = health.state_shape;
    if (!shape) throw new UsageError(`The dashboard at ${base} serves no model (no finished run)`);
    const state = () =>
      shape.kind === "discrete"
        ? [shape.start + Math.floor(Math.random() * shape.n)]
        : Array.from({ length: shape.size }, () => Math.random() * 2 - 1);
    const predict = () =>
      fetch(`${base}/api/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ state: state() }),
      });
    const results = [
      await load("POST /api/predict", predict, requests, concurrency, (b) => "action" in b),
      await load(
        "GET /api/health",
        () => fetch(`${base}/api/health`),
        requests,
        concurrency,
        (b) => b.status === "healthy",
      ),
    ];
    const playLoad = plays > 0 ? await healthDuringPlays(base, plays) : null;
    const report = {
      machine: machine(),
      model: health.model,
      env: health.env,
      results,
      play_load: playLoad,
    };
    if (f.json) console.log(JSON.stringify(report));
    else {
      console.log(`REST API load on ${base} (model ${health.model}, ${health.env})`);
      for (const r of results) {
        console.log(
          `  ${r.name.padEnd(18)} ${r.requests} req × ${r.concurrency} in flight: ` +
            `${r.requests_per_s.toFixed(0)} req/s, p50 ${r.p50_ms.toFixed(2)} ms, ` +
            `p99 ${r.p99_ms.toFixed(2)} ms, max ${r.max_ms.toFixed(1)} ms, ${r.errors} errors`,
        );
      }
      if (playLoad) {
        const l = playLoad;
        console.log(
          `  ${l.name}: p50 ${l.health_p50_ms.toFixed(2)} ms, p99 ${
            l.health_p99_ms.toFixed(2)
          } ms, ` +
            `max ${l.health_max_ms.toFixed(1)} ms over ${l.health_requests} requests; plays: ` +
            `${l.played} played, ${l.refused_503} refused (503), ${l.play_errors} errors in ` +
            `${l.seconds.toFixed(1)} s`,
        );
      }
    }
    const failed = results.some((r) => r.errors > 0) ||
      (playLoad !== null && (playLoad.play_errors > 0 || playLoad.health_errors > 0));
    if (failed) Deno.exitCode = 1;
  } finally {
    await server?.stop();
  }
}

/** Sends `total` requests with `concurrency` in flight, after a short warm-up. */
async function load(
  name: string,
  send: () => Promise<Response>,
  total: number,
  concurrency: number,
  valid: (body: Record<string, unknown>) => boolean,
): Promise<LoadResult> {
  const one = async (): Promise<[number, boolean]> => {
    const t0 = performance.now();
    try {
      const res = await send();
      const body = await res.json();
      return [performance.now() - t0, res.status === 200 && valid(body)];
    } catch {
      return [performance.now() - t0, false];
    }
  };
  const run = async (n: number) => {
    const latencies: number[] = [];
    let errors = 0, next = 0;
    const worker = async () => {
      while (next < n) {
        next++;
        const [ms, ok] = await one();
        latencies.push(ms);
        if (!ok) errors++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
    return { latencies, errors };
  };
  await run(Math.min(200, total)); // JIT and connection warm-up
  const t0 = performance.now();
  const { latencies, errors } = await run(total);
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return {
    name,
    requests: total,
    concurrency,
    seconds: round(seconds),
    requests_per_s: round(total / seconds),
    p50_ms: round(q(0.5)),
    p99_ms: round(q(0.99)),
    max_ms: round(latencies[latencies.length - 1]),
    errors,
  };
}

/**
 * Sends `plays` `POST /api/play` requests at once and, until all are answered, `/api/health`
 * requests one after another; the latter's latencies say whether the event loop stayed free.
 */
async function healthDuringPlays(base: string, plays: number): Promise<PlayLoadResult> {
  let played = 0, refused = 0, playErrors = 0, done = false;
  const t0 = performance.now();
  const all = Promise.all(Array.from({ length: plays }, async (_, i) => {
    try {
      const res = await fetch(`${base}/api/play`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ seed: i }),
      });
      const body = await res.json();
      if (res.status === 200 && Array.isArray(body.actions_taken)) played++;
      else if (res.status === 503 && res.headers.get("retry-after")) refused++;
      else playErrors++;
    } catch {
      playErrors++;
    }
  })).then(() => done = true);
  const latencies: number[] = [];
  let healthErrors = 0;
  while (!done) {
    const s = performance.now();
    try {
      const res = await fetch(`${base}/api/health`);
      await res.json();
      if (res.status !== 200) healthErrors++;
    } catch {
      healthErrors++;
    }
    latencies.push(performance.now() - s);
  }
  await all;
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    name: `GET /api/health during ${plays} concurrent POST /api/play`,
    plays,
    played,
    refused_503: refused,
    play_errors: playErrors,
    seconds: round(seconds),
    health_requests: latencies.length,
    health_p50_ms: round(q(0.5)),
    health_p99_ms: round(q(0.99)),
    health_max_ms: round(latencies.at(-1) ?? 0),
    health_errors: healthErrors,
  };
}

/** Trains a small run into a temp folder and starts `dashboard/main.ts` over it on a free port. */
async function startServer(verbose: boolean): Promise<{ url: string; stop(): Promise<void> }> {
  const runsDir = await Deno.makeTempDir({ prefix: "eagle-bench-api-" });
  if (verbose) console.log("Training a small DQN run on LunarLander-v3…");
  await trainRun(runsDir, "bench", {
    algo: "dqn",
    env: "LunarLander-v3",
    steps: 1000,
    evalEpisodes: 0,
    extra: ["--device", "cpu"],
  });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      join(import.meta.dirname!, "..", "dashboard", "main.ts"),
      "--runs",
      runsDir,
      "--port",
      "0",
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let url: string | null = null;
  const deadline = setTimeout(() => child.kill(), 30_000);
  while (!url) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`The dashboard exited before printing its URL:\n${text}`);
    text += value;
    url = /http:\/\/127\.0\.0\.1:\d+/.exec(text)?.[0] ?? null;
  }
  clearTimeout(deadline);
  // Keep draining the server's output so it never blocks on a full pipe.
  const drain = (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })();
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await drain.catch(() => {});
      await Deno.remove(runsDir, { recursive: true });
    },
  };
}

function machine(): Record<string, unknown> {
  const c = cpus();
  return {
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpu: c[0]?.model ?? "unknown",
    cores: c.length,
    memory_gib: Math.round(totalmem() / 2 ** 30),
    deno: Deno.version.deno,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
