import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { permuteIndex } from "../counter_rng.ts";
import { initActorCriticParams } from "../init.ts";
import { actorCriticLayout } from "../layout.ts";
import type { ActionHead, ActorCriticConfig, Rollout } from "../types.ts";
import { actorCriticTestConfig as config } from "./_actor_critic_testing.ts";
import { assertClose, maxAbs, numericalGrad, randomArray } from "./_grad_check.ts";
import { CpuActorCriticLearner } from "./actor_critic.ts";
import { allocMinibatch } from "./actor_critic_loss.ts";
import { mlpForward } from "./mlp.ts";
import { adamUpdate, clipGradNorm } from "./optim.ts";
import { ReferenceActorCriticGradient } from "./reference_gradients.ts";

const DISCRETE: ActionHead = { kind: "discrete", n: 3 };
const CONTINUOUS: ActionHead = { kind: "continuous", dim: 2, initLogStd: -0.3 };

for (const head of [DISCRETE, CONTINUOUS]) {
  for (const objective of ["ppo", "a2c"] as const) {
    Deno.test(`reference actor-critic gradient w.r.t. all parameters matches finite differences (${head.kind} ${objective})`, () => {
      const rng = new Rng(head.kind === "discrete" ? 40 : 41);
      const cfg = config(head, { objective, activation: objective === "ppo" ? "tanh" : "relu" });
      const layout = actorCriticLayout(cfg);
      const batch = 6;
      const core = new ReferenceActorCriticGradient(cfg, batch);
      const params = randomArray(rng, layout.total, 0.6);
      const width = head.kind === "discrete" ? 1 : head.dim;
      const data = allocMinibatch(batch, cfg.obsSize, width);
      data.obs.set(randomArray(rng, batch * cfg.obsSize, 1.5));
      const out = new Float64Array(batch * layout.actionSize);
      mlpForward(layout.actor.spec, params, 0, data.obs, batch, out);
      const ratios = [0.6, 1, 1.5];
      for (let i = 0; i < batch; i++) {
        let logp = 0;
        if (head.kind === "discrete") {
          const a = i % head.n;
          data.actions[i] = a;
          const z = Array.from(out.subarray(i * head.n, (i + 1) * head.n));
          logp = z[a] - Math.log(z.reduce((s, x) => s + Math.exp(x), 0));
        } else {
          for (let d = 0; d < width; d++) {
            const ls = params[layout.logStd.offset + d];
            const diff = rng.uniform(-1, 1);
            data.actions[i * width + d] = out[i * width + d] + diff;
            logp += -0.5 * (diff / Math.exp(ls)) ** 2 - ls - 0.5 * Math.log(2 * Math.PI);
          }
        }
        // Ratios of 0.6, 1 or 1.5: far from the kinks at 1 ± clip, so differences are smooth.
        data.oldLogProbs[i] = logp - Math.log(ratios[i % 3]);
        data.advantages[i] = rng.uniform(-2, 2);
        data.returns[i] = rng.uniform(-1, 1);
        data.oldValues[i] = rng.uniform(-1, 1);
      }
      const grads = new Float64Array(layout.total);
      core.lossAndGrad(params, data, batch, grads);
      const f = () => core.lossAndGrad(params, data, batch, new Float64Array(layout.total));
      assert.ok(maxAbs(grads.subarray(0, layout.actor.count)) > 1e-4, "actor gradient is zero");
      assert.ok(
        maxAbs(grads.subarray(layout.critic.offset, layout.critic.offset + layout.critic.count)) >
          1e-4,
      );
      assertClose(grads, numericalGrad(f, params), `${head.kind} ${objective}`, 1e-5, 1e-8);
    });
  }
}

/** A one-state bandit rollout: advantage +1 for `good`, −1 otherwise, log-probs from `params`. */
function banditRollout(
  cfg: ActorCriticConfig,
  params: Float32Array,
  rng: Rng,
  good: number,
  n = 64,
): Rollout {
  const layout = actorCriticLayout(cfg);
  const obs = new Float32Array(n * cfg.obsSize).fill(0.5);
  const logits = new Float32Array(layout.actionSize);
  mlpForward(layout.actor.spec, params, 0, obs, 1, logits);
  const lse = Math.log(Array.from(logits).reduce((s, z) => s + Math.exp(z), 0));
  // Values as predicted when acting: the centre of the value clip.
  const value = new Float32Array(1);
  mlpForward(layout.critic.spec, params, layout.critic.offset, obs, 1, value);
  const r: Rollout = {
    size: n,
    obs,
    actions: new Float32Array(n),
    logProbs: new Float32Array(n),
    advantages: new Float32Array(n),
    returns: new Float32Array(n).fill(1),
    values: new Float32Array(n).fill(value[0]),
  };
  for (let i = 0; i < n; i++) {
    const a = rng.integers(0, layout.actionSize);
    r.actions[i] = a;
    r.logProbs[i] = logits[a] - lse;
    r.advantages[i] = a === good ? 1 : -1;
  }
  return r;
}

