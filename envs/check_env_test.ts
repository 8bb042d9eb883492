import assert from "node:assert/strict";
import { checkEnv } from "./check_env.ts";
import { Box, Discrete } from "./spaces.ts";
import type { Env, ResetResult, StepResult } from "./types.ts";

/** Walks up by `stride` per step from 0 in a float64 Box(0, 1, (2,)); `bad` spoils one step. */
class Drift implements Env<Float64Array, number> {
  readonly observationSpace = new Box(0, 1, [2], { dtype: "float64" });
  readonly actionSpace = new Discrete(2);
  #t = 0;
  constructor(readonly stride: number, readonly bad?: (t: number) => Float64Array | null) {}
  reset(): ResetResult<Float64Array> {
    this.#t = 0;
    return { obs: new Float64Array(2), info: {} };
  }
  step(): StepResult<Float64Array> {
    this.#t++;
    const obs = this.bad?.(this.#t) ?? Float64Array.of(this.#t * this.stride, 0);
    return { obs, reward: 0, terminated: this.#t >= 10, truncated: false, info: {} };
  }
  close(): void {}
}

Deno.test("checkEnv throws on out-of-bounds observations unless told to warn", () => {
  // Steps 9 and 10 reach 1.08 and 1.2 (then the episode ends and restarts): 2 of 12 per episode.
  const drift = () => new Drift(0.12);
  assert.throws(
    () => checkEnv(drift, { steps: 10 }),
    (e: Error) =>
      e instanceof TypeError && /step 8 returned an observation outside/.test(e.message) &&
      /not in Box\(0, 1, \(2\), float64\)/.test(e.message),
  );
  const report = checkEnv(drift, { steps: 10, outOfBounds: "warn" });
  assert.deepEqual(report.outOfBounds, {
    count: 2,
    checked: 12,
    where: "step 9",
    index: 0,
    value: 10 * 0.12,
    bound: 1,
  });
  assert.deepEqual(report.warnings, [
    "2 of 12 observations left the bounds of Box(0, 1, (2), float64); the worst: step 9 " +
    "returned obs[0] = 1.2, above high 1",
  ]);
  assert.deepEqual(checkEnv(() => new Drift(0.1), { outOfBounds: "warn" }), {
    warnings: [],
    outOfBounds: null,
  });
});

Deno.test("checkEnv with outOfBounds warn still throws on NaN, wrong length and non-numbers", () => {
  const cases: [(t: number) => Float64Array | null, RegExp][] = [
    [(t) => t === 3 ? Float64Array.of(NaN, 0) : null, /step 2 returned .*NaN/],
    [(t) => t === 3 ? Float64Array.of(0.5, 0, 0) : null, /step 2 returned .*\[0\.5, 0, 0\] not in/],
    [
      (t) => t === 2 ? [0.5, "0"] as unknown as Float64Array : null,
      /step 1 returned .*\[0\.5, 0\] not in/,
    ],
  ];
  for (const [bad, message] of cases) {
    assert.throws(() => checkEnv(() => new Drift(0.01, bad), { outOfBounds: "warn" }), message);
  }
  assert.throws(
    () => checkEnv(() => new Drift(0.01), { outOfBounds: "ignore" as "warn" }),
    /outOfBounds must be "error" or "warn", got ignore/,
  );
});
