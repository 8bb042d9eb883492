/**
 * The data routes behind the run and replay pages (not part of the public `/api`): the
 * training-episode feed of the return curve, the evaluate panel's jobs (NDJSON progress,
 * cancelled when the page goes away) and stored results, the replay's rendered frames, the
 * run's progress videos, and a sweep page's live data. Errors answer
 * `{ error: { field, message } }` as the API's do.
 *
 * Mount with `app.route("/", pageRoutes({ runs }).app)` and call `close()` on shutdown.
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { getAlgorithm } from "../agents/algorithms.ts";
import type { Policy } from "../agents/algorithm.ts";
import { RunFolder } from "../core/run_folder.ts";
import type { RunConfig } from "../core/run_log.ts";
import { EpisodeFeeds } from "./episode_feed.ts";
import { EvaluationJobs } from "./evaluate_jobs.ts";
import { readEvaluation } from "./evaluations.ts";
import type { CheckpointChoice, EvaluationEvent, EvaluationKey } from "./islands/protocol.ts";
import { runCheckpoints } from "./page_data.ts";
import { replayStream } from "./replay_frames.ts";
import { videoResponse } from "./run_videos.ts";
import type { RunStore } from "./runs.ts";
import { SweepStore } from "./sweeps_data.ts";
import { HttpError } from "./validate.ts";

/** What the routes read from. */
export interface PageRoutesDeps {
  /** Run folders. */
  runs: RunStore;
  /** Evaluation jobs (default: a runner of its own). */
  jobs?: EvaluationJobs;
  /** Sweeps (default: the sweep folders of `runs`). */
  sweeps?: SweepStore;
}

/** The routes and what they hold open. */
export interface PageRoutes {
  /** Hono app; mount at `/`. */
  app: Hono;
  /** The evaluation jobs. */
  jobs: EvaluationJobs;
  /** Cancels running evaluations. */
  close(): void;
}

/** Most episodes one evaluation may play (the panel offers up to 200). */
export const MAX_EPISODES = 1000;
/** Largest first seed (numpy seeds go higher; this keeps `seed + episodes` exact). */
export const MAX_SEED = 2 ** 32 - 1;
/** Largest evaluate request body, in bytes. */
const MAX_BODY = 4096;

/** Builds the page-data routes. */
export function pageRoutes(deps: PageRoutesDeps): PageRoutes {
  const { runs } = deps;
  const jobs = deps.jobs ?? new EvaluationJobs();
  const feeds = new EpisodeFeeds(runs);
  const sweeps = deps.sweeps ?? new SweepStore(runs);
  const app = new Hono();

  app.get("/sweeps/:name/data.json", async (c) => {
    c.header("Cache-Control", "no-store");
    return c.json(await sweeps.view(c.req.param("name")));
  });

  app.get("/runs/:id/episodes.json", async (c) => {
    const since = intParam(c.req.query("since"), "since", 0, Number.MAX_SAFE_INTEGER, 0);
    return c.json(await feeds.feed(c.req.param("id"), since));
  });

  app.get("/runs/:id/evaluation", async (c) => {
    const dir = await runs.runDir(c.req.param("id"));
    const key = evaluationKey({
      checkpoint: c.req.query("checkpoint"),
      episodes: c.req.query("episodes"),
      seed: c.req.query("seed"),
    });
    const stored = await readEvaluation(dir, key);
    if (!stored) {
      throw new HttpError(
        404,
        null,
        `No stored evaluation of ${key.episodes} episodes of the ${key.checkpoint} checkpoint ` +
          `from seed ${key.seed}`,
      );
    }
    return c.json(stored);
  });

  app.post("/runs/:id/evaluate", async (c) => {
    const id = c.req.param("id");
    const dir = await runs.runDir(id);
    const key = evaluationKey(await readBody(c));
    const config = await runs.config(id);
    const checkpoint = await requireCheckpoint(dir, key.checkpoint);
    const enc = new TextEncoder();
    let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
    const early: EvaluationEvent[] = [];
    let done = false;
    const send = (event: EvaluationEvent) => {
      if (done) return;
      if (!controller) {
        early.push(event);
        return;
      }
      try {
        controller.enqueue(enc.encode(JSON.stringify(event) + "\n"));
      } catch {
        stop(); // the stream is gone (the client left between two events)
        return;
      }
      if (event.type === "result" || event.type === "error") {
        done = true;
        controller.close();
      }
    };
    // Throws 503 when too many evaluations wait: that becomes the response.
    const unsubscribe = jobs.subscribe(
      { ...key, runDir: dir, config, checkpointTime: checkpoint.time },
      send,
    );
    // The page went away: stop watching, which cancels a job nobody else waits for.
    const stop = () => {
      if (done) return;
      done = true;
      unsubscribe();
    };
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        controller = ctrl;
        for (const e of early.splice(0)) send(e);
      },
      cancel: stop,
    });
    return new Response(body, {
      headers: {
        "Content-Type": "application/x-ndjson; charset=utf-8",
        "Cache-Control": "no-cache",
      },
    });
  });

  app.get("/runs/:id/replay/episode", async (c) => {
    const id = c.req.param("id");
    const dir = await runs.runDir(id);
    const seed = intParam(c.req.query("seed"), "seed", 0, MAX_SEED, 0);
    const which = checkpointParam(c.req.query("checkpoint") ?? "best");
    const config = await runs.config(id);
    await requireCheckpoint(dir, which);
    const policy = await loadPolicy(dir, config, which);
    const stream = replayStream(policy, {
      env: config.env,
      envOptions: config.envOptions,
      seed,
      checkpoint: which,
    });
    return new Response(stream, {
      headers: { "Content-Type": "application/octet-stream", "Cache-Control": "no-store" },
    });
  });

  app.get("/runs/:id/videos/:name", async (c) => {
    const dir = await runs.runDir(c.req.param("id"));
    return await videoResponse(dir, c.req.param("name"), c.req.raw);
  });

  app.onError((err, c) => errorResponse(c, err));

  return { app, jobs, close: () => jobs.close() };
}

