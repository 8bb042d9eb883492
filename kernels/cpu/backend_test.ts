import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { initActorCriticParams, initMlpParams } from "../init.ts";
import type { MlpSpec } from "../types.ts";
import { assertClose } from "./_grad_check.ts";
import { CpuBackend } from "./backend.ts";
import { mlpForward } from "./mlp.ts";

const SPEC: MlpSpec = { sizes: [2, 16, 1], hidden: "tanh" };

Deno.test("CpuBackend describes itself and creates every learner", async () => {
  const backend = new CpuBackend();
  assert.equal(backend.kind, "cpu");
  assert.ok(backend.description.length > 0);
  const mlp = await backend.createMlp(SPEC, initMlpParams(SPEC, new Rng(1), "torch-default"));
  assert.equal(mlp.paramCount, 2 * 16 + 16 + 16 + 1);
  const dqn = await backend.createDqnLearner({
    net: { sizes: [2, 8, 2], hidden: "relu" },
    bufferCapacity: 10,
    batchSize: 4,
    adam: { learningRate: 1e-3 },
    loss: "huber",
    doubleDqn: true,
    maxGradNorm: 10,
    seed: 1,
  }, initMlpParams({ sizes: [2, 8, 2], hidden: "relu" }, new Rng(2), "torch-default"));
  assert.equal(dqn.size, 0);
  const acConfig = {
    obsSize: 2,
    action: { kind: "discrete" as const, n: 2 },
    hidden: [8],
    activation: "tanh" as const,
    objective: "ppo" as const,
    clipCoef: 0.2,
    clipValueLoss: true,
    entCoef: 0,
    vfCoef: 0.5,
    maxGradNorm: 0.5,
    normAdvantages: true,
    updateEpochs: 1,
    numMinibatches: 1,
    adam: { learningRate: 1e-3 },
    seed: 1,
  };
  const ac = await backend.createActorCriticLearner(
    acConfig,
    initActorCriticParams(acConfig, new Rng(3)),
  );
  assert.equal((await ac.getState()).adamStep, 0);
  backend.destroy();
});

Deno.test("CpuMlp fits a regression target with forward, backward and Adam", async () => {
  const backend = new CpuBackend();
  const init = initMlpParams(SPEC, new Rng(4), "torch-default");
  const mlp = await backend.createMlp(SPEC, init);
  // Target y = x0·x1 on a fixed grid of 25 points.
  const n = 25;
  const x = new Float32Array(n * 2);
  const y = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    x[2 * k] = (k % 5) / 2 - 1;
    x[2 * k + 1] = Math.floor(k / 5) / 2 - 1;
    y[k] = x[2 * k] * x[2 * k + 1];
  }
  const mse = (pred: Float32Array) => pred.reduce((s, p, k) => s + (p - y[k]) ** 2, 0) / n;
  const first = mse(await mlp.forward(x, n));
  for (let step = 0; step < 500; step++) {
    const pred = await mlp.forward(x, n);
    const dY = pred.map((p, k) => (2 * (p - y[k])) / n);
    const dX = await mlp.backward(dY);
    assert.equal(dX.length, n * 2);
    mlp.adamStep({ learningRate: 0.02 }, 1);
  }
  const last = mse(await mlp.forward(x, n));
  assert.ok(last < first / 10 && last < 0.01, `mse ${first} → ${last}`);
  // getParams agrees with the acting forward; setParams restores the start.
  const params = await mlp.getParams();
  const out = new Float32Array(n);
  mlpForward(SPEC, params, 0, x, n, out);
  // The TypeScript forward sums in float64, the WebAssembly one in float32 (outputs are ~1).
  assertClose(out, await mlp.forward(x, n), "forward", 1e-5, 1e-6);
  mlp.setParams(init);
  assert.equal(mse(await mlp.forward(x, n)), first);
  assert.equal((await mlp.getGrads()).length, mlp.paramCount);
  assert.throws(() => mlp.setParams(new Float32Array(3)), RangeError);
  mlp.destroy();
  await assert.rejects(() => mlp.getParams(), TypeError);
});
