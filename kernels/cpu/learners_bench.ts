/**
 * Throughput of the CPU backend's hot loops (`deno bench -A kernels/cpu/learners_bench.ts`):
 * one DQN gradient step of an 8-64-64-4 ReLU net at batch 64 and 1024, one PPO update of
 * 2048 samples (4 minibatches × 10 epochs, 8-64-64 tanh actor with 4 actions and critic) and
 * the acting forward (`ActingMlp`, WebAssembly) at batch 1 and 64 against the TypeScript
 * `mlpForward`. Samples/s = batch (or 2048 × 10) / time per iteration. `deno task bench kernels`
 * measures the learners the way `--device auto` does, at LunarLander's shapes.
 * @module
 */

import { Rng } from "../../core/rng.ts";
import { initActorCriticParams, initMlpParams } from "../init.ts";
import type { ActorCriticConfig, MlpSpec } from "../types.ts";
import { CpuActorCriticLearner } from "./actor_critic.ts";
import { CpuDqnLearner } from "./dqn.ts";
import { ActingMlp } from "./acting_mlp.ts";
import { mlpForward } from "./mlp.ts";

const rng = new Rng(0);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
const NET: MlpSpec = { sizes: [8, 64, 64, 4], hidden: "relu" };

for (const batchSize of [64, 1024]) {
  const learner = new CpuDqnLearner({
    net: NET,
    bufferCapacity: 10_000,
    batchSize,
    adam: { learningRate: 1e-4 },
    loss: "huber",
    doubleDqn: true,
    maxGradNorm: 10,
    seed: 1,
  }, initMlpParams(NET, rng, "torch-default"));
  learner.addTransitions({
    count: 10_000,
    obs: rand(80_000),
    nextObs: rand(80_000),
    actions: Int32Array.from({ length: 10_000 }, () => rng.integers(0, 4)),
    rewards: rand(10_000),
    discount: new Float32Array(10_000).fill(0.99),
  });
  Deno.bench(`DQN gradient step, batch ${batchSize}`, { group: "dqn" }, () => {
    learner.queueGradientSteps(1);
  });
}

const PPO: ActorCriticConfig = {
  obsSize: 8,
  action: { kind: "discrete", n: 4 },
  hidden: [64, 64],
  activation: "tanh",
  objective: "ppo",
  clipCoef: 0.2,
  clipValueLoss: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  normAdvantages: true,
  updateEpochs: 10,
  numMinibatches: 4,
  adam: { learningRate: 2.5e-4, eps: 1e-5 },
  seed: 1,
};
const ppo = new CpuActorCriticLearner(PPO, initActorCriticParams(PPO, rng));
const N = 2048;
const rollout = {
  size: N,
  obs: rand(N * 8),
  actions: Float32Array.from({ length: N }, () => rng.integers(0, 4)),
  logProbs: new Float32Array(N).fill(Math.log(0.25)),
  advantages: rand(N),
  returns: rand(N),
  values: rand(N),
};
Deno.bench("PPO update, 2048 samples × 10 epochs", { group: "ppo" }, async () => {
  await ppo.update(rollout, 2.5e-4);
});

const params = initMlpParams(NET, rng, "torch-default");
for (const batch of [1, 64]) {
  const x = rand(batch * 8);
  const out = new Float32Array(batch * 4);
  Deno.bench(`mlpForward 8-64-64-4, batch ${batch}`, { group: `act ${batch}` }, () => {
    mlpForward(NET, params, 0, x, batch, out);
  });
  const acting = new ActingMlp(NET, params);
  Deno.bench(`ActingMlp 8-64-64-4, batch ${batch}`, { group: `act ${batch}` }, () => {
    acting.forward(x, batch);
  });
}
