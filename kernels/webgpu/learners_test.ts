/**
 * Full DQN and PPO / A2C updates on the WebGPU and CPU backends from the same seed and
 * parameters: the same replay indices and minibatch shuffles, hence the same losses and
 * parameters within 1e-4.
 */

import assert from "node:assert/strict";
import { initActorCriticParams, initMlpParams } from "../init.ts";
import type {
  ActorCriticConfig,
  Backend,
  DqnLearner,
  DqnLearnerConfig,
  Rollout,
  TransitionBatch,
} from "../types.ts";
import { assertClose, cpuBackend, gpuBackend, HAS_GPU, randomArray, rngOf } from "./_testing.ts";
import type { Rng } from "../../core/rng.ts";

function transitions(rng: Rng, count: number, obs: number, actions: number): TransitionBatch {
  const a = new Int32Array(count);
  const discount = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    a[i] = Math.floor(rng.uniform(0, actions));
    discount[i] = rng.uniform(0, 1) < 0.2 ? 0 : 0.97;
  }
  return {
    count,
    obs: randomArray(rng, count * obs),
    actions: a,
    rewards: randomArray(rng, count, -2, 2),
    nextObs: randomArray(rng, count * obs),
    discount,
  };
}

/** Runs the same DQN schedule on a backend and returns every flush's statistics. */
async function runDqn(backend: Backend, config: DqnLearnerConfig, seed: number) {
  const rng = rngOf(seed);
  const obs = config.net.sizes[0];
  const nA = config.net.sizes[config.net.sizes.length - 1];
  const params = initMlpParams(config.net, rng, "torch-default");
  const learner: DqnLearner = await backend.createDqnLearner(config, params);
  const flushes = [];
  try {
    // Interleave additions (wrapping the ring), gradient steps and target updates in one phase.
    learner.addTransitions(transitions(rng, 20, obs, nA));
    learner.queueGradientSteps(2);
    learner.addTransitions(transitions(rng, 30, obs, nA)); // wraps (capacity 40)
    learner.queueGradientSteps(3, 5e-4);
    learner.queueTargetUpdate(0.5);
    learner.queueGradientSteps(2);
    flushes.push(await learner.flush());
    learner.queueTargetUpdate(1);
    learner.addTransitions(transitions(rng, 7, obs, nA));
    learner.queueGradientSteps(3);
    flushes.push(await learner.flush());
    return { flushes, state: await learner.getState(), size: learner.size };
  } finally {
    learner.destroy();
  }
}

for (const variant of ["huber-double", "mse-single"] as const) {
  Deno.test({
    name: `webgpu DQN update matches the CPU backend (${variant})`,
    ignore: !HAS_GPU,
    async fn() {
      const config: DqnLearnerConfig = {
        net: { sizes: [6, 33, 17, 3], hidden: variant === "mse-single" ? "tanh" : "relu" },
        bufferCapacity: 40,
        batchSize: 63,
        adam: { learningRate: 1e-3, eps: 1e-5 },
        loss: variant === "huber-double" ? "huber" : "mse",
        doubleDqn: variant === "huber-double",
        maxGradNorm: variant === "huber-double" ? 0.5 : null,
        seed: 1234,
      };
      const gpu = await runDqn(await gpuBackend(), config, 7);
      const cpu = await runDqn(cpuBackend, config, 7);
      assert.equal(gpu.size, cpu.size);
      for (const [i, f] of gpu.flushes.entries()) {
        const c = cpu.flushes[i];
        assert.equal(f.gradientSteps, c.gradientSteps);
        assertClose(Float32Array.of(f.loss, f.qMean), Float32Array.of(c.loss, c.qMean), "stats");
        assertClose(f.params, c.params, `flush ${i} params`);
      }
      assertClose(gpu.state.target as Float32Array, cpu.state.target as Float32Array, "target");
      assertClose(gpu.state.adamM, cpu.state.adamM, "adam m", 1e-3);
      assertClose(gpu.state.adamV, cpu.state.adamV, "adam v", 1e-3);
      assert.equal(gpu.state.adamStep, cpu.state.adamStep);
    },
  });
}

