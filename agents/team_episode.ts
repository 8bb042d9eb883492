/**
 * One greedy episode of a shared policy on a parallel (multi-agent) env, stepped by the caller:
 * the loop under multi-agent evaluation, recording (a frame after each step) and the API's
 * `/play` (each agent's states, actions and rewards).
 * @module
 */
import type { AnyParallelEnv } from "../envs/multi_agent/types.ts";
import type { Action } from "../envs/types.ts";
import type { Decision } from "./algorithm.ts";
import type { SharedPolicy } from "./shared_policy.ts";

/** What one joint step did. */
export interface TeamStep {
  /** Each acting agent's decision (action, and probabilities for discrete policies). */
  decisions: Record<string, Decision>;
  /** Each acting agent's reward. */
  rewards: Record<string, number>;
  /** Each acting agent's observation after the step. */
  obs: Record<string, Float32Array>;
  /** Whether the step ended the episode (no agent is live any more). */
  done: boolean;
  /** Whether an agent reached a terminal state on this step (false: only time limits). */
  terminated: boolean;
}

/**
 * A greedy episode of `policy` on `env`, reset with `seed` on construction; `step()` until
 * `done`. The env stays the caller's (render it between steps; close it after).
 *
 * @example
 * ```ts
 * import { makeParallel } from "../envs/multi_agent/registry.ts";
 * import { sharedPolicy } from "./shared_policy.ts";
 * import { TeamEpisode } from "./team_episode.ts";
 * const env = makeParallel("simple_spread_v3");
 * const policy = sharedPolicy({ decide: () => ({ action: 0 }) }, {
 *   agents: env.possibleAgents,
 *   agentIdOneHot: false,
 *   inputSize: 18,
 * });
 * const episode = new TeamEpisode(policy, env, 0);
 * while (!episode.done) episode.step();
 * console.log(episode.teamReturn, episode.agentReturns, episode.steps); // …, …, 25
 * ```
 */
export class TeamEpisode {
  /** The policy acting for every agent. */
  readonly policy: SharedPolicy;
  /** The env played. */
  readonly env: AnyParallelEnv;
  /** Seed the episode was reset with. */
  readonly seed: number;
  /** Each agent's return so far. */
  readonly agentReturns: Record<string, number>;
  /** Each live agent's current observation (the first ones after construction). */
  obs: Record<string, Float32Array>;
  /** Joint steps taken. */
  steps = 0;
  /** Whether an agent reached a terminal state (false while only time limits ended it). */
  terminated = false;

  /**
   * Resets `env` with `seed`.
   *
   * @throws {RangeError} If the policy acts for other agents than the env's.
   */
  constructor(policy: SharedPolicy, env: AnyParallelEnv, seed: number) {
    if (env.possibleAgents.join(",") !== policy.agents.join(",")) {
      throw new RangeError(
        `The policy acts for ${policy.agents.join(", ")}; the env has ${
          env.possibleAgents.join(", ")
        }`,
      );
    }
    this.policy = policy;
    this.env = env;
    this.seed = seed;
    this.agentReturns = Object.fromEntries(env.possibleAgents.map((a) => [a, 0]));
    this.obs = env.reset({ seed }).obs;
  }

  /** Whether the episode is over (no live agent). */
  get done(): boolean {
    return this.env.agents.length === 0;
  }

  /** The team return so far: the sum of the agents' returns, in agent order. */
  get teamReturn(): number {
    return this.env.possibleAgents.reduce((sum, a) => sum + this.agentReturns[a], 0);
  }

  /**
   * Every live agent acts greedily on its observation; returns what the joint step did.
   *
   * @throws {Error} If the episode is over.
   */
  step(): TeamStep {
    const live = this.env.agents;
    if (live.length === 0) throw new Error("The episode is over: no agent is live");
    const decisions = this.policy.decideAgents(
      Object.fromEntries(live.map((a) => [a, this.obs[a]])),
    );
    const r = this.env.step(
      Object.fromEntries(live.map((a) => [a, decisions[a].action as Action])),
    );
    for (const a of live) this.agentReturns[a] += r.rewards[a];
    this.obs = r.obs;
    this.steps++;
    const terminated = live.some((a) => r.terminations[a]);
    this.terminated ||= terminated;
    return { decisions, rewards: r.rewards, obs: r.obs, done: this.done, terminated };
  }
}
