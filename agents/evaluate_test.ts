import assert from "node:assert/strict";
import { evaluatePolicy } from "./evaluate.ts";

Deno.test("evaluatePolicy cuts an episode that never ends at maxSteps", () => {
  // Non-slippery FrozenLake without its time limit: always Left keeps the agent at the start.
  const report = evaluatePolicy({ decide: () => ({ action: 0 }) }, "FrozenLake-v1", {
    envOptions: { isSlippery: false, maxEpisodeSteps: null },
    episodes: 3,
    maxSteps: 50,
  });
  assert.deepEqual(report.per_episode.map((e) => e.steps), [50, 50, 50]);
  assert.equal(report.success_rate, 0);
});
