/**
 * Trained policies for `/api/predict` and `/api/play`: loaded through the run's algorithm,
 * cached per run and reloaded when a checkpoint file changes (a run still training rewrites
 * its best checkpoint as it improves).
 * @module
 */
import { RunFolder } from "../core/run_folder.ts";
import type { RunConfig } from "../core/run_log.ts";
import { getAlgorithm } from "../agents/algorithms.ts";
import { isSuccess } from "../envs/registry.ts";
import type { Policy } from "../agents/algorithm.ts";
import { Box, Discrete } from "../envs/spaces.ts";
import { envSpec, make } from "../envs/registry.ts";
import type { Action, AnyEnv, Observation } from "../envs/types.ts";
import type { RunStore } from "./runs.ts";
import { HttpError, kind } from "./validate.ts";

/** The shape of observations a policy accepts. */
export type ObservationShape =
  | { kind: "discrete"; n: number; start: number }
  | { kind: "box"; size: number };

/** A policy ready to act, with what the API needs to validate inputs and name actions. */
export interface LoadedPolicy {
  /** Run id. */
  runId: string;
  /** The run's config. */
  config: RunConfig;
  /** The greedy policy. */
  policy: Policy;
  /** Observation shape of the run's env. */
  obs: ObservationShape;
  /** Names of the discrete actions, if the env has them. */
  actionNames: readonly string[] | null;
}

interface Entry {
  signature: string;
  checkedAt: number;
  loaded: Promise<LoadedPolicy>;
}

/** Largest magnitude accepted in a state: beyond it float32 networks overflow to Infinity. */
export const MAX_STATE_ABS = 1e6;
/** Steps after which `/api/play` cuts an episode of an env that has no time limit. */
const PLAY_STEP_CAP = 10_000;

/** Options of {@link PolicyStore}. */
export interface PolicyStoreOptions {
  /** Run id served when a request names none (`--model`); default: the newest finished run. */
  model?: string;
  /** Milliseconds during which a cached policy is used without re-checking its files. */
  recheckMs?: number;
}

/** Loads and caches policies by run id. */
export class PolicyStore {
  #runs: RunStore;
  #model?: string;
  #recheckMs: number;
  #cache = new Map<string, Entry>();
  #default: { id: string | null; at: number } | null = null;

  /** A store reading runs from `runs`. */
  constructor(runs: RunStore, options: PolicyStoreOptions = {}) {
    this.#runs = runs;
    this.#model = options.model;
    this.#recheckMs = options.recheckMs ?? 500;
  }

