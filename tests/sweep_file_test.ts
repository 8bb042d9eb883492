/**
 * The sweep file: defaults, the three modes, every key validated against the algorithm's
 * schema with messages naming the experiment, key, value and what is accepted; the shipped
 * examples and the JSON Schema agree with the parser.
 */
import assert from "node:assert/strict";
import { UsageError } from "../core/cli.ts";
import { algorithmIds } from "../agents/algorithms.ts";
import {
  loadSweepFile,
  parseSweepFile,
  planConfigurations,
  resolveConfiguration,
  SWEEP_KEYS,
  trialRunName,
} from "../sweeps/sweep_file.ts";

const ROOT = new URL("..", import.meta.url).pathname;

const BASE = {
  name: "t",
  algo: "dqn",
  env: "CartPole-v1",
  steps: 2000,
  experiments: { fast: { description: "Faster", learningRate: 1e-2 } },
};

function rejects(json: unknown, ...parts: string[]): void {
  assert.throws(
    () => parseSweepFile(json, "x.json"),
    (err: unknown) => {
      assert.ok(err instanceof UsageError, `a UsageError, got ${err}`);
      for (const p of parts) assert.ok(err.message.includes(p), `"${err.message}" names ${p}`);
      return true;
    },
  );
}

Deno.test("defaults are filled in and the baseline runs first", () => {
  const f = parseSweepFile(BASE);
  assert.deepEqual(f.seeds, [1]);
  assert.equal(f.device, "auto");
  assert.deepEqual(f.evaluation, { episodes: 100, seed: 0 });
  assert.equal(f.pruner, null);
  const plans = planConfigurations(f);
  assert.deepEqual(plans.map((p) => p.name), ["baseline", "fast"]);
  assert.equal(plans[0].hyperparameters.learningRate, 2.3e-3); // the CartPole preset
  assert.equal(plans[1].hyperparameters.learningRate, 1e-2);
  assert.equal(plans[1].description, "Faster");
  assert.equal(trialRunName("fast", 3), "fast__s3");
  // The default step count is the algorithm's for the env.
  const { steps: _, ...noSteps } = BASE;
  assert.equal(parseSweepFile(noSteps).steps, 30_000);
});

Deno.test("the baseline sits over the preset and experiments over the baseline", () => {
  const f = parseSweepFile({
    ...BASE,
    hyperparameters: { gamma: 0.95, batchSize: 32 },
    experiments: { e: { batchSize: 16 } },
  });
  const [base, e] = planConfigurations(f);
  assert.equal(base.hyperparameters.gamma, 0.95);
  assert.equal(e.hyperparameters.gamma, 0.95);
  assert.equal(e.hyperparameters.batchSize, 16);
  assert.equal(e.description, "batchSize=16");
});

Deno.test("a grid is the cartesian product, last key fastest", () => {
  const f = parseSweepFile({
    ...BASE,
    experiments: undefined,
    grid: { learningRate: [1e-3, 1e-2], batchSize: [32, 64, 128] },
  });
  const plans = planConfigurations(f);
  assert.equal(plans.length, 7);
  assert.deepEqual(plans.slice(1, 4).map((p) => p.params), [
    { learningRate: 1e-3, batchSize: 32 },
    { learningRate: 1e-3, batchSize: 64 },
    { learningRate: 1e-3, batchSize: 128 },
  ]);
  assert.deepEqual(plans.map((p) => p.name).slice(0, 3), ["baseline", "grid_001", "grid_002"]);
});

Deno.test("search settings default to TPE, 20 trials, seed 0", () => {
  const f = parseSweepFile({
    ...BASE,
    experiments: undefined,
    search: { learningRate: { log_uniform: [1e-4, 1e-2] }, batchSize: { choice: [32, 64] } },
    pruner: { median: { startup_trials: 2, warmup_steps: 1000 } },
  });
  assert.equal(f.sampler, "tpe");
  assert.equal(f.trials, 20);
  assert.equal(f.samplerSeed, 0);
  assert.deepEqual(f.pruner, { median: { startup_trials: 2, warmup_steps: 1000 } });
  assert.equal(planConfigurations(f).length, 1); // the baseline; the rest are sampled
});

Deno.test("errors name the experiment, the key, the value and what is accepted", () => {
  rejects(
    { ...BASE, experiments: { exp1: { learningRate: -1 } } },
    'experiment "exp1"',
    "learningRate=-1",
    "accepted: a number in (0, ∞)",
  );
  rejects(
    { ...BASE, experiments: { exp1: { learningRat: 1e-3 } } },
    'Unknown hyperparameter "learningRat"',
    'experiment "exp1"',
    "learningRate",
  );
  rejects(
    { ...BASE, hyperparameters: { activation: "gelu" } },
    "baseline",
    'activation="gelu"',
    "relu | tanh",
  );
  // A cross-key check names the configuration too.
  rejects(
    { ...BASE, experiments: { tiny: { bufferSize: 10, batchSize: 64 } } },
    'experiment "tiny"',
    "batchSize=64 exceeds bufferSize=10",
  );
  rejects(
    { ...BASE, experiments: undefined, grid: { gamma: [0.9, 2] } },
    "gamma=2",
    "grid",
    "a number in [0, 1]",
  );
  rejects(
    { ...BASE, experiments: undefined, search: { gamma: { uniform: [0.9, 1.5] } } },
    "gamma=1.5",
    "search.gamma",
    "a number in [0, 1]",
  );
  rejects(
    { ...BASE, experiments: undefined, search: { batchSize: { uniform: [16, 64] } } },
    "uniform distribution cannot set batchSize",
    "an integer in [1, 65536]",
  );
  rejects(
    { ...BASE, experiments: undefined, search: { hidden: { choice: [64] } } },
    "cannot set hidden",
  );
  rejects(
    { ...BASE, experiments: undefined, search: { gamma: { normal: [0, 1] } } },
    'unknown distribution "normal"',
  );
});

