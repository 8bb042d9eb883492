/**
 * Test helper: a small actor-critic configuration for the CPU learner's tests, PPO with value
 * clipping and a global-norm clip, to override field by field.
 * @module
 */

import type { ActionHead, ActorCriticConfig } from "../types.ts";

/** The test configuration for `action`, with `overrides`. */
export function actorCriticTestConfig(
  action: ActionHead,
  overrides: Partial<ActorCriticConfig> = {},
): ActorCriticConfig {
  return {
    obsSize: 3,
    action,
    hidden: [8, 8],
    activation: "tanh",
    objective: "ppo",
    clipCoef: 0.2,
    clipValueLoss: true,
    entCoef: 0.01,
    vfCoef: 0.5,
    maxGradNorm: 0.5,
    normAdvantages: true,
    updateEpochs: 4,
    numMinibatches: 2,
    adam: { learningRate: 0.01, eps: 1e-5 },
    seed: 9,
    ...overrides,
  };
}
