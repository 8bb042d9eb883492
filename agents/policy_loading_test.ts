import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import type { RunConfig } from "../core/run_log.ts";
import { ActingMlp } from "../kernels/cpu/acting_mlp.ts";
import { initActorCriticParams, initMlpParams } from "../kernels/init.ts";
import { actorCriticLayout, type ActorCriticShape, mlpLayers } from "../kernels/layout.ts";
import type { MlpSpec } from "../kernels/types.ts";
import { saveNetworkCheckpoint } from "./checkpoint.ts";
import { RunFolder } from "../core/run_folder.ts";
import { argmax, softmax } from "./action_distributions.ts";
import { loadNetworkPolicy, networkPolicy } from "./policy_loading.ts";

const config = (algo: string, env: string): RunConfig => ({
  algo,
  env,
  seed: 0,
  totalSteps: 1,
  hyperparameters: {},
  envOptions: {},
  eagleVersion: "test",
  createdAt: "",
});

Deno.test("argmax takes the first maximum; softmax sums to one", () => {
  assert.equal(argmax([1, 3, 3, 2]), 1);
  assert.equal(argmax([9, 1, 5, 7], 1, 3), 2);
  const p = softmax([0, Math.log(3)]);
  assert.ok(Math.abs(p[0] - 0.25) < 1e-12 && Math.abs(p[1] - 0.75) < 1e-12);
});

Deno.test("a Q policy loaded from a checkpoint decides as the network it was saved from", async () => {
  const spec: MlpSpec = { sizes: [4, 16, 16, 2], hidden: "relu" };
  const params = initMlpParams(spec, new Rng(3), "torch-default");
  const dir = await Deno.makeTempDir();
  try {
    await saveNetworkCheckpoint(`${dir}/latest.safetensors`, { kind: "q", spec }, params, {
      algo: "dqn",
      env: "CartPole-v1",
      globalStep: 10,
    });
    // No best.safetensors yet: "best" falls back to the latest checkpoint.
    const loaded = await loadNetworkPolicy(
      new RunFolder(dir),
      config("dqn", "CartPole-v1"),
      "best",
    );
    const rng = new Rng(4);
    const net = new ActingMlp(spec, params);
    for (let k = 0; k < 50; k++) {
      const obs = Float32Array.from({ length: 4 }, () => rng.normal());
      const q = net.forward(obs);
      const d = loaded.decide(obs);
      assert.deepEqual(d.qValues, Array.from(q));
      assert.equal(d.action, argmax(q));
    }
    await assert.rejects(
      () => loadNetworkPolicy(new RunFolder(dir), config("ppo", "CartPole-v1")),
      /was trained with algo dqn, expected ppo/,
    );
    await Deno.remove(`${dir}/latest.safetensors`);
    await assert.rejects(
      () => loadNetworkPolicy(new RunFolder(dir), config("dqn", "CartPole-v1")),
      /No checkpoint in .*: neither best.safetensors nor latest.safetensors exists/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("actor-critic policies: argmax of probabilities, or the clipped Gaussian mean", () => {
  const discrete: ActorCriticShape = {
    obsSize: 3,
    action: { kind: "discrete", n: 4 },
    hidden: [8],
    activation: "tanh",
  };
  const p = initActorCriticParams(discrete, new Rng(1));
  // Scale the actor's output layer up so the probabilities are far from uniform.
  const lay = actorCriticLayout(discrete);
  for (let k = 3 * 8 + 8; k < lay.actor.count; k++) p[k] *= 300;
  const pol = networkPolicy({ kind: "actor-critic", shape: discrete }, p);
  const d = pol.decide(Float32Array.of(0.3, -0.2, 0.9));
  assert.equal(d.probs!.length, 4);
  assert.ok(Math.abs(d.probs!.reduce((a, b) => a + b) - 1) < 1e-9);
  assert.equal(d.action, argmax(d.probs!));

  const cont: ActorCriticShape = {
    obsSize: 2,
    action: { kind: "continuous", dim: 2, initLogStd: 0 },
    hidden: [4],
    activation: "tanh",
  };
  const layout = actorCriticLayout(cont);
  const q = new Float32Array(layout.total);
  const out = mlpLayers(layout.actor.spec, layout.actor.offset).at(-1)!;
  q[out.biasOffset] = 5; // mean 0 far above the box
  q[out.biasOffset + 1] = -0.25;
  const bounded = networkPolicy({ kind: "actor-critic", shape: cont }, q, {
    low: [-1, -1],
    high: [1, 1],
  });
  assert.deepEqual(bounded.decide(Float32Array.of(0, 0)).action, Float32Array.of(1, -0.25));
  assert.throws(
    () => bounded.decide(Float32Array.of(0)),
    /expects observations of 2 values, got 1/,
  );
});
