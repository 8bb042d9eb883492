/**
 * Calibration on the CPU backend (no adapter needed): timing both learner kinds, failures
 * reported as figures, cache keys per shape, and the cache file's round trip.
 */

import assert from "node:assert/strict";
import {
  CalibrationCache,
  calibrationKey,
  type CalibrationWorkload,
  describeWorkload,
  measureWorkload,
} from "./calibration.ts";
import { CpuBackend } from "./cpu/backend.ts";
import type { DqnLearnerConfig } from "./types.ts";

const DQN: DqnLearnerConfig = {
  net: { sizes: [4, 16, 2], hidden: "relu" },
  bufferCapacity: 100_000,
  batchSize: 16,
  adam: { learningRate: 1e-3 },
  loss: "mse",
  doubleDqn: false,
  maxGradNorm: null,
  seed: 1,
};
const DQN_WORKLOAD: CalibrationWorkload = { kind: "dqn", config: DQN };
const AC_WORKLOAD: CalibrationWorkload = {
  kind: "actor-critic",
  rolloutSize: 96,
  config: {
    obsSize: 5,
    action: { kind: "discrete", n: 3 },
    hidden: [16, 16],
    activation: "relu",
    objective: "a2c",
    clipCoef: 0.2,
    clipValueLoss: false,
    entCoef: 0.01,
    vfCoef: 0.5,
    maxGradNorm: null,
    normAdvantages: false,
    updateEpochs: 10,
    numMinibatches: 3,
    adam: { learningRate: 1e-3 },
    seed: 1,
  },
};

Deno.test("measureWorkload times gradient steps of both learner kinds on the CPU", async () => {
  const cpu = new CpuBackend();
  const dqn = await measureWorkload(cpu, DQN_WORKLOAD, 15);
  assert.equal(dqn.error, undefined);
  assert.equal(dqn.backend, "cpu");
  // At least two flushes of the default 32 steps.
  assert.ok(dqn.steps >= 64 && dqn.steps % 32 === 0, `${dqn.steps} steps`);
  assert.ok(dqn.stepsPerSecond > 0 && Number.isFinite(dqn.msPerStep));
  const ac = await measureWorkload(cpu, AC_WORKLOAD, 15);
  assert.equal(ac.error, undefined);
  // Whole updates of one epoch: a multiple of the minibatch count.
  assert.ok(ac.steps >= 3 && ac.steps % 3 === 0, `${ac.steps} steps`);
  assert.ok(Math.abs(ac.msPerStep * ac.stepsPerSecond - 1000) < 10, JSON.stringify(ac));
});

Deno.test("a workload the backend rejects gives a figure with the error", async () => {
  const bad: CalibrationWorkload = { kind: "dqn", config: { ...DQN, batchSize: 0 } };
  const f = await measureWorkload(new CpuBackend(), bad, 5);
  assert.equal(f.stepsPerSecond, 0);
  assert.match(f.error ?? "", /batchSize must be a positive integer, got 0/);
});

Deno.test("cache keys follow what sets the speed, not the learning settings", () => {
  const key = calibrationKey(DQN_WORKLOAD, "adapter A");
  const sameSpeed = {
    ...DQN_WORKLOAD,
    config: { ...DQN, adam: { learningRate: 0.5 }, seed: 9, loss: "huber" },
  };
  assert.equal(calibrationKey(sameSpeed as CalibrationWorkload, "adapter A"), key);
  assert.notEqual(calibrationKey(DQN_WORKLOAD, "adapter B"), key);
  const wider = { ...DQN_WORKLOAD, config: { ...DQN, net: { ...DQN.net, sizes: [4, 32, 2] } } };
  assert.notEqual(calibrationKey(wider, "adapter A"), key);
  assert.notEqual(calibrationKey(AC_WORKLOAD, "adapter A"), key);
  assert.equal(describeWorkload(DQN_WORKLOAD), "DQN 4-16-2 relu, batch 16, 32 steps per flush");
  assert.equal(
    describeWorkload(AC_WORKLOAD),
    "actor-critic 5-16-16-3 relu (discrete), minibatch 32 of 96",
  );
});

Deno.test("the calibration cache round-trips through its file and ignores other versions", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/nested/calibration.json`;
    const empty = await CalibrationCache.open(file);
    assert.equal(empty.get("k"), undefined);
    const entry = { measuredAt: "2026-01-01T00:00:00.000Z", workload: "w", figures: [] };
    assert.equal(await empty.put("k", entry), null);
    assert.deepEqual((await CalibrationCache.open(file)).get("k"), entry);
    assert.equal((await CalibrationCache.open(file)).get("constructor"), undefined);
    const saved = JSON.parse(await Deno.readTextFile(file));
    await Deno.writeTextFile(file, JSON.stringify({ ...saved, version: -1 }));
    assert.equal((await CalibrationCache.open(file)).get("k"), undefined);
    const memoryOnly = await CalibrationCache.open(null);
    assert.equal(await memoryOnly.put("k", entry), null);
    assert.deepEqual(memoryOnly.get("k"), entry);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
