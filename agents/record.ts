/**
 * Recording an episode of a policy as an animated GIF (the "victory lap" video).
 * @module
 */
import { type GifOptions, GifWriter } from "../render/gif.ts";
import { envSpec, make } from "../envs/registry.ts";
import type { Action, AnyEnv } from "../envs/types.ts";
import type { Policy } from "./algorithm.ts";

/** Options of {@link recordEpisode}. */
export interface RecordOptions {
  /** Env options passed to `make`. */
  envOptions?: Record<string, unknown>;
  /**
   * Record exactly this seed. Omitted: play seeds `firstSeed, firstSeed + 1, …` without
   * rendering and record the first whose return reaches `minReturn`.
   */
  seed?: number;
  /** First seed to search from (default 0). */
  firstSeed?: number;
  /** Seeds to try before settling for the best one seen (default 100). */
  search?: number;
  /** Return to look for (default: the env's reward threshold). */
  minReturn?: number;
  /** GIF options (fps, palette). */
  gif?: GifOptions;
}

/** What was recorded. */
export interface RecordResult {
  /** GIF path. */
  path: string;
  /** Seed of the recorded episode. */
  seed: number;
  /** Its return. */
  reward: number;
  /** Its length in steps. */
  steps: number;
  /** Frames in the GIF (steps + the first frame). */
  frames: number;
  /** GIF size in bytes. */
  bytes: number;
  /** Whether the return reached `minReturn`. */
  reachedTarget: boolean;
}

function play(policy: Policy, env: AnyEnv, seed: number, onFrame?: () => void) {
  let { obs } = env.reset({ seed });
  onFrame?.();
  let reward = 0, steps = 0, done = false;
  while (!done) {
    const r = env.step(policy.decide(obs).action as Action);
    reward += r.reward;
    steps++;
    obs = r.obs;
    done = r.terminated || r.truncated;
    onFrame?.();
  }
  return { reward, steps };
}

/** Plays an episode greedily and writes it to `path` as a GIF. */
export async function recordEpisode(
  policy: Policy,
  envId: string,
  path: string,
  options: RecordOptions = {},
): Promise<RecordResult> {
  const env = make(envId, options.envOptions ?? {});
  if (!env.render) {
    throw new TypeError(`${envId} cannot render frames; recording needs an env with render()`);
  }
  const target = options.minReturn ?? envSpec(envId).rewardThreshold ?? Infinity;
  let seed = options.seed;
  if (seed === undefined) {
    const first = options.firstSeed ?? 0, tries = options.search ?? 100;
    let best = { seed: first, reward: -Infinity };
    for (let s = first; s < first + tries; s++) {
      const { reward } = play(policy, env, s);
      if (reward > best.reward) best = { seed: s, reward };
      if (reward >= target) break;
    }
    seed = best.seed;
  }
  const writer = new GifWriter(path, options.gif);
  const render = env.render.bind(env);
  const { reward, steps } = play(policy, env, seed, () => writer.addFrame(render()));
  env.close();
  const out = await writer.close();
  return {
    path,
    seed,
    reward,
    steps,
    frames: out.frames,
    bytes: out.bytes,
    reachedTarget: reward >= target,
  };
}
