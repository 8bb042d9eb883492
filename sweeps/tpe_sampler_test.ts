import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { sampleIndependent } from "./random_sampler.ts";
import { contains, parseSearchSpace } from "./search_space.ts";
import { defaultGamma, finishedTrials, splitTrials, TpeSampler } from "./tpe_sampler.ts";
import type { Params, TrialRecord } from "./sampler_types.ts";
import { SYNTHETIC_SPACE, syntheticObjective } from "./sampler_comparison.ts";

const complete = (params: Params, value: number): TrialRecord => ({
  params,
  value,
  state: "complete",
});
const pruned = (intermediate: [number, number][]): TrialRecord => ({
  params: {},
  value: null,
  state: "pruned",
  intermediate,
});

Deno.test("defaultGamma is Optuna's min(ceil(0.1 n), 25)", () => {
  assert.deepEqual([0, 1, 10, 11, 20, 21, 249, 250, 251, 1000].map(defaultGamma), [
    0,
    1,
    1,
    2,
    2,
    3,
    25,
    25,
    25,
    25,
  ]);
});

Deno.test("TPE samples at random (same draws as RandomSampler) until 10 trials finish", () => {
  // 9 complete, plus failed, running and NaN-valued ones that do not count.
  const history: TrialRecord[] = [
    ...Array.from({ length: 9 }, (_, i) => complete({ numEnvs: 4 + i }, i)),
    { params: { numEnvs: 5 }, value: null, state: "failed" },
    { params: { numEnvs: 6 }, value: null, state: "running" },
    { params: { numEnvs: 7 }, value: NaN, state: "complete" },
    { params: { numEnvs: 8 }, value: null, state: "complete" },
  ];
  assert.equal(finishedTrials(history).length, 9);
  const tpe = new TpeSampler({ direction: "maximize" });
  assert.deepEqual(
    tpe.sample(SYNTHETIC_SPACE, history, new Rng(3)),
    sampleIndependent(SYNTHETIC_SPACE, new Rng(3)),
  );
  // One pruned trial makes 10 finished: TPE proper takes over.
  const more = [...history, pruned([[100, 1]])];
  assert.notDeepEqual(
    tpe.sample(SYNTHETIC_SPACE, more, new Rng(3)),
    sampleIndependent(SYNTHETIC_SPACE, new Rng(3)),
  );
});

Deno.test("splitTrials: the gamma(n) best complete trials, in trial order, by direction", () => {
  const values = [5, 3, 9, 1, 7, 2, 8, 4, 6, 0, 10, -1];
  const trials = values.map((v) => complete({ x: v }, v));
  const failed: TrialRecord = { params: { x: 99 }, value: null, state: "failed" };
  const running: TrialRecord = { params: { x: 98 }, value: null, state: "running" };
  const history = [...trials.slice(0, 6), failed, running, ...trials.slice(6)];
  // n = 12 finished, gamma = ceil(1.2) = 2.
  const max = splitTrials(history, "maximize");
  assert.deepEqual(max.below.map((t) => t.value), [9, 10]);
  assert.deepEqual(max.above.map((t) => t.value), [5, 3, 1, 7, 2, 8, 4, 6, 0, -1]);
  const min = splitTrials(history, "minimize");
  assert.deepEqual(min.below.map((t) => t.value), [0, -1]);
  assert.equal(min.above.length, 10);
});

