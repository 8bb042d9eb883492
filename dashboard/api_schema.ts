/**
 * The REST API's routes, each declared once with zod: the same declaration validates requests
 * (a failed check is a 422 naming the field, through `validate.ts`), types the handlers'
 * answers in `api.ts`, and is the OpenAPI document (`openapi.ts`), as FastAPI's request and
 * response models are. `/health`, `/predict`, `/play` and `/evaluate` answer as the tutorial's
 * FastAPI service does; the rest reads run folders.
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { runIdProblem } from "./runs.ts";
import { jsonBody, MAX_BODY_BYTES } from "./validate.ts";

/** Paths of the tutorial's service, served at the root as well as under `/api`. */
export const MODEL_PATHS = ["/health", "/predict", "/play", "/evaluate"] as const;

/** Largest `episodes` / `n_episodes` of an evaluation. */
const MAX_EVAL_EPISODES = 1000;
/** Episodes of `GET /evaluate` when `n_episodes` is not given. */
const DEFAULT_EVAL_EPISODES = 10;
/** Largest seed accepted (numpy seeds go higher; this keeps `seed + episodes` exact). */
const MAX_SEED = 2 ** 32 - 1;
/** Largest magnitude accepted in a state: beyond it float32 networks overflow to Infinity. */
const MAX_STATE_ABS = 1e6;

// ---- building blocks -------------------------------------------------------------------

function intIn(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

/** An integer query parameter (query values are text); documented as the integer it is. */
function queryInt(min: number, max: number, fallback: number, description: string) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.string().regex(/^\d{1,16}$/, { error }).transform(Number).pipe(intIn(min, max))
    .optional().default(fallback)
    .openapi({ type: "integer", minimum: min, maximum: max, default: fallback, description });
}

/** A JSON object body accepting only `shape`'s fields (an unknown one is a 422 naming it). */
function body<S extends z.ZodRawShape>(shape: S) {
  const accepted = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `Unknown field ${JSON.stringify(issue.keys[0])}; accepted fields: ${accepted}`
        : "must be a JSON object",
  });
}

const RUN_ID = "must be a run id: the name of a folder in the runs folder (GET /api/runs)";

/** A run id: a folder name, never a path (runs.ts refuses those again before any file access). */
const RunId = z.string({ error: RUN_ID }).superRefine((id, ctx) => {
  const problem = runIdProblem(id);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
}).openapi({ description: "Run folder name (GET /api/runs lists them)", example: "my_run" });

const runField = RunId.optional().openapi({
  description: "Run to use; default: the served model (see GET /health)",
});

const seedField = intIn(0, MAX_SEED);

const finite = (() => {
  const error = `must be a finite number with |x| ≤ ${MAX_STATE_ABS}`;
  return z.number({ error }).min(-MAX_STATE_ABS, { error }).max(MAX_STATE_ABS, { error });
})();

const jsonContent = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** The JSON error body of every failed request (see `validate.ts`). */
const ErrorSchema = z.object({
  detail: z.union([
    z.string(),
    z.array(z.object({
      loc: z.array(z.union([z.string(), z.int()])),
      msg: z.string(),
      type: z.string(),
    })),
  ]).openapi({ description: "FastAPI's form: the message, or a 422's field errors" }),
  error: z.object({
    field: z.string().nullable().openapi({ description: "Request field at fault" }),
    message: z.string().openapi({ description: "What went wrong and what is accepted" }),
  }),
}).openapi("Error");

const errors = (...codes: (403 | 404 | 409 | 413 | 415 | 422 | 503)[]) => {
  const text: Record<number, string> = {
    403: "Host, Origin or Sec-Fetch-Site not accepted (DNS rebinding, cross-site request)",
    404: "Unknown run",
    409: "The run cannot serve a policy (no checkpoint, or one that does not load)",
    413: `Body over ${MAX_BODY_BYTES} bytes`,
    415: "Content-Type is not application/json",
    422: "A field is missing or wrong: detail names it and what is accepted",
    503: "No model loaded, or the worker queue is full (see Retry-After)",
  };
  return Object.fromEntries(codes.map((c) => [c, jsonContent(ErrorSchema, text[c])]));
};

// ---- answers ---------------------------------------------------------------------------

