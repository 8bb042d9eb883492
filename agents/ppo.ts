/**
 * Proximal policy optimisation (Schulman et al., 2017) and advantage actor-critic (A2C, Mnih et
 * al., 2016) with separate actor and critic MLPs, following CleanRL's `ppo.py` and
 * `ppo_continuous_action.py`: N vector envs, rollouts of `numSteps` steps, GAE(λ) with
 * truncation bootstrapping, per-minibatch advantage normalisation, the clipped surrogate,
 * optional value clipping, an entropy bonus, epochs of shuffled minibatches, global gradient
 * clipping and linear learning-rate annealing. A2C is the same loop with one epoch, one
 * minibatch and the unclipped objective `−A·log π`.
 *
 * **Acting on the CPU, learning on the backend.** Actions are sampled from a CPU copy of the
 * actor (`MlpCpu`), values come from the CPU copy of the critic; the learner runs the whole
 * update phase and hands back the new parameters in one readback. Discrete actions are drawn
 * from the categorical of the logits; continuous ones from a Gaussian with a state-independent
 * log-std (`Rng.normal`), stored unclipped (their log-probability is of the sample) and
 * clipped to the action box only for the env.
 * @module
 */
import { Rng } from "../core/rng.ts";
import type { RunConfig } from "../core/run_log.ts";
import { make } from "../envs/registry.ts";
import { Box, Discrete } from "../envs/spaces.ts";
import { makeVec } from "../envs/vector.ts";
import { MlpCpu } from "../kernels/cpu/mlp.ts";
import { initActorCriticParams } from "../kernels/init.ts";
import { actorCriticLayout, type ActorCriticShape } from "../kernels/layout.ts";
import type { ActionHead, ActorCriticLearner, Backend } from "../kernels/types.ts";
import type { Algorithm, HyperValue, Policy, TrainContext, TrainResult } from "./algorithm.ts";
import { type Architecture, loadTrainingState, saveTrainingState } from "./checkpoint.ts";
import { explainedVariance } from "./gae.ts";
import {
  createLearningBackend,
  loadNetworkPolicy,
  loadRng,
  type MonitorCounters,
  NetworkRunMonitor,
  type SavedRng,
  saveRng,
} from "./network_policy.ts";
import { RolloutStorage } from "./rollout.ts";
import { annealedLearningRate } from "./schedules.ts";

/** Hyperparameters of PPO and A2C (CleanRL's names, camel-cased). */
export interface PpoHyper {
  /** Hyperparameters form a flat JSON record. */
  [key: string]: HyperValue;
  /** Parallel envs. */
  numEnvs: number;
  /** Steps per env per rollout (the rollout holds `numEnvs × numSteps` samples). */
  numSteps: number;
  /** Worker threads stepping the envs (0: in the training thread). */
  envWorkers: number;
  /** Initial Adam step size. */
  learningRate: number;
  /** Anneal the step size linearly to 0 over the run. */
  annealLr: boolean;
  /** Adam epsilon. */
  adamEps: number;
  /** Discount factor γ. */
  gamma: number;
  /** GAE λ. */
  gaeLambda: number;
  /** Passes over each rollout. */
  updateEpochs: number;
  /** Minibatches per pass (must divide the rollout size). */
  numMinibatches: number;
  /** Normalise advantages per minibatch. */
  normAdv: boolean;
  /** Surrogate clip ε (PPO only; also the value clip range). */
  clipCoef: number;
  /** Clip the value loss around the acting-time values. */
  clipVloss: boolean;
  /** Entropy bonus coefficient. */
  entCoef: number;
  /** Value loss coefficient. */
  vfCoef: number;
  /** Global gradient-norm clip (0: off). */
  maxGradNorm: number;
  /** Hidden widths of both actor and critic. */
  hidden: number[];
  /** Hidden activation. */
  activation: "relu" | "tanh";
  /** Initial log-std of Gaussian actions (continuous action spaces). */
  initLogStd: number;
  /** Env steps between greedy evaluations (0: none). */
  evalEvery: number;
  /** Episodes per evaluation. */
  evalEpisodes: number;
}

/** Counters saved in `state.safetensors` for `--resume`. */
interface PpoCounters extends MonitorCounters {
  globalStep: number;
  update: number;
  rng: SavedRng;
}

const PPO_BASE: PpoHyper = {
  numEnvs: 4,
  numSteps: 128,
  envWorkers: 0,
  learningRate: 2.5e-4,
  annealLr: true,
  adamEps: 1e-5,
  gamma: 0.99,
  gaeLambda: 0.95,
  updateEpochs: 4,
  numMinibatches: 4,
  normAdv: true,
  clipCoef: 0.2,
  clipVloss: true,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  hidden: [64, 64],
  activation: "tanh",
  initLogStd: 0,
  evalEvery: 50_000,
  evalEpisodes: 10,
};

