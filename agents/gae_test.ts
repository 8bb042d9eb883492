import assert from "node:assert/strict";
import { computeGae, explainedVariance } from "./gae.ts";
import { RolloutStorage } from "./rollout.ts";

function close(actual: ArrayLike<number>, expected: number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let k = 0; k < expected.length; k++) {
    assert.ok(
      Math.abs(actual[k] - expected[k]) <= tol,
      `index ${k}: got ${actual[k]}, expected ${expected[k]}`,
    );
  }
}

// Two envs, three steps, time-major (index t * 2 + i). γ = 0.9, λ = 0.5.
// Env 0 is truncated at t = 1 (V(finalObs) = 10) and goes on to t = 2 (bootstrap V(s_3) = 4).
// Env 1 terminates at t = 2 (its V(s_3) = 7 must be ignored).
//
// Env 0: t2: δ = 3 + 0.9·4 − 1.5 = 5.1, A = 5.1
//        t1: δ = 2 + 0.9·10 − 1 = 10, A = 10 (truncation: A_2 belongs to the next episode)
//        t0: δ = 1 + 0.9·1 − 0.5 = 1.4, A = 1.4 + 0.45·10 = 5.9
// Env 1: t2: δ = 1 + 0 − 2 = −1, A = −1
//        t1: δ = 1 + 0.9·2 − 2 = 0.8, A = 0.8 + 0.45·(−1) = 0.35
//        t0: δ = 0.8, A = 0.8 + 0.45·0.35 = 0.9575
const input = {
  numEnvs: 2,
  numSteps: 3,
  rewards: [1, 1, 2, 1, 3, 1],
  values: [0.5, 2, 1, 2, 1.5, 2],
  terminated: [0, 0, 0, 0, 0, 1],
  truncated: [0, 0, 1, 0, 0, 0],
  finalValues: [0, 0, 10, 0, 0, 0],
  lastValues: [4, 7],
  gamma: 0.9,
  gaeLambda: 0.5,
};
const expectedAdv = [5.9, 0.9575, 10, 0.35, 5.1, -1];

Deno.test("computeGae matches hand-computed values with a truncation and a termination", () => {
  const adv = new Float32Array(6), ret = new Float32Array(6);
  computeGae(input, adv, ret);
  close(adv, expectedAdv);
  close(ret, expectedAdv.map((a, k) => a + input.values[k]));
});

Deno.test("computeGae with λ = 1 gives discounted returns minus values; λ = 0 one-step TD", () => {
  const one = { ...input, gaeLambda: 1 };
  const adv = new Float32Array(6), ret = new Float32Array(6);
  computeGae(one, adv, ret);
  // Env 1 (terminates at t = 2): returns 1 + 0.9 + 0.81, 1 + 0.9, 1.
  close([ret[1], ret[3], ret[5]], [2.71, 1.9, 1]);
  // Env 0: t0 = 1 + 0.9·(2 + 0.9·10); t1 = 2 + 0.9·10; t2 = 3 + 0.9·4.
  close([ret[0], ret[2], ret[4]], [1 + 0.9 * 11, 11, 6.6]);
  computeGae({ ...input, gaeLambda: 0 }, adv, ret);
  close(adv, [1.4, 0.8, 10, 0.8, 5.1, -1]);
});

Deno.test("computeGae rejects arrays of the wrong size", () => {
  assert.throws(
    () => computeGae({ ...input, rewards: [1, 2] }, new Float32Array(6), new Float32Array(6)),
    /rewards must hold numSteps × numEnvs = 6 values, got 2/,
  );
  assert.throws(
    () => computeGae({ ...input, lastValues: [1] }, new Float32Array(6), new Float32Array(6)),
    /lastValues must hold numEnvs = 2 values, got 1/,
  );
});

Deno.test("RolloutStorage stores steps and finishes with the same GAE", () => {
  const s = new RolloutStorage(2, 3, 1, 1);
  for (let t = 0; t < 3; t++) {
    s.addDecision(Float32Array.of(t, -t), [t, t], [-0.1, -0.2], [
      input.values[t * 2],
      input.values[t * 2 + 1],
    ]);
    const k = t * 2;
    s.addOutcome(
      [input.rewards[k], input.rewards[k + 1]],
      [input.terminated[k], input.terminated[k + 1]],
      [input.truncated[k], input.truncated[k + 1]],
      [input.finalValues[k], input.finalValues[k + 1]],
    );
  }
  assert.ok(s.full);
  assert.throws(() => s.addDecision(new Float32Array(2), [0, 0], [0, 0], [0, 0]), /already holds/);
  const r = s.finish(input.lastValues, 0.9, 0.5);
  assert.equal(r.size, 6);
  close(r.advantages, expectedAdv);
  close(r.obs, [0, -0, 1, -1, 2, -2]);
  s.clear();
  assert.throws(() => s.finish([0, 0], 0.9, 0.5), /holds 0 of 3 steps/);
});

Deno.test("RolloutStorage ignores a truncation flag on a terminated step", () => {
  const s = new RolloutStorage(1, 1, 1, 1);
  s.addDecision(Float32Array.of(0), [0], [0], [1]);
  s.addOutcome([1], [1], [1], [50]);
  const r = s.finish([9], 0.5, 1);
  close(r.advantages, [0]); // 1 + 0 − 1: no bootstrap from either 50 or 9
});

Deno.test("explainedVariance", () => {
  assert.equal(explainedVariance([1, 2, 3], [1, 2, 3]), 1);
  assert.equal(explainedVariance([2, 2, 2], [1, 2, 3]), 0);
  assert.ok(Number.isNaN(explainedVariance([1, 2], [3, 3])));
});
