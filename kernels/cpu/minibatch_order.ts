/**
 * The minibatches of an actor-critic update in the order every thread of the CPU learner takes
 * them: `updateEpochs` passes over the rollout, each a counter-RNG permutation keyed by the
 * global epoch index (`kernels/counter_rng.ts`), cut into `numMinibatches` contiguous pieces.
 * The learner and its critic thread (`critic_worker.ts`) both walk it, so they cannot disagree.
 * @module
 */

import { fillPermutation } from "../counter_rng.ts";
import type { ActorCriticConfig, Rollout } from "../types.ts";
import type { Minibatch } from "./actor_critic_loss.ts";

/**
 * Gathers each minibatch of the update that starts after `adamStep` Adam steps into `mb`
 * (sized for `rollout.size / numMinibatches` samples) and calls `step()` on it. `perm` is
 * scratch of `rollout.size` indices.
 */
export function forEachMinibatch(
  config: Pick<ActorCriticConfig, "obsSize" | "numMinibatches" | "updateEpochs" | "seed">,
  rollout: Rollout,
  actionWidth: number,
  adamStep: number,
  perm: Int32Array,
  mb: Minibatch,
  step: () => void,
): void {
  const { obsSize: d, numMinibatches, updateEpochs, seed } = config;
  const n = rollout.size, mbSize = n / numMinibatches, aw = actionWidth;
  const firstEpoch = Math.floor(adamStep / numMinibatches);
  for (let epoch = 0; epoch < updateEpochs; epoch++) {
    fillPermutation(perm, n, seed, firstEpoch + epoch);
    for (let m = 0; m < numMinibatches; m++) {
      for (let p = 0; p < mbSize; p++) {
        const s = perm[m * mbSize + p];
        for (let i = 0; i < d; i++) mb.obs[p * d + i] = rollout.obs[s * d + i];
        for (let i = 0; i < aw; i++) mb.actions[p * aw + i] = rollout.actions[s * aw + i];
        mb.oldLogProbs[p] = rollout.logProbs[s];
        mb.advantages[p] = rollout.advantages[s];
        mb.returns[p] = rollout.returns[s];
        mb.oldValues[p] = rollout.values[s];
      }
      step();
    }
  }
}
