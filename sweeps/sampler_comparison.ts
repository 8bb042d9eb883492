/**
 * TPE against random search on a cheap synthetic objective shaped like an RL sweep: a
 * log-uniform learning rate, a uniform discount, an integer env count and a categorical choice,
 * with a separable smooth optimum (a shifted quadratic in log10 of the learning rate and in the
 * scaled discount and env count) plus a bonus for one choice. Its maximum is 0.
 *
 * Each repetition r runs both samplers for the same number of trials with `new Rng(seed + r)`;
 * TPE's first 10 (startup) trials are random draws from the same generator, so both runs share
 * them and differ only in what TPE learns afterwards. The figures are the best value found
 * after the last trial, per repetition, and their mean and sample standard deviation.
 * `deno task bench sweep --json` prints {@link compareSamplers}.
 * @module
 */
import { Rng } from "../core/rng.ts";
import { parseSearchSpace, type SearchSpace } from "./search_space.ts";
import { RandomSampler } from "./random_sampler.ts";
import { TpeSampler } from "./tpe_sampler.ts";
import type { Params, Sampler, TrialRecord } from "./sampler_types.ts";

/** The synthetic search space, in sweep-file form. */
export const SYNTHETIC_SEARCH = {
  learningRate: { log_uniform: [1e-5, 1e-1] },
  gamma: { uniform: [0.9, 0.9999] },
  numEnvs: { int: [1, 64] },
  activation: { choice: ["relu", "tanh", "elu", "gelu"] },
} as const;

/** The parsed {@link SYNTHETIC_SEARCH}. */
export const SYNTHETIC_SPACE: SearchSpace = parseSearchSpace(SYNTHETIC_SEARCH);

/** Bonus per activation: the best choice adds nothing, the others cost 1. */
const ACTIVATION_PENALTY: Record<string, number> = { relu: 1, tanh: 0, elu: 1, gelu: 1 };

/**
 * The objective to maximise (optimum 0 at learningRate 3e-4, gamma 0.99, numEnvs 16, tanh):
 * −(log10 lr − log10 3e-4)² − ((gamma − 0.99) / 0.03)² − ((numEnvs − 16) / 16)² − penalty.
 */
export function syntheticObjective(params: Params): number {
  const lr = params.learningRate as number;
  const gamma = params.gamma as number;
  const numEnvs = params.numEnvs as number;
  return -((Math.log10(lr) - Math.log10(3e-4)) ** 2) -
    ((gamma - 0.99) / 0.03) ** 2 -
    ((numEnvs - 16) / 16) ** 2 -
    ACTIVATION_PENALTY[params.activation as string];
}

/** Options of {@link compareSamplers}. */
export interface SamplerComparisonOptions {
  /** Trials per run (default 30). */
  trials?: number;
  /** Independent runs per sampler (default 10). */
  repetitions?: number;
  /** Seed of repetition 0; repetition r uses seed + r (default 0). */
  seed?: number;
}

/** One sampler's results over the repetitions. */
export interface SamplerFigures {
  /** Best objective value after the last trial, per repetition. */
  best: number[];
  /** Mean of `best`. */
  mean: number;
  /** Sample standard deviation (n − 1) of `best`; 0 for one repetition. */
  std: number;
}

/** What {@link compareSamplers} returns (JSON-friendly). */
export interface SamplerComparison {
  /** What was optimised. */
  objective: string;
  /** Always `maximize`. */
  direction: "maximize";
  /** The objective's maximum. */
  optimum: number;
  /** Trials per run. */
  trials: number;
  /** Runs per sampler. */
  repetitions: number;
  /** Seed of repetition 0. */
  seed: number;
  /** Optuna-default TPE. */
  tpe: SamplerFigures;
  /** Random search. */
  random: SamplerFigures;
  /** Repetitions in which TPE's best beat random's. */
  tpeWins: number;
}

/** Runs `sampler` for `trials` trials on the synthetic objective; returns the best value. */
export function runSynthetic(sampler: Sampler, trials: number, rng: Rng): number {
  const history: TrialRecord[] = [];
  let best = -Infinity;
  for (let i = 0; i < trials; i++) {
    const params = sampler.sample(SYNTHETIC_SPACE, history, rng);
    const value = syntheticObjective(params);
    history.push({ params, value, state: "complete" });
    best = Math.max(best, value);
  }
  return best;
}

function figures(best: number[]): SamplerFigures {
  const n = best.length;
  const mean = best.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? best.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { best, mean, std: Math.sqrt(variance) };
}

/**
 * Compares Optuna-default TPE with random search on {@link syntheticObjective}.
 *
 * @throws {RangeError} If `trials` or `repetitions` is not a positive integer, or `seed` not a
 *   non-negative integer.
 */
export function compareSamplers(options: SamplerComparisonOptions = {}): SamplerComparison {
  const { trials = 30, repetitions = 10, seed = 0 } = options;
  for (const [name, v, min] of [["trials", trials, 1], ["repetitions", repetitions, 1]] as const) {
    if (!Number.isSafeInteger(v) || v < min) {
      throw new RangeError(`compareSamplers: ${name} must be an integer >= ${min}, got ${v}`);
    }
  }
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`compareSamplers: seed must be an integer >= 0, got ${seed}`);
  }
  const tpe = new TpeSampler({ direction: "maximize" });
  const random = new RandomSampler();
  const tpeBest: number[] = [];
  const randomBest: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    tpeBest.push(runSynthetic(tpe, trials, new Rng(seed + r)));
    randomBest.push(runSynthetic(random, trials, new Rng(seed + r)));
  }
  return {
    objective: "−log10(lr / 3e-4)² − ((gamma − 0.99) / 0.03)² − ((numEnvs − 16) / 16)² − " +
      "[activation ≠ tanh]",
    direction: "maximize",
    optimum: 0,
    trials,
    repetitions,
    seed,
    tpe: figures(tpeBest),
    random: figures(randomBest),
    tpeWins: tpeBest.filter((b, i) => b > randomBest[i]).length,
  };
}
