/**
 * The OpenAPI 3.1 document of the REST API, served at `/api/openapi.json`; `/api/docs` builds
 * its interactive forms from the same document, so the two cannot drift apart.
 * @module
 */
import { VERSION } from "../version.ts";
import { MAX_BODY_BYTES } from "./validate.ts";

/** A JSON Schema fragment. */
export type Schema = Record<string, unknown>;

/** One operation, as the docs page needs it. */
export interface Operation {
  /** HTTP method, lower case. */
  method: "get" | "post";
  /** Path with `{param}` placeholders. */
  path: string;
  /** One line. */
  summary: string;
  /** Longer description. */
  description: string;
  /** Path and query parameters. */
  parameters: { name: string; in: "path" | "query"; description: string; example?: string }[];
  /** Example request body (POST), pretty-printed in the docs form. */
  example?: Record<string, unknown>;
  /** Request body schema (POST). */
  body?: Schema;
  /** Success response schema. */
  response: Schema;
}

const num = { type: "number" };
const int = { type: "integer" };
const str = { type: "string" };
const runId = {
  type: "string",
  description: "Run folder name (GET /api/runs lists them); default: the served model",
};
const errorSchema: Schema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["field", "message"],
      properties: {
        field: { type: ["string", "null"], description: "Request field at fault" },
        message: { type: "string", description: "What went wrong and what is accepted" },
      },
    },
  },
};
const summarySchema: Schema = {
  type: "object",
  properties: {
    run: str,
    env: str,
    algo: str,
    episodes: int,
    seed: int,
    mean_reward: num,
    std_reward: num,
    min_reward: num,
    max_reward: num,
    median_reward: num,
    success_rate: num,
    mean_steps: num,
    action_counts: { type: "object", additionalProperties: int },
    reward_threshold: { type: ["number", "null"] },
    per_episode: {
      type: "array",
      description: "Only with per_episode: true",
      items: {
        type: "object",
        properties: {
          episode: int,
          seed: int,
          reward: num,
          steps: int,
          success: { type: "boolean" },
        },
      },
    },
    evaluated_at: str,
  },
};

