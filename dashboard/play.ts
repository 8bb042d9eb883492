/**
 * One greedy episode of a policy, as `POST /play` answers it (the tutorial's fields:
 * `total_reward` to 2 decimals, `steps`, `success`, `actions_taken`, `rewards_per_step`,
 * `states_visited`). Runs on the policy workers (`policy_worker.ts`), never on the server's
 * event loop.
 * @module
 */
import type { Policy } from "../agents/algorithm.ts";
import type { RunConfig } from "../core/run_log.ts";
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

/** An observation as JSON: float32 noise beyond 6 decimals only bloats the answer. */
function plain(obs: Observation): number | number[] {
  return typeof obs === "number" ? obs : Array.from(obs, round6);
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
