/**
 * The WebGPU backend: every learner records its whole update phase into as few submits as
 * possible and reads back once per `flush` / `update`.
 * @module
 */

import { acquireGpu, type GpuContext } from "./device.ts";
import type {
  ActorCriticConfig,
  ActorCriticLearner,
  Backend,
  DqnLearner,
  DqnLearnerConfig,
  Mlp,
  MlpSpec,
} from "../types.ts";
import { WebGpuActorCriticLearner } from "./actor_critic.ts";
import { WebGpuDqnLearner } from "./dqn.ts";
import { WebGpuMlp } from "./mlp.ts";
import { GpuRuntime } from "./runtime.ts";

/** `Backend` on a WebGPU device. */
export class WebGpuBackend implements Backend {
  /** Always `"webgpu"`. */
  readonly kind = "webgpu" as const;
  /** The adapter, e.g. `"WebGPU on llvmpipe (LLVM 15.0.6, 256 bits) (software fallback)"`. */
  readonly description: string;
  /** The device and pipeline cache. */
  readonly runtime: GpuRuntime;

  /** A backend on an acquired device (see `WebGpuBackend.create`). */
  constructor(ctx: GpuContext) {
    this.runtime = new GpuRuntime(ctx);
    this.description = `WebGPU on ${ctx.adapterName}`;
  }

  /** A backend on the process-wide device; throws a `GpuDeviceError` without an adapter. */
  static async create(): Promise<WebGpuBackend> {
    return new WebGpuBackend(await acquireGpu());
  }

  /** A standalone MLP holding a copy of `params`. */
  createMlp(spec: MlpSpec, params: Float32Array): Promise<Mlp> {
    return WebGpuMlp.create(this.runtime, spec, params);
  }

  /** A DQN learner whose online and target nets start from `params`. */
  createDqnLearner(config: DqnLearnerConfig, params: Float32Array): Promise<DqnLearner> {
    return WebGpuDqnLearner.create(this.runtime, config, params);
  }

  /** A PPO / A2C learner starting from `params` (layout of `actorCriticLayout`). */
  createActorCriticLearner(
    config: ActorCriticConfig,
    params: Float32Array,
  ): Promise<ActorCriticLearner> {
    return WebGpuActorCriticLearner.create(this.runtime, config, params);
  }

  /**
   * Nothing to release: the device is shared by every backend of the process (learners free
   * their own buffers with `destroy`).
   */
  destroy(): void {}
}