Deno.test("the file's own keys are checked", () => {
  rejects({ ...BASE, algo: "sac" }, '"algo"', "sac", algorithmIds().join(", "));
  rejects({ ...BASE, env: "Pong" }, '"env"', "Pong", "CartPole-v1");
  rejects({ ...BASE, nmae: "x" }, 'unknown key "nmae"', "experiments");
  rejects({ ...BASE, name: "a/b" }, '"name"', '"a/b"');
  rejects({ ...BASE, name: "a__b" }, '"name"', "__");
  rejects({ ...BASE, seeds: [1, 1] }, '"seeds"', "distinct");
  rejects({ ...BASE, seeds: [] }, '"seeds"');
  rejects({ ...BASE, steps: 0 }, '"steps"', "[1, 1000000000000]", "0");
  rejects({ ...BASE, grid: { gamma: [0.9] } }, 'exactly one of "experiments", "grid" or "search"');
  rejects({ ...BASE, experiments: undefined }, "exactly one", "none");
  rejects({ ...BASE, experiments: { baseline: {} } }, "reserved");
  rejects({ ...BASE, trials: 5 }, '"trials" applies only to a "search" sweep');
  rejects({ ...BASE, pruner: { percentile: {} } }, '"pruner"');
  rejects({ ...BASE, pruner: { median: { startup: 1 } } }, 'unknown key "startup"');
  rejects({ ...BASE, evaluation: { episodes: 0 } }, "evaluation.episodes", "0");
  rejects({ ...BASE, envOptions: { gravity: 1 } }, '"envOptions"');
  rejects({ ...BASE, device: "tpu" }, '"device"', "auto, cpu, webgpu");
});

Deno.test("a sampled point failing a cross-key check says which configuration", () => {
  const f = parseSweepFile({
    ...BASE,
    experiments: undefined,
    search: { bufferSize: { int: [1, 100] } },
  });
  assert.throws(
    () => resolveConfiguration(f, "trial_001", "search", { bufferSize: 10 }, ""),
    /batchSize=64 exceeds bufferSize=10 .*search configuration "trial_001" \(bufferSize=10\)/,
  );
});

Deno.test("the shipped examples parse", async () => {
  const tutorial = await loadSweepFile(`${ROOT}examples/sweeps/dqn_tutorial.json`);
  const plans = planConfigurations(tutorial);
  assert.equal(plans.length, 6);
  const [base, ...exps] = plans;
  // Stable-Baselines3's DQN defaults.
  const h = base.hyperparameters;
  assert.deepEqual(
    [h.learningRate, h.bufferSize, h.batchSize, h.learningStarts, h.tau, h.gamma, h.trainFreq],
    [1e-4, 1e6, 32, 100, 1, 0.99, 4],
  );
  assert.deepEqual(
    [h.gradientSteps, h.targetUpdateInterval, h.explorationFraction, h.epsilonEnd, h.doubleDqn],
    [1, 10_000, 0.1, 0.05, false],
  );
  assert.deepEqual(exps.map((p) => p.params), [
    { learningRate: 1e-3 },
    { learningRate: 5e-5 },
    { gamma: 0.999 },
    { explorationFraction: 0.3, epsilonEnd: 0.02 },
    { batchSize: 128, bufferSize: 100_000 },
  ]);
  assert.ok(plans.every((p) => p.totalSteps === 200_000));
  const quick = await loadSweepFile(`${ROOT}examples/sweeps/cartpole_quick.json`);
  assert.equal(quick.env, "CartPole-v1");
});

Deno.test("the JSON Schema lists the parser's keys and algorithms", async () => {
  const schema = JSON.parse(await Deno.readTextFile(`${ROOT}sweeps/sweep.schema.json`));
  assert.deepEqual(Object.keys(schema.properties).sort(), [...SWEEP_KEYS].sort());
  assert.deepEqual([...schema.properties.algo.enum].sort(), algorithmIds().sort());
  assert.deepEqual(
    schema.properties.pruner.oneOf[1].properties.median.properties &&
      Object.keys(schema.properties.pruner.oneOf[1].properties.median.properties).sort(),
    ["interval_steps", "min_trials", "startup_trials", "warmup_steps"],
  );
  const kinds = schema.$defs.distribution.oneOf.map((d: { required: string[] }) => d.required[0]);
  assert.deepEqual(kinds.sort(), ["choice", "int", "int_log", "log_uniform", "uniform"]);
});