/** Tuned settings per env (the rest from `PPO_BASE`). */
const PPO_PRESETS: Record<string, Partial<PpoHyper>> = {
  "CartPole-v1": {
    numEnvs: 8,
    numSteps: 64,
    learningRate: 1e-3,
    gamma: 0.98,
    gaeLambda: 0.8,
    updateEpochs: 10,
    numMinibatches: 2,
    entCoef: 0,
    evalEvery: 10_000,
  },
  // rl-zoo's (16 envs, n_steps 1024, minibatches of 64, λ 0.98, γ 0.999, 4 epochs, ent 0.01)
  // with half-length rollouts (twice the updates) and CleanRL's annealed step size: passes
  // 200 in 3.5e5–7e5 steps, 2–2.5 minutes for 1e6 steps on 2 cores. Minibatches of 64 cost
  // the CPU learner little more than large ones.
  "LunarLander-v3": {
    numEnvs: 16,
    numSteps: 512,
    learningRate: 3e-4,
    gamma: 0.999,
    gaeLambda: 0.98,
    updateEpochs: 4,
    numMinibatches: 128,
    entCoef: 0.01,
    clipVloss: false,
    evalEvery: 50_000,
  },
  "LunarLanderContinuous-v3": {
    numEnvs: 16,
    numSteps: 512,
    learningRate: 3e-4,
    gamma: 0.999,
    gaeLambda: 0.98,
    updateEpochs: 4,
    numMinibatches: 128,
    entCoef: 0,
    clipVloss: false,
    initLogStd: -0.5,
    evalEvery: 50_000,
  },
};

const A2C_BASE: PpoHyper = {
  ...PPO_BASE,
  numEnvs: 8,
  numSteps: 5,
  learningRate: 7e-4,
  annealLr: true,
  gamma: 0.99,
  gaeLambda: 1,
  updateEpochs: 1,
  numMinibatches: 1,
  normAdv: false,
  clipVloss: false,
  entCoef: 0.0,
  maxGradNorm: 0.5,
};

const A2C_PRESETS: Record<string, Partial<PpoHyper>> = {
  "CartPole-v1": { evalEvery: 10_000 },
  "LunarLander-v3": { gamma: 0.995, learningRate: 8.3e-4, entCoef: 1e-5 },
  "LunarLanderContinuous-v3": { gamma: 0.99, learningRate: 8.3e-4, initLogStd: -0.5 },
};

const STEPS: Record<string, number> = {
  "CartPole-v1": 100_000,
  "LunarLander-v3": 1_000_000,
  "LunarLanderContinuous-v3": 1_000_000,
};

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

function whyUnsupported(envId: string): string | null {
  const env = make(envId);
  const ok = env.observationSpace instanceof Box &&
    (env.actionSpace instanceof Discrete || env.actionSpace instanceof Box);
  env.close();
  return ok ? null : "PPO/A2C need a Box observation space and Discrete or Box actions";
}

