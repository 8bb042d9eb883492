/**
 * The REST API under `/api`: health, runs and their metrics, and the trained policies
 * (`predict`, `play`, `evaluate`). Every error is a 4xx/5xx JSON `{ error: { field, message } }`;
 * the OpenAPI document in `openapi.ts` describes each route.
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { VERSION } from "../version.ts";
import type { EvalPool } from "./eval_pool.ts";
import { openApiDocument } from "./openapi.ts";
import { type ObservationShape, parseState, playEpisode, type PolicyStore } from "./policies.ts";
import type { RunStore } from "./runs.ts";
import {
  HttpError,
  onlyKeys,
  optionalBool,
  optionalInt,
  optionalString,
  queryInt,
  readJsonObject,
} from "./validate.ts";

/** What the API routes read from. */
export interface ApiDeps {
  /** Run folders. */
  runs: RunStore;
  /** Loaded policies. */
  policies: PolicyStore;
  /** Background evaluator. */
  evaluator: EvalPool;
  /** `performance.now()` when the server started. */
  startedAt: number;
}

/** Largest `episodes` of `/api/evaluate`. */
export const MAX_EVAL_EPISODES = 1000;
/** Largest seed accepted (numpy seeds go higher; this keeps `seed + episodes` exact). */
export const MAX_SEED = 2 ** 32 - 1;

/** Builds the `/api` routes (mount at `/api`). */
export function apiRoutes(deps: ApiDeps): Hono {
  const api = new Hono();
  const { runs, policies, evaluator } = deps;

  api.get("/health", async (c) => {
    const model = await policies.defaultRun();
    let env: string | null = null, algo: string | null = null;
    let state: ObservationShape | null = null;
    if (model) {
      try {
        const loaded = await policies.get(model);
        env = loaded.config.env;
        algo = loaded.config.algo;
        state = loaded.obs;
      } catch { /* no loadable checkpoint (yet): health still answers */ }
    }
    return c.json({
      status: "ok",
      model,
      env,
      algo,
      state_shape: state,
      uptime_s: Math.round(performance.now() - deps.startedAt) / 1000,
      version: VERSION,
    });
  });

  api.get("/runs", async (c) => c.json({ runs: await runs.list() }));

  api.get("/runs/:id", async (c) => {
    const id = c.req.param("id");
    const [summary, config, evaluation] = await Promise.all([
      runs.summary(id),
      runs.config(id),
      runs.evalReport(id),
    ]);
    return c.json({ ...summary, config, eval: evaluation });
  });

  api.get("/runs/:id/metrics", async (c) => {
    const id = c.req.param("id");
    const since = queryInt(c.req.query("since"), "since", Number.MAX_SAFE_INTEGER, 0);
    const [{ records, keys }, status] = await Promise.all([runs.metrics(id), runs.status(id)]);
    return c.json({
      run: id,
      state: status?.state ?? "unknown",
      since,
      next: records.length,
      keys,
      records: records.slice(since),
    });
  });

  api.post("/predict", async (c) => {
    const body = await readJsonObject(c.req.raw);
    onlyKeys(body, ["state", "run"]);
    if (!("state" in body)) {
      throw new HttpError(400, "state", "state is required: the observation as a list of numbers");
    }
    const loaded = await policies.get(optionalString(body, "run"));
    const decision = loaded.policy.decide(parseState(body.state, loaded.obs));
    const action = typeof decision.action === "number"
      ? decision.action
      : Array.from(decision.action);
    const out: Record<string, unknown> = {
      run: loaded.runId,
      action,
      action_name: typeof action === "number" ? loaded.actionNames?.[action] ?? null : null,
    };
    if (decision.qValues) out.q_values = Array.from(decision.qValues);
    if (decision.probs) out.probs = Array.from(decision.probs);
    return c.json(out);
  });

  api.post("/play", async (c) => {
    const body = await readJsonObject(c.req.raw);
    onlyKeys(body, ["run", "seed"]);
    const seed = optionalInt(body, "seed", 0, MAX_SEED, Math.floor(Math.random() * 1e9));
    const loaded = await policies.get(optionalString(body, "run"));
    return c.json(playEpisode(loaded, seed));
  });

  api.post("/evaluate", async (c) => {
    const body = await readJsonObject(c.req.raw);
    onlyKeys(body, ["run", "episodes", "seed", "per_episode"]);
    if (body.episodes === undefined) {
      throw new HttpError(
        400,
        "episodes",
        `episodes is required: an integer from 1 to ${MAX_EVAL_EPISODES}`,
      );
    }
    const episodes = optionalInt(body, "episodes", 1, MAX_EVAL_EPISODES, 100);
    const seed = optionalInt(body, "seed", 0, MAX_SEED, 0);
    const perEpisode = optionalBool(body, "per_episode", false);
    // Loading here validates the run (and its checkpoint) before queueing any work.
    const loaded = await policies.get(optionalString(body, "run"));
    const id = loaded.runId;
    const report = await evaluator.run({
      runDir: await runs.runDir(id, "run"),
      config: loaded.config,
      signature: await runs.checkpointSignature(id, "run"),
      episodes,
      seed,
    });
    const { per_episode, ...summary } = report;
    return c.json(perEpisode ? { run: id, ...summary, per_episode } : { run: id, ...summary });
  });

  api.get("/openapi.json", (c) => c.json(openApiDocument()));

  // Known paths with the wrong method: 405 with the allowed one, rather than a bare 404.
  for (const [path, allow] of [["/predict", "POST"], ["/play", "POST"], ["/evaluate", "POST"]]) {
    api.all(path, () => {
      throw new HttpError(405, null, `Use ${allow} for /api${path}`);
    });
  }
  return api;
}

/** Renders an error as the API's JSON error body (500s without details of the failure). */
export function jsonError(c: Context, err: unknown): Response {
  if (err instanceof HttpError) {
    const headers: Record<string, string> = {};
    if (err.status === 405) headers.Allow = /Use (\w+)/.exec(err.message)?.[1] ?? "GET";
    return c.json(err.toJSON(), err.status, headers);
  }
  return c.json({ error: { field: null, message: "Internal server error" } }, 500);
}
