/**
 * The dashboard's Hono app over a runs folder: server-rendered pages and their data routes,
 * the REST API under `/api` (its model routes also at the root, where the tutorial's clients
 * call them), and the static files, behind the Host and same-origin checks of
 * `request_guard.ts`, with one error handler so that no request can crash the server.
 * `serveDashboard` runs it behind `http_guard.ts` (tests use port 0); with `pages: false` it
 * serves the API alone (`deno task serve`).
 * @module
 */
import { Hono } from "hono";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";
import { join } from "node:path";
import { envSpec } from "../envs/registry.ts";
import { apiRoutes, jsonError, modelRoutes } from "./api.ts";
import { MODEL_PATHS } from "./api_schema.ts";
import { islandAssets } from "./assets.ts";
import { type ConnectionLimits, serveGuarded } from "./http_guard.ts";
import { openApiDocument, operationsOf } from "./openapi.ts";
import { replayPageData, runPageData } from "./page_data.ts";
import { pageRoutes } from "./page_routes.ts";
import { PolicyStore } from "./policies.ts";
import { PolicyPool } from "./policy_pool.ts";
import { allowedHosts, hostGuard, sameOriginGuard } from "./request_guard.ts";
import { RunStore } from "./runs.ts";
import { SweepStore } from "./sweeps_data.ts";
import { ClientGone, HttpError } from "./validate.ts";
import { ApiDocsPage } from "./pages/api_docs.tsx";
import { ComparePage } from "./pages/compare.tsx";
import { ErrorPage } from "./pages/error.tsx";
import { ReplayPage } from "./pages/replay.tsx";
import { RunPage } from "./pages/run.tsx";
import { RunsListPage } from "./pages/runs_list.tsx";
import { SweepPage } from "./pages/sweep.tsx";
import { SweepsPage } from "./pages/sweeps.tsx";

/** Options of {@link createApp}. */
export interface AppOptions {
  /** The runs folder. */
  runsDir: string;
  /** Run served when a request names none (`--model`); default: the newest finished run. */
  model?: string;
  /** Show only the `model` run of the folder (`deno task serve RUN_DIR`). */
  onlyModel?: boolean;
  /** Serve the pages (default true); false: the API alone, at the root and under `/api`. */
  pages?: boolean;
  /** Milliseconds a loaded policy is trusted before its checkpoint files are re-checked. */
  recheckMs?: number;
  /** The interface the server is bound to: its Host header is accepted (default 127.0.0.1). */
  host?: string;
  /** More Host names to accept (`--allow-host`; `*`: any). */
  allowHosts?: readonly string[];
  /** Play/evaluate workers (default: the cores less one, 1 to 4). */
  workers?: number;
  /** Play/evaluate jobs allowed to wait (default 64). */
  queueLimit?: number;
  /** Told when the served model (the newest finished run) changes. */
  onModelChange?: (id: string | null) => void;
  /** A study storage whose sweeps the pages show too (`--sweep-storage`): a PostgreSQL URL
   * or a SQLite file. */
  sweepStorage?: string;
}

/** The app and what it holds open. */
export interface Dashboard {
  /** The Hono app (`app.fetch` handles a `Request`). */
  app: Hono;
  /** Run folders. */
  runs: RunStore;
  /** Sweep folders and the study storage. */
  sweeps: SweepStore;
  /** Loaded policies. */
  policies: PolicyStore;
  /** Play and evaluate workers. */
  pool: PolicyPool;
  /** Stops the workers. */
  close(): void;
}

