/**
 * Trained policies for the API: the served model (pinned with `--model`, else the newest
 * finished run, which `/health` names), loaded through the run's algorithm, cached per run and
 * reloaded when a checkpoint file changes (a run still training rewrites its best checkpoint
 * as it improves). A checkpoint that does not load (e.g. a diverged run's non-finite weights,
 * refused by the loader) is a 409 for a named run and a 503 for the served model, with the
 * loader's reason and never an absolute path.
 * @module
 */
import { CHECKPOINT_FILES, RunFolder } from "../core/run_folder.ts";
import type { RunConfig } from "../core/run_log.ts";
import { getAlgorithm } from "../agents/algorithms.ts";
import type { Policy } from "../agents/algorithm.ts";
import { isSharedPolicy } from "../agents/shared_policy.ts";
import { catalogEntry, isParallelEnv } from "../envs/catalog.ts";
import { Box, Discrete } from "../envs/spaces.ts";
import { make } from "../envs/registry.ts";
import type { Observation } from "../envs/types.ts";
import type { RunStore } from "./runs.ts";
import { HttpError, kind, problem } from "./validate.ts";

/** The shape of observations a policy accepts. */
export type ObservationShape =
  | { kind: "discrete"; n: number; start: number }
  | { kind: "box"; size: number }
  | { kind: "agents"; agents: string[]; size: number };

/** A policy ready to act, with what the API needs to validate inputs and name actions. */
export interface LoadedPolicy {
  /** Run id. */
  runId: string;
  /** Absolute run folder (never shown to clients). */
  dir: string;
  /** Checkpoint signature the policy was loaded at (see `RunStore.checkpointSignature`). */
  signature: string;
  /** The checkpoint file served (the best one when it exists, as the loaders choose). */
  checkpoint: string;
  /** The run's config. */
  config: RunConfig;
  /** The greedy policy. */
  policy: Policy;
  /** Observation shape of the run's env. */
  obs: ObservationShape;
  /** Names of the discrete actions, if the env has them. */
  actionNames: readonly string[] | null;
}

/** What `/health` says of the served model. */
export interface ServedModel {
  /** Run id, or null when there is none. */
  id: string | null;
  /** Chosen with `--model` (true) or the newest finished run (false). */
  pinned: boolean;
  /** The loaded policy, or null. */
  loaded: LoadedPolicy | null;
  /** Why it did not load. */
  error: string | null;
}

interface Entry {
  signature: string;
  checkedAt: number;
  loaded: Promise<LoadedPolicy>;
}

/** Options of {@link PolicyStore}. */
export interface PolicyStoreOptions {
  /** Run id served when a request names none (`--model`); default: the newest finished run. */
  model?: string;
  /** Milliseconds during which a cached policy is used without re-checking its files. */
  recheckMs?: number;
  /** Told whenever the newest finished run, and so the served model, changes. */
  onModelChange?: (id: string | null) => void;
}

/** The tutorial's answer when no model can be served. */
const NOT_LOADED = "Model not loaded";

/** Loads and caches policies by run id. */
export class PolicyStore {
  #runs: RunStore;
  #model?: string;
  #recheckMs: number;
  #onModelChange?: (id: string | null) => void;
  #cache = new Map<string, Entry>();
  #default: { id: string | null; at: number } | null = null;

  /** A store reading runs from `runs`. */
  constructor(runs: RunStore, options: PolicyStoreOptions = {}) {
    this.#runs = runs;
    this.#model = options.model;
    this.#recheckMs = options.recheckMs ?? 500;
    this.#onModelChange = options.onModelChange;
  }

