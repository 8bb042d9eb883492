import assert from "node:assert/strict";
import {
  annealedLearningRate,
  epsilonAt,
  exponentialSchedule,
  linearSchedule,
} from "./schedules.ts";

const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);

Deno.test("linearSchedule falls over fraction·total steps, then stays at its end", () => {
  near(linearSchedule(1, 0.1, 0.5, 1000, 0), 1);
  near(linearSchedule(1, 0.1, 0.5, 1000, 250), 0.55);
  near(linearSchedule(1, 0.1, 0.5, 1000, 500), 0.1);
  near(linearSchedule(1, 0.1, 0.5, 1000, 900), 0.1);
  near(linearSchedule(1, 0.1, 0, 1000, 0), 0.1);
});

Deno.test("exponentialSchedule multiplies per unit down to its floor", () => {
  near(exponentialSchedule(1, 0.01, 0.995, 0), 1);
  near(exponentialSchedule(1, 0.01, 0.995, 100), 0.995 ** 100);
  near(exponentialSchedule(1, 0.01, 0.995, 10_000), 0.01);
  assert.throws(() => exponentialSchedule(1, 0.01, 1.5, 1), /decay must be in \(0, 1\], got 1.5/);
});

Deno.test("annealedLearningRate follows CleanRL's frac = 1 − update/numUpdates", () => {
  near(annealedLearningRate(3e-4, 0, 10, true), 3e-4);
  near(annealedLearningRate(3e-4, 5, 10, true), 1.5e-4);
  near(annealedLearningRate(3e-4, 9, 10, true), 3e-5);
  near(annealedLearningRate(3e-4, 9, 10, false), 3e-4);
});

Deno.test("epsilonAt picks the schedule: linear by steps, exponential by episodes", () => {
  const base = { start: 1, end: 0.05, fraction: 0.1, decay: 0.9 };
  near(epsilonAt({ ...base, kind: "linear" }, 50, 1000, 1000), 0.525);
  near(epsilonAt({ ...base, kind: "exponential" }, 50, 2, 1000), 0.81);
  assert.throws(
    () => epsilonAt({ ...base, kind: "cosine" as "linear" }, 0, 0, 1),
    /must be "linear" or "exponential", got "cosine"/,
  );
});
