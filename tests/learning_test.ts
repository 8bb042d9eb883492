/**
 * End-to-end learning tests on CartPole-v1 with the cpu backend, from fixed seeds. A random
 * policy averages about 22; a broken learner (wrong sign, no bootstrapping, stale weights)
 * stays far below the bars here. Each test takes well under a minute on a 2-core machine.
 */
import assert from "node:assert/strict";
import { RunFolder } from "../core/run_folder.ts";
import type { RunConfig } from "../core/run_log.ts";
import type { Hyperparameters, TrainResult } from "../agents/algorithm.ts";
import { getAlgorithm } from "../agents/algorithms.ts";
import { evaluatePolicy } from "../agents/evaluate.ts";
import {
  type Architecture,
  loadNetworkCheckpoint,
  loadTrainingState,
} from "../agents/checkpoint.ts";
import { presetFor, resolveHyperparameters } from "../agents/hyperparameters.ts";
import { EVAL_SEED, type MonitorCounters } from "../agents/run_monitor.ts";
import { networkPolicy } from "../agents/policy_loading.ts";
import { createRunFolder, runTraining } from "../agents/training_run.ts";

const readMetrics = (dir: string) => new RunFolder(dir).readMetrics();

const ENV = "CartPole-v1";

interface Run {
  dir: string;
  config: RunConfig;
  result: TrainResult;
}

/** Trains `algo` on CartPole into `dir` (a fresh temp folder unless given). */
async function train(
  algo: string,
  steps: number,
  seed: number,
  overrides: Hyperparameters = {},
  opts: { dir?: string; resume?: boolean; abortAtStatus?: number; abortAfterMs?: number } = {},
): Promise<Run> {
  const a = getAlgorithm(algo);
  const dir = opts.dir ?? await Deno.makeTempDir({ prefix: `eagle_${algo}_` });
  const config = await createRunFolder(dir, {
    algo,
    env: ENV,
    seed,
    totalSteps: steps,
    hyperparameters: resolveHyperparameters(a.schema, { envId: ENV, totalSteps: steps }, [
      { source: "test", values: overrides },
    ]),
    device: "cpu",
  });
  const controller = new AbortController();
  let statuses = 0;
  const timer = opts.abortAfterMs === undefined
    ? undefined
    : setTimeout(() => controller.abort(), opts.abortAfterMs);
  try {
    const result = await runTraining(dir, config, {
      resume: opts.resume,
      quiet: true,
      signal: controller.signal,
      // Simulates Ctrl-C right after the n-th periodic evaluation.
      onStatus: () => {
        if (++statuses === opts.abortAtStatus) controller.abort();
      },
    });
    return { dir, config, result };
  } finally {
    clearTimeout(timer);
  }
}

/** Greedy 20-episode mean return of the run's best checkpoint. */
async function greedyMean(run: Run): Promise<number> {
  const policy = await getAlgorithm(run.config.algo).loadPolicy(
    new RunFolder(run.dir),
    run.config,
    "best",
  );
  return evaluatePolicy(policy, ENV, { episodes: 20, seed: 0 }).mean_reward;
}

/**
 * The best checkpoint, loaded back, must reproduce the periodic evaluation that selected it
 * exactly (same seeds, same episodes): the saved policy acts as the trained one did.
 */
async function assertCheckpointActsAsTrained(run: Run): Promise<void> {
  const records = await readMetrics(run.dir);
  const evals = records.map((r) => r["eval/mean_return"]).filter((v) => v !== undefined);
  assert.ok(evals.length > 0, "periodic evaluations were logged");
  const best = Math.max(...evals);
  assert.equal(run.result.bestEvalReturn, best);
  const policy = await getAlgorithm(run.config.algo).loadPolicy(
    new RunFolder(run.dir),
    run.config,
    "best",
  );
  const episodes = run.config.hyperparameters.evalEpisodes as number;
  const again = evaluatePolicy(policy, ENV, { episodes, seed: EVAL_SEED }).mean_reward;
  assert.equal(again, best);
}

