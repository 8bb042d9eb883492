import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { initActorCriticParams, initMlpParams } from "../kernels/init.ts";
import type { Architecture } from "./checkpoint.ts";
import { evaluatePolicy, playEpisodes, summariseEpisodes } from "./evaluate.ts";
import { EvaluationThread } from "./evaluation_thread.ts";
import { actionBounds, networkPolicy } from "./policy_loading.ts";

const CASES: { envId: string; arch: Architecture; params: Float32Array }[] = [
  {
    envId: "LunarLander-v3",
    arch: { kind: "q", spec: { sizes: [8, 16, 4], hidden: "relu" } },
    params: initMlpParams({ sizes: [8, 16, 4], hidden: "relu" }, new Rng(3), "torch-default"),
  },
  {
    envId: "LunarLanderContinuous-v3",
    arch: {
      kind: "actor-critic",
      shape: {
        obsSize: 8,
        action: { kind: "continuous", dim: 2, initLogStd: 0 },
        hidden: [16],
        activation: "tanh",
      },
    },
    params: new Float32Array(0),
  },
  {
    envId: "FlappyBird-v0",
    arch: { kind: "q", spec: { sizes: [12, 8, 2], hidden: "tanh" } },
    params: initMlpParams({ sizes: [12, 8, 2], hidden: "tanh" }, new Rng(9), "torch-default"),
  },
];

for (const c of CASES) {
  Deno.test(`an evaluation split over two threads reports as one thread would (${c.envId})`, async () => {
    const envOptions = c.envId === "FlappyBird-v0" ? { useLidar: false } : {};
    const params = c.arch.kind === "q" ? c.params : initActorCriticParams(c.arch.shape, new Rng(4));
    const bounds = actionBounds(c.envId, envOptions);
    const options = { envOptions, episodes: 7, seed: 40 };
    const one = evaluatePolicy(networkPolicy(c.arch, params, bounds), c.envId, options);
    const thread = await EvaluationThread.start({
      arch: c.arch,
      bounds,
      envId: c.envId,
      envOptions,
    });
    try {
      for (const half of [1, 4, 6]) {
        const far = thread.play(params, 40, half, 7);
        const near = playEpisodes(networkPolicy(c.arch, params, bounds), c.envId, options, 0, half);
        const split = summariseEpisodes(c.envId, options, near, await far);
        assert.deepEqual({ ...split, evaluated_at: "" }, { ...one, evaluated_at: "" });
      }
      assert.ok(
        new Set(one.per_episode.map((e) => `${e.reward} ${e.steps}`)).size > 1,
        "episodes differ",
      );
    } finally {
      thread.close();
    }
    await assert.rejects(() => thread.play(params, 40, 0, 1), {
      name: "TypeError",
      message: "This evaluation thread is closed",
    });
  });
}
