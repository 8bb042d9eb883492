import assert from "node:assert/strict";
import { lunarLanderHeuristic } from "./heuristic.ts";

const discrete = { continuous: false }, continuous = { continuous: true };
const obs = (o: Partial<Record<number, number>>) => Array.from({ length: 8 }, (_, i) => o[i] ?? 0);

Deno.test("lunarLanderHeuristic: discrete decisions", () => {
  // Centred, level, at rest on the pad height: nothing to do.
  assert.equal(lunarLanderHeuristic(discrete, obs({})), 0);
  // Falling fast: hover_todo = 0.5 > |angle_todo| → main engine.
  assert.equal(lunarLanderHeuristic(discrete, obs({ 3: -1 })), 2);
  // Tilted left (positive angle): angle_todo = -0.1 → right engine (3).
  assert.equal(lunarLanderHeuristic(discrete, obs({ 4: 0.2 })), 3);
  assert.equal(lunarLanderHeuristic(discrete, obs({ 4: -0.2 })), 1);
  // Right of the pad: the angle target (0.5·x, clipped to 0.4) asks to tilt → left engine.
  assert.equal(lunarLanderHeuristic(discrete, obs({ 0: 0.5, 1: 1 })), 1);
  // Legs down: steering stops, only the vertical speed is damped.
  assert.equal(lunarLanderHeuristic(discrete, obs({ 4: 0.3, 6: 1 })), 0);
  assert.equal(lunarLanderHeuristic(discrete, obs({ 3: -0.3, 4: 0.3, 7: 1 })), 2);
});

Deno.test("lunarLanderHeuristic: continuous outputs are clipped float64", () => {
  assert.deepEqual(lunarLanderHeuristic(continuous, obs({})), [-1, -0]);
  // hover_todo = 0.025 → main = 0.025·20 − 1 = −0.5; angle_todo = −0.05 → lateral 1.
  const a = lunarLanderHeuristic(continuous, obs({ 3: -0.05, 4: 0.1 })) as number[];
  assert.ok(Math.abs(a[0] + 0.5) < 1e-12);
  assert.ok(Math.abs(a[1] - 1) < 1e-12);
  assert.deepEqual(lunarLanderHeuristic(continuous, obs({ 3: -2 })), [1, -0]);
});