/** Trains PPO (`objective` `ppo`) or A2C (`a2c`); see the module documentation. */
async function train(
  ctx: TrainContext<PpoHyper>,
  algo: "ppo" | "a2c",
): Promise<TrainResult> {
  const h = ctx.hyper;
  const N = h.numEnvs, T = h.numSteps;
  const envs = await makeVec(ctx.envId, N, {
    options: ctx.envOptions,
    workers: h.envWorkers,
    autoreset: "same-step",
  });
  const d = envs.obsSize;
  const space = envs.singleActionSpace;
  const action: ActionHead = space instanceof Discrete
    ? { kind: "discrete", n: space.n }
    : { kind: "continuous", dim: (space as Box).size, initLogStd: h.initLogStd };
  const discrete = action.kind === "discrete";
  const shape: ActorCriticShape = {
    obsSize: d,
    action,
    hidden: h.hidden,
    activation: h.activation,
  };
  const arch: Architecture = { kind: "actor-critic", shape };
  const layout = actorCriticLayout(shape);
  const backend: Backend = await createLearningBackend(ctx.device, ctx.log);
  const learner: ActorCriticLearner = await backend.createActorCriticLearner({
    ...shape,
    objective: algo,
    clipCoef: h.clipCoef,
    clipValueLoss: h.clipVloss,
    entCoef: h.entCoef,
    vfCoef: h.vfCoef,
    maxGradNorm: h.maxGradNorm > 0 ? h.maxGradNorm : null,
    normAdvantages: h.normAdv,
    updateEpochs: h.updateEpochs,
    numMinibatches: h.numMinibatches,
    adam: { learningRate: h.learningRate, eps: h.adamEps },
    seed: ctx.seed,
  }, initActorCriticParams(shape, new Rng(ctx.seed)));
  // The CPU copies share one parameter vector, refreshed in place after every update.
  const params = (await learner.getState()).params;
  const actor = new MlpCpu(layout.actor.spec, params, layout.actor.offset);
  const critic = new MlpCpu(layout.critic.spec, params, layout.critic.offset);
  const criticOne = new MlpCpu(layout.critic.spec, params, layout.critic.offset);
  const monitor = new NetworkRunMonitor(ctx, arch, {
    algo,
    evalEvery: h.evalEvery,
    evalEpisodes: h.evalEpisodes,
  });
  const statePath = `${ctx.runDir}/state.safetensors`;
  const numUpdates = Math.max(1, Math.floor(ctx.totalSteps / (N * T)));

  let globalStep = 0, update = 0;
  let rng = new Rng(ctx.seed + 1);
  if (ctx.resume) {
    const saved = await loadTrainingState<PpoCounters>(statePath, layout.total);
    learner.setState(saved.learner);
    params.set(saved.learner.params);
    ({ globalStep, update } = saved.counters);
    rng = loadRng(saved.counters.rng);
    monitor.restore(saved.counters);
  }

  const aw = discrete ? 1 : action.dim;
  const storage = new RolloutStorage(N, T, d, aw);
  const obs = new Float32Array(envs.reset({ seed: ctx.seed + globalStep }));
  const envActions = discrete ? new Int32Array(N) : new Float32Array(N * aw);
  const sampled = new Float32Array(N * aw);
  const logProbs = new Float32Array(N);
  const finalValues = new Float32Array(N);
  const logStd = new Float64Array(discrete ? 0 : aw);
  const low = discrete ? null : (space as Box).low, high = discrete ? null : (space as Box).high;
  // Global step at the end of the last completed update: what a stop keeps.
  let savedStep = globalStep;

  const saveLatest = async () => {
    await monitor.saveCheckpoint("latest", savedStep, params);
    const counters: PpoCounters = {
      globalStep: savedStep,
      update,
      rng: saveRng(rng),
      ...monitor.counters,
    };
    await saveTrainingState(statePath, { learner: await learner.getState(), counters });
  };

  while (update < numUpdates && !ctx.signal.aborted) {
    const lr = annealedLearningRate(h.learningRate, update, numUpdates, h.annealLr);
    for (let k = 0; k < aw && !discrete; k++) logStd[k] = params[layout.logStd.offset + k];
    // --- collect: numSteps steps of N envs, acting on the CPU copy ---
    storage.clear();
    for (let t = 0; t < T && !ctx.signal.aborted; t++) {
      const out = actor.forward(obs, N);
      const values = critic.forward(obs, N);
      for (let i = 0; i < N; i++) {
        if (discrete) {
          const n = action.n, o = i * n;
          let max = -Infinity;
          for (let k = 0; k < n; k++) max = Math.max(max, out[o + k]);
          let sum = 0;
          for (let k = 0; k < n; k++) sum += Math.exp(out[o + k] - max);
          // Inverse-CDF draw from the categorical of the logits.
          let u = rng.random() * sum, a = n - 1;
          for (let k = 0; k < n; k++) {
            u -= Math.exp(out[o + k] - max);
            if (u < 0) {
              a = k;
              break;
            }
          }
          envActions[i] = a;
          sampled[i] = a;
          logProbs[i] = out[o + a] - max - Math.log(sum);
        } else {
          let lp = 0;
          for (let k = 0; k < aw; k++) {
            const z = rng.normal();
            const x = out[i * aw + k] + Math.exp(logStd[k]) * z;
            sampled[i * aw + k] = x;
            envActions[i * aw + k] = Math.min(Math.max(x, low![k]), high![k]);
            lp += -0.5 * z * z - logStd[k] - HALF_LOG_2PI;
          }
          logProbs[i] = lp;
        }
      }
      storage.addDecision(obs, sampled, logProbs, values);
      const r = envs.step(envActions);
      for (let i = 0; i < N; i++) {
        finalValues[i] = 0;
        if (r.truncated[i] && !r.terminated[i]) {
          // Bootstrap a time limit from the value of the state it cut off.
          finalValues[i] = criticOne.forward(r.finalObs.subarray(i * d, (i + 1) * d), 1)[0];
        }
        if (r.terminated[i] || r.truncated[i]) {
          monitor.recordEpisode(r.episodeReturn[i], r.episodeLength[i]);
        }
      }
      storage.addOutcome(r.rewards, r.terminated, r.truncated, finalValues);
      obs.set(r.obs);
      globalStep += N;
      if ((t & 7) === 0) {
        await monitor.yieldSometimes();
        ctx.progress.update(globalStep, {
          return: monitor.recentReturn,
          "best eval": monitor.bestEval ?? NaN,
        });
      }
    }
    // A stop mid-rollout drops the partial rollout: the saved state is the last update's.
    if (ctx.signal.aborted) break;

    // --- advantages and update (one learner call, one readback) ---
    const rollout = storage.finish(critic.forward(obs, N), h.gamma, h.gaeLambda);
    const stats = await learner.update(rollout, lr);
    params.set(stats.params);
    update++;
    savedStep = globalStep;
    ctx.metrics.write(globalStep, {
      ...monitor.takeEpisodeMetrics(),
      "charts/learning_rate": lr,
      "charts/sps": ctx.progress.rate,
      "losses/policy_loss": stats.policyLoss,
      "losses/value_loss": stats.valueLoss,
      "losses/entropy": stats.entropy,
      "losses/approx_kl": stats.approxKl,
      "losses/clipfrac": stats.clipFraction,
      "losses/explained_variance": explainedVariance(rollout.values, rollout.returns),
    });
    if (monitor.evalDue(globalStep) || update === numUpdates) {
      if (h.evalEvery > 0) await monitor.evaluate(globalStep, params);
      await saveLatest();
    }
  }
  if (ctx.signal.aborted) await saveLatest();
  ctx.progress.update(savedStep);
  ctx.progress.finish({ episodes: monitor.episodes, "best eval": monitor.bestEval ?? NaN });
  learner.destroy();
  backend.destroy();
  envs.close();
  return { globalStep: savedStep, stopped: ctx.signal.aborted, bestEvalReturn: monitor.bestEval };
}

