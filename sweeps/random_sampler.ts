/**
 * Random search: every parameter drawn independently from its distribution, ignoring the
 * history, as Optuna's `RandomSampler` (`optuna/samplers/_random.py`, v4.9.0). Also the
 * sampler TPE uses for its startup trials.
 * @module
 */
import type { Rng } from "../core/rng.ts";
import { sampleParam, type SearchSpace } from "./search_space.ts";
import type { Params, Sampler, TrialRecord } from "./sampler_types.ts";

/**
 * One independent draw per parameter of `space`, in key order (see `sampleParam`), so a seed
 * fixes the whole sequence of trials.
 */
export function sampleIndependent(space: SearchSpace, rng: Rng): Params {
  const params: Params = {};
  for (const [name, spec] of Object.entries(space)) params[name] = sampleParam(spec, rng);
  return params;
}

/** The `"random"` sampler of a sweep file. */
export class RandomSampler implements Sampler {
  /** Draws every parameter independently; `history` is not used. */
  sample(space: SearchSpace, _history: readonly TrialRecord[], rng: Rng): Params {
    return sampleIndependent(space, rng);
  }
}