Deno.test("splitTrials: pruned trials fill the rest, deepest step first, then best value", () => {
  const c0 = complete({}, 1);
  const p1 = pruned([[200, 3]]);
  const p2 = pruned([[100, 7], [200, 2]]);
  const p3 = pruned([[200, NaN]]);
  const p4 = pruned([]);
  const p5 = pruned([[100, 50]]);
  const p6 = pruned([[200, 1], [200, 99]]); // a repeated step keeps its first value
  const fillers = Array.from({ length: 15 }, () => pruned([[50, 100]]));
  const history = [p4, p1, c0, p2, p3, p5, p6, ...fillers];
  // n = 22 finished, gamma = 3: the one complete trial, then the two best-ranked pruned.
  const max = splitTrials(history, "maximize");
  assert.deepEqual(max.below, [p1, c0, p2]); // step 200: 3 > 2 > 1 > NaN
  const min = splitTrials(history, "minimize");
  assert.deepEqual(min.below, [c0, p2, p6]); // step 200: 1 < 2 < 3 < NaN
  assert.equal(min.above.length, 19);
  assert.ok(min.above.includes(p4) && min.above.includes(p3) && min.above.includes(p5));
});

Deno.test("TPE follows the direction: samples concentrate where values are best", () => {
  const space = parseSearchSpace({ x: { uniform: [0, 1] } });
  const rng = new Rng(0);
  const history = Array.from({ length: 30 }, () => {
    const params = sampleIndependent(space, rng);
    return complete(params, params.x as number);
  });
  const mean = (direction: "maximize" | "minimize") => {
    const tpe = new TpeSampler({ direction });
    const r = new Rng(1);
    const xs = Array.from({ length: 40 }, () => tpe.sample(space, history, r).x as number);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const up = mean("maximize"), down = mean("minimize");
  assert.ok(up > 0.8, `maximize: mean sample ${up}`);
  assert.ok(down < 0.2, `minimize: mean sample ${down}`);
});

Deno.test("TPE is deterministic for a seed; every sample in bounds with the right type", () => {
  const run = (seed: number) => {
    const tpe = new TpeSampler({ direction: "maximize" });
    const rng = new Rng(seed);
    const history: TrialRecord[] = [];
    for (let i = 0; i < 60; i++) {
      const params = tpe.sample(SYNTHETIC_SPACE, history, rng);
      // Every fifth trial is pruned and every seventh fails, to exercise all states.
      history.push(
        i % 7 === 3
          ? { params, value: null, state: "failed" }
          : i % 5 === 4
          ? { params, value: null, state: "pruned", intermediate: [[10, i]] }
          : complete(params, syntheticObjective(params)),
      );
    }
    return history;
  };
  const a = run(4);
  assert.deepEqual(run(4), a);
  assert.notDeepEqual(run(5).map((t) => t.params), a.map((t) => t.params));
  for (const t of a) {
    for (const [name, spec] of Object.entries(SYNTHETIC_SPACE)) {
      assert.ok(contains(spec, t.params[name]), `${name} = ${t.params[name]}`);
    }
    assert.ok(Number.isInteger(t.params.numEnvs));
  }
});

Deno.test("TPE skips past values the current space no longer contains", () => {
  const old = parseSearchSpace({ numEnvs: { int: [1, 100] }, act: { choice: ["relu", "gelu"] } });
  const rng = new Rng(8);
  const history = Array.from({ length: 20 }, () => {
    const params = sampleIndependent(old, rng);
    return complete(params, -Math.abs((params.numEnvs as number) - 60));
  });
  const space = parseSearchSpace({
    numEnvs: { int: [4, 32] },
    act: { choice: ["relu", "tanh"] },
    lr: { log_uniform: [1e-4, 1e-2] }, // new parameter, in no past trial
  });
  const tpe = new TpeSampler({ direction: "maximize" });
  for (let i = 0; i < 20; i++) {
    const p = tpe.sample(space, history, rng);
    for (const [name, spec] of Object.entries(space)) assert.ok(contains(spec, p[name]), name);
  }
});

Deno.test("TpeSampler rejects bad options", () => {
  assert.throws(() => new TpeSampler({ direction: "up" as "maximize" }), RangeError);
  assert.throws(() => new TpeSampler({ direction: "maximize", startupTrials: -1 }), RangeError);
  assert.throws(() => new TpeSampler({ direction: "maximize", eiCandidates: 0 }), RangeError);
});
