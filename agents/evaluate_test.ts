import assert from "node:assert/strict";
import { PIPE_WIDTH, PLAYER_HEIGHT, PLAYER_X } from "../envs/flappy_bird/constants.ts";
import { make } from "../envs/registry.ts";
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

Deno.test("evaluatePolicy reports FlappyBird's score (pipes) per episode and its mean", () => {
  // A scripted pilot on the 12 features in pixels: flap when the bird sinks below the gap of
  // the next pipe whose right edge is still ahead of it.
  const pilot = (obs: unknown) => {
    const o = obs as Float64Array;
    let k = 0;
    while (k < 2 && o[3 * k] + PIPE_WIDTH < PLAYER_X) k++;
    return { action: o[9] + PLAYER_HEIGHT > o[3 * k + 2] - 12 ? 1 : 0 };
  };
  const envOptions = { useLidar: false, normalizeObs: false };
  const report = evaluatePolicy({ decide: pilot }, "FlappyBird-v0", {
    envOptions,
    episodes: 3,
    maxSteps: 3000,
  });
  // The same pilot stepped by hand: the score is the env's own `info.score` at the end.
  const scores = [0, 1, 2].map((seed) => {
    const env = make("FlappyBird-v0", envOptions);
    let { obs } = env.reset({ seed });
    let score = 0;
    for (let t = 0; t < 3000; t++) {
      const r = env.step(pilot(obs).action);
      obs = r.obs;
      score = r.info.score;
      if (r.terminated || r.truncated) break;
    }
    return score;
  });
  assert.ok(scores.some((s) => s > 0), `the pilot passes pipes: ${scores}`);
  assert.deepEqual(report.per_episode.map((e) => e.score), scores);
  assert.equal(report.mean_score, scores.reduce((a, b) => a + b, 0) / 3);
  const cart = evaluatePolicy({ decide: () => ({ action: 0 }) }, "CartPole-v1", { episodes: 1 });
  assert.equal(cart.mean_score, undefined);
  assert.equal(cart.per_episode[0].score, undefined);
});
