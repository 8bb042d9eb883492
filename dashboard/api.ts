/**
 * The REST API's handlers, on the routes `api_schema.ts` declares. {@link modelRoutes} is the
 * tutorial's FastAPI service (`/health`, `/predict`, `/play`, `/evaluate`), served at the root
 * and under `/api`; {@link apiRoutes} adds the run folders and the OpenAPI document under
 * `/api`. Play and evaluate run on the policy workers and are cancelled when their client
 * leaves; every error is the JSON of `validate.ts`.
 * @module
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { EvalReport } from "../core/run_log.ts";
import { VERSION } from "../version.ts";
import {
  evaluateGetRoute,
  evaluatePostRoute,
  healthRoute,
  metricsRoute,
  playRoute,
  predictRoute,
  runRoute,
  runsRoute,
} from "./api_schema.ts";
import { openApiDocument } from "./openapi.ts";
import { isSharedPolicy } from "../agents/shared_policy.ts";
import { type LoadedPolicy, parseAgentStates, parseState, type PolicyStore } from "./policies.ts";
import type { PolicyPool, PolicyRef } from "./policy_pool.ts";
import type { RunStore } from "./runs.ts";
import { HttpError, problem, validationHook } from "./validate.ts";

/** What the API routes read from. */
export interface ApiDeps {
  /** Run folders. */
  runs: RunStore;
  /** Loaded policies. */
  policies: PolicyStore;
  /** Play and evaluate workers. */
  pool: PolicyPool;
  /** `performance.now()` when the server started. */
  startedAt: number;
}

function newApp(): OpenAPIHono {
  return new OpenAPIHono({ defaultHook: validationHook });
}

/** The tutorial's service: health, predict, play and evaluate (mount at `/` and `/api`). */
export function modelRoutes(deps: ApiDeps): OpenAPIHono {
  const { runs, policies, pool } = deps;
  const api = newApp();

  api.openapi(healthRoute, async (c) => {
    const served = await policies.served();
    const loaded = served.loaded;
    return c.json({
      status: "healthy" as const,
      model_loaded: loaded !== null,
      model_path: served.id === null ? null : runs.displayPath(served.id),
      model: served.id,
      model_pinned: served.pinned,
      ...(served.error === null ? {} : { model_error: served.error }),
      env: loaded?.config.env ?? null,
      algo: loaded?.config.algo ?? null,
      checkpoint: loaded?.checkpoint ?? null,
      state_shape: loaded?.obs ?? null,
      action_names: loaded?.actionNames?.slice() ?? null,
      workers: pool.status(),
      version: VERSION,
      uptime_s: Math.round(performance.now() - deps.startedAt) / 1000,
    }, 200);
  });

  api.openapi(predictRoute, async (c) => {
    const { state, states, run } = c.req.valid("json");
    const loaded = await policies.get(run);
    const diverged = () =>
      new HttpError(
        409,
        run === undefined ? null : "run",
        `The policy of run ${JSON.stringify(loaded.runId)} gave non-finite outputs for this ` +
          "state (its weights may have diverged); retrain it or serve another run",
      );
    if (isSharedPolicy(loaded.policy)) {
      const decisions = loaded.policy.decideAgents(parseAgentStates(states, loaded.obs));
      const entries = Object.entries(decisions);
      if (!entries.every(([, d]) => [...(d.probs ?? [])].every(Number.isFinite))) throw diverged();
      const plain = (a: number | ArrayLike<number>) => typeof a === "number" ? a : Array.from(a);
      return c.json({
        run: loaded.runId,
        actions: Object.fromEntries(entries.map(([a, d]) => [a, plain(d.action)])),
        action_names: Object.fromEntries(
          entries.map(([a, d]) => [
            a,
            typeof d.action === "number" ? loaded.actionNames?.[d.action] ?? null : null,
          ]),
        ),
        ...(entries.some(([, d]) => d.probs)
          ? { probs: Object.fromEntries(entries.map(([a, d]) => [a, Array.from(d.probs ?? [])])) }
          : {}),
      }, 200);
    }
    if (states !== undefined) parseAgentStates(states, loaded.obs);
    if (state === undefined) {
      throw problem("state", "missing", "state is required: the observation as a list of numbers");
    }
    const decision = loaded.policy.decide(parseState(state, loaded.obs));
    const values = decision.qValues ?? decision.probs ?? [];
    // JSON would carry these as null: a clear refusal is better than a silent one.
    if (![...values].every(Number.isFinite)) throw diverged();
    const action = typeof decision.action === "number"
      ? decision.action
      : Array.from(decision.action);
    return c.json({
      run: loaded.runId,
      action,
      action_name: typeof action === "number" ? loaded.actionNames?.[action] ?? null : null,
      q_values: decision.qValues ? Array.from(decision.qValues) : null,
      ...(decision.probs ? { probs: Array.from(decision.probs) } : {}),
    }, 200);
  });

  api.openapi(playRoute, async (c) => {
    const { seed, run } = c.req.valid("json");
    const loaded = await policies.get(run);
    const episode = await pool.play(
      refOf(loaded),
      seed ?? Math.floor(Math.random() * 1e9),
      c.req.raw.signal,
    );
    return c.json(episode, 200);
  });

  api.openapi(evaluateGetRoute, async (c) => {
    const { n_episodes, seed, run } = c.req.valid("query");
    const loaded = await policies.get(run);
    const r = await pool.evaluate(refOf(loaded), n_episodes, seed, c.req.raw.signal);
    const two = (x: number) => Math.round(x * 100) / 100;
    return c.json({
      run: loaded.runId,
      seed,
      n_episodes: r.episodes,
      mean_reward: two(r.mean_reward),
      std_reward: two(r.std_reward),
      min_reward: two(r.min_reward),
      max_reward: two(r.max_reward),
      win_rate: Math.round(r.success_rate * 1000) / 10,
      avg_steps: Math.round(r.mean_steps * 10) / 10,
    }, 200);
  });

  api.openapi(evaluatePostRoute, async (c) => {
    const { episodes, seed, per_episode, run } = c.req.valid("json");
    const loaded = await policies.get(run);
    const report: EvalReport = await pool.evaluate(
      refOf(loaded),
      episodes,
      seed,
      c.req.raw.signal,
    );
    const { per_episode: results, ...summary } = report;
    return c.json({
      run: loaded.runId,
      ...summary,
      ...(per_episode ? { per_episode: results } : {}),
    }, 200);
  });

  // A known path with the wrong method: 405 with the allowed ones, rather than a bare 404.
  for (
    const [path, allow] of [["/predict", "POST"], ["/play", "POST"], ["/evaluate", "GET, POST"]]
  ) {
    api.all(path, (c) => {
      throw new HttpError(405, null, `Use ${allow} for ${c.req.path}`, { allow });
    });
  }
  return api;
}

