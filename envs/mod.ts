/**
 * Gymnasium-compatible environments: the env API, spaces, registry, wrappers and the built-in
 * envs.
 *
 * @example
 * ```ts
 * import { make } from "@eagle/rl/envs";
 * const env = make("CartPole-v1");
 * let { obs } = env.reset({ seed: 0 });
 * let done = false;
 * while (!done) {
 *   const step = env.step(obs[2] > 0 ? 1 : 0);
 *   obs = step.obs;
 *   done = step.terminated || step.truncated;
 * }
 * ```
 * @module
 */
export type {
  Action,
  AnyEnv,
  ContinuousAction,
  DiscreteAction,
  EmptyInfo,
  Env,
  EnvSpec,
  Observation,
  ResetOptions,
  ResetResult,
  RgbaFrame,
  StepResult,
} from "./types.ts";
export {
  Box,
  type BoxArrays,
  type BoxDtype,
  type BoxOptions,
  Discrete,
  isBox,
  type Space,
} from "./spaces.ts";
export {
  type BuiltinEnvs,
  type EnvRegistration,
  envSpec,
  isSuccess,
  listEnvs,
  make,
  type MakeOptions,
  register,
} from "./registry.ts";
export { TimeLimit } from "./wrappers/time_limit.ts";
export {
  type EpisodeStatistics,
  RecordEpisodeStatistics,
  type WithEpisode,
} from "./wrappers/record_episode_statistics.ts";
export { CartPole, type CartPoleOptions } from "./cartpole.ts";
export {
  FROZEN_LAKE_ACTIONS,
  FROZEN_LAKE_MAPS,
  FrozenLake,
  type FrozenLakeInfo,
  type FrozenLakeOptions,
} from "./frozen_lake.ts";
export { CARTPOLE_COLORS, type CartPoleRenderOptions, renderCartPole } from "./cartpole_render.ts";
export {
  FROZEN_LAKE_COLORS,
  type FrozenLakeRenderOptions,
  type FrozenLakeView,
  renderFrozenLake,
} from "./frozen_lake_render.ts";
export {
  DISCRETIZE_DEFAULT_BOUNDS,
  type DiscretizeBounds,
  DiscretizeObservation,
  type DiscretizeObservationOptions,
} from "./wrappers/discretize_observation.ts";
export { RenderObservation, rgbaToRgb, Uint8Box } from "./wrappers/render_observation.ts";
export {
  GrayscaleObservation,
  type GrayscaleObservationOptions,
  grayscalePixel,
  rgbToGrayscale,
} from "./wrappers/grayscale_observation.ts";
export {
  type ImageSize,
  resizeArea,
  ResizeObservation,
  type ResizeObservationOptions,
} from "./wrappers/resize_observation.ts";
export {
  type FramePadding,
  FrameStackObservation,
  type FrameStackObservationOptions,
  type StackableObservation,
} from "./wrappers/frame_stack_observation.ts";
export * from "./flappy_bird/mod.ts";
export * from "./multi_agent/mod.ts";
export {
  checkEnv,
  type CheckEnvOptions,
  type CheckEnvReport,
  type OutOfBoundsSummary,
} from "./check_env.ts";
export {
  type ActorModule,
  type AutoresetMode,
  type ShareActor,
  type VectorEnv,
  type VectorResetOptions,
  type VectorStepResult,
} from "./vector_types.ts";
export {
  makeVec,
  type MakeVecOptions,
  SyncVectorEnv,
  type SyncVectorEnvOptions,
} from "./vector.ts";
export {
  VectorWorkerError,
  WorkerVectorEnv,
  type WorkerVectorEnvOptions,
} from "./worker_vector.ts";
export {
  type FlameParticle,
  type LanderPhysics,
  type LanderRenderOptions,
  type LanderScene,
  LunarLander,
  lunarLanderHeuristic,
  type LunarLanderOptions,
  type PhysicsBackend,
  type Point,
  renderLanderScene,
} from "./lunar_lander/mod.ts";
export {
  actorActionSpace,
  buildEnvOnce,
  type CatalogEntry,
  catalogEntry,
  type EnvKind,
  isParallelEnv,
  listCatalog,
  successRuleOf,
} from "./catalog.ts";
