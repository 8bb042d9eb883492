/**
 * Greedy evaluation of a policy over many seeded episodes, producing the `eval.json` report.
 * @module
 */
import type { EpisodeResult, EvalReport } from "../core/run_log.ts";
import { envSpec, isSuccess, make } from "../envs/registry.ts";
import type { Action, AnyEnv } from "../envs/types.ts";
import type { Policy } from "./algorithm.ts";
import { evaluateParallel } from "./evaluate_parallel.ts";
import { isSharedPolicy } from "./shared_policy.ts";

/** Options of {@link evaluatePolicy}. */
export interface EvaluateOptions {
  /** Env options passed to `make`. */
  envOptions?: Record<string, unknown>;
  /** Number of episodes (default 100). */
  episodes?: number;
  /** Episode `i` is reset with `seed + i` (default 0). */
  seed?: number;
  /** Algorithm id, copied into the report. */
  algo?: string;
  /** Called after every episode (progress display). */
  onEpisode?: (done: number, result: EpisodeResult) => void;
  /**
   * Steps after which an episode of an env without a time limit is cut (default
   * {@link EVAL_STEP_CAP}): a policy that never fails (FlappyBird) must not hang an evaluation.
   */
  maxSteps?: number;
}

/** The default step cap of an evaluated episode (envs with a time limit end long before). */
export const EVAL_STEP_CAP = 20_000;

/**
 * Runs `episodes` greedy episodes and summarises them. A multi-agent run's shared policy is
 * evaluated on its parallel env by `evaluateParallel` (a `ParallelEvalReport`: team returns).
 */
export function evaluatePolicy(
  policy: Policy,
  envId: string,
  options: EvaluateOptions = {},
): EvalReport {
  if (isSharedPolicy(policy)) return evaluateParallel(policy, envId, options);
  const episodes = options.episodes ?? 100;
  if (!Number.isInteger(episodes) || episodes < 1) {
    throw new RangeError(`episodes must be a positive integer, got ${episodes}`);
  }
  const played = playEpisodes(policy, envId, options, 0, episodes);
  return summariseEpisodes(envId, options, played);
}

/** Episodes played by {@link playEpisodes}, and how often each action was taken. */
export interface PlayedEpisodes {
  /** One result per episode, in episode order. */
  results: EpisodeResult[];
  /** Action name → times taken (discrete actions), in order of first use. */
  counts: [string, number][];
}

/**
 * Plays episodes `[from, to)` of an evaluation greedily (episode `i` reset with `seed + i`),
 * calling `onEpisode` after each: a share of {@link evaluatePolicy}'s work, so that threads
 * may play the shares of one evaluation (`evaluation_thread.ts`).
 */
export function playEpisodes(
  policy: Policy,
  envId: string,
  options: EvaluateOptions,
  from: number,
  to: number,
): PlayedEpisodes {
  const seed = options.seed ?? 0;
  const spec = envSpec(envId);
  const env: AnyEnv = make(envId, options.envOptions ?? {});
  const counts = new Map<string, number>();
  const results: EpisodeResult[] = [];
  for (let i = from; i < to; i++) {
    let { obs } = env.reset({ seed: seed + i });
    let total = 0, steps = 0, done = false;
    let score: number | undefined;
    const cap = options.maxSteps ?? EVAL_STEP_CAP;
    while (!done && steps < cap) {
      const { action } = policy.decide(obs);
      if (typeof action === "number") {
        const name = spec.actionNames?.[action] ?? String(action);
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      const r = env.step(action as Action);
      total += r.reward;
      steps++;
      obs = r.obs;
      done = r.terminated || r.truncated;
      const s = (r.info as { score?: unknown } | undefined)?.score;
      if (typeof s === "number") score = s;
    }
    const result: EpisodeResult = {
      episode: i,
      seed: seed + i,
      reward: total,
      steps,
      success: isSuccess(envId, total),
      ...(score === undefined ? {} : { score }),
    };
    results.push(result);
    options.onEpisode?.(i + 1 - from, result);
  }
  env.close();
  return { results, counts: [...counts] };
}

/**
 * The report of an evaluation from its played episodes: the shares of {@link playEpisodes},
 * concatenated in episode order (their action counts merged in that order too).
 */
export function summariseEpisodes(
  envId: string,
  options: EvaluateOptions,
  ...shares: PlayedEpisodes[]
): EvalReport {
  const counts = new Map<string, number>();
  for (const share of shares) {
    for (const [name, n] of share.counts) counts.set(name, (counts.get(name) ?? 0) + n);
  }
  return summarise(
    envId,
    options.algo ?? "",
    options.seed ?? 0,
    shares.flatMap((share) => share.results),
    counts,
    envSpec(envId).rewardThreshold,
  );
}

function summarise(
  envId: string,
  algo: string,
  seed: number,
  results: EpisodeResult[],
  counts: Map<string, number>,
  threshold: number | undefined,
): EvalReport {
  const r = results.map((e) => e.reward);
  const n = r.length;
  const mean = r.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const sorted = [...r].sort((a, b) => a - b);
  const median = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const scores = results.flatMap((e) => e.score === undefined ? [] : [e.score]);
  return {
    env: envId,
    algo,
    episodes: n,
    seed,
    mean_reward: mean,
    std_reward: std,
    min_reward: sorted[0],
    max_reward: sorted[n - 1],
    median_reward: median,
    success_rate: results.filter((e) => e.success).length / n,
    mean_steps: results.reduce((a, e) => a + e.steps, 0) / n,
    ...(scores.length === n ? { mean_score: scores.reduce((a, b) => a + b, 0) / n } : {}),
    action_counts: Object.fromEntries(counts),
    reward_threshold: threshold ?? null,
    per_episode: results,
    evaluated_at: new Date().toISOString(),
  };
}
