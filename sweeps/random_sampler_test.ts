import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { RandomSampler, sampleIndependent } from "./random_sampler.ts";
import { contains, parseSearchSpace, sampleParam } from "./search_space.ts";
import type { TrialRecord } from "./sampler_types.ts";

const SPACE = parseSearchSpace({
  learningRate: { log_uniform: [1e-5, 1e-2] },
  batchSize: { choice: [32, 64, 128] },
  gamma: { uniform: [0.95, 0.999] },
  numEnvs: { int: [4, 32] },
});

Deno.test("sampleIndependent draws each parameter in key order from one generator", () => {
  const a = new Rng(42), b = new Rng(42);
  const params = sampleIndependent(SPACE, a);
  assert.deepEqual(params, {
    learningRate: sampleParam(SPACE.learningRate, b),
    batchSize: sampleParam(SPACE.batchSize, b),
    gamma: sampleParam(SPACE.gamma, b),
    numEnvs: sampleParam(SPACE.numEnvs, b),
  });
  assert.deepEqual(Object.keys(params), Object.keys(SPACE));
});

Deno.test("RandomSampler: deterministic per seed, ignores history, samples in bounds", () => {
  const run = (seed: number, history: TrialRecord[]) => {
    const rng = new Rng(seed);
    return Array.from({ length: 50 }, () => new RandomSampler().sample(SPACE, history, rng));
  };
  const trials = run(1, []);
  const history: TrialRecord[] = trials.map((params) => ({ params, value: 1, state: "complete" }));
  assert.deepEqual(run(1, history), trials);
  assert.notDeepEqual(run(2, []), trials);
  for (const p of trials) {
    for (const [name, spec] of Object.entries(SPACE)) assert.ok(contains(spec, p[name]), name);
    assert.ok(Number.isInteger(p.numEnvs));
  }
});