  /**
   * The run served by default: `--model`, else the most recently updated finished run that has
   * a checkpoint, else null.
   */
  async defaultRun(): Promise<string | null> {
    if (this.#model) return this.#model;
    const now = performance.now();
    // Listing every run is the costly part of a request naming no run: reuse it briefly.
    if (this.#default && now - this.#default.at < this.#recheckMs) return this.#default.id;
    const runs = await this.#runs.list();
    const id = runs.find((r) => r.state === "finished" && r.hasCheckpoint)?.id ?? null;
    this.#default = { id, at: now };
    return id;
  }

  /** The policy of `runId` (or of the default run), loading it if needed. */
  async get(runId?: string): Promise<LoadedPolicy> {
    const id = runId ?? await this.defaultRun();
    if (id === null) {
      throw new HttpError(
        404,
        "run",
        'No finished run with a checkpoint to serve; name one in "run", or start the ' +
          "dashboard with --model RUN",
      );
    }
    const now = performance.now();
    const hit = this.#cache.get(id);
    if (hit && now - hit.checkedAt < this.#recheckMs) return hit.loaded;
    // Checked every call past recheckMs: a few stats, cheap next to a request's own cost.
    const signature = await this.#runs.checkpointSignature(id, "run");
    if (!signature) {
      throw new HttpError(409, "run", `Run ${JSON.stringify(id)} has no checkpoint yet`);
    }
    if (hit && hit.signature === signature) {
      hit.checkedAt = now;
      return hit.loaded;
    }
    const loaded = this.#load(id);
    const entry = { signature, checkedAt: now, loaded };
    this.#cache.set(id, entry);
    // A failed load is not cached: the next request tries again (the file may be mid-write).
    loaded.catch(() => this.#cache.get(id) === entry && this.#cache.delete(id));
    return loaded;
  }

  async #load(id: string): Promise<LoadedPolicy> {
    const config = await this.#runs.config(id, "run");
    const dir = await this.#runs.runDir(id, "run");
    let env: AnyEnv;
    try {
      env = make(config.env, config.envOptions ?? {});
    } catch (err) {
      throw new HttpError(409, "run", `Run ${JSON.stringify(id)}: ${message(err)}`);
    }
    const space = env.observationSpace;
    env.close();
    const obs: ObservationShape | null = space instanceof Discrete
      ? { kind: "discrete", n: space.n, start: space.start }
      : space instanceof Box
      ? { kind: "box", size: space.size }
      : null;
    if (!obs) {
      throw new HttpError(409, "run", `Run ${JSON.stringify(id)} has an unsupported observation`);
    }
    let policy: Policy;
    try {
      policy = await getAlgorithm(config.algo).loadPolicy(new RunFolder(dir), config);
    } catch (err) {
      throw new HttpError(
        409,
        "run",
        `Could not load the policy of run ${JSON.stringify(id)}: ${message(err)}`,
      );
    }
    return { runId: id, config, policy, obs, actionNames: envSpec(config.env).actionNames ?? null };
  }
}

/**
 * Checks a `state` from a request against the policy's observation shape and converts it:
 * a list of `size` finite numbers for vector observations, or one integer (bare or in a list
 * of one) for discrete ones.
 */
export function parseState(value: unknown, shape: ObservationShape): Observation {
  if (shape.kind === "discrete") {
    const v = Array.isArray(value) && value.length === 1 ? value[0] : value;
    const hi = shape.start + shape.n - 1;
    if (typeof v !== "number" || !Number.isInteger(v) || v < shape.start || v > hi) {
      throw new HttpError(
        400,
        "state",
        `state must be one integer state index from ${shape.start} to ${hi} (e.g. [0]); got ${
          kind(v)
        }`,
      );
    }
    return v;
  }
  const want = `a list of ${shape.size} finite numbers (|x| ≤ ${MAX_STATE_ABS})`;
  if (!Array.isArray(value)) {
    throw new HttpError(400, "state", `state must be ${want}; got ${kind(value)}`);
  }
  if (value.length !== shape.size) {
    throw new HttpError(
      400,
      "state",
      `state must be ${want}; got a list of ${value.length}`,
    );
  }
  const out = new Float32Array(shape.size);
  for (let i = 0; i < value.length; i++) {
    const x = value[i];
    if (typeof x !== "number" || !Number.isFinite(x) || Math.abs(x) > MAX_STATE_ABS) {
      throw new HttpError(
        400,
        `state[${i}]`,
        `state must be ${want}; state[${i}] is ${kind(x)}`,
      );
    }
    out[i] = x;
  }
  return out;
}

/** One played episode, as `/api/play` returns it. */
export interface PlayedEpisode {
  /** Run id. */
  run: string;
  /** Env id. */
  env: string;
  /** Seed the episode was reset with. */
  seed: number;
  /** Undiscounted return. */
  total_reward: number;
  /** Steps taken. */
  steps: number;
  /** Whether the return counts as a success (goal reached / threshold met). */
  success: boolean;
  /** Ended in a terminal state (false: cut by the time limit). */
  terminated: boolean;
  /** Action of each step (numbers, or vectors for continuous actions). */
  actions: (number | number[])[];
  /** Names of the discrete actions, indexed by action, or null. */
  action_names: readonly string[] | null;
  /** Reward of each step. */
  rewards: number[];
  /** Observations: `states[i]` is seen before action `i`; the last is the final one. */
  states: (number | number[])[];
}

/** Plays one greedy episode of `loaded` from `seed`. */
export function playEpisode(loaded: LoadedPolicy, seed: number): PlayedEpisode {
  const { config, policy } = loaded;
  const env = make(config.env, config.envOptions ?? {});
  try {
    let { obs } = env.reset({ seed });
    const states: (number | number[])[] = [plain(obs)];
    const actions: (number | number[])[] = [];
    const rewards: number[] = [];
    let total = 0, terminated = false, done = false;
    while (!done && actions.length < PLAY_STEP_CAP) {
      const { action } = policy.decide(obs);
      const r = env.step(action as Action);
      actions.push(typeof action === "number" ? action : Array.from(action, round));
      rewards.push(round(r.reward));
      total += r.reward;
      obs = r.obs;
      states.push(plain(obs));
      terminated = r.terminated;
      done = r.terminated || r.truncated;
    }
    return {
      run: loaded.runId,
      env: config.env,
      seed,
      total_reward: total,
      steps: actions.length,
      success: isSuccess(config.env, total),
      terminated,
      actions,
      action_names: loaded.actionNames,
      rewards,
      states,
    };
  } finally {
    env.close();
  }
}

/** An observation as JSON: float32 noise beyond 6 decimals only bloats the response. */
function plain(obs: Observation): number | number[] {
  return typeof obs === "number" ? obs : Array.from(obs, round);
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
