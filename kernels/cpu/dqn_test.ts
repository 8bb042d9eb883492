import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { replayIndex } from "../counter_rng.ts";
import { initMlpParams } from "../init.ts";
import { paramCount } from "../layout.ts";
import type { DqnLearnerConfig, MlpSpec, TransitionBatch } from "../types.ts";
import { assertClose, maxAbs, numericalGrad, randomArray } from "./_grad_check.ts";
import { CpuDqnLearner } from "./dqn.ts";
import { allocTransitions, argmaxRow, tdLoss } from "./dqn_loss.ts";
import { mlpForward } from "./mlp.ts";
import { adamUpdate, clipGradNorm } from "./optim.ts";
import { ReferenceDqnGradient } from "./reference_gradients.ts";

function oneTransition(action: number, reward: number, discount: number) {
  const t = allocTransitions(1, 1);
  t.actions[0] = action;
  t.rewards[0] = reward;
  t.discount[0] = discount;
  return t;
}

Deno.test("tdLoss matches hand-computed Huber and MSE values and gradients", () => {
  const stats = new Float64Array(2);
  const dQ = new Float64Array(2);
  const q = new Float64Array([1, 3]);
  const qT = new Float64Array([2, 4]);
  const data = oneTransition(1, 0.5, 0.9375); // γᵐ, exact in float32
  // y = 0.5 + 0.9375·max(2, 4) = 4.25; d = 3 − 4.25 = −1.25 (|d| ≥ 1: linear part of Huber).
  assert.equal(tdLoss({ loss: "huber" }, 1, 2, q, qT, null, data, dQ, stats), 0.75);
  assert.deepEqual(Array.from(dQ), [0, -1]);
  assert.equal(stats[1], 3);
  const mse = tdLoss({ loss: "mse" }, 1, 2, q, qT, null, data, dQ, stats);
  assert.equal(mse, 1.5625);
  assert.deepEqual(Array.from(dQ), [0, -2.5]);
  // Double DQN: a* = argmax [5, 1] = 0 from the online net, valued by the target: y = 2.375.
  const qN = new Float64Array([5, 1]);
  const dbl = tdLoss({ loss: "huber" }, 1, 2, q, qT, qN, data, dQ, stats);
  assert.equal(dbl, 0.5 * 0.625 * 0.625);
  assert.equal(dQ[1], 0.625);
  // Terminal (discount 0): y = r.
  const term = oneTransition(1, 0.5, 0);
  tdLoss({ loss: "mse" }, 1, 2, q, qT, null, term, dQ, stats);
  assert.ok(Math.abs(dQ[1] - 2 * 2.5) < 1e-12);
});

Deno.test("argmaxRow breaks ties toward the lowest index", () => {
  assert.equal(argmaxRow(new Float64Array([0, 2, 2, 1]), 0, 4), 1);
  assert.equal(argmaxRow(new Float64Array([9, 3, 3]), 1, 2), 0);
});

const NET: MlpSpec = { sizes: [3, 6, 5, 3], hidden: "tanh" };

for (const loss of ["huber", "mse"] as const) {
  for (const doubleDqn of [false, true]) {
    Deno.test(`reference DQN gradient matches finite differences (${loss}, double ${doubleDqn})`, () => {
      const rng = new Rng(doubleDqn ? 21 : 20);
      const batch = 6;
      const core = new ReferenceDqnGradient({
        net: NET,
        batchSize: batch,
        loss,
        doubleDqn,
      });
      const online = randomArray(rng, paramCount(NET), 0.7);
      const target = randomArray(rng, paramCount(NET), 0.7);
      const data = allocTransitions(batch, 3);
      data.obs.set(randomArray(rng, batch * 3, 2));
      data.nextObs.set(randomArray(rng, batch * 3, 2));
      for (let b = 0; b < batch; b++) {
        data.actions[b] = b % 3;
        data.rewards[b] = rng.uniform(-3, 3); // both Huber regimes
        data.discount[b] = b === 2 ? 0 : 0.95;
      }
      const grads = new Float64Array(online.length);
      core.lossAndGrad(online, target, data, batch, grads);
      assert.ok(maxAbs(grads) > 1e-3);
      const f = () =>
        core.lossAndGrad(online, target, data, batch, new Float64Array(online.length));
      assertClose(grads, numericalGrad(f, online), "dOnline", 1e-5, 1e-8);
    });
  }
}