const StateShape = z.union([
  z.object({ kind: z.literal("box"), size: z.int() }),
  z.object({ kind: z.literal("discrete"), n: z.int(), start: z.int() }),
  z.object({ kind: z.literal("agents"), agents: z.array(z.string()), size: z.int() }),
]).openapi({
  description: 'What /predict\'s state must be: {kind: "box", size}: a list of size numbers; ' +
    '{kind: "discrete", n, start}: one state index in a list, e.g. [0]; {kind: "agents", ' +
    "agents, size} (a multi-agent run): states, each agent's observation of size numbers",
});

/** `GET /health`. */
const HealthResponse = z.object({
  status: z.literal("healthy"),
  model_loaded: z.boolean().openapi({ description: "Whether the served model loaded" }),
  model_path: z.string().nullable().openapi({
    description: "The served run folder, relative to the runs folder's parent (null: none)",
  }),
  model: z.string().nullable().openapi({ description: "Run id of the served model" }),
  model_pinned: z.boolean().openapi({
    description: "true: chosen with --model / serve RUN_DIR; false: the newest finished run",
  }),
  model_error: z.string().optional().openapi({ description: "Why the model did not load" }),
  env: z.string().nullable(),
  algo: z.string().nullable(),
  checkpoint: z.string().nullable().openapi({ description: "Checkpoint file served" }),
  state_shape: StateShape.nullable(),
  action_names: z.array(z.string()).nullable(),
  workers: z.object({
    size: z.int(),
    running: z.int(),
    queued: z.int(),
    queue_limit: z.int(),
    cancelled: z.int().openapi({ description: "Jobs stopped because their client left" }),
  }).openapi({ description: "The play/evaluate workers and their queue" }),
  version: z.string(),
  uptime_s: z.number(),
});

const Action = z.union([z.int(), z.array(z.number())]).openapi({
  description: "Discrete action index, or the action vector of a continuous env",
});

/** `POST /predict` of a single-agent run. */
const PredictOneResponse = z.object({
  run: z.string(),
  action: Action,
  action_name: z.string().nullable().openapi({ example: "Fire Main Engine" }),
  q_values: z.array(z.number()).nullable().openapi({
    description: "Q-values of value-based agents (DQN, Q-learning); null for policy agents",
  }),
  probs: z.array(z.number()).optional().openapi({
    description: "Action probabilities of policy agents (PPO, A2C)",
  }),
});

/** `POST /predict` of a multi-agent run: one decision per agent given. */
const PredictAgentsResponse = z.object({
  run: z.string(),
  actions: z.record(z.string(), Action).openapi({
    description: "Each agent's greedy action, by agent name",
    example: { agent_0: 4, agent_1: 1, agent_2: 0 },
  }),
  action_names: z.record(z.string(), z.string().nullable()),
  probs: z.record(z.string(), z.array(z.number())).optional().openapi({
    description: "Each agent's action probabilities (discrete policies)",
  }),
});

/** `POST /predict`. */
const PredictResponse = z.union([PredictOneResponse, PredictAgentsResponse]);

const Observation = z.union([z.number(), z.array(z.number())]);
const ByAgent = <T extends z.ZodType>(value: T) => z.record(z.string(), value);

/** `POST /play`. */
const PlayResponse = z.object({
  run: z.string(),
  env: z.string(),
  seed: z.int().openapi({ description: "Seed the episode was reset with" }),
  total_reward: z.number().openapi({ description: "Return, rounded to 2 decimals" }),
  steps: z.int(),
  success: z.boolean().openapi({ description: "The return meets the env's success rule" }),
  terminated: z.boolean().openapi({ description: "Ended in a terminal state, not a time limit" }),
  actions_taken: z.array(z.union([Action, ByAgent(Action)])).openapi({
    description: "Each step's action (multi-agent runs: each agent's, by name)",
  }),
  rewards_per_step: z.array(z.number()).openapi({
    description: "Each step's reward (multi-agent runs: the team's, the agents' sum)",
  }),
  states_visited: z.array(z.union([Observation, ByAgent(z.array(z.number()))])).openapi({
    description: "states_visited[i] is the observation before action i; the last is the final " +
      "(multi-agent runs: each agent's, by name)",
  }),
  action_names: z.array(z.string()).nullable().openapi({
    description: "Names of the env's discrete actions, by index",
  }),
  agents: z.array(z.string()).optional().openapi({
    description: "Multi-agent runs: the agents; total_reward is then the team return",
  }),
  agent_rewards: ByAgent(z.number()).optional().openapi({
    description: "Multi-agent runs: each agent's return, rounded to 2 decimals",
  }),
  agent_rewards_per_step: z.array(ByAgent(z.number())).optional().openapi({
    description: "Multi-agent runs: each agent's reward of each step",
  }),
});

