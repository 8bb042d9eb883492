/**
 * The env registry: `make(id, options)` builds a registered env, applies its `TimeLimit` and
 * sets its `spec`, as `gymnasium.make` does.
 * @module
 */
import { CartPole, type CartPoleOptions } from "./cartpole.ts";
import { FlappyBird, type FlappyBirdInfo, type FlappyBirdOptions } from "./flappy_bird/env.ts";
import {
  FROZEN_LAKE_ACTIONS,
  FrozenLake,
  type FrozenLakeInfo,
  type FrozenLakeOptions,
} from "./frozen_lake.ts";
import { LunarLander, type LunarLanderOptions } from "./lunar_lander/env.ts";
import { LANDER_PALETTE } from "./lunar_lander/render.ts";
import type { AnyEnv, EmptyInfo, Env, EnvSpec } from "./types.ts";
import { TimeLimit } from "./wrappers/time_limit.ts";
import { FrameStackObservation } from "./wrappers/frame_stack_observation.ts";

/** A registry entry. */
export interface EnvRegistration extends EnvSpec {
  /** Builds the raw env from its options. */
  create: (options: Record<string, unknown>) => AnyEnv;
  /** Option names the env accepts (for clear errors on typos). */
  optionNames: readonly string[];
  /** One line describing the env. */
  description: string;
  /** Names of the discrete actions, indexed by action (absent for continuous actions). */
  actionNames?: readonly string[];
  /** Whether an episode return counts as a success (default: at or above the threshold). */
  success?: (episodeReturn: number) => boolean;
  /** The success rule in words, for reports (default: "return ≥ <threshold>"). */
  successRule?: string;
  /** Frames per second of a recorded episode (Gymnasium's `render_fps`). */
  renderFps?: number;
  /** A fixed palette that renders the env's frames exactly (GIF); default: quantised. */
  palette?: readonly (readonly [number, number, number])[];
}

/** Options `make` understands besides the env's own (any env accepts them). */
export interface MakeOptions {
  /** Overrides the registered step limit; `null` disables the `TimeLimit`. */
  maxEpisodeSteps?: number | null;
  /**
   * Observes the last `frameStack` observations at once (`FrameStackObservation`, padded with
   * the reset observation), so a feed-forward policy sees motion; 1 or absent: no stack.
   */
  frameStack?: number;
}

/** The names of {@link MakeOptions}, accepted by every env (typed as its keys). */
export const MAKE_OPTION_NAMES: readonly (keyof MakeOptions)[] = ["maxEpisodeSteps", "frameStack"];

/** Env types of the built-in ids, for typed `make`. */
export interface BuiltinEnvs {
  /** CartPole-v1. */
  "CartPole-v1": { env: Env<Float32Array, number, EmptyInfo>; options: CartPoleOptions };
  /** FlappyBird-v0. */
  "FlappyBird-v0": {
    env: Env<Float64Array, number, FlappyBirdInfo>;
    options: Omit<FlappyBirdOptions, "rng">;
  };
  /** FrozenLake-v1. */
  "FrozenLake-v1": { env: Env<number, number, FrozenLakeInfo>; options: FrozenLakeOptions };
  /** LunarLander-v3. */
  "LunarLander-v3": {
    env: Env<Float32Array, number, EmptyInfo>;
    options: Omit<LunarLanderOptions, "continuous" | "rng">;
  };
  /** LunarLanderContinuous-v3. */
  "LunarLanderContinuous-v3": {
    env: Env<Float32Array, Float32Array | number[], EmptyInfo>;
    options: Omit<LunarLanderOptions, "continuous" | "rng">;
  };
}

const registry = new Map<string, EnvRegistration>();

/** Registers an env under `spec.id`; throws if the id is taken. */
export function register(entry: EnvRegistration): void {
  if (registry.has(entry.id)) throw new Error(`An env is already registered as "${entry.id}"`);
  registry.set(entry.id, entry);
}