function config(overrides: Partial<DqnLearnerConfig> = {}): DqnLearnerConfig {
  return {
    net: { sizes: [2, 16, 2], hidden: "relu" },
    bufferCapacity: 100,
    batchSize: 8,
    adam: { learningRate: 0.01 },
    loss: "huber",
    doubleDqn: false,
    maxGradNorm: 10,
    seed: 3,
    ...overrides,
  };
}

/** One transition per (state, action) of a one-hot 2-state problem. */
function transitions(
  rows: { s: number; a: number; r: number; next: number; discount: number }[],
): TransitionBatch {
  const n = rows.length;
  const b: TransitionBatch = {
    count: n,
    obs: new Float32Array(n * 2),
    actions: new Int32Array(n),
    rewards: new Float32Array(n),
    nextObs: new Float32Array(n * 2),
    discount: new Float32Array(n),
  };
  rows.forEach((row, t) => {
    b.obs[t * 2 + row.s] = 1;
    b.nextObs[t * 2 + row.next] = 1;
    b.actions[t] = row.a;
    b.rewards[t] = row.r;
    b.discount[t] = row.discount;
  });
  return b;
}

function qValues(params: Float32Array, spec: MlpSpec, state: number): number[] {
  const x = new Float32Array(2);
  x[state] = 1;
  const out = new Float32Array(2);
  mlpForward(spec, params, 0, x, 1, out);
  return Array.from(out);
}

Deno.test("CpuDqnLearner learns a 2-state contextual bandit", async () => {
  const cfg = config();
  const learner = new CpuDqnLearner(cfg, initMlpParams(cfg.net, new Rng(1), "torch-default"));
  // Reward 1 for the action equal to the state, 0 otherwise; every step terminal.
  learner.addTransitions(transitions([
    { s: 0, a: 0, r: 1, next: 0, discount: 0 },
    { s: 0, a: 1, r: 0, next: 0, discount: 0 },
    { s: 1, a: 0, r: 0, next: 1, discount: 0 },
    { s: 1, a: 1, r: 1, next: 1, discount: 0 },
  ]));
  learner.queueGradientSteps(400);
  const stats = await learner.flush();
  assert.equal(stats.gradientSteps, 400);
  const q0 = qValues(stats.params, cfg.net, 0);
  const q1 = qValues(stats.params, cfg.net, 1);
  assertClose([...q0, ...q1], [1, 0, 0, 1], "Q", 0, 0.05);
  assert.ok(stats.loss >= 0 && Number.isFinite(stats.qMean));
  const empty = await learner.flush();
  assert.equal(empty.gradientSteps, 0);
  assert.ok(Number.isNaN(empty.loss));
});

for (const doubleDqn of [false, true]) {
  Deno.test(`CpuDqnLearner bootstraps through the target net (double ${doubleDqn})`, async () => {
    const cfg = config({ doubleDqn, loss: "mse" });
    const learner = new CpuDqnLearner(cfg, initMlpParams(cfg.net, new Rng(2), "torch-default"));
    // s0 → s1 with reward 0 for either action; s1 ends with reward 1 (action 0) or 0.5 (action 1).
    learner.addTransitions(transitions([
      { s: 0, a: 0, r: 0, next: 1, discount: 0.9 },
      { s: 0, a: 1, r: 0, next: 1, discount: 0.9 },
      { s: 1, a: 0, r: 1, next: 1, discount: 0 },
      { s: 1, a: 1, r: 0.5, next: 1, discount: 0 },
    ]));
    for (let round = 0; round < 40; round++) {
      learner.queueGradientSteps(25);
      learner.queueTargetUpdate(round % 2 === 0 ? 1 : 0.5);
    }
    const { params } = await learner.flush();
    assertClose(qValues(params, cfg.net, 1), [1, 0.5], "Q(s1)", 0, 0.05);
    assertClose(qValues(params, cfg.net, 0), [0.9, 0.9], "Q(s0)", 0, 0.05);
  });
}

