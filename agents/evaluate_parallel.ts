/**
 * Greedy evaluation of a parameter-shared policy on a parallel (multi-agent) env over many
 * seeded episodes: the `eval.json` report of a multi-agent run. Its headline figures
 * (`mean_reward`, `std_reward`, …, `success_rate`) are of the team return, the sum of the
 * agents' returns; `per_agent` gives each agent's returns.
 * @module
 */
import type { EpisodeResult, EvalReport } from "../core/run_log.ts";
import { makeParallel, parallelEnvSpec } from "../envs/multi_agent/registry.ts";
import type { EvaluateOptions } from "./evaluate.ts";
import type { SharedPolicy } from "./shared_policy.ts";
import { TeamEpisode } from "./team_episode.ts";

/** Mean, population std, min and max of some returns. */
export interface ReturnStats {
  /** Mean. */
  mean: number;
  /** Population standard deviation. */
  std: number;
  /** Smallest. */
  min: number;
  /** Largest. */
  max: number;
}

/** One evaluated multi-agent episode: `reward` is the team return. */
export interface ParallelEpisodeResult extends EpisodeResult {
  /** Each agent's return. */
  agent_rewards: Record<string, number>;
}

/** The evaluation report of a multi-agent run; the summary fields are of the team return. */
export interface ParallelEvalReport extends EvalReport {
  /** The agents, in the env's order. */
  agents: string[];
  /** Each agent's returns over the episodes. */
  per_agent: Record<string, ReturnStats>;
  /** Per-episode results, with each agent's return. */
  per_episode: ParallelEpisodeResult[];
}

/** Mean, population std, min and max of `values` (at least one). */
export function returnStats(values: readonly number[]): ReturnStats {
  const n = values.length;
  if (n === 0) throw new RangeError("returnStats needs at least one value, got none");
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return { mean, std, min: Math.min(...values), max: Math.max(...values) };
}

/**
 * Plays `episodes` greedy episodes of the parallel env `envId` (episode `i` reset with seed
 * `seed + i`), every live agent acting through `policy`, and summarises the team and
 * per-agent returns.
 *
 * @throws {RangeError} For a bad episode count, an unknown env or option, or a policy trained
 *   for other agents than the env's.
 */
export function evaluateParallel(
  policy: SharedPolicy,
  envId: string,
  options: EvaluateOptions = {},
): ParallelEvalReport {
  const episodes = options.episodes ?? 100;
  if (!Number.isInteger(episodes) || episodes < 1) {
    throw new RangeError(`episodes must be a positive integer, got ${episodes}`);
  }
  const seed = options.seed ?? 0;
  const spec = parallelEnvSpec(envId);
  const env = makeParallel(envId, options.envOptions ?? {});
  const threshold = spec.rewardThreshold;
  const counts = new Map<string, number>();
  const results: ParallelEpisodeResult[] = [];
  try {
    for (let i = 0; i < episodes; i++) {
      const episode = new TeamEpisode(policy, env, seed + i);
      while (!episode.done) {
        for (const { action } of Object.values(episode.step().decisions)) {
          if (typeof action !== "number") continue;
          const name = spec.actionNames?.[action] ?? String(action);
          counts.set(name, (counts.get(name) ?? 0) + 1);
        }
      }
      const team = episode.teamReturn;
      const result: ParallelEpisodeResult = {
        episode: i,
        seed: seed + i,
        reward: team,
        steps: episode.steps,
        success: threshold !== undefined && team >= threshold,
        agent_rewards: episode.agentReturns,
      };
      results.push(result);
      options.onEpisode?.(i + 1, result);
    }
  } finally {
    env.close();
  }
  const agents = [...env.possibleAgents];
  const teamReturns = results.map((e) => e.reward);
  const team = returnStats(teamReturns);
  const sorted = [...teamReturns].sort((a, b) => a - b);
  const n = sorted.length;
  return {
    env: envId,
    algo: options.algo ?? "",
    episodes: n,
    seed,
    mean_reward: team.mean,
    std_reward: team.std,
    min_reward: team.min,
    max_reward: team.max,
    median_reward: n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
    success_rate: results.filter((e) => e.success).length / n,
    mean_steps: results.reduce((a, e) => a + e.steps, 0) / n,
    action_counts: Object.fromEntries(counts),
    reward_threshold: threshold ?? null,
    agents,
    per_agent: Object.fromEntries(
      agents.map((a) => [a, returnStats(results.map((e) => e.agent_rewards[a]))]),
    ),
    per_episode: results,
    evaluated_at: new Date().toISOString(),
  };
}