function actionProbs(cfg: ActorCriticConfig, params: Float32Array): number[] {
  const layout = actorCriticLayout(cfg);
  const logits = new Float32Array(layout.actionSize);
  mlpForward(layout.actor.spec, params, 0, new Float32Array(cfg.obsSize).fill(0.5), 1, logits);
  const z = Array.from(logits).map(Math.exp);
  const s = z.reduce((a, b) => a + b, 0);
  return z.map((v) => v / s);
}

for (const objective of ["ppo", "a2c"] as const) {
  Deno.test(`${objective} raises the probability of the rewarded action`, async () => {
    const cfg = config(DISCRETE, { objective, adam: { learningRate: 0.05 } });
    const rng = new Rng(12);
    let params = initActorCriticParams(cfg, rng);
    const learner = new CpuActorCriticLearner(cfg, params);
    const before = actionProbs(cfg, params)[2];
    const first = await learner.update(banditRollout(cfg, params, rng, 2), 0.05);
    assert.ok(actionProbs(cfg, first.params)[2] > before + 0.05, "one update did not help");
    params = first.params;
    for (let u = 0; u < 10; u++) {
      params = (await learner.update(banditRollout(cfg, params, rng, 2), 0.05)).params;
    }
    assert.ok(actionProbs(cfg, params)[2] > 0.9, `p(good) = ${actionProbs(cfg, params)[2]}`);
    // The critic regresses towards the returns (all 1).
    const layout = actorCriticLayout(cfg);
    const v = new Float32Array(1);
    mlpForward(
      layout.critic.spec,
      params,
      layout.critic.offset,
      new Float32Array(3).fill(0.5),
      1,
      v,
    );
    assert.ok(Math.abs(v[0] - 1) < 0.2, `value ${v[0]}`);
    assert.ok(Number.isFinite(first.approxKl) && first.entropy > 0 && first.clipFraction >= 0);
  });
}

Deno.test("continuous PPO moves the Gaussian mean towards rewarded actions", async () => {
  const cfg = config({ kind: "continuous", dim: 1, initLogStd: 0 }, {
    obsSize: 1,
    numMinibatches: 4,
  });
  const rng = new Rng(13);
  let params = initActorCriticParams(cfg, rng);
  const learner = new CpuActorCriticLearner(cfg, params);
  const layout = actorCriticLayout(cfg);
  const mean = (p: Float32Array) => {
    const out = new Float32Array(1);
    mlpForward(layout.actor.spec, p, 0, new Float32Array([1]), 1, out);
    return out[0];
  };
  const n = 128;
  for (let u = 0; u < 15; u++) {
    const mu = mean(params);
    const logStd = params[layout.logStd.offset];
    const r: Rollout = {
      size: n,
      obs: new Float32Array(n).fill(1),
      actions: new Float32Array(n),
      logProbs: new Float32Array(n),
      advantages: new Float32Array(n),
      returns: new Float32Array(n),
      values: new Float32Array(n),
    };
    for (let i = 0; i < n; i++) {
      const a = mu + Math.exp(logStd) * rng.normal();
      r.actions[i] = a;
      r.logProbs[i] = -0.5 * ((a - mu) / Math.exp(logStd)) ** 2 - logStd -
        0.5 * Math.log(2 * Math.PI);
      r.advantages[i] = -((a - 1.5) ** 2); // best action: 1.5
    }
    params = (await learner.update(r, 0.03)).params;
  }
  assert.ok(Math.abs(mean(params) - 1.5) < 0.3, `mean ${mean(params)}`);
});

