/**
 * The parallel-env registry: `makeParallel(id, options)` builds a registered multi-agent env
 * and sets its `spec`, as `make` does for single-agent envs. Each entry keeps its metadata
 * beside its factory (description, action names, success rule).
 * @module
 */
import { SIMPLE_SPREAD_ACTIONS, SimpleSpread, type SimpleSpreadOptions } from "./simple_spread.ts";
import type { AnyParallelEnv, ParallelEnvSpec } from "./types.ts";

/** A parallel-env registry entry. */
export interface ParallelEnvRegistration extends ParallelEnvSpec {
  /** Builds the env from its options (already checked against `optionNames`). */
  create: (options: Record<string, unknown>) => AnyParallelEnv;
  /** Option names the env accepts (for clear errors on typos). */
  optionNames: readonly string[];
  /** One line describing the env. */
  description: string;
  /** Names of the discrete actions, indexed by action (with the env's discrete actions). */
  actionNames?: readonly string[];
  /** Frames per second of a recorded episode (PettingZoo's `render_fps`). */
  renderFps?: number;
}

/** Env types of the built-in ids, for typed `makeParallel`. */
export interface BuiltinParallelEnvs {
  /** MPE2's simple_spread_v3. */
  simple_spread_v3: { env: SimpleSpread; options: Omit<SimpleSpreadOptions, "rng"> };
}

const registry = new Map<string, ParallelEnvRegistration>();

/** Registers a parallel env under `entry.id`; throws if the id is taken. */
export function registerParallel(entry: ParallelEnvRegistration): void {
  if (registry.has(entry.id)) {
    throw new Error(`A parallel env is already registered as "${entry.id}"`);
  }
  registry.set(entry.id, entry);
}

/** The registered parallel envs, sorted by id. */
export function listParallelEnvs(): ParallelEnvRegistration[] {
  return [...registry.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** The registration of `id`, or a `RangeError` listing the registered ids. */
export function parallelEnvSpec(id: string): ParallelEnvRegistration {
  const entry = registry.get(id);
  if (!entry) {
    throw new RangeError(
      `Unknown parallel env "${id}"; registered: ${listParallelEnvs().map((e) => e.id).join(", ")}`,
    );
  }
  return entry;
}

/**
 * Builds a registered parallel env by id.
 *
 * @example
 * ```ts
 * import { makeParallel } from "./registry.ts";
 * const env = makeParallel("simple_spread_v3", { N: 3 });
 * const { obs } = env.reset({ seed: 0 });
 * const step = env.step(Object.fromEntries(env.agents.map((a) => [a, 0])));
 * ```
 *
 * @throws {RangeError} For an unknown id or option name (the message lists the accepted ones),
 *   or an option value the env rejects.
 */
export function makeParallel<K extends keyof BuiltinParallelEnvs>(
  id: K,
  options?: BuiltinParallelEnvs[K]["options"],
): BuiltinParallelEnvs[K]["env"];
/** Builds any registered parallel env by id. */
export function makeParallel(id: string, options?: Record<string, unknown>): AnyParallelEnv;
export function makeParallel(id: string, options: Record<string, unknown> = {}): AnyParallelEnv {
  const entry = parallelEnvSpec(id);
  for (const key of Object.keys(options)) {
    if (!entry.optionNames.includes(key)) {
      throw new RangeError(
        `Unknown option "${key}" for ${id}; accepted: ${entry.optionNames.join(", ")}`,
      );
    }
  }
  const env = entry.create(options);
  // A `maxCycles` option overrides the registered limit (the envs share that option name).
  const maxCycles = typeof options.maxCycles === "number" ? options.maxCycles : entry.maxCycles;
  env.spec = { id, maxCycles, rewardThreshold: entry.rewardThreshold };
  return env;
}

registerParallel({
  id: "simple_spread_v3",
  maxCycles: 25,
  // MPE2 defines no success rule for simple_spread.
  rewardThreshold: undefined,
  optionNames: ["N", "localRatio", "maxCycles", "continuousActions"],
  description:
    "N agents cover N landmarks without colliding (MPE2, cooperative; 18-dim obs for N=3)",
  actionNames: SIMPLE_SPREAD_ACTIONS,
  // MPE2's metadata: 25 cycles play for 2.5 s.
  renderFps: 10,
  create: (o) => new SimpleSpread(o as SimpleSpreadOptions),
});