  /**
   * The run served by default: `--model`, else the finished run with a checkpoint that
   * finished last, else null.
   */
  async defaultRun(): Promise<string | null> {
    if (this.#model) return this.#model;
    const now = performance.now();
    // Listing every run is the costly part of a request naming no run: reuse it briefly.
    if (this.#default && now - this.#default.at < this.#recheckMs) return this.#default.id;
    const finished = (await this.#runs.list()).filter((r) => r.finishedAt && r.hasCheckpoint);
    finished.sort((a, b) => b.finishedAt!.localeCompare(a.finishedAt!) || a.id.localeCompare(b.id));
    const id = finished[0]?.id ?? null;
    if (this.#default && this.#default.id !== id) this.#onModelChange?.(id);
    this.#default = { id, at: now };
    return id;
  }

  /** The served model and whether it loads, for `/health` (never throws for a bad model). */
  async served(): Promise<ServedModel> {
    const id = await this.defaultRun();
    const pinned = this.#model !== undefined;
    if (id === null) return { id, pinned, loaded: null, error: null };
    try {
      return { id, pinned, loaded: await this.get(id, "model"), error: null };
    } catch (err) {
      return { id, pinned, loaded: null, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /**
   * The policy of `runId`, or of the served model when none is named (then any failure is
   * the tutorial's 503 "Model not loaded", with the reason in `error.message`).
   */
  async get(runId?: string, field = "run"): Promise<LoadedPolicy> {
    if (runId !== undefined) return await this.#get(runId, field);
    const id = await this.defaultRun();
    if (id === null) {
      throw new HttpError(
        503,
        null,
        `${NOT_LOADED}: ${this.#runs.displayPath("")} has no finished run with a checkpoint; ` +
          'name one in "run", or start the server with --model RUN',
        { detail: NOT_LOADED },
      );
    }
    try {
      return await this.#get(id, "model");
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      throw new HttpError(503, null, `${NOT_LOADED}: ${err.message}`, { detail: NOT_LOADED });
    }
  }

  async #get(id: string, field: string): Promise<LoadedPolicy> {
    const now = performance.now();
    const hit = this.#cache.get(id);
    if (hit && now - hit.checkedAt < this.#recheckMs) return hit.loaded;
    // Checked every call past recheckMs: a few stats, cheap next to a request's own cost.
    const signature = await this.#runs.checkpointSignature(id, field);
    if (!signature) {
      throw new HttpError(409, field, `Run ${JSON.stringify(id)} has no checkpoint yet`);
    }
    if (hit && hit.signature === signature) {
      hit.checkedAt = now;
      return hit.loaded;
    }
    const loaded = this.#load(id, field, signature);
    const entry = { signature, checkedAt: now, loaded };
    this.#cache.set(id, entry);
    // A failed load is not cached: the next request tries again (the file may be mid-write).
    loaded.catch(() => this.#cache.get(id) === entry && this.#cache.delete(id));
    return loaded;
  }

  async #load(id: string, field: string, signature: string): Promise<LoadedPolicy> {
    const config = await this.#runs.config(id, field);
    const dir = await this.#runs.runDir(id, field);
    const refuse = (what: string, err: unknown) =>
      new HttpError(
        409,
        field,
        this.#runs.relative(
          `${what} of run ${JSON.stringify(id)}: ${
            err instanceof Error ? err.message : String(err)
          }`,
        ),
      );
    let space: unknown;
    try {
      // A multi-agent run's observations are the agents' (its shared policy says their shape).
      if (!isParallelEnv(config.env)) {
        const env = make(config.env, config.envOptions ?? {});
        space = env.observationSpace;
        env.close();
      }
    } catch (err) {
      throw refuse("Could not build the env", err);
    }
    let obs: ObservationShape | null = space instanceof Discrete
      ? { kind: "discrete", n: space.n, start: space.start }
      : space instanceof Box
      ? { kind: "box", size: space.size }
      : null;
    if (!obs && !isParallelEnv(config.env)) {
      throw new HttpError(409, field, `Run ${JSON.stringify(id)} has an unsupported observation`);
    }
    let policy: Policy;
    try {
      policy = await getAlgorithm(config.algo).loadPolicy(new RunFolder(dir), config);
    } catch (err) {
      throw refuse("Could not load the policy", err);
    }
    if (isSharedPolicy(policy)) {
      obs = { kind: "agents", agents: [...policy.agents], size: policy.agentObsSize };
    }
    if (!obs) {
      throw new HttpError(409, field, `Run ${JSON.stringify(id)} has an unsupported observation`);
    }
    return {
      runId: id,
      dir,
      signature,
      // The loaders take the best checkpoint when there is one (CHECKPOINT_FILES lists it first).
      checkpoint: CHECKPOINT_FILES.find((n) =>
        signature.split("|").some((p) => p.startsWith(`${n}@`))
      )!,
      config,
      policy,
      obs,
      actionNames: catalogEntry(config.env).actionNames ?? null,
    };
  }
}

/**
 * Checks a `state` (already a list of finite numbers, by the route's schema) against the
 * policy's observation space: `size` numbers for vector observations, one integer state index
 * in a list for discrete ones. A mismatch is a 422 naming `state` or the element at fault.
 */
export function parseState(state: readonly number[], shape: ObservationShape): Observation {
  if (shape.kind === "agents") {
    throw problem(
      "state",
      "multi_agent",
      `this run is multi-agent: give states, each agent's observation of ${shape.size} numbers ` +
        `by agent name (${shape.agents.join(", ")}), not state`,
    );
  }
  if (shape.kind === "discrete") {
    const hi = shape.start + shape.n - 1;
    const want = `state must be one integer state index from ${shape.start} to ${hi}, in a list ` +
      `(e.g. [${shape.start}])`;
    if (state.length !== 1) {
      throw problem("state", "discrete_state", `${want}; got a list of ${state.length}`);
    }
    const v = state[0];
    if (!Number.isInteger(v) || v < shape.start || v > hi) {
      throw problem("state[0]", "discrete_state", `${want}; state[0] is ${kind(v)}`);
    }
    return v;
  }
  if (state.length !== shape.size) {
    throw problem(
      "state",
      "state_length",
      `state must be a list of ${shape.size} numbers (the env's observation); got a list of ${state.length}`,
    );
  }
  return Float32Array.from(state);
}

/**
 * Checks a multi-agent run's `states` (lists of finite numbers, by the route's schema): known
 * agent names, at least one, each with `size` numbers. A mismatch is a 422 naming the field.
 */
export function parseAgentStates(
  states: Readonly<Record<string, readonly number[]>> | undefined,
  shape: ObservationShape,
): Record<string, Float32Array> {
  if (shape.kind !== "agents") {
    throw problem(
      "states",
      "single_agent",
      "this run is single-agent: give state, the observation, not states",
    );
  }
  const names = Object.keys(states ?? {});
  if (states === undefined || names.length === 0) {
    throw problem(
      "states",
      "missing",
      `states is required: each agent's observation of ${shape.size} numbers by agent name ` +
        `(${shape.agents.join(", ")})`,
    );
  }
  const out: Record<string, Float32Array> = {};
  for (const agent of names) {
    if (!shape.agents.includes(agent)) {
      throw problem(
        `states.${agent}`,
        "unknown_agent",
        `unknown agent ${JSON.stringify(agent)}; the agents are ${shape.agents.join(", ")}`,
      );
    }
    const obs = states[agent];
    if (obs.length !== shape.size) {
      throw problem(
        `states.${agent}`,
        "state_length",
        `states.${agent} must be a list of ${shape.size} numbers (the agent's observation); ` +
          `got a list of ${obs.length}`,
      );
    }
    out[agent] = Float32Array.from(obs);
  }
  return out;
}
