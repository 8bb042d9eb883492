/**
 * The CPU backend: the kernels contract on the WebAssembly SIMD kernels (`kernels/wasm/`),
 * everything run eagerly on the calling thread. Its TypeScript reference (`reference_mlp.ts`,
 * `reference_gradients.ts`, `optim.ts`) is what the tests check both backends against.
 * @module
 */

import type {
  ActorCriticConfig,
  ActorCriticLearner,
  Backend,
  DqnLearner,
  DqnLearnerConfig,
  Mlp,
  MlpSpec,
} from "../types.ts";
import { CpuActorCriticLearner } from "./actor_critic.ts";
import { CpuDqnLearner } from "./dqn.ts";
import { CpuMlp } from "./standalone_mlp.ts";
import { hasRelaxedSimd } from "../wasm/module.ts";

/** `Backend` on the CPU (float32 WebAssembly SIMD, one thread). */
export class CpuBackend implements Backend {
  /** Always `"cpu"`. */
  readonly kind = "cpu" as const;
  /** Describes the backend for logs. */
  readonly description: string = `CPU (WebAssembly SIMD${
    hasRelaxedSimd() ? " with relaxed FMA" : ""
  }, one thread of ${navigator.hardwareConcurrency})`;

  /** A standalone MLP holding a copy of `params`. */
  createMlp(spec: MlpSpec, params: Float32Array): Promise<Mlp> {
    return Promise.resolve(new CpuMlp(spec, params));
  }

  /** A DQN learner whose online and target nets start from `params`. */
  createDqnLearner(config: DqnLearnerConfig, params: Float32Array): Promise<DqnLearner> {
    return Promise.resolve(new CpuDqnLearner(config, params));
  }

  /** A PPO / A2C learner starting from `params` (layout of `actorCriticLayout`). */
  createActorCriticLearner(
    config: ActorCriticConfig,
    params: Float32Array,
  ): Promise<ActorCriticLearner> {
    return CpuActorCriticLearner.create(config, params);
  }

  /** Nothing to release. */
  destroy(): void {}
}
