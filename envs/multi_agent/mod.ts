/**
 * Multi-agent environments stepped in parallel (PettingZoo's `ParallelEnv` shape): the API, the
 * registry, MPE's particle world and `simple_spread_v3`.
 *
 * @example
 * ```ts
 * import { makeParallel } from "./mod.ts";
 * const env = makeParallel("simple_spread_v3");
 * let { obs } = env.reset({ seed: 1 });
 * while (env.agents.length > 0) {
 *   const step = env.step(Object.fromEntries(env.agents.map((a) => [a, obs[a][2] > 0 ? 1 : 2])));
 *   obs = step.obs;
 * }
 * ```
 * @module
 */
export type {
  AnyParallelEnv,
  ParallelEnv,
  ParallelEnvSpec,
  ParallelResetResult,
  ParallelStepResult,
} from "./types.ts";
export {
  type BuiltinParallelEnvs,
  listParallelEnvs,
  makeParallel,
  type ParallelEnvRegistration,
  parallelEnvSpec,
  registerParallel,
} from "./registry.ts";
export {
  SIMPLE_SPREAD,
  SIMPLE_SPREAD_ACTIONS,
  SimpleSpread,
  type SimpleSpreadAction,
  type SimpleSpreadOptions,
} from "./simple_spread.ts";
export {
  entityDistance,
  MPE_WORLD,
  type MpeEntity,
  type MpeEntityProps,
  MpeWorld,
} from "./mpe_world.ts";
export {
  MPE_COLORS,
  type MpeDisc,
  type MpeRenderOptions,
  type MpeScene,
  renderMpeScene,
} from "./render.ts";
export {
  ParallelVectorEnv,
  type ParallelVectorEnvById,
  type ParallelVectorEnvOptions,
  writeSlotObservation,
} from "./vector.ts";