/** Everything under `/api`: the model routes, the run folders and `/openapi.json`. */
export function apiRoutes(deps: ApiDeps): OpenAPIHono {
  const { runs } = deps;
  const api = newApp();
  api.route("/", modelRoutes(deps));

  api.openapi(runsRoute, async (c) => c.json({ runs: await runs.list() }, 200));

  api.openapi(runRoute, async (c) => {
    const { id } = c.req.valid("param");
    const [summary, config, evaluation] = await Promise.all([
      runs.summary(id),
      runs.config(id),
      runs.evalReport(id),
    ]);
    return c.json({
      ...summary,
      config: config as unknown as Record<string, unknown>,
      eval: evaluation,
    }, 200);
  });

  api.openapi(metricsRoute, async (c) => {
    const { id } = c.req.valid("param");
    const { since } = c.req.valid("query");
    const [{ records, keys }, status] = await Promise.all([runs.metrics(id), runs.status(id)]);
    return c.json({
      run: id,
      state: status?.state ?? "unknown",
      since,
      next: records.length,
      keys,
      records: records.slice(since),
    }, 200);
  });

  let document: Record<string, unknown> | null = null;
  api.get("/openapi.json", (c) => c.json(document ??= openApiDocument(api)));
  return api;
}

function refOf(loaded: LoadedPolicy): PolicyRef {
  return {
    runId: loaded.runId,
    runDir: loaded.dir,
    config: loaded.config,
    signature: loaded.signature,
  };
}

/**
 * Renders an error as the API's JSON error body: an `HttpError` as itself, Hono's own
 * (`HTTPException`) with its status, anything else as a 500 without details.
 */
export function jsonError(c: Context, err: unknown): Response {
  if (err instanceof HTTPException && !(err instanceof HttpError)) {
    const status = err.status as HttpError["status"];
    return jsonError(c, new HttpError(status, null, err.message || "Bad request"));
  }
  if (err instanceof HttpError) {
    const headers: Record<string, string> = {};
    if (err.allow) headers.Allow = err.allow;
    if (err.retryAfter !== undefined) headers["Retry-After"] = String(err.retryAfter);
    return c.json(err.toJSON(), err.status, headers);
  }
  return c.json(new HttpError(500, null, "Internal server error").toJSON(), 500);
}