Deno.test("CpuDqnLearner follows the shared sampling and update semantics of the reference", async () => {
  const cfg = config({ batchSize: 4, maxGradNorm: 0.5, doubleDqn: true, seed: 77 });
  const init = initMlpParams(cfg.net, new Rng(5), "torch-default");
  const learner = new CpuDqnLearner(cfg, init);
  const rows = Array.from({ length: 7 }, (_, t) => ({
    s: t % 2,
    a: (t >> 1) % 2,
    r: t * 0.1,
    next: (t + 1) % 2,
    discount: t === 6 ? 0 : 0.9,
  }));
  const ring = transitions(rows);
  learner.addTransitions(ring);
  learner.queueGradientSteps(3, 0.02);
  learner.queueTargetUpdate(0.25);
  learner.queueGradientSteps(1);
  const state = await learner.getState();

  // Reference: indices randU32(seed, k, j) % size, TD loss, clip, Adam step k + 1.
  const core = new ReferenceDqnGradient(cfg);
  const params = init.slice();
  const target = init.slice();
  const m = new Float32Array(params.length);
  const v = new Float32Array(params.length);
  const grads = new Float64Array(params.length);
  const g = allocTransitions(4, 2);
  const step = (k: number, lr: number) => {
    for (let j = 0; j < 4; j++) {
      const slot = replayIndex(77, k, j, 7);
      g.obs.set(ring.obs.subarray(slot * 2, slot * 2 + 2), j * 2);
      g.nextObs.set(ring.nextObs.subarray(slot * 2, slot * 2 + 2), j * 2);
      g.actions[j] = ring.actions[slot];
      g.rewards[j] = ring.rewards[slot];
      g.discount[j] = ring.discount[slot];
    }
    core.lossAndGrad(params, target, g, 4, grads);
    clipGradNorm(grads, 0.5);
    adamUpdate(params, grads, m, v, k + 1, cfg.adam, lr);
  };
  for (let k = 0; k < 3; k++) step(k, 0.02);
  for (let i = 0; i < target.length; i++) target[i] = 0.25 * params[i] + 0.75 * target[i];
  step(3, 0.01);
  // float32 WebAssembly against float64 TypeScript: equal to float32 rounding.
  assertClose(state.params, params, "params", 1e-5, 1e-7);
  assertClose(state.target!, target, "target", 1e-5, 1e-7);
  assertClose(state.adamM, m, "adamM", 1e-4, 1e-8);
  assertClose(state.adamV, v, "adamV", 1e-4, 1e-10);
  assert.equal(state.adamStep, 4);
  assert.equal(learner.flushIsCheap, true);
});

Deno.test("CpuDqnLearner state round-trips and the ring wraps", async () => {
  const cfg = config({ bufferCapacity: 3 });
  const init = initMlpParams(cfg.net, new Rng(8), "torch-default");
  const a = new CpuDqnLearner(cfg, init);
  const rows = Array.from(
    { length: 5 },
    (_, t) => ({ s: t % 2, a: 0, r: t, next: 0, discount: 0 }),
  );
  a.addTransitions(transitions(rows));
  assert.equal(a.size, 3);
  a.queueGradientSteps(2);
  const saved = await a.getState();
  const b = new CpuDqnLearner(cfg, init);
  b.addTransitions(transitions(rows));
  b.setState(saved);
  a.queueGradientSteps(2);
  b.queueGradientSteps(2);
  assert.deepEqual((await a.getState()).params, (await b.getState()).params);
  assert.throws(() => b.setState({ ...saved, adamM: new Float32Array(2) }), RangeError);
  assert.throws(() => new CpuDqnLearner(cfg, new Float32Array(3)), RangeError);
  const empty = new CpuDqnLearner(cfg, init);
  assert.throws(() => empty.queueGradientSteps(1), RangeError);
  assert.throws(
    () => empty.addTransitions(transitions([{ s: 0, a: 2, r: 0, next: 0, discount: 0 }])),
    /Action 0 must be in \[0, 2\), got 2/,
  );
  assert.throws(
    () => empty.addTransitions(transitions([{ s: 0, a: 1, r: 0, next: 0, discount: 1.5 }])),
    /Discount 0 must be in \[0, 1\] \(γᵐ, or 0 if terminal\), got 1\.5/,
  );
  empty.destroy();
  assert.throws(() => empty.queueTargetUpdate(1), TypeError);
});
