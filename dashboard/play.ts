/**
 * One greedy episode of a policy, as `POST /play` answers it (the tutorial's fields:
 * `total_reward` to 2 decimals, `steps`, `success`, `actions_taken`, `rewards_per_step`,
 * `states_visited`). Runs on the policy workers (`policy_worker.ts`), never on the server's
 * event loop.
 * @module
 */
import type { Policy } from "../agents/algorithm.ts";
import { isSharedPolicy, type SharedPolicy } from "../agents/shared_policy.ts";
import { TeamEpisode } from "../agents/team_episode.ts";
import type { RunConfig } from "../core/run_log.ts";
import { catalogEntry } from "../envs/catalog.ts";
import { makeParallel } from "../envs/multi_agent/registry.ts";
import { envSpec, isSuccess, make } from "../envs/registry.ts";
import type { Action, Observation } from "../envs/types.ts";
import type { PlayedEpisode } from "./api_schema.ts";

/** Steps after which an episode of an env that has no time limit is cut. */
export const PLAY_STEP_CAP = 10_000;

/** Plays one greedy episode of `policy` (of run `runId`) from `seed`. */
export function playEpisode(
  policy: Policy,
  config: RunConfig,
  runId: string,
  seed: number,
): PlayedEpisode {
  if (isSharedPolicy(policy)) return playTeamEpisode(policy, config, runId, seed);
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
      actions.push(typeof action === "number" ? action : Array.from(action, round6));
      rewards.push(round6(r.reward));
      total += r.reward;
      obs = r.obs;
      states.push(plain(obs));
      terminated = r.terminated;
      done = r.terminated || r.truncated;
    }
    return {
      run: runId,
      env: config.env,
      seed,
      total_reward: Math.round(total * 100) / 100,
      steps: actions.length,
      success: isSuccess(config.env, total),
      terminated,
      actions_taken: actions,
      rewards_per_step: rewards,
      states_visited: states,
      action_names: envSpec(config.env).actionNames?.slice() ?? null,
    };
  } finally {
    env.close();
  }
}

/**
 * Plays one greedy episode of a multi-agent run from `seed`: per-step fields hold each agent's
 * action, reward and observation by name; `total_reward` and `rewards_per_step` are the team's.
 */
export function playTeamEpisode(
  policy: SharedPolicy,
  config: RunConfig,
  runId: string,
  seed: number,
): PlayedEpisode {
  const env = makeParallel(config.env, config.envOptions ?? {});
  const byAgent = <T, U>(r: Record<string, T>, f: (v: T) => U) =>
    Object.fromEntries(Object.entries(r).map(([a, v]) => [a, f(v)]));
  try {
    const episode = new TeamEpisode(policy, env, seed);
    const states = [byAgent(episode.obs, (o) => Array.from(o, round6))];
    const actions: Record<string, number | number[]>[] = [];
    const rewards: number[] = [], agentRewards: Record<string, number>[] = [];
    while (!episode.done && actions.length < PLAY_STEP_CAP) {
      const step = episode.step();
      actions.push(
        byAgent(
          step.decisions,
          ({ action }) => typeof action === "number" ? action : Array.from(action, round6),
        ),
      );
      rewards.push(round6(Object.values(step.rewards).reduce((a, b) => a + b, 0)));
      agentRewards.push(byAgent(step.rewards, round6));
      states.push(byAgent(step.obs, (o) => Array.from(o, round6)));
    }
    const threshold = catalogEntry(config.env).rewardThreshold;
    return {
      run: runId,
      env: config.env,
      seed,
      total_reward: Math.round(episode.teamReturn * 100) / 100,
      steps: episode.steps,
      success: threshold !== undefined && episode.teamReturn >= threshold,
      terminated: episode.terminated,
      actions_taken: actions,
      rewards_per_step: rewards,
      states_visited: states,
      action_names: catalogEntry(config.env).actionNames?.slice() ?? null,
      agents: [...policy.agents],
      agent_rewards: byAgent(episode.agentReturns, (r) => Math.round(r * 100) / 100),
      agent_rewards_per_step: agentRewards,
    };
  } finally {
    env.close();
  }
}

/** An observation as JSON: float32 noise beyond 6 decimals only bloats the answer. */
function plain(obs: Observation): number | number[] {
  return typeof obs === "number" ? obs : Array.from(obs, round6);
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
