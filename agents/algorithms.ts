/**
 * The registered training algorithms, by `--algo` id.
 * @module
 */
import type { Algorithm, Hyperparameters } from "./algorithm.ts";
import { dqn } from "./dqn.ts";
import { a2c, ppo } from "./ppo.ts";
import { qLearning } from "./q_learning.ts";

const algorithms = new Map<string, Algorithm<Hyperparameters>>();

/** Registers an algorithm under its id. */
export function registerAlgorithm<H extends Hyperparameters>(algo: Algorithm<H>): void {
  algorithms.set(algo.id, algo as unknown as Algorithm<Hyperparameters>);
}

/** The algorithm registered as `id`, or a `RangeError` listing the registered ids. */
export function getAlgorithm(id: string): Algorithm<Hyperparameters> {
  const algo = algorithms.get(id);
  if (!algo) {
    throw new RangeError(`Unknown algorithm "${id}"; available: ${algorithmIds().join(", ")}`);
  }
  return algo;
}

/** Registered algorithm ids. */
export function algorithmIds(): string[] {
  return [...algorithms.keys()];
}

registerAlgorithm(qLearning);
registerAlgorithm(dqn);
registerAlgorithm(ppo);
registerAlgorithm(a2c);
