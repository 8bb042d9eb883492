/**
 * The dashboard's Hono app over a runs folder: server-rendered pages, the `/api` routes and
 * the static files, with one error handler so that no request can crash the server.
 * `serveDashboard` runs it with `Deno.serve` (tests use port 0).
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { join } from "node:path";
import { envSpec, make } from "../envs/registry.ts";
import { apiRoutes, jsonError } from "./api.ts";
import { islandAssets } from "./assets.ts";
import { EvalPool } from "./eval_pool.ts";
import { OPERATIONS } from "./openapi.ts";
import { PolicyStore } from "./policies.ts";
import { RunStore } from "./runs.ts";
import { HttpError } from "./validate.ts";
import type { ReplayScene } from "./islands/props.ts";
import { ApiDocsPage } from "./pages/api_docs.tsx";
import { ComparePage } from "./pages/compare.tsx";
import { ErrorPage } from "./pages/error.tsx";
import { ReplayPage } from "./pages/replay.tsx";
import { RunPage } from "./pages/run.tsx";
import { RunsListPage } from "./pages/runs_list.tsx";

/** Options of {@link createApp}. */
export interface AppOptions {
  /** The runs folder. */
  runsDir: string;
  /** Run served when a request names none (`--model`). */
  model?: string;
  /** Milliseconds a loaded policy is trusted before its checkpoint files are re-checked. */
  recheckMs?: number;
}

/** The app and what it holds open. */
export interface Dashboard {
  /** The Hono app (`app.fetch` handles a `Request`). */
  app: Hono;
  /** Run folders. */
  runs: RunStore;
  /** Loaded policies. */
  policies: PolicyStore;
  /** Stops the evaluation worker. */
  close(): void;
}

const STATIC = join(import.meta.dirname!, "static");
/** Content-Security-Policy of the pages: everything from this server, nothing else. */
const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Builds the dashboard app over `options.runsDir`. */
export function createApp(options: AppOptions): Dashboard {
  const runs = new RunStore(options.runsDir);
  const policies = new PolicyStore(runs, { model: options.model, recheckMs: options.recheckMs });
  const evaluator = new EvalPool();
  const app = new Hono();

  app.use("*", async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    if (c.res.headers.get("content-type")?.startsWith("text/html")) {
      c.header("Content-Security-Policy", CSP);
    }
  });

  app.route("/api", apiRoutes({ runs, policies, evaluator, startedAt: performance.now() }));

  app.get("/", async (c) => page(c, RunsListPage({ runs: await runs.list(), root: runs.root })));

  app.get("/runs/:id", async (c) => {
    const id = c.req.param("id");
    const [summary, config, evaluation] = await Promise.all([
      runs.summary(id),
      runs.config(id),
      runs.evalReport(id),
    ]);
    return page(c, RunPage({ summary, config, evaluation, threshold: threshold(config.env) }));
  });

  app.get("/runs/:id/replay", async (c) => {
    const id = c.req.param("id");
    const summary = await runs.summary(id);
    const config = await runs.config(id);
    const raw = c.req.query("seed");
    const seed = raw && /^\d{1,9}$/.test(raw) ? Number(raw) : Math.floor(Math.random() * 1e6);
    return page(c, ReplayPage({ summary, scene: sceneOf(config.env, config.envOptions), seed }));
  });

  app.get("/runs/:id/files/:name", async (c) => {
    const path = await runs.gifPath(c.req.param("id"), c.req.param("name"));
    return c.body(await Deno.readFile(path), 200, {
      "Content-Type": "image/gif",
      "Cache-Control": "no-cache",
    });
  });

  app.get("/compare", async (c) => {
    const all = await runs.list();
    const known = new Set(all.map((r) => r.id));
    const selected = [...new Set(c.req.queries("run") ?? [])].filter((id) => known.has(id));
    const keys = new Set<string>();
    for (const id of selected) for (const k of (await runs.metrics(id)).keys) keys.add(k);
    keys.delete("wall_time");
    const metric = c.req.query("metric") || "charts/episodic_return";
    const envs = new Set(all.filter((r) => selected.includes(r.id)).map((r) => r.env));
    const line = envs.size === 1 && /return/.test(metric) ? threshold([...envs][0]) : null;
    return page(
      c,
      ComparePage({ runs: all, selected, metric, keys: [...keys].sort(), threshold: line }),
    );
  });

  app.get("/api/docs", async (c) => {
    const examples: Record<string, Record<string, unknown>> = {};
    let exampleRun: string | null = null;
    try {
      // Fit the predict example to the served model, so "Send" works as it stands.
      const loaded = await policies.get();
      exampleRun = loaded.runId;
      examples["post /api/predict"] = {
        state: loaded.obs.kind === "discrete" ? [loaded.obs.start] : Array(loaded.obs.size).fill(0),
      };
    } catch {
      exampleRun = (await runs.ids())[0] ?? null;
    }
    return page(c, ApiDocsPage({ operations: OPERATIONS, examples, exampleRun }));
  });

  app.get(
    "/static/style.css",
    async (c) =>
      c.body(await Deno.readFile(join(STATIC, "style.css")), 200, {
        "Content-Type": "text/css; charset=utf-8",
        "Cache-Control": "no-cache",
      }),
  );

  app.get("/static/islands.js", async (c) => {
    try {
      const a = await islandAssets();
      return c.body(a.js, 200, {
        "Content-Type": "text/javascript; charset=utf-8",
        "Cache-Control": "no-cache",
        "ETag": `"${a.hash}"`,
      });
    } catch (err) {
      console.error(`Client bundle unavailable: ${err instanceof Error ? err.message : err}`);
      // Pages still render without their islands; say why in the browser console.
      return c.body(
        `console.error("Eagle: the client bundle failed to build; see the server log");`,
        503,
        {
          "Content-Type": "text/javascript; charset=utf-8",
        },
      );
    }
  });

  app.get("/static/islands.css", async (c) => {
    const css = await islandAssets().then((a) => a.css, () => new Uint8Array(0));
    return c.body(css, 200, {
      "Content-Type": "text/css; charset=utf-8",
      "Cache-Control": "no-cache",
    });
  });

  // Browsers ask for it on every page; an empty answer keeps their consoles clean.
  app.get("/favicon.ico", (c) => c.body(null, 204));

  app.notFound((c) =>
    c.req.path.startsWith("/api/")
      ? jsonError(c, new HttpError(404, null, `No API route ${c.req.path}; see /api/docs`))
      : page(c, ErrorPage({ status: 404, message: `No page at ${c.req.path}` }), 404)
  );

  app.onError((err, c) => {
    if (!(err instanceof HttpError)) {
      // Details go to the server log only: a response never carries a stack.
      console.error(`${c.req.method} ${c.req.path} failed:`, err);
    }
    if (c.req.path.startsWith("/api/")) return jsonError(c, err);
    const status = err instanceof HttpError ? err.status : 500;
    const message = err instanceof HttpError ? err.message : "Internal server error";
    return page(c, ErrorPage({ status, message }), status);
  });

  return { app, runs, policies, close: () => evaluator.close() };
}