Deno.test("PPO solves CartPole-v1 (greedy 20-episode mean ≥ 475) from seed 1", async () => {
  const run = await train("ppo", 45_056, 1);
  try {
    const mean = await greedyMean(run);
    assert.ok(mean >= 475, `greedy mean ${mean} < 475`);
    await assertCheckpointActsAsTrained(run);
    const keys = new Set((await readMetrics(run.dir)).flatMap(Object.keys));
    for (
      const k of [
        "charts/episodic_return",
        "charts/sps",
        "charts/learning_rate",
        "losses/policy_loss",
        "losses/value_loss",
        "losses/entropy",
        "losses/approx_kl",
        "losses/clipfrac",
        "losses/explained_variance",
        "eval/mean_return",
        "eval/success_rate",
      ]
    ) assert.ok(keys.has(k), `metrics.jsonl has ${k}`);
  } finally {
    await Deno.remove(run.dir, { recursive: true });
  }
});

Deno.test("PPO with env workers and a critic thread trains bit for bit as in one thread", async () => {
  // 5 envs: the training thread acts for and steps 3 of them, the worker 2 (or 1 and 1).
  const hyper = { numEnvs: 5, numSteps: 128, evalEvery: 1280 };
  const runs = [
    await train("ppo", 3840, 2, { ...hyper, envWorkers: 0 }),
    await train("ppo", 3840, 2, { ...hyper, envWorkers: 1 }),
    await train("ppo", 3840, 2, { ...hyper, envWorkers: 2 }),
    await train("ppo", 3840, 2, { ...hyper, envWorkers: 1, learnerThreads: 2 }),
    await train("ppo", 3840, 2, { ...hyper, envWorkers: 0, learnerThreads: 2 }),
  ];
  try {
    const [one, ...others] = await Promise.all(runs.map(async (run) => ({
      metrics: (await readMetrics(run.dir)).map(({ wall_time: _, "charts/sps": _sps, ...r }) => r),
      best: await Deno.readFile(`${run.dir}/best.safetensors`),
    })));
    assert.equal(one.metrics.length, 6);
    assert.equal(one.metrics.filter((r) => "eval/mean_return" in r).length, 3);
    for (const other of others) {
      assert.deepEqual(other.metrics, one.metrics);
      assert.deepEqual(other.best, one.best);
    }
  } finally {
    for (const run of runs) await Deno.remove(run.dir, { recursive: true });
  }
});

Deno.test("DQN learns CartPole-v1 (greedy 20-episode mean ≥ 400) from seed 1", async () => {
  const run = await train("dqn", 30_000, 1);
  try {
    const mean = await greedyMean(run);
    assert.ok(mean >= 400, `greedy mean ${mean} < 400`);
    await assertCheckpointActsAsTrained(run);
    const keys = new Set((await readMetrics(run.dir)).flatMap(Object.keys));
    for (const k of ["charts/epsilon", "losses/td_loss", "losses/q_values", "eval/mean_return"]) {
      assert.ok(keys.has(k), `metrics.jsonl has ${k}`);
    }
  } finally {
    await Deno.remove(run.dir, { recursive: true });
  }
});

Deno.test("DQN with 3-step returns learns CartPole-v1 (greedy 20-episode mean ≥ 400) from seed 1", async () => {
  // The n-step path end to end (its arithmetic is checked by hand in n_step_returns_test.ts);
  // seeds 1–5 reach 452–500 at 30k steps.
  const run = await train("dqn", 30_000, 1, { nSteps: 3 });
  try {
    const mean = await greedyMean(run);
    assert.ok(mean >= 400, `greedy mean ${mean} < 400`);
  } finally {
    await Deno.remove(run.dir, { recursive: true });
  }
});