/** The registered specs, sorted by id. */
export function listEnvs(): EnvRegistration[] {
  return [...registry.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** The spec of `id`, or a `RangeError` listing the registered ids. */
export function envSpec(id: string): EnvRegistration {
  const entry = registry.get(id);
  if (!entry) {
    throw new RangeError(
      `Unknown env "${id}"; registered envs: ${listEnvs().map((e) => e.id).join(", ")}`,
    );
  }
  return entry;
}

/**
 * Whether an episode return counts as a success by the env's rule: its own `success`, else a
 * return at or above its reward threshold (never, when it has none).
 */
export function isSuccess(envId: string, episodeReturn: number): boolean {
  const entry = envSpec(envId);
  if (entry.success) return entry.success(episodeReturn);
  return entry.rewardThreshold !== undefined && episodeReturn >= entry.rewardThreshold;
}

/** The success rule of `envId` in words, e.g. "return ≥ 200" or "reached the goal". */
export function successRule(envId: string): string {
  const entry = envSpec(envId);
  if (entry.successRule) return entry.successRule;
  return entry.rewardThreshold === undefined ? "none" : `return ≥ ${entry.rewardThreshold}`;
}

/**
 * Builds a registered env by id, wrapped in `TimeLimit` with its registered step limit.
 *
 * @example
 * ```ts
 * import { make } from "./registry.ts";
 * const env = make("CartPole-v1");
 * const { obs } = env.reset({ seed: 42 });
 * const step = env.step(env.actionSpace.sample());
 * ```
 */
export function make<K extends keyof BuiltinEnvs>(
  id: K,
  options?: BuiltinEnvs[K]["options"] & MakeOptions,
): BuiltinEnvs[K]["env"];
/** Builds any registered env by id. */
export function make(id: string, options?: Record<string, unknown> & MakeOptions): AnyEnv;
export function make(id: string, options: Record<string, unknown> & MakeOptions = {}): AnyEnv {
  const entry = envSpec(id);
  const { maxEpisodeSteps, frameStack = 1, ...envOptions } = options;
  for (const key of Object.keys(envOptions)) {
    if (!entry.optionNames.includes(key)) {
      const accepted = [...entry.optionNames, ...MAKE_OPTION_NAMES].join(", ");
      throw new RangeError(`Unknown option "${key}" for ${id}; accepted: ${accepted}`);
    }
  }
  if (!(Number.isInteger(frameStack) && frameStack >= 1)) {
    throw new RangeError(
      `frameStack=${
        JSON.stringify(frameStack)
      } for ${id} is not accepted: a positive integer (1: no stack)`,
    );
  }
  const raw = entry.create(envOptions);
  const limit = maxEpisodeSteps === undefined ? entry.maxEpisodeSteps : maxEpisodeSteps;
  const spec: EnvSpec = {
    id,
    maxEpisodeSteps: limit ?? undefined,
    rewardThreshold: entry.rewardThreshold,
  };
  raw.spec = spec;
  let env: AnyEnv = raw;
  if (limit !== null && limit !== undefined) env = new TimeLimit(raw, limit);
  if (frameStack > 1) {
    try {
      env = new FrameStackObservation(env as Env<Float32Array, unknown, object>, {
        stackSize: frameStack,
      }) as AnyEnv;
    } catch (err) {
      throw new RangeError(`frameStack=${frameStack} for ${id}: ${(err as Error).message}`);
    }
  }
  env.spec = spec;
  return env;
}

register({
  id: "CartPole-v1",
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
  optionNames: ["suttonBartoReward"],
  description: "Balance a pole on a cart (discrete, 4-dim observation)",
  actionNames: ["Push Left", "Push Right"],
  renderFps: 50,
  create: (o) => new CartPole(o as CartPoleOptions),
});

register({
  id: "FrozenLake-v1",
  maxEpisodeSteps: 100,
  rewardThreshold: 0.7,
  optionNames: ["mapName", "desc", "isSlippery"],
  description: "Cross a slippery frozen lake (tabular, 16 states)",
  actionNames: FROZEN_LAKE_ACTIONS,
  // The only reward is 1 for reaching the goal.
  success: (ret) => ret > 0,
  successRule: "reached the goal",
  renderFps: 4,
  create: (o) => new FrozenLake(o as FrozenLakeOptions),
});

register({
  id: "FlappyBird-v0",
  rewardThreshold: 20,
  optionNames: ["useLidar", "normalizeObs", "pipeGap", "scoreLimit"],
  description: "Flap a bird through gaps between pipes (discrete, 180 LIDAR rays or 12 features)",
  actionNames: ["Idle", "Flap"],
  // The tutorial's bar: an episode return above 20 (each pipe passed is worth +1).
  success: (ret) => ret > 20,
  successRule: "return > 20",
  renderFps: 30,
  create: (o) => new FlappyBird(o as Omit<FlappyBirdOptions, "rng">),
});

const LANDER_OPTIONS = ["gravity", "enableWind", "windPower", "turbulencePower", "physics"];

register({
  id: "LunarLander-v3",
  maxEpisodeSteps: 1000,
  rewardThreshold: 200,
  optionNames: LANDER_OPTIONS,
  description: "Land a rocket on a pad (discrete, 8-dim observation, Box2D-style physics)",
  actionNames: ["Do Nothing", "Fire Left Engine", "Fire Main Engine", "Fire Right Engine"],
  renderFps: 50,
  palette: LANDER_PALETTE,
  create: (o) => new LunarLander({ ...(o as LunarLanderOptions), continuous: false }),
});

register({
  id: "LunarLanderContinuous-v3",
  maxEpisodeSteps: 1000,
  rewardThreshold: 200,
  optionNames: LANDER_OPTIONS,
  description: "Land a rocket on a pad (continuous throttle, 8-dim observation)",
  renderFps: 50,
  palette: LANDER_PALETTE,
  create: (o) => new LunarLander({ ...(o as LunarLanderOptions), continuous: true }),
});