const STATIC = join(import.meta.dirname!, "static");
/** Content-Security-Policy of the pages: everything from this server, nothing else. */
const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Builds the dashboard app over `options.runsDir`. */
export function createApp(options: AppOptions): Dashboard {
  const withPages = options.pages ?? true;
  const runs = new RunStore(options.runsDir, {
    only: options.onlyModel ? options.model : undefined,
  });
  const policies = new PolicyStore(runs, {
    model: options.model,
    recheckMs: options.recheckMs,
    onModelChange: options.onModelChange,
  });
  const pool = new PolicyPool({
    workers: options.workers,
    queueLimit: options.queueLimit,
    sanitize: (m) => runs.relative(m),
  });
  const sweeps = new SweepStore(runs, { storage: options.sweepStorage });
  const hosts = allowedHosts(options.host ?? "127.0.0.1", options.allowHosts);
  const app = new Hono();
  // The API answers JSON and refuses other sites; /api/docs is a page.
  const isApi = (path: string) =>
    !withPages || (path.startsWith("/api/") && path !== "/api/docs") ||
    (MODEL_PATHS as readonly string[]).includes(path);

  app.use("*", async (c, next) => {
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    if (c.res.headers.get("content-type")?.startsWith("text/html")) {
      c.header("Content-Security-Policy", CSP);
    }
  });
  app.use("*", hostGuard(hosts));
  app.use("*", sameOriginGuard(hosts, isApi));

  const deps = { runs, policies, pool, startedAt: performance.now() };
  const api = apiRoutes(deps);
  app.route("/api", api);
  const pages = withPages ? pageRoutes({ runs, sweeps }) : null;
  if (pages) {
    app.route("/", modelRoutes(deps));
    mountPages(app, runs, sweeps, policies, api);
    mountSweepPages(app, runs, sweeps);
    app.route("/", pages.app);
  } else {
    app.route("/", api);
  }

  app.notFound((c) =>
    isApi(c.req.path)
      ? jsonError(c, new HttpError(404, null, `No API route ${c.req.path}; see /api/openapi.json`))
      : page(c, ErrorPage({ status: 404, message: `No page at ${c.req.path}` }), 404)
  );

  app.onError((err, c) => {
    if (err instanceof ClientGone) {
      // Nobody is left to read it: no log, no stack (499 as nginx logs it).
      return new Response(null, { status: 499 });
    }
    if (!(err instanceof HttpError) && !(err instanceof HTTPException)) {
      // Details go to the server log only: a response never carries a stack.
      console.error(`${c.req.method} ${c.req.path} failed:`, err);
    }
    if (isApi(c.req.path)) return jsonError(c, err);
    const status = err instanceof HttpError ? err.status : 500;
    const message = err instanceof HttpError ? err.message : "Internal server error";
    return page(c, ErrorPage({ status, message }), status);
  });

  return {
    app,
    runs,
    sweeps,
    policies,
    pool,
    close: () => {
      pool.close();
      pages?.close();
      void sweeps.close();
    },
  };
}

/** The pages, the docs page and the static files. */
function mountPages(
  app: Hono,
  runs: RunStore,
  sweeps: SweepStore,
  policies: PolicyStore,
  api: OpenAPIHono,
): void {
  app.get("/", async (c) => {
    // Only the folders: the runs list never waits for a study database.
    const [list, { sweeps: sweepList }] = await Promise.all([
      runs.list(),
      sweeps.list({ folders: true }),
    ]);
    return page(c, RunsListPage({ runs: list, root: runs.root, sweeps: sweepList }));
  });

  app.get("/runs/:id", async (c) => page(c, RunPage(await runPageData(runs, c.req.param("id")))));

  app.get(
    "/runs/:id/replay",
    async (c) =>
      page(c, ReplayPage(await replayPageData(runs, c.req.param("id"), c.req.query("seed")))),
  );

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

  let operations: ReturnType<typeof operationsOf> | null = null;
  app.get("/api/docs", async (c) => {
    operations ??= operationsOf(openApiDocument(api));
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
    return page(c, ApiDocsPage({ operations, examples, exampleRun }));
  });
  // FastAPI serves its docs at /docs; the tutorial's readers will look there.
  app.get("/docs", (c) => c.redirect("/api/docs"));

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
        { "Content-Type": "text/javascript; charset=utf-8" },
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
}

/** The sweeps list and the sweep pages (their live data is a page route). */
function mountSweepPages(app: Hono, runs: RunStore, sweeps: SweepStore): void {
  app.get("/sweeps", async (c) => {
    const { sweeps: list, storage } = await sweeps.list();
    return page(c, SweepsPage({ sweeps: list, root: runs.root, storage }));
  });
  app.get("/sweeps/:name", async (c) => {
    return page(c, SweepPage({ view: await sweeps.view(c.req.param("name")) }));
  });
}

function page(c: Context, vnode: VNode, status: HttpError["status"] | 200 = 200) {
  return c.html("<!doctype html>" + renderToString(vnode), status);
}

function threshold(envId: string): number | null {
  try {
    return envSpec(envId).rewardThreshold ?? null;
  } catch {
    return null;
  }
}

/** A running dashboard server. */
export interface DashboardServer extends Dashboard {
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  /** Bound port. */
  port: number;
  /** Stops the server and the workers, waiting for open requests to finish. */
  shutdown(): Promise<void>;
}

/** Options of {@link serveDashboard}. */
export interface ServeOptions extends AppOptions {
  /** Port (0: any free one). */
  port?: number;
  /** Slow-client limits (`http_guard.ts`'s defaults otherwise). */
  limits?: Partial<ConnectionLimits>;
}

/** Serves the dashboard (loopback only unless `host` says otherwise). */
export function serveDashboard(options: ServeOptions): DashboardServer {
  const host = options.host ?? "127.0.0.1";
  const dash = createApp({ ...options, host });
  let server;
  try {
    server = serveGuarded({
      hostname: host,
      port: options.port ?? 8000,
      limits: options.limits,
      // Last line of defence behind app.onError.
      onError: () =>
        Response.json(new HttpError(500, null, "Internal server error").toJSON(), { status: 500 }),
    }, dash.app.fetch);
  } catch (err) {
    dash.close();
    throw err;
  }
  const shownHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  return {
    ...dash,
    url: `http://${shownHost}:${server.addr.port}`,
    port: server.addr.port,
    async shutdown() {
      dash.close();
      await server.shutdown();
    },
  };
}