Deno.test("DQN with 5-step returns trains from step 0 (the first phases stage nothing yet)", async () => {
  const hyper = { nSteps: 5, learningStarts: 0, trainFreq: 1, evalEvery: 0, logEvery: 100 };
  const run = await train("dqn", 2000, 3, hyper);
  try {
    assert.equal(run.result.globalStep, 2000);
    const losses = (await readMetrics(run.dir)).filter((r) => r["losses/td_loss"] !== undefined);
    assert.ok(losses.length >= 19 && losses.every((r) => Number.isFinite(r["losses/td_loss"])));
  } finally {
    await Deno.remove(run.dir, { recursive: true });
  }
});

Deno.test("A2C learns CartPole-v1 (greedy 20-episode mean ≥ 400) from seed 1", async () => {
  const run = await train("a2c", 40_000, 1);
  try {
    const mean = await greedyMean(run);
    assert.ok(mean >= 400, `greedy mean ${mean} < 400`);
    await assertCheckpointActsAsTrained(run);
  } finally {
    await Deno.remove(run.dir, { recursive: true });
  }
});

Deno.test("PPO stopped by the signal keeps its state and resumes to the planned steps", async () => {
  const hyper = { evalEvery: 2048, evalEpisodes: 2, numEnvs: 4, numSteps: 64 };
  // Stopped right after the first evaluation (step 2048), then resumed to the end.
  const stopped = await train("ppo", 2048 * 4, 3, hyper, { abortAtStatus: 1 });
  try {
    assert.equal(stopped.result.stopped, true);
    assert.equal(stopped.result.globalStep, 2048);
    for (const f of ["latest.safetensors", "best.safetensors", "state.safetensors"]) {
      await Deno.stat(`${stopped.dir}/${f}`);
    }
    const state = await loadTrainingState<{ update: number; globalStep: number }>(
      `${stopped.dir}/state.safetensors`,
      (await loadNetworkCheckpoint(`${stopped.dir}/latest.safetensors`)).params.length,
    );
    assert.equal(state.counters.update, 8);
    const h = presetFor(getAlgorithm("ppo").schema, ENV);
    const perUpdate = (h.updateEpochs as number) * (h.numMinibatches as number);
    assert.equal(state.learner.adamStep, 8 * perUpdate);
    const resumed = await train("ppo", 2048 * 4, 3, hyper, { dir: stopped.dir, resume: true });
    assert.equal(resumed.result.stopped, false);
    assert.equal(resumed.result.globalStep, 2048 * 4);
    const records = await readMetrics(stopped.dir);
    const updates = records.filter((r) => r["losses/policy_loss"] !== undefined);
    // 32 updates of 256 steps, none repeated or skipped across the stop.
    assert.deepEqual(
      updates.map((r) => r.global_step),
      Array.from({ length: 32 }, (_, k) => 256 * (k + 1)),
    );
    // The learning-rate schedule went on from where it stopped.
    const lr = updates.map((r) => r["charts/learning_rate"]);
    for (let k = 1; k < lr.length; k++) assert.ok(lr[k] < lr[k - 1]);
  } finally {
    await Deno.remove(stopped.dir, { recursive: true });
  }
});

