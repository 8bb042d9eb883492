/**
 * Backend selection by measurement: the pure choice between figures, `cpu` / `webgpu` taken as
 * asked, and `auto` measuring the actual learner on every available backend, caching the
 * figures per workload shape and reading them back.
 */

import assert from "node:assert/strict";
import { chooseBackend, formatDecision, pickFaster } from "./backend.ts";
import type { CalibrationFigure, CalibrationWorkload } from "./calibration.ts";
import type { ActorCriticConfig, DqnLearnerConfig } from "./types.ts";
import { webGpuAdapterKind } from "./webgpu/device.ts";

function figure(backend: "cpu" | "webgpu", stepsPerSecond: number, error?: string) {
  const f: CalibrationFigure = {
    backend,
    description: backend,
    stepsPerSecond,
    msPerStep: 1000 / stepsPerSecond,
    steps: 10,
    setupMs: 1,
  };
  return error === undefined ? f : { ...f, error };
}

Deno.test("pickFaster takes the higher rate, the CPU on a tie or a WebGPU failure", () => {
  const [fast, why] = pickFaster([figure("cpu", 1000), figure("webgpu", 4000)]);
  assert.equal(fast, "webgpu");
  assert.equal(why, "measured webgpu 4,000 steps/s vs cpu 1,000 steps/s (4.0×)");
  assert.equal(pickFaster([figure("cpu", 5000), figure("webgpu", 4000)])[0], "cpu");
  assert.equal(pickFaster([figure("cpu", 4000), figure("webgpu", 4000)])[0], "cpu");
  const [failed, failure] = pickFaster([figure("cpu", 10), figure("webgpu", 0, "device lost")]);
  assert.equal(failed, "cpu");
  assert.match(failure, /WebGPU could not run the workload: device lost/);
  assert.equal(pickFaster([figure("cpu", 0, "no SIMD"), figure("webgpu", 5)])[0], "webgpu");
});

const DQN: DqnLearnerConfig = {
  net: { sizes: [4, 16, 2], hidden: "relu" },
  bufferCapacity: 1000,
  batchSize: 16,
  adam: { learningRate: 1e-3 },
  loss: "huber",
  doubleDqn: true,
  maxGradNorm: 10,
  seed: 1,
};
const AC: ActorCriticConfig = {
  obsSize: 3,
  action: { kind: "continuous", dim: 2, initLogStd: 0 },
  hidden: [8],
  activation: "tanh",
  objective: "ppo",
  clipCoef: 0.2,
  clipValueLoss: true,
  entCoef: 0,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  normAdvantages: true,
  updateEpochs: 4,
  numMinibatches: 4,
  adam: { learningRate: 1e-3 },
  seed: 1,
};
const WORKLOADS: CalibrationWorkload[] = [
  { kind: "dqn", config: DQN, stepsPerFlush: 8 },
  { kind: "actor-critic", config: AC, rolloutSize: 64 },
];

Deno.test("cpu and webgpu are taken as asked, and bad preferences are refused", async () => {
  const { backend, decision } = await chooseBackend("cpu", WORKLOADS[0]);
  assert.equal(backend.kind, "cpu");
  assert.deepEqual(
    { chosen: decision.chosen, adapter: decision.adapter, figures: decision.figures },
    { chosen: "cpu", adapter: null, figures: [] },
  );
  assert.equal(formatDecision(decision), "cpu: asked for cpu");
  await assert.rejects(() => chooseBackend("gpu" as "cpu", null), /"auto", "cpu" or "webgpu"/);
});

Deno.test("auto measures the workload on every backend, caches the figures and reuses them", async () => {
  const dir = await Deno.makeTempDir();
  const cacheFile = `${dir}/sub/calibration.json`;
  const adapter = await webGpuAdapterKind();
  try {
    for (const workload of WORKLOADS) {
      const first = await chooseBackend("auto", workload, { cacheFile, budgetMs: 20 });
      const d = first.decision;
      assert.equal(first.backend.kind, d.chosen);
      if (adapter === "none") {
        assert.equal(d.reason, "no WebGPU adapter found");
        assert.deepEqual(d.figures, []);
        continue;
      }
      assert.equal(d.cache, "miss");
      assert.deepEqual(d.figures.map((f) => f.backend), ["cpu", "webgpu"]);
      for (const f of d.figures) {
        assert.equal(f.error, undefined, `${f.backend}: ${f.error}`);
        assert.ok(f.stepsPerSecond > 0 && f.steps > 0 && f.msPerStep > 0, JSON.stringify(f));
      }
      assert.equal(d.chosen, pickFaster(d.figures)[0]);
      assert.match(formatDecision(d), /^auto → (cpu|webgpu): measured /);

      const again = await chooseBackend("auto", workload, { cacheFile, budgetMs: 20 });
      assert.equal(again.decision.cache, "hit");
      assert.deepEqual(again.decision.figures, d.figures);
      assert.equal(again.decision.chosen, d.chosen);
      const refreshed = await chooseBackend("auto", workload, {
        cacheFile,
        budgetMs: 20,
        refresh: true,
      });
      assert.equal(refreshed.decision.cache, "miss");
      assert.notEqual(refreshed.decision.measuredAt, null);
    }
    if (adapter !== "none") {
      const saved = JSON.parse(await Deno.readTextFile(cacheFile));
      assert.equal(Object.keys(saved.entries).length, WORKLOADS.length, "one entry per shape");
      // A different shape is a different entry: measured, not read from the cache.
      const wider: CalibrationWorkload = { kind: "dqn", config: { ...DQN, batchSize: 32 } };
      const other = await chooseBackend("auto", wider, { cacheFile, budgetMs: 20 });
      assert.equal(other.decision.cache, "miss");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unwritable or malformed cache never fails the choice", async () => {
  if ((await webGpuAdapterKind()) === "none") {
    console.log("No WebGPU adapter: auto does not measure, so the cache is not exercised");
    return;
  }
  const dir = await Deno.makeTempDir();
  try {
    const bad = `${dir}/calibration.json`;
    await Deno.writeTextFile(bad, "{ not json");
    const ok = await chooseBackend("auto", WORKLOADS[0], { cacheFile: bad, budgetMs: 10 });
    assert.equal(ok.decision.cache, "miss");
    // A file where the folder should be: the entry cannot be written.
    const blocked = `${bad}/calibration.json`;
    const kept = await chooseBackend("auto", WORKLOADS[0], { cacheFile: blocked, budgetMs: 10 });
    assert.ok(kept.decision.cacheError, "the write failure is reported");
    const off = await chooseBackend("auto", WORKLOADS[0], { cacheFile: null, budgetMs: 10 });
    assert.equal(off.decision.cache, "off");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