const docs: Record<string, string> = {
  numEnvs: "Parallel envs",
  numSteps: "Steps per env per rollout",
  envWorkers: "Worker threads stepping the envs (0: in-process)",
  learningRate: "Initial Adam step size",
  annealLr: "Anneal the step size linearly to 0",
  adamEps: "Adam epsilon",
  gamma: "Discount factor γ",
  gaeLambda: "GAE λ",
  updateEpochs: "Passes over each rollout",
  numMinibatches: "Minibatches per pass",
  normAdv: "Normalise advantages per minibatch",
  clipCoef: "Surrogate (and value) clip ε",
  clipVloss: "Clip the value loss",
  entCoef: "Entropy bonus coefficient",
  vfCoef: "Value loss coefficient",
  maxGradNorm: "Global gradient-norm clip (0: off)",
  hidden: "Hidden widths of actor and critic",
  activation: "Hidden activation: tanh or relu",
  initLogStd: "Initial log-std of Gaussian actions",
  evalEvery: "Env steps between greedy evaluations (eval/mean_return)",
  evalEpisodes: "Episodes per periodic evaluation",
};

const loadPolicy = (
  runDir: string,
  config: RunConfig,
  which?: "best" | "latest",
): Promise<Policy> => loadNetworkPolicy(runDir, config, which);

/** PPO as a registered algorithm. */
export const ppo: Algorithm<PpoHyper> = {
  id: "ppo",
  description: "Proximal policy optimisation, clipped surrogate with GAE (discrete or continuous)",
  unsupported: whyUnsupported,
  defaults: (envId) => ({ ...PPO_BASE, ...PPO_PRESETS[envId] }) as PpoHyper,
  docs,
  defaultSteps: (envId) => STEPS[envId] ?? 1_000_000,
  train: (ctx) => train(ctx, "ppo"),
  loadPolicy,
};

/** A2C as a registered algorithm (PPO's loop with one epoch, one minibatch, no clipping). */
export const a2c: Algorithm<PpoHyper> = {
  id: "a2c",
  description: "Advantage actor-critic, synchronous (discrete or continuous)",
  unsupported: whyUnsupported,
  defaults: (envId) => ({ ...A2C_BASE, ...A2C_PRESETS[envId] }) as PpoHyper,
  docs,
  defaultSteps: (envId) => STEPS[envId] ?? 1_000_000,
  train: (ctx) => train(ctx, "a2c"),
  loadPolicy,
};