Deno.test("DQN stopped by the signal resumes with its replay memory and counters", async () => {
  const hyper = {
    evalEvery: 1500,
    evalEpisodes: 2,
    learningStarts: 500,
    bufferSize: 2000,
    explorationFraction: 0.5,
    epsilonEnd: 0.05,
  };
  const stopped = await train("dqn", 4000, 2, hyper, { abortAtStatus: 1 });
  try {
    assert.equal(stopped.result.stopped, true);
    assert.equal(stopped.result.globalStep, 1500);
    // The replay memory was saved with the counters.
    const state = await loadTrainingState<{ globalStep: number; replaySize: number }>(
      `${stopped.dir}/state.safetensors`,
      (await loadNetworkCheckpoint(`${stopped.dir}/latest.safetensors`)).params.length,
    );
    assert.equal(state.counters.globalStep, 1500);
    assert.equal(state.counters.replaySize, 1500);
    assert.equal(state.extra!.get("replay.obs")!.data.length, 1500 * 4);
    const resumed = await train("dqn", 4000, 2, hyper, { dir: stopped.dir, resume: true });
    assert.equal(resumed.result.globalStep, 4000);
    const records = await readMetrics(stopped.dir);
    // Epsilon went on along its schedule (1 → 0.05 over 2000 steps) instead of restarting.
    const expected = (step: number) => 1 + Math.min(1, step / 2000) * (0.05 - 1);
    const eps = records.filter((r) => r["charts/epsilon"] !== undefined);
    assert.ok(eps.some((r) => r.global_step > 1500));
    for (const r of eps) {
      // Logged after the step's action was chosen, with the epsilon used for it.
      const want = expected(r.global_step - 1);
      assert.ok(Math.abs(r["charts/epsilon"] - want) < 1e-9, `epsilon at ${r.global_step}`);
    }
  } finally {
    await Deno.remove(stopped.dir, { recursive: true });
  }
});

Deno.test("DQN's finalists play more episodes at the end, the best of them becoming the best checkpoint, across a resume", async () => {
  const hyper = {
    evalEvery: 1000,
    evalEpisodes: 3,
    finalists: 3,
    finalEpisodes: 4,
    learningStarts: 500,
    bufferSize: 2000,
    explorationFraction: 0.5,
  };
  // Stopped after the fourth evaluation, when one of the four has been dropped.
  const stopped = await train("dqn", 7000, 3, hyper, { abortAtStatus: 4 });
  const folder = new RunFolder(stopped.dir);
  const files = async () =>
    (await Array.fromAsync(Deno.readDir(folder.path("finalists")))).map((e) => e.name).sort();
  const name = (step: number) => folder.finalist(step).split("/").pop()!;
  try {
    assert.equal(stopped.result.globalStep, 4000);
    const saved = await loadTrainingState<MonitorCounters>(
      folder.path("trainingState"),
      (await loadNetworkCheckpoint(folder.checkpoint("latest", "safetensors"))).params.length,
    );
    assert.equal(saved.counters.finalists!.length, 3);
    assert.deepEqual(await files(), saved.counters.finalists!.map((f) => name(f.step)).sort());

    const resumed = await train("dqn", 7000, 3, hyper, { dir: stopped.dir, resume: true });
    assert.equal(resumed.result.globalStep, 7000);
    // The three best periodic evaluations (the earlier first among equals) are the finalists.
    const evals = (await folder.readMetrics())
      .filter((r) => r["eval/mean_return"] !== undefined)
      .map((r) => ({ step: r.global_step, mean: r["eval/mean_return"] }));
    assert.deepEqual(evals.map((e) => e.step), [1000, 2000, 3000, 4000, 5000, 6000, 7000]);
    const top = evals.toSorted((a, b) => b.mean - a.mean || a.step - b.step).slice(0, 3);
    assert.deepEqual(await files(), top.map((f) => name(f.step)).sort());
    // Each plays 4 episodes on the seeds after the periodic ones; the best is kept.
    const policy = (params: Float32Array, arch: Architecture) => networkPolicy(arch, params);
    let chosen: { step: number; final: number; params: Float32Array } | null = null;
    for (const f of top) {
      const ckpt = await loadNetworkCheckpoint(folder.finalist(f.step));
      const final = evaluatePolicy(policy(ckpt.params, ckpt.arch), ENV, {
        episodes: 4,
        seed: EVAL_SEED + 3,
      }).mean_reward;
      if (chosen === null || final > chosen.final) chosen = { ...f, final, params: ckpt.params };
    }
    // This seed's best periodic evaluation is not the best over the further episodes.
    assert.notEqual(chosen!.step, top[0].step);
    const best = await loadNetworkCheckpoint(folder.checkpoint("best", "safetensors"));
    assert.equal(best.globalStep, chosen!.step);
    assert.deepEqual(best.params, chosen!.params);
    assert.equal(resumed.result.bestEvalReturn, chosen!.final);
    const event = (await folder.readMetricEvents()).find((e) => e.event === "final_selection");
    assert.equal(event?.value, String(chosen!.final));
    assert.match(event!.message, new RegExp(`Kept step ${chosen!.step.toLocaleString("en-US")}'s`));
  } finally {
    await Deno.remove(stopped.dir, { recursive: true });
  }
});