function page(
  c: Context,
  vnode: VNode,
  status: 200 | 400 | 404 | 405 | 409 | 413 | 415 | 500 | 503 = 200,
) {
  return c.html("<!doctype html>" + renderToString(vnode), status);
}

function threshold(envId: string): number | null {
  try {
    return envSpec(envId).rewardThreshold ?? null;
  } catch {
    return null;
  }
}

/** How the replay page draws states of `envId`. */
export function sceneOf(envId: string, envOptions: Record<string, unknown> = {}): ReplayScene {
  if (envId.startsWith("LunarLander")) return { kind: "lunar" };
  if (envId.startsWith("CartPole")) return { kind: "cartpole" };
  try {
    // Grid worlds expose their map as `desc`, under any wrappers `make` adds.
    let env: unknown = make(envId, envOptions);
    const root = env as { close(): void };
    while (env && typeof env === "object") {
      const desc = (env as { desc?: unknown }).desc;
      if (Array.isArray(desc) && desc.every((r) => typeof r === "string")) {
        root.close();
        return { kind: "grid", desc };
      }
      env = (env as { env?: unknown }).env;
    }
    root.close();
  } catch { /* unknown env: draw states generically */ }
  return { kind: "generic" };
}

/** A running dashboard server. */
export interface DashboardServer extends Dashboard {
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  /** Bound port. */
  port: number;
  /** Stops the server and the worker, waiting for open requests to finish. */
  shutdown(): Promise<void>;
}

/** Options of {@link serveDashboard}. */
export interface ServeOptions extends AppOptions {
  /** Port (0: any free one). */
  port?: number;
  /** Interface (default 127.0.0.1: loopback only). */
  host?: string;
}

/** Serves the dashboard with `Deno.serve`. */
export function serveDashboard(options: ServeOptions): DashboardServer {
  const dash = createApp(options);
  const host = options.host ?? "127.0.0.1";
  const server = Deno.serve({
    port: options.port ?? 8000,
    hostname: host,
    onListen: () => {},
    // Last line of defence behind app.onError.
    onError: () =>
      Response.json({ error: { field: null, message: "Internal server error" } }, { status: 500 }),
  }, dash.app.fetch);
  const addr = server.addr as Deno.NetAddr;
  const shownHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  return {
    ...dash,
    url: `http://${shownHost}:${addr.port}`,
    port: addr.port,
    async shutdown() {
      dash.close();
      await server.shutdown();
    },
  };
}