/** One played episode, as `POST /play` answers it. */
export type PlayedEpisode = z.infer<typeof PlayResponse>;

/** `GET /evaluate`: the tutorial's summary. */
const EvaluateSummary = z.object({
  run: z.string(),
  seed: z.int(),
  n_episodes: z.int(),
  mean_reward: z.number(),
  std_reward: z.number(),
  min_reward: z.number(),
  max_reward: z.number(),
  win_rate: z.number().openapi({ description: "Percent of successful episodes, 1 decimal" }),
  avg_steps: z.number(),
});

const EpisodeResult = z.object({
  episode: z.int(),
  seed: z.int(),
  reward: z.number(),
  steps: z.int(),
  success: z.boolean(),
  score: z.number().optional().openapi({
    description: "The env's own score at the end (FlappyBird: pipes passed)",
  }),
});

/** `POST /evaluate`: the CLI's eval report. */
const EvaluateReport = z.object({
  run: z.string(),
  env: z.string(),
  algo: z.string(),
  episodes: z.int(),
  seed: z.int(),
  mean_reward: z.number(),
  std_reward: z.number(),
  min_reward: z.number(),
  max_reward: z.number(),
  median_reward: z.number(),
  success_rate: z.number(),
  mean_steps: z.number(),
  mean_score: z.number().optional().openapi({
    description: "Mean episode score, where the env keeps one (FlappyBird: pipes passed)",
  }),
  action_counts: z.record(z.string(), z.int()),
  reward_threshold: z.number().nullable(),
  per_episode: z.array(EpisodeResult).optional().openapi({ description: "With per_episode" }),
  evaluated_at: z.string(),
});

const RunSummary = z.object({
  id: z.string(),
  env: z.string(),
  algo: z.string(),
  seed: z.number(),
  state: z.enum(["running", "finished", "stopped", "failed", "diverged", "unknown"]),
  globalStep: z.number(),
  totalSteps: z.number(),
  bestEvalReturn: z.number().nullable(),
  evalMeanReward: z.number().nullable(),
  evalSuccessRate: z.number().nullable(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
  hasCheckpoint: z.boolean(),
  gifs: z.array(z.string()),
  createdAt: z.string(),
  error: z.string().optional(),
});

// ---- routes ----------------------------------------------------------------------------

/** `GET /health`. */
export const healthRoute = createRoute({
  method: "get",
  path: "/health",
  summary: "Server status and the model served by default",
  description: "The served model is the run pinned with --model (or serve RUN_DIR), else the " +
    "newest finished run with a checkpoint; model names it, so a change never goes unseen.",
  responses: { 200: jsonContent(HealthResponse, "Status") },
});

/** `POST /predict`. */
export const predictRoute = createRoute({
  method: "post",
  path: "/predict",
  summary: "The greedy action of a trained policy for one state",
  description: "state: the observation, a list of the env's length (8 numbers for " +
    "LunarLander), or [index] for tabular envs (FrozenLake). A multi-agent run " +
    "(simple_spread_v3) takes states instead, each agent's observation by agent name, and " +
    "answers each agent's action.",
  middleware: [jsonBody(true)],
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: body({
            state: z.array(finite, {
              error: "must be a list of numbers: the observation (see state_shape in /health)",
            }).optional().openapi({
              description: `Observation (single-agent runs); each |x| ≤ ${MAX_STATE_ABS}`,
            }),
            states: z.record(
              z.string(),
              z.array(finite, { error: "must be a list of numbers: the agent's observation" }),
              { error: "must be an object: each agent's observation by agent name" },
            ).optional().openapi({
              description: "Multi-agent runs: each agent's observation, by agent name " +
                "(any of the agents in state_shape.agents of /health)",
              example: { agent_0: new Array(18).fill(0) },
            }),
            run: runField,
          }).openapi({ example: { state: [0, 1.4, 0, 0, 0, 0, 0, 0] } }),
        },
      },
    },
  },
  responses: {
    200: jsonContent(PredictResponse, "The action"),
    ...errors(404, 409, 413, 415, 422, 503),
  },
});

