import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { initActorCriticParams } from "../init.ts";
import type { ActionHead, ActorCriticConfig, Rollout } from "../types.ts";
import { actorCriticTestConfig } from "./_actor_critic_testing.ts";
import { randomArray } from "./_grad_check.ts";
import { CpuActorCriticLearner } from "./actor_critic.ts";

/** The shared test configuration, with wider nets and more minibatches. */
function config(action: ActionHead, overrides: Partial<ActorCriticConfig>): ActorCriticConfig {
  return actorCriticTestConfig(action, {
    obsSize: 5,
    hidden: [16, 12],
    clipValueLoss: false,
    updateEpochs: 3,
    numMinibatches: 4,
    adam: { learningRate: 3e-3, eps: 1e-5 },
    seed: 4,
    ...overrides,
  });
}

function rollout(rng: Rng, n: number, cfg: ActorCriticConfig): Rollout {
  const discrete = cfg.action.kind === "discrete";
  const width = discrete ? 1 : (cfg.action as { dim: number }).dim;
  return {
    size: n,
    obs: new Float32Array(randomArray(rng, n * cfg.obsSize, 2)),
    actions: discrete
      ? Float32Array.from({ length: n }, (_, i) => i % 3)
      : new Float32Array(randomArray(rng, n * width)),
    logProbs: new Float32Array(randomArray(rng, n)).map((x) => x - 1.5),
    advantages: new Float32Array(randomArray(rng, n, 3)),
    returns: new Float32Array(randomArray(rng, n, 20)),
    values: new Float32Array(randomArray(rng, n, 20)),
  };
}

const DISCRETE: ActionHead = { kind: "discrete", n: 3 };
const CONTINUOUS: ActionHead = { kind: "continuous", dim: 2, initLogStd: -0.5 };

for (const head of [DISCRETE, CONTINUOUS]) {
  for (
    const overrides of [
      {},
      { clipValueLoss: true, maxGradNorm: null },
      { objective: "a2c", maxGradNorm: 100 },
    ] as Partial<ActorCriticConfig>[]
  ) {
    const what = `${head.kind} ${JSON.stringify(overrides)}`;
    Deno.test(`the critic in its own thread trains bit for bit as in one thread (${what})`, async () => {
      const one = config(head, overrides), two = { ...one, threads: 2 as const };
      const init = initActorCriticParams(one, new Rng(7));
      const a = await CpuActorCriticLearner.create(one, init);
      const b = await CpuActorCriticLearner.create(two, init);
      try {
        const rng = new Rng(8);
        // Updates 1–2 train the critic here, 3–4 in its thread, then wherever was faster
        // (here, for nets this small, likely here again): each move carries the state.
        for (const lr of [3e-3, 1e-3, 2e-3, 1e-3, 3e-3, 2e-3]) {
          const data = rollout(rng, 64, one);
          const [ra, rb] = [await a.update(data, lr), await b.update(data, lr)];
          assert.deepEqual(rb, ra);
          assert.ok(ra.valueLoss > 0 && Number.isFinite(ra.policyLoss));
        }
        const state = await b.getState();
        assert.deepEqual(state, await a.getState());
        assert.equal(state.adamStep, 6 * 3 * 4);
        // A state set on a threaded learner reaches its critic's thread.
        const c = await CpuActorCriticLearner.create(two, initActorCriticParams(one, new Rng(1)));
        try {
          c.setState(state);
          assert.deepEqual(await c.getState(), state);
          const data = rollout(rng, 64, one);
          assert.deepEqual(await c.update(data, 1e-3), await a.update(data, 1e-3));
        } finally {
          c.destroy();
        }
      } finally {
        a.destroy();
        b.destroy();
      }
    });
  }
}

Deno.test("threads must be 1 or 2; a destroyed threaded learner refuses work", async () => {
  const cfg = config(DISCRETE, {});
  const init = initActorCriticParams(cfg, new Rng(7));
  await assert.rejects(
    () => CpuActorCriticLearner.create({ ...cfg, threads: 3 as 2 }, init),
    { name: "RangeError", message: "threads must be 1 or 2, got 3" },
  );
  const learner = await CpuActorCriticLearner.create({ ...cfg, threads: 2 }, init);
  learner.destroy();
  await assert.rejects(() => learner.getState(), {
    name: "TypeError",
    message: "This actor-critic learner has been destroyed",
  });
});
