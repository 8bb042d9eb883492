/**
 * Test helper: the result of a finished CartPole trial with a given score, for tests that
 * drive a `SweepStudy` by hand (its storage tests and the dashboard's sweep pages).
 * @module
 */
import type { TrialResult } from "./study.ts";

/** A complete trial's result whose evaluation scored `score` (a success at ≥ 475). */
export function trialResult(score: number): TrialResult {
  return {
    eval: {
      env: "CartPole-v1",
      algo: "dqn",
      episodes: 3,
      seed: 0,
      mean_reward: score,
      std_reward: 1,
      min_reward: score - 1,
      max_reward: score + 1,
      median_reward: score,
      success_rate: score >= 475 ? 1 : 0,
      mean_steps: score,
      reward_threshold: 475,
      evaluated_at: new Date().toISOString(),
    },
    stepsPerSecond: 1000,
  };
}
