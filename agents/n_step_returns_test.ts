import assert from "node:assert/strict";
import { NStepReturns } from "./n_step_returns.ts";
import { TransitionStaging } from "./transitions.ts";

/** The staged transitions as rows `[s, a, r, s', discount]` (1-float observations). */
function rows(staging: TransitionStaging): number[][] {
  const b = staging.batch;
  return Array.from(
    { length: b.count },
    (_, k) => [b.obs[k], b.actions[k], b.rewards[k], b.nextObs[k], b.discount[k]],
  );
}

/** Pushes env `env`'s step s → s' (1-float observations). */
function step(
  ns: NStepReturns,
  staging: TransitionStaging,
  env: number,
  s: number,
  a: number,
  r: number,
  next: number,
  end: "" | "terminated" | "truncated" = "",
) {
  ns.push(
    staging,
    env,
    Float32Array.of(s),
    0,
    a,
    r,
    Float32Array.of(next),
    0,
    end === "terminated",
    end === "truncated",
  );
}

Deno.test("3-step returns of one episode, hand-worked (γ = 0.5, terminated after 4 steps)", () => {
  const ns = new NStepReturns(1, 1, 3, 0.5);
  const staging = new TransitionStaging(8, 1);
  step(ns, staging, 0, 10, 0, 1, 11);
  step(ns, staging, 0, 11, 1, 2, 12);
  assert.equal(staging.count, 0); // held back until 3 steps are known
  step(ns, staging, 0, 12, 0, 4, 13);
  // s 10: 1 + 0.5·2 + 0.25·4 = 3, bootstrapped from s 13 with 0.5³.
  assert.deepEqual(rows(staging), [[10, 0, 3, 13, 0.125]]);
  step(ns, staging, 0, 13, 1, 8, 14, "terminated");
  // The end closes every open window: nothing bootstraps from a terminal state.
  assert.deepEqual(rows(staging), [
    [10, 0, 3, 13, 0.125],
    [11, 1, 2 + 0.5 * 4 + 0.25 * 8, 14, 0],
    [12, 0, 4 + 0.5 * 8, 14, 0],
    [13, 1, 8, 14, 0],
  ]);
});

Deno.test("a truncated episode's short windows bootstrap with γᵐ from its last observation", () => {
  const ns = new NStepReturns(1, 1, 3, 0.5);
  const staging = new TransitionStaging(8, 1);
  step(ns, staging, 0, 1, 0, 1, 2);
  step(ns, staging, 0, 2, 0, 1, 3, "truncated");
  assert.deepEqual(rows(staging), [[1, 0, 1.5, 3, 0.25], [2, 0, 1, 3, 0.5]]);
  // The next episode starts with empty windows.
  staging.batch.count = 0;
  step(ns, staging, 0, 7, 1, 2, 8, "terminated");
  assert.deepEqual(rows(staging), [[7, 1, 2, 8, 0]]);
});

Deno.test("n = 1 passes every step on at once with discount γ, 0 if terminal", () => {
  const ns = new NStepReturns(1, 1, 1, 0.9);
  const staging = new TransitionStaging(4, 1);
  step(ns, staging, 0, 1, 0, 1, 2);
  step(ns, staging, 0, 2, 1, -1, 3, "truncated");
  step(ns, staging, 0, 5, 0, 2, 6, "terminated");
  assert.deepEqual(rows(staging), [
    [1, 0, 1, 2, Math.fround(0.9)],
    [2, 1, -1, 3, Math.fround(0.9)],
    [5, 0, 2, 6, 0],
  ]);
  assert.equal(ns.pending, 0);
});

Deno.test("envs keep separate windows", () => {
  const ns = new NStepReturns(2, 1, 2, 1);
  const staging = new TransitionStaging(8, 1);
  step(ns, staging, 0, 0, 0, 1, 1);
  step(ns, staging, 1, 100, 1, 10, 101);
  step(ns, staging, 1, 101, 1, 20, 102);
  step(ns, staging, 0, 1, 0, 2, 2);
  assert.deepEqual(rows(staging), [[100, 1, 30, 102, 1], [0, 0, 3, 2, 1]]);
  assert.equal(ns.pending, 1);
});

Deno.test("NStepReturns rejects n and γ it cannot use", () => {
  assert.throws(() => new NStepReturns(1, 1, 0, 0.9), /positive integer n, got 0/);
  assert.throws(() => new NStepReturns(1, 1, 2, 1.5), /gamma must be in \[0, 1\], got 1.5/);
});