Deno.test("DQN's finished run resumed again re-evaluates its last step as the same finalist", async () => {
  // Every evaluation is a finalist, the last one included.
  const hyper = { evalEvery: 1000, evalEpisodes: 2, finalists: 3, finalEpisodes: 2 };
  const first = await train("dqn", 3000, 1, hyper);
  const folder = new RunFolder(first.dir);
  try {
    const best = await Deno.readFile(folder.checkpoint("best", "safetensors"));
    const again = await train("dqn", 3000, 1, hyper, { dir: first.dir, resume: true });
    assert.equal(again.result.globalStep, 3000);
    assert.equal(again.result.bestEvalReturn, first.result.bestEvalReturn);
    assert.deepEqual(await Deno.readFile(folder.checkpoint("best", "safetensors")), best);
    const names = (await Array.fromAsync(Deno.readDir(folder.path("finalists")))).map((e) =>
      e.name
    );
    assert.deepEqual(names.sort(), ["1000", "2000", "3000"].map((s) => `${s}.safetensors`));
    const events = (await folder.readMetricEvents()).filter((e) => e.event === "final_selection");
    assert.equal(events.length, 2);
  } finally {
    await Deno.remove(first.dir, { recursive: true });
  }
});

Deno.test("DQN with held exploratory actions learns CartPole and saves its holds for a resume", async () => {
  // Long holds of one push are poor exploration on CartPole (seeds 1–5 reach 178–433 at 30k
  // steps with the CLI): the bar is learning at all (random play: ~22).
  const hyper = { evalEvery: 10_000, explorationHold: 2 };
  const stopped = await train("dqn", 30_000, 1, hyper, { abortAtStatus: 1 });
  try {
    const state = await loadTrainingState<{ holds: { action: number[]; left: number[] } }>(
      `${stopped.dir}/state.safetensors`,
      (await loadNetworkCheckpoint(`${stopped.dir}/latest.safetensors`)).params.length,
    );
    assert.equal(state.counters.holds.left.length, 1);
    const resumed = await train("dqn", 30_000, 1, hyper, { dir: stopped.dir, resume: true });
    assert.equal(resumed.result.globalStep, 30_000);
    const mean = await greedyMean(resumed);
    assert.ok(mean >= 200, `greedy mean ${mean} < 200`);
  } finally {
    await Deno.remove(stopped.dir, { recursive: true });
  }
});

for (const algo of ["ppo", "dqn"]) {
  Deno.test(`${algo} notices Ctrl-C promptly between evaluations`, async () => {
    // No periodic evaluation (no file I/O) for the signal to slip in at: the loop must yield.
    const t0 = performance.now();
    const run = await train(algo, 10_000_000, 1, { evalEvery: 0 }, { abortAfterMs: 1000 });
    try {
      const seconds = (performance.now() - t0) / 1000;
      assert.equal(run.result.stopped, true);
      assert.ok(run.result.globalStep < 10_000_000);
      assert.ok(seconds < 5, `stopped after ${seconds.toFixed(1)} s`);
      await Deno.stat(`${run.dir}/latest.safetensors`);
      await Deno.stat(`${run.dir}/state.safetensors`);
    } finally {
      await Deno.remove(run.dir, { recursive: true });
    }
  });
}
