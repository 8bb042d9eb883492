import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { CpuBackend } from "../kernels/cpu/backend.ts";
import { initMlpParams } from "../kernels/init.ts";
import type { DqnLearnerConfig } from "../kernels/types.ts";
import { ReplayMirror, TransitionStaging } from "./transitions.ts";

const config: DqnLearnerConfig = {
  net: { sizes: [2, 8, 3], hidden: "relu" },
  bufferCapacity: 7,
  batchSize: 4,
  adam: { learningRate: 1e-2 },
  loss: "huber",
  doubleDqn: true,
  maxGradNorm: 10,
  seed: 3,
};

Deno.test("TransitionStaging copies rows and discounts, then drains to the learner and mirror", async () => {
  const backend = new CpuBackend();
  const learner = await backend.createDqnLearner(
    config,
    initMlpParams(config.net, new Rng(0), "torch-default"),
  );
  const staging = new TransitionStaging(2, 2);
  const obs = Float32Array.of(1, 2, 3, 4), next = Float32Array.of(5, 6, 7, 8);
  staging.push(obs, 2, 1, 0.5, next, 0, 0);
  staging.push(obs, 0, 2, -1, next, 2, 0.25);
  assert.throws(() => staging.push(obs, 0, 0, 0, next, 0, 1), /staging is full \(2\)/);
  assert.deepEqual(staging.batch.obs, Float32Array.of(3, 4, 1, 2));
  assert.deepEqual(staging.batch.nextObs, Float32Array.of(5, 6, 7, 8));
  assert.deepEqual(staging.batch.discount, Float32Array.of(0, 0.25));
  const mirror = new ReplayMirror(7, 2);
  staging.drain(learner, mirror);
  assert.equal(staging.count, 0);
  assert.equal(learner.size, 2);
  assert.equal(mirror.size, 2);
  assert.deepEqual(mirror.ring.actions.subarray(0, 2), Int32Array.of(1, 2));
});

Deno.test("ReplayMirror.restore rebuilds a wrapped ring slot for slot", async () => {
  const backend = new CpuBackend();
  const params = initMlpParams(config.net, new Rng(0), "torch-default");
  const a = await backend.createDqnLearner(config, params);
  const mirror = new ReplayMirror(7, 2);
  const staging = new TransitionStaging(3, 2);
  const rng = new Rng(5);
  // 4 batches of 3 transitions: 12 > capacity 7, so the ring wraps to position 5.
  for (let b = 0; b < 4; b++) {
    for (let k = 0; k < 3; k++) {
      const o = Float32Array.of(rng.normal(), rng.normal());
      const n = Float32Array.of(rng.normal(), rng.normal());
      staging.push(o, 0, rng.integers(0, 3), rng.normal(), n, 0, rng.random() < 0.2 ? 0 : 0.9);
    }
    staging.drain(a, mirror);
  }
  assert.equal(mirror.pos, 5);
  // Through the tensors of a training-state file, as a resumed run does.
  const loaded = new ReplayMirror(7, 2);
  loaded.loadTensors(mirror.toTensors(), mirror.pos, mirror.size, "state.safetensors", 0.9);
  assert.throws(
    () => loaded.loadTensors(new Map(), 0, 3, "state.safetensors", 0.9),
    /state.safetensors lacks replay tensor "obs" of 6 values/,
  );
  assert.throws(
    () => loaded.loadTensors(mirror.toTensors(), 0, 9, "state.safetensors", 0.9),
    /replay memory of 9 transitions at position 0, which does not fit a capacity of 7/,
  );
  const b = await backend.createDqnLearner(config, params);
  loaded.restore(b);
  assert.equal(b.size, 7);
  // Same ring, same write position, same sampler: identical training from here on.
  const extra = new TransitionStaging(2, 2);
  extra.push(Float32Array.of(1, 1), 0, 0, 1, Float32Array.of(0, 0), 0, 0);
  extra.push(Float32Array.of(-1, 1), 0, 2, 0, Float32Array.of(0, 1), 0, 0.9);
  a.addTransitions(extra.batch);
  b.addTransitions(extra.batch);
  for (const l of [a, b]) {
    l.queueGradientSteps(5);
    l.queueTargetUpdate(0.5);
    l.queueGradientSteps(5);
  }
  assert.deepEqual((await a.flush()).params, (await b.flush()).params);
});

Deno.test("ReplayMirror loads a ring saved with terminal flags as discounts γ·(1 − terminated)", () => {
  const mirror = new ReplayMirror(4, 1);
  const vec = (...v: number[]) => ({ shape: [v.length], data: Float32Array.from(v) });
  const legacy = new Map([
    ["replay.obs", vec(1, 2, 3)],
    ["replay.next_obs", vec(2, 3, 4)],
    ["replay.actions", vec(0, 1, 0)],
    ["replay.rewards", vec(1, 1, 5)],
    ["replay.terminated", vec(0, 0, 1)],
  ]);
  mirror.loadTensors(legacy, 3, 3, "old.safetensors", 0.5);
  assert.deepEqual(mirror.ring.discount.subarray(0, 3), Float32Array.of(0.5, 0.5, 0));
  assert.deepEqual(mirror.toTensors().get("replay.discount")?.data, Float32Array.of(0.5, 0.5, 0));
});
