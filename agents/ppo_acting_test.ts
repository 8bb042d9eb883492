import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { mlpForward } from "../kernels/cpu/mlp.ts";
import { initActorCriticParams } from "../kernels/init.ts";
import { actorCriticLayout, type ActorCriticShape } from "../kernels/layout.ts";
import { gaussianLogProb, sampleCategorical } from "./action_distributions.ts";
import {
  allocatePpoActing,
  createShareActor,
  drawActingNoise,
  type PpoActingInit,
} from "./ppo_acting.ts";

const ENVS = 5;
const discrete: ActorCriticShape = {
  obsSize: 3,
  action: { kind: "discrete", n: 3 },
  hidden: [4, 4],
  activation: "tanh",
};
const continuous: ActorCriticShape = {
  obsSize: 3,
  action: { kind: "continuous", dim: 2, initLogStd: -0.5 },
  hidden: [4],
  activation: "tanh",
};

/** An init with random parameters and this step's draws, and random observations. */
function setUp(shape: ActorCriticShape): { init: PpoActingInit; obs: Float32Array } {
  const buffers = allocatePpoActing(shape, ENVS);
  buffers.params.set(initActorCriticParams(shape, new Rng(3)));
  drawActingNoise(shape, buffers, new Rng(4));
  const obs = new Float32Array(ENVS * shape.obsSize);
  const rng = new Rng(5);
  for (let i = 0; i < obs.length; i++) obs[i] = rng.uniform(-2, 2);
  return { init: { shape, low: [-1, -0.5], high: [1, 0.5], buffers }, obs };
}

/** What one act over every env leaves behind, to compare runs value for value. */
function snapshot(init: PpoActingInit, actions: Float64Array): number[][] {
  const b = init.buffers;
  return [[...actions], [...b.sampled], [...b.logProbs], [...b.values]];
}

Deno.test("drawActingNoise draws in env order: a uniform per env, a normal per action dim", () => {
  const d = allocatePpoActing(discrete, ENVS), c = allocatePpoActing(continuous, ENVS);
  drawActingNoise(discrete, d, new Rng(9));
  drawActingNoise(continuous, c, new Rng(9));
  const u = new Rng(9), z = new Rng(9);
  assert.deepEqual([...d.draws], Array.from({ length: ENVS }, () => u.random()));
  assert.deepEqual([...c.draws], Array.from({ length: 2 * ENVS }, () => z.normal()));
});

for (const shape of [discrete, continuous]) {
  const kind = shape.action.kind;
  Deno.test(`the ${kind} actor samples as the policy says, and shares act as one`, () => {
    const { init, obs } = setUp(shape);
    const layout = actorCriticLayout(shape);
    const p = init.buffers.params, draws = init.buffers.draws;
    const aw = kind === "discrete" ? 1 : 2;
    const whole = new Float64Array(ENVS * aw);
    createShareActor(init).act(obs, whole, 0, ENVS);
    const expected = snapshot(init, whole);

    // Row by row from the networks' outputs and the draws.
    const out = new Float64Array(ENVS * layout.actionSize), v = new Float64Array(ENVS);
    mlpForward(layout.actor.spec, p, layout.actor.offset, obs, ENVS, out);
    mlpForward(layout.critic.spec, p, layout.critic.offset, obs, ENVS, v);
    for (let i = 0; i < ENVS; i++) {
      assert.equal(init.buffers.values[i], Math.fround(v[i]));
      if (kind === "discrete") {
        const draw = sampleCategorical(out, 3 * i, 3, draws[i]);
        assert.equal(whole[i], draw.action);
        assert.equal(init.buffers.sampled[i], draw.action);
        assert.equal(init.buffers.logProbs[i], Math.fround(draw.logProb));
        continue;
      }
      let lp = 0;
      for (let k = 0; k < 2; k++) {
        const logStd = p[layout.logStd.offset + k], z = draws[2 * i + k];
        const a = Math.fround(out[2 * i + k]) + Math.exp(logStd) * z;
        assert.equal(init.buffers.sampled[2 * i + k], Math.fround(a));
        const bound = k === 0 ? 1 : 0.5;
        assert.equal(whole[2 * i + k], Math.fround(Math.min(Math.max(a, -bound), bound)));
        lp += gaussianLogProb(z, logStd);
      }
      assert.equal(init.buffers.logProbs[i], Math.fround(lp));
    }
    if (kind === "continuous") {
      // Some samples fall outside the box: the env gets them clipped, the rollout unclipped.
      assert.ok(whole.some((a, j) => Math.abs(a) === (j % 2 === 0 ? 1 : 0.5)), "a clipped action");
    }

    // Two threads' actors (one here) acting on shares [0, 2) and [2, 5) of fresh buffers.
    for (const cut of [1, 2, 4]) {
      const again = setUp(shape);
      const parts = new Float64Array(ENVS * aw);
      const first = createShareActor(again.init), second = createShareActor(again.init);
      second.act(again.obs, parts, cut, ENVS);
      first.act(again.obs, parts, 0, cut);
      assert.deepEqual(snapshot(again.init, parts), expected);
    }
  });
}
