/**
 * The parallel multi-agent env API, in the shape of PettingZoo's `ParallelEnv`: every live agent
 * acts at once, and `reset` / `step` return records keyed by agent name. Agents whose episode
 * ended (terminated or truncated) are removed from `agents` after the step that ended it, and
 * that step still reports their final observation, reward and flags.
 * @module
 */
import type { Space } from "../spaces.ts";
import type { EmptyInfo, ResetOptions, RgbaFrame } from "../types.ts";

/** What `ParallelEnv.reset` returns: one entry per live agent (all of `possibleAgents`). */
export interface ParallelResetResult<O, I extends object = EmptyInfo> {
  /** Each agent's first observation. */
  obs: Record<string, O>;
  /** Each agent's typed auxiliary information. */
  infos: Record<string, I>;
}

/**
 * What `ParallelEnv.step` returns: one entry per agent that was live before the step, including
 * agents the step ended.
 */
export interface ParallelStepResult<O, I extends object = EmptyInfo> {
  /** Each agent's observation after the joint action. */
  obs: Record<string, O>;
  /** Each agent's reward for the transition. */
  rewards: Record<string, number>;
  /** Whether the agent reached a terminal state (no bootstrapping past it). */
  terminations: Record<string, boolean>;
  /** Whether the agent's episode was cut short (time limit); bootstrap from its observation. */
  truncations: Record<string, boolean>;
  /** Each agent's typed auxiliary information. */
  infos: Record<string, I>;
}

/** What `makeParallel` knows of a registered parallel env. */
export interface ParallelEnvSpec {
  /** Registry id, e.g. `simple_spread_v3`. */
  id: string;
  /** Parallel steps after which every agent is truncated (a `maxCycles` option overrides it). */
  maxCycles?: number;
  /** Team return at which the task counts as solved (undefined: no such rule). */
  rewardThreshold?: number;
}

/**
 * A multi-agent environment stepped in parallel. `O` is each agent's observation type, `A` its
 * action type and `I` its info type.
 */
export interface ParallelEnv<O, A, I extends object = EmptyInfo> {
  /** Every agent the env can ever hold, in a fixed order. */
  readonly possibleAgents: readonly string[];
  /**
   * The live agents, in `possibleAgents` order: all of them after `reset`, fewer as agents end,
   * empty once the episode is over (and before the first `reset`). A fresh copy on each read.
   */
  readonly agents: string[];
  /** The global state's space (see `state`). */
  readonly stateSpace: Space<Float32Array>;
  /** Registry spec, set by `makeParallel` (undefined for an env constructed directly). */
  spec?: ParallelEnvSpec;
  /** The space of `agent`'s observations; throws a `RangeError` for an unknown agent. */
  observationSpace(agent: string): Space<O>;
  /** The space of `agent`'s valid actions; throws a `RangeError` for an unknown agent. */
  actionSpace(agent: string): Space<A>;
  /** A global view of the env (for centralised critics), an element of `stateSpace`. */
  state(): Float32Array;
  /** Starts a new episode; `seed` reseeds, no seed keeps drawing from the current generator. */
  reset(options?: ResetOptions): ParallelResetResult<O, I>;
  /**
   * Advances every live agent by one joint action, one entry per live agent. Throws if an
   * action is missing, invalid or for an agent that is not live, or if no agent is live.
   */
  step(actions: Record<string, A>): ParallelStepResult<O, I>;
  /** Draws the current state as an RGBA frame (envs that can draw implement it). */
  render?(): RgbaFrame;
  /** Releases resources. */
  close(): void;
}

/**
 * Any parallel env, for code that handles them generically (registry, trainers). Method
 * parameters are bivariant in TypeScript, so every concrete parallel env is assignable to it.
 */
export type AnyParallelEnv = ParallelEnv<Float32Array, number | Float32Array | number[], object>;