function rollout(rng: Rng, config: ActorCriticConfig, size: number): Rollout {
  const action = config.action;
  const width = action.kind === "discrete" ? 1 : action.dim;
  const actions = new Float32Array(size * width);
  for (let i = 0; i < actions.length; i++) {
    actions[i] = action.kind === "discrete"
      ? Math.floor(rng.uniform(0, action.n))
      : rng.uniform(-1.5, 1.5);
  }
  const values = randomArray(rng, size);
  const advantages = randomArray(rng, size, -2, 2);
  return {
    size,
    obs: randomArray(rng, size * config.obsSize),
    actions,
    // Log-probs near the policy's so that some ratios fall inside and some outside the clip.
    logProbs: randomArray(rng, size, action.kind === "discrete" ? -1.6 : -3, -0.9),
    advantages,
    returns: advantages.map((a, i) => a + values[i]),
    values,
  };
}

async function runActorCritic(backend: Backend, config: ActorCriticConfig, seed: number) {
  const rng = rngOf(seed);
  const params = initActorCriticParams(config, rng);
  const learner = await backend.createActorCriticLearner(config, params);
  try {
    const first = await learner.update(rollout(rng, config, 130), 3e-4);
    const second = await learner.update(rollout(rng, config, 130), 1e-4);
    return { first, second, state: await learner.getState() };
  } finally {
    learner.destroy();
  }
}

const acCases: [string, Partial<ActorCriticConfig>][] = [
  ["PPO discrete", {}],
  ["PPO continuous, clipped value loss", {
    action: { kind: "continuous", dim: 3, initLogStd: -0.5 },
    clipValueLoss: true,
    activation: "tanh",
  }],
  ["A2C discrete, no normalisation or clipping", {
    objective: "a2c",
    normAdvantages: false,
    maxGradNorm: null,
    updateEpochs: 1,
    numMinibatches: 1,
  }],
];

for (const [name, overrides] of acCases) {
  Deno.test({
    name: `webgpu ${name} update matches the CPU backend`,
    ignore: !HAS_GPU,
    async fn() {
      const config: ActorCriticConfig = {
        obsSize: 7,
        action: { kind: "discrete", n: 5 },
        hidden: [33, 18],
        activation: "relu",
        objective: "ppo",
        clipCoef: 0.2,
        clipValueLoss: false,
        entCoef: 0.01,
        vfCoef: 0.5,
        maxGradNorm: 0.5,
        normAdvantages: true,
        updateEpochs: 3,
        numMinibatches: 2,
        adam: { learningRate: 3e-4, eps: 1e-5 },
        seed: 99,
        ...overrides,
      };
      const gpu = await runActorCritic(await gpuBackend(), config, 5);
      const cpu = await runActorCritic(cpuBackend, config, 5);
      for (const key of ["first", "second"] as const) {
        const g = gpu[key];
        const c = cpu[key];
        const stats = (s: typeof g) =>
          Float32Array.of(s.policyLoss, s.valueLoss, s.entropy, s.approxKl, s.clipFraction);
        assertClose(stats(g), stats(c), `${key} update statistics`);
        assertClose(g.params, c.params, `${key} update params`);
      }
      assertClose(gpu.state.adamM, cpu.state.adamM, "adam m", 1e-3);
      assert.equal(gpu.state.adamStep, cpu.state.adamStep);
    },
  });
}

Deno.test({
  name: "webgpu DQN phase longer than the step ring (1024 slots) still matches the CPU",
  ignore: !HAS_GPU,
  async fn() {
    const config: DqnLearnerConfig = {
      net: { sizes: [3, 8, 2], hidden: "relu" },
      bufferCapacity: 50,
      batchSize: 4,
      adam: { learningRate: 1e-3 },
      loss: "huber",
      doubleDqn: false,
      maxGradNorm: 10,
      seed: 5,
    };
    const results = [];
    for (const backend of [await gpuBackend(), cpuBackend]) {
      const rng = rngOf(2);
      const learner = await backend.createDqnLearner(
        config,
        initMlpParams(config.net, rng, "torch-default"),
      );
      learner.addTransitions(transitions(rng, 50, 3, 2));
      learner.queueGradientSteps(1030); // the recorder submits once mid-phase, no readback
      learner.queueTargetUpdate(0.01);
      results.push(await learner.flush());
      learner.destroy();
    }
    const [gpu, cpu] = results;
    assertClose(
      Float32Array.of(gpu.loss, gpu.qMean),
      Float32Array.of(cpu.loss, cpu.qMean),
      "stats",
    );
    assertClose(gpu.params, cpu.params, "params", 1e-3);
  },
});