/** `POST /play`. */
export const playRoute = createRoute({
  method: "post",
  path: "/play",
  summary: "Plays one greedy episode and returns its trajectory",
  description: "No body (or {}) plays from a random seed; the answer says which. Runs on a " +
    "worker, never on the server's event loop.",
  middleware: [jsonBody(false)],
  request: {
    body: {
      required: false,
      content: {
        "application/json": {
          schema: body({
            seed: seedField.optional().openapi({ description: "Reset seed; default: random" }),
            run: runField,
          }).openapi({ example: { seed: 42 } }),
        },
      },
    },
  },
  responses: {
    200: jsonContent(PlayResponse, "The episode"),
    ...errors(404, 409, 413, 415, 422, 503),
  },
});

/** `GET /evaluate`. */
export const evaluateGetRoute = createRoute({
  method: "get",
  path: "/evaluate",
  summary: "Evaluates the policy over n_episodes seeded episodes (the tutorial's summary)",
  description: "Episode i is reset with seed + i. Runs on a worker; a request whose client " +
    "leaves is cancelled.",
  request: {
    query: z.object({
      n_episodes: queryInt(
        1,
        MAX_EVAL_EPISODES,
        DEFAULT_EVAL_EPISODES,
        "Episodes to play",
      ),
      seed: queryInt(0, MAX_SEED, 0, "Seed of the first episode"),
      run: runField,
    }),
  },
  responses: {
    200: jsonContent(EvaluateSummary, "Summary"),
    ...errors(404, 409, 422, 503),
  },
});

/** `POST /evaluate`. */
export const evaluatePostRoute = createRoute({
  method: "post",
  path: "/evaluate",
  summary: "Evaluates a policy greedily over seeded episodes (the CLI's eval JSON)",
  description: "Episode i is reset with seed + i; per_episode: true adds each episode's result.",
  middleware: [jsonBody(true)],
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: body({
            episodes: intIn(1, MAX_EVAL_EPISODES),
            seed: seedField.optional().default(0),
            per_episode: z.boolean({ error: "must be true or false" }).optional().default(false),
            run: runField,
          }).openapi({ example: { episodes: 20, seed: 0 } }),
        },
      },
    },
  },
  responses: {
    200: jsonContent(EvaluateReport, "Report"),
    ...errors(404, 409, 413, 415, 422, 503),
  },
});

const idParam = z.object({
  id: RunId.openapi({ param: { name: "id", in: "path" }, description: "Run id" }),
});

/** `GET /runs`. */
export const runsRoute = createRoute({
  method: "get",
  path: "/runs",
  summary: "Every run folder, most recently updated first",
  description: "Read live from the runs folder: a run still training is listed as running.",
  responses: { 200: jsonContent(z.object({ runs: z.array(RunSummary) }), "Runs") },
});

/** `GET /runs/{id}`. */
export const runRoute = createRoute({
  method: "get",
  path: "/runs/{id}",
  summary: "One run: summary, config and latest evaluation",
  description: "eval is the run's eval.json (written by deno task eval), or null.",
  request: { params: idParam },
  responses: {
    200: jsonContent(
      RunSummary.extend({
        config: z.record(z.string(), z.unknown()),
        eval: EvaluateReport.omit({ run: true }).nullable(),
      }),
      "The run",
    ),
    ...errors(404, 409, 422),
  },
});

/** `GET /runs/{id}/metrics`. */
export const metricsRoute = createRoute({
  method: "get",
  path: "/runs/{id}/metrics",
  summary: "Training metrics of a run (metrics.jsonl), incrementally",
  description: "since=N skips the first N records; pass the previous answer's next to get " +
    "only new records (live charts poll this). Corrupt or half-written lines are skipped.",
  request: {
    params: idParam,
    query: z.object({
      since: queryInt(0, Number.MAX_SAFE_INTEGER, 0, "Records already seen"),
    }),
  },
  responses: {
    200: jsonContent(
      z.object({
        run: z.string(),
        state: z.string(),
        since: z.int(),
        next: z.int(),
        keys: z.array(z.string()),
        records: z.array(z.record(z.string(), z.number())),
      }),
      "Records",
    ),
    ...errors(404, 409, 422),
  },
});