/** An error as the API's JSON body (500s without details, which go to the server log). */
function errorResponse(c: Context, err: Error): Response {
  if (err instanceof HttpError) return Response.json(err.toJSON(), { status: err.status });
  console.error(`${c.req.method} ${c.req.path} failed:`, err);
  return c.json({ error: { field: null, message: "Internal server error" } }, 500);
}

/**
 * The evaluate request's JSON object. Only `application/json` is accepted: another site's page
 * cannot send that type without the browser asking first (a CORS preflight this server never
 * grants), so it cannot start evaluations here.
 */
async function readBody(c: Context): Promise<Record<string, unknown>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(
      415,
      "body",
      `Content-Type must be application/json; got ${JSON.stringify(type)}`,
    );
  }
  const tooLarge = () =>
    new HttpError(413, "body", `Request body must be at most ${MAX_BODY} bytes of JSON`);
  if (Number(c.req.header("content-length") ?? 0) > MAX_BODY) throw tooLarge();
  const text = await c.req.text();
  if (text.length > MAX_BODY) throw tooLarge();
  let value: unknown;
  try {
    value = JSON.parse(text || "{}");
  } catch {
    throw new HttpError(400, "body", "Request body is not valid JSON; send a JSON object");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new HttpError(400, "body", "Request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/** Checks the fields of an evaluation key (from a query or a body). */
function evaluationKey(raw: Record<string, unknown>): EvaluationKey {
  for (const k of Object.keys(raw)) {
    if (!["checkpoint", "episodes", "seed"].includes(k)) {
      throw new HttpError(400, k, `Unknown field "${k}"; accepted: checkpoint, episodes, seed`);
    }
  }
  return {
    checkpoint: checkpointParam(raw.checkpoint ?? "best"),
    episodes: intParam(raw.episodes, "episodes", 1, MAX_EPISODES, 100),
    seed: intParam(raw.seed, "seed", 0, MAX_SEED, 0),
  };
}

function checkpointParam(v: unknown): CheckpointChoice {
  if (v === "best" || v === "latest") return v;
  throw new HttpError(
    400,
    "checkpoint",
    `checkpoint must be "best" or "latest"; got ${JSON.stringify(v)}`,
  );
}

/** An integer in `[min, max]` from a JSON number or a query string; `fallback` when absent. */
function intParam(v: unknown, field: string, min: number, max: number, fallback: number): number {
  if (v === undefined || v === null || v === "") return fallback;
  const n = typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    throw new HttpError(
      400,
      field,
      `${field} must be an integer from ${min} to ${max}; got ${JSON.stringify(v)}`,
    );
  }
  return n;
}

async function requireCheckpoint(dir: string, which: CheckpointChoice) {
  const found = (await runCheckpoints(dir)).find((c) => c.which === which);
  if (!found) {
    throw new HttpError(409, "checkpoint", `This run has no ${which} checkpoint (yet)`);
  }
  return found;
}

async function loadPolicy(dir: string, config: RunConfig, which: CheckpointChoice) {
  try {
    return await getAlgorithm(config.algo).loadPolicy(new RunFolder(dir), config, which) as Policy;
  } catch (err) {
    throw new HttpError(
      409,
      "checkpoint",
      `Could not load the ${which} checkpoint: ${err instanceof Error ? err.message : err}`,
    );
  }
}
