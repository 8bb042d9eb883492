/**
 * `checkEnv`: verifies that an env follows the API, stays in its spaces and is deterministic
 * under a seed.
 * @module
 */
import type { AnyEnv, Observation } from "./types.ts";

/** Options of {@link checkEnv}. */
export interface CheckEnvOptions {
  /** Steps to roll out per check (default 200). */
  steps?: number;
  /** Seed of the two identical rollouts (default 123). */
  seed?: number;
}

/**
 * Runs two rollouts with the same seed and the same sampled actions and throws a `TypeError`
 * describing the first problem: an observation outside the observation space, a non-finite
 * reward, non-boolean flags, or any difference between the two rollouts.
 */
export function checkEnv(makeEnv: () => AnyEnv, options: CheckEnvOptions = {}): void {
  const steps = options.steps ?? 200;
  const seed = options.seed ?? 123;
  const a = rollout(makeEnv(), seed, steps);
  const b = rollout(makeEnv(), seed, steps);
  if (a.length !== b.length) {
    throw new TypeError(`Env is not deterministic: rollouts of ${a.length} and ${b.length} steps`);
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      throw new TypeError(
        `Env is not deterministic under seed ${seed}: step ${i} differs:\n` +
          `  ${a[i]}\n  ${b[i]}`,
      );
    }
  }
}

function rollout(env: AnyEnv, seed: number, steps: number): string[] {
  const trace: string[] = [];
  env.actionSpace.seed(seed);
  const first = env.reset({ seed });
  assertObs(env, first.obs, "reset");
  trace.push(describe(first.obs));
  for (let t = 0; t < steps; t++) {
    const action = env.actionSpace.sample();
    if (!env.actionSpace.contains(action)) {
      throw new TypeError(`actionSpace.sample() returned ${action}, which it does not contain`);
    }
    const r = env.step(action);
    assertObs(env, r.obs, `step ${t}`);
    if (typeof r.reward !== "number" || !Number.isFinite(r.reward)) {
      throw new TypeError(`step ${t} returned a non-finite reward ${r.reward}`);
    }
    if (typeof r.terminated !== "boolean" || typeof r.truncated !== "boolean") {
      throw new TypeError(`step ${t} returned non-boolean terminated/truncated`);
    }
    trace.push(`${describe(r.obs)} r=${r.reward} ${r.terminated} ${r.truncated}`);
    if (r.terminated || r.truncated) {
      const again = env.reset();
      assertObs(env, again.obs, `reset after step ${t}`);
      trace.push(describe(again.obs));
    }
  }
  env.close();
  return trace;
}

function assertObs(env: AnyEnv, obs: Observation, where: string): void {
  if (!env.observationSpace.contains(obs)) {
    throw new TypeError(
      `${where} returned an observation outside the observation space: ${
        describe(obs)
      } not in ${env.observationSpace}`,
    );
  }
}

function describe(obs: Observation): string {
  return typeof obs === "number" ? String(obs) : `[${Array.from(obs).join(", ")}]`;
}