/** The operations of the API, in the order the docs page lists them. */
export const OPERATIONS: readonly Operation[] = [
  {
    method: "get",
    path: "/api/health",
    summary: "Server status and the model served by default",
    description: "The default model is --model RUN, else the newest finished run with a " +
      "checkpoint (null when there is none).",
    parameters: [],
    response: {
      type: "object",
      properties: {
        status: { const: "ok" },
        model: { type: ["string", "null"] },
        env: { type: ["string", "null"] },
        algo: { type: ["string", "null"] },
        state_shape: {
          type: ["object", "null"],
          description: 'What /api/predict\'s state must be: {kind: "box", size} for a list ' +
            'of size numbers, {kind: "discrete", n, start} for one integer',
        },
        uptime_s: num,
        version: str,
      },
    },
  },
  {
    method: "post",
    path: "/api/predict",
    summary: "The greedy action of a trained policy for one state",
    description: "state: the observation, a list of finite numbers of the env's length (8 for " +
      "LunarLander) or one integer state index for tabular envs (FrozenLake). The answer " +
      "holds q_values (value-based agents) or probs (policy-gradient agents).",
    parameters: [],
    example: { state: [0, 1.4, 0, 0, 0, 0, 0, 0] },
    body: {
      type: "object",
      required: ["state"],
      additionalProperties: false,
      properties: {
        state: {
          oneOf: [{ type: "array", items: num }, int],
          description: "Observation; |x| ≤ 1e6",
        },
        run: runId,
      },
    },
    response: {
      type: "object",
      properties: {
        run: str,
        action: { oneOf: [int, { type: "array", items: num }] },
        action_name: { type: ["string", "null"] },
        q_values: { type: "array", items: num },
        probs: { type: "array", items: num },
      },
    },
  },
  {
    method: "post",
    path: "/api/play",
    summary: "Plays one greedy episode and returns its trajectory",
    description: "states[i] is the observation before actions[i]; the last state is the final " +
      "one. A random seed is drawn when none is given (the answer says which).",
    parameters: [],
    example: { seed: 42 },
    body: {
      type: "object",
      additionalProperties: false,
      properties: { run: runId, seed: { type: "integer", minimum: 0, maximum: 2 ** 32 - 1 } },
    },
    response: {
      type: "object",
      properties: {
        run: str,
        env: str,
        seed: int,
        total_reward: num,
        steps: int,
        success: { type: "boolean" },
        terminated: { type: "boolean" },
        actions: { type: "array" },
        action_names: { type: ["array", "null"], items: str },
        rewards: { type: "array", items: num },
        states: { type: "array" },
      },
    },
  },
  {
    method: "post",
    path: "/api/evaluate",
    summary: "Evaluates a policy greedily over seeded episodes (the CLI's eval JSON)",
    description: "Episode i is reset with seed + i. Runs in a background worker, one " +
      "evaluation at a time; per_episode: true adds the per-episode results.",
    parameters: [],
    example: { episodes: 20, seed: 0 },
    body: {
      type: "object",
      required: ["episodes"],
      additionalProperties: false,
      properties: {
        run: runId,
        episodes: { type: "integer", minimum: 1, maximum: 1000 },
        seed: { type: "integer", minimum: 0, maximum: 2 ** 32 - 1, default: 0 },
        per_episode: { type: "boolean", default: false },
      },
    },
    response: summarySchema,
  },
  {
    method: "get",
    path: "/api/runs",
    summary: "Every run folder, most recently updated first",
    description: "Read live from the runs folder: a run still training is listed as running.",
    parameters: [],
    response: {
      type: "object",
      properties: { runs: { type: "array", items: { type: "object" } } },
    },
  },
  {
    method: "get",
    path: "/api/runs/{id}",
    summary: "One run: summary, config and latest evaluation",
    description: "eval is the run's eval.json (written by deno task eval), or null.",
    parameters: [{ name: "id", in: "path", description: "Run id" }],
    response: { type: "object" },
  },
  {
    method: "get",
    path: "/api/runs/{id}/metrics",
    summary: "Training metrics of a run (metrics.jsonl), incrementally",
    description: "since=N skips the first N records; pass the previous answer's next to get " +
      "only new records (live charts poll this). Corrupt or half-written lines are skipped.",
    parameters: [
      { name: "id", in: "path", description: "Run id" },
      { name: "since", in: "query", description: "Records already seen (default 0)", example: "0" },
    ],
    response: {
      type: "object",
      properties: {
        run: str,
        state: str,
        since: int,
        next: int,
        keys: { type: "array", items: str },
        records: { type: "array", items: { type: "object", additionalProperties: num } },
      },
    },
  },
];

/** The OpenAPI 3.1 document. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const errors: Record<string, unknown> = {
      "400": errResponse("Bad input: the field at fault and what is accepted"),
      "404": errResponse("Unknown run, or no model to serve"),
      "500": errResponse("Internal error (no details)"),
    };
    if (op.method === "post") {
      errors["409"] = errResponse("The run has no loadable checkpoint");
      errors["413"] = errResponse(`Body over ${MAX_BODY_BYTES} bytes`);
      errors["415"] = errResponse("Content-Type is not JSON");
    }
    if (op.path === "/api/evaluate") errors["503"] = errResponse("Evaluator queue full");
    paths[op.path] ??= {};
    paths[op.path][op.method] = {
      summary: op.summary,
      description: op.description,
      parameters: op.parameters.map((p) => ({
        name: p.name,
        in: p.in,
        required: p.in === "path",
        description: p.description,
        schema: p.name === "since" ? { type: "integer", minimum: 0 } : { type: "string" },
      })),
      ...(op.body
        ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: op.body, example: op.example } },
          },
        }
        : {}),
      responses: {
        "200": { description: "OK", content: { "application/json": { schema: op.response } } },
        ...errors,
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Eagle dashboard API",
      version: VERSION,
      description: "Trained reinforcement-learning policies and their run folders. " +
        "Interactive forms: /api/docs.",
    },
    paths,
    components: { schemas: { Error: errorSchema } },
  };
}

function errResponse(description: string): Record<string, unknown> {
  return {
    description,
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
}
