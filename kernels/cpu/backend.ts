/**
 * The CPU backend: the reference implementation of the kernels contract, and the fallback when
 * no WebGPU adapter exists. Everything runs eagerly on the calling thread.
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

/** `Backend` on the CPU (float32 parameters, float64 accumulation). */
export class CpuBackend implements Backend {
  /** Always `"cpu"`. */
  readonly kind = "cpu" as const;
  /** Describes the backend for logs. */
  readonly description: string = `CPU reference (${navigator.hardwareConcurrency} threads ` +
    `available, single-threaded float32 parameters with float64 accumulation)`;

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
    return Promise.resolve(new CpuActorCriticLearner(config, params));
  }

  /** Nothing to release. */
  destroy(): void {}
}