Deno.test("CpuActorCriticLearner follows the shared minibatch and update semantics of the reference", async () => {
  const cfg = config(CONTINUOUS, { updateEpochs: 2, numMinibatches: 3 });
  const layout = actorCriticLayout(cfg);
  const rng = new Rng(14);
  const init = initActorCriticParams(cfg, rng);
  const n = 12;
  const rollout: Rollout = {
    size: n,
    obs: new Float32Array(randomArray(rng, n * 3)),
    actions: new Float32Array(randomArray(rng, n * 2)),
    logProbs: new Float32Array(randomArray(rng, n, 1).map((x) => x - 2)),
    advantages: new Float32Array(randomArray(rng, n, 2)),
    returns: new Float32Array(randomArray(rng, n)),
    values: new Float32Array(randomArray(rng, n)),
  };
  const learner = new CpuActorCriticLearner(cfg, init);
  const s1 = await learner.update(rollout, 0.02);
  await learner.update(rollout, 0.01);
  const state = await learner.getState();

  // Reference: epoch e = floor(adamStep / numMinibatches); minibatch m takes P_e(m·mb + p).
  const core = new ReferenceActorCriticGradient(cfg, 4);
  const params = init.slice();
  const m = new Float32Array(layout.total);
  const v = new Float32Array(layout.total);
  const grads = new Float64Array(layout.total);
  const mb = allocMinibatch(4, 3, 2);
  let step = 0;
  let policySum = 0;
  for (const lr of [0.02, 0.01]) {
    for (let epoch = 0; epoch < 2; epoch++) {
      const e = Math.floor(step / 3);
      for (let b = 0; b < 3; b++) {
        for (let p = 0; p < 4; p++) {
          const s = permuteIndex(b * 4 + p, n, cfg.seed, e);
          mb.obs.set(rollout.obs.subarray(s * 3, s * 3 + 3), p * 3);
          mb.actions.set(rollout.actions.subarray(s * 2, s * 2 + 2), p * 2);
          mb.oldLogProbs[p] = rollout.logProbs[s];
          mb.advantages[p] = rollout.advantages[s];
          mb.returns[p] = rollout.returns[s];
          mb.oldValues[p] = rollout.values[s];
        }
        core.lossAndGrad(params, mb, 4, grads);
        if (lr === 0.02) policySum += core.stats[1];
        clipGradNorm(grads, cfg.maxGradNorm);
        step++;
        adamUpdate(params, grads, m, v, step, cfg.adam, lr);
      }
    }
  }
  // float32 WebAssembly against float64 TypeScript, joint clipping across actor, critic and
  // log-std included: equal to float32 rounding.
  assertClose(state.params, params, "params", 1e-5, 1e-7);
  assertClose(state.adamM, m, "adamM", 1e-4, 1e-8);
  assertClose(state.adamV, v, "adamV", 1e-4, 1e-10);
  assert.equal(state.adamStep, 12);
  assertClose([s1.policyLoss], [policySum / 6], "mean policy loss", 1e-5, 1e-7);
});

Deno.test("CpuActorCriticLearner validates rollouts and state", async () => {
  const cfg = config(DISCRETE);
  const params = initActorCriticParams(cfg, new Rng(1));
  const learner = new CpuActorCriticLearner(cfg, params);
  const good = banditRollout(cfg, params, new Rng(2), 0, 8);
  await assert.rejects(async () => await learner.update({ ...good, size: 7 }, 0.01), RangeError);
  const badAction = { ...good, actions: good.actions.slice() };
  badAction.actions[3] = 3;
  await assert.rejects(async () => await learner.update(badAction, 0.01), RangeError);
  const state = await learner.getState();
  assert.throws(() => learner.setState({ ...state, params: new Float32Array(1) }), RangeError);
  learner.setState(state);
  assert.throws(() => new CpuActorCriticLearner({ ...cfg, numMinibatches: 0 }, params), RangeError);
});

Deno.test("CpuActorCriticLearner state round-trips through another learner, log-std included", async () => {
  const cfg = config(CONTINUOUS, { updateEpochs: 1, numMinibatches: 2 });
  const layout = actorCriticLayout(cfg);
  const rng = new Rng(15);
  const init = initActorCriticParams(cfg, rng);
  const n = 8;
  const rollout: Rollout = {
    size: n,
    obs: new Float32Array(randomArray(rng, n * 3)),
    actions: new Float32Array(randomArray(rng, n * 2)),
    logProbs: new Float32Array(n).fill(-2),
    advantages: new Float32Array(randomArray(rng, n, 2)),
    returns: new Float32Array(randomArray(rng, n)),
    values: new Float32Array(randomArray(rng, n)),
  };
  const a = new CpuActorCriticLearner(cfg, init);
  await a.update(rollout, 0.01);
  const saved = await a.getState();
  const logStd = saved.params.subarray(layout.logStd.offset);
  assert.notDeepEqual(logStd, init.subarray(layout.logStd.offset), "the log-std trained");
  assert.ok(saved.adamV.subarray(layout.logStd.offset).every((x) => x > 0));
  const b = new CpuActorCriticLearner(cfg, init);
  b.setState(saved);
  assert.deepEqual(await b.getState(), saved);
  const [ra, rb] = [await a.update(rollout, 0.01), await b.update(rollout, 0.01)];
  assert.deepEqual(ra.params, rb.params);
  assert.deepEqual(await a.getState(), await b.getState());
});
