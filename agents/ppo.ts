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
 * update phase and hands back the new parameters in one readback. With env workers each
 * worker acts for the envs it steps (`ppo_acting.ts`), bit for bit as the training thread
 * would. Discrete actions are drawn
 * from the categorical of the logits; continuous ones from a Gaussian with a state-independent
 * log-std (`Rng.normal`), stored unclipped (their log-probability is of the sample) and
 * clipped to the action box only for the env.
 *
 * **Multi-agent envs: parameter sharing.** On a parallel env (`simple_spread_v3`) the same loop
 * trains one actor-critic for every agent: `makeVec` presents `numEnvs` copies of the env as
 * one slot per agent of each copy (`ParallelVectorEnv`), each slot acting on its agent's
 * observation (followed by the agent's one-hot index with `agentIdOneHot`), so the rollout
 * holds `numEnvs × agents × numSteps` samples. Env steps count steps of the copies, as for a
 * single-agent env; `episodes.jsonl` gets one line per agent episode (`env_index` is the slot,
 * `copy × agents + agent`), and each metrics line the team return (`charts/team_return`, the
 * sum of the agents' returns) and each agent's (`charts/<agent>_return`) of the episodes that
 * ended since the last line. Evaluation reports the team return.
 * @module
 */
import { Rng, type SavedRngState } from "../core/rng.ts";
import type { CheckpointWhich, RunFolder } from "../core/run_folder.ts";
import type { RunConfig } from "../core/run_log.ts";
import { isParallelEnv } from "../envs/catalog.ts";
import { ParallelVectorEnv } from "../envs/multi_agent/vector.ts";
import { make } from "../envs/registry.ts";
import { Box, Discrete, type Space } from "../envs/spaces.ts";
import type { Action, Observation } from "../envs/types.ts";
import { makeVec, type VectorStepResult } from "../envs/vector.ts";
import { flatSize } from "../envs/vector_types.ts";
import { WorkerVectorEnv } from "../envs/worker_vector.ts";
import { chooseBackend, formatDecision } from "../kernels/backend.ts";
import { MlpCpu } from "../kernels/cpu/mlp.ts";
import { initActorCriticParams } from "../kernels/init.ts";
import { actorCriticLayout, type ActorCriticShape } from "../kernels/layout.ts";
import type { ActionHead, ActorCriticConfig, ActorCriticLearner } from "../kernels/types.ts";
import type { Algorithm, Policy, StepPlan, TrainContext, TrainResult } from "./algorithm.ts";
import { type Architecture, loadTrainingState, saveTrainingState } from "./checkpoint.ts";
import { checkFinite, DivergenceError } from "./divergence.ts";
import { explainedVariance } from "./gae.ts";
import { bool, choice, defineSchema, type HyperOf, int, intList, real } from "./hyperparameters.ts";
import { loadNetworkPolicy, networkPolicy } from "./policy_loading.ts";
import {
  allocatePpoActing,
  createShareActor,
  drawActingNoise,
  type PpoActingInit,
} from "./ppo_acting.ts";
import { RolloutStorage } from "./rollout.ts";
import { evaluationSpecs, type MonitorCounters, networkRunMonitor } from "./run_monitor.ts";
import { annealedLearningRate } from "./schedules.ts";
import { sharedPolicy, type SharedPolicyShape } from "./shared_policy.ts";

const SPECS = {
  numEnvs: int("Parallel envs (of a multi-agent env: copies, each agent a slot)", 4, 1, 4096),
  numSteps: int("Steps per env per rollout (a rollout holds numEnvs × numSteps)", 128, 1, 100_000),
  envWorkers: int(
    "Worker threads acting for and stepping envs beside the training thread, which does the " +
      "first share (0: all in the training thread; at most numEnvs − 1 are used)",
    0,
    0,
    256,
  ),
  learnerThreads: int(
    "CPU threads per gradient step: 2 lets the critic train in a worker thread beside the " +
      "actor while that measures faster, with the same results (the WebGPU learner ignores it)",
    1,
    1,
    2,
  ),
  agentIdOneHot: bool("Append each agent's one-hot index to its observation (multi-agent)", false),
  learningRate: real("Initial Adam step size", 2.5e-4, {
    min: 0,
    minExclusive: true,
    float32: true,
  }),
  annealLr: bool("Anneal the step size linearly to 0 over the run", true),
  adamEps: real("Adam epsilon", 1e-5, { min: 0, minExclusive: true, float32: true }),
  gamma: real("Discount factor γ", 0.99, { min: 0, max: 1 }),
  gaeLambda: real("GAE λ", 0.95, { min: 0, max: 1 }),
  updateEpochs: int("Passes over each rollout", 4, 1, 1000),
  numMinibatches: int("Minibatches per pass (must divide numEnvs × numSteps)", 4, 1, 1_000_000),
  normAdv: bool("Normalise advantages per minibatch", true),
  clipCoef: real("Surrogate clip ε (PPO; also the value clip range)", 0.2, {
    min: 0,
    minExclusive: true,
    float32: true,
  }),
  clipVloss: bool("Clip the value loss around the acting-time values", true),
  entCoef: real("Entropy bonus coefficient", 0.01, { min: 0, float32: true }),
  vfCoef: real("Value loss coefficient", 0.5, { min: 0, float32: true }),
  maxGradNorm: real("Global gradient-norm clip (0: off)", 0.5, { min: 0, float32: true }),
  hidden: intList("Hidden widths of both actor and critic", [64, 64], {
    min: 1,
    max: 4096,
    minLength: 0,
    maxLength: 8,
  }),
  activation: choice("Hidden activation", "tanh", ["tanh", "relu"]),
  initLogStd: real("Initial log-std of Gaussian actions (continuous action spaces)", 0, {
    min: -20,
    max: 2,
  }),
  ...evaluationSpecs(50_000, 10),
};

/** Hyperparameters of PPO and A2C (CleanRL's names, camel-cased), from their schema. */
export type PpoHyper = HyperOf<typeof SPECS>;

/** The rollout must split into whole minibatches. */
function checkPpo(h: PpoHyper): string | null {
  const rollout = h.numEnvs * h.numSteps;
  if (h.numMinibatches > rollout || rollout % h.numMinibatches !== 0) {
    return `numMinibatches=${h.numMinibatches} must divide the rollout of numEnvs × numSteps = ` +
      `${h.numEnvs} × ${h.numSteps} = ${rollout}`;
  }
  return null;
}

/** PPO's schema, with tuned settings per env. */
const PPO_SCHEMA = defineSchema({
  specs: SPECS,
  presets: {
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
    // rl-zoo's (16 envs, n_steps 1024, minibatches of 64, λ 0.98, γ 0.999, 4 epochs, ent 0.01,
    // constant 3e-4) with half-length rollouts, 8 epochs and an entropy bonus of 0.003, from
    // three sweeps of 5 seeds × 1M steps, 100 greedy episodes each (examples/sweeps/
    // ppo_lander_{quality,entropy,tuning}.json): a constant step size 258.1 ± 7.4 across seeds
    // against 230.8 ± 15.2 annealed; then ent 0.003 261.4 ± 8.2 (0.01: 258.1, 0: 255.9); then 8
    // epochs 277.6 ± 1.7 (every seed 275–279, std ≤ 24.2; 0–3 of 1,000 episodes hovering to the
    // time limit, against 2–44 before) and the first eval ≥ 200 at a median 303k steps (451k).
    // Both cores busy, bit for bit the same run: one env worker acts for and steps half the
    // envs while collecting (1M steps in 27.1–27.5 s against 29.5–30.4 s with the worker only
    // stepping), and the critic learns in its own thread beside the actor (22.0–23.1 s against
    // 27.6–27.9 s).
    "LunarLander-v3": {
      numEnvs: 16,
      numSteps: 512,
      envWorkers: 1,
      learnerThreads: 2,
      learningRate: 3e-4,
      annealLr: false,
      gamma: 0.999,
      gaeLambda: 0.98,
      updateEpochs: 8,
      numMinibatches: 128,
      entCoef: 0.003,
      clipVloss: false,
      evalEvery: 50_000,
    },
    // The discrete preset's rollouts with a constant step size, 8 epochs and an entropy bonus
    // of 0.001, from two sweeps of 5 seeds × 1M steps (examples/sweeps/
    // ppo_lander_continuous{,_tuning}.json): final means 252.3–274.9 (265.4 ± 8.7 across seeds)
    // against 210.2–241.5 (226.5 ± 14.9) annealed over 4 epochs without the bonus. The best of
    // the 5 best evaluations by 100 new episodes each (ppo_lander_continuous_finalists.json)
    // picks another checkpoint on seeds 2 and 3 only: over 1,000 episodes, seed 2 261.9 with no
    // episode cut off at 1,000 steps against 256.1 with 5, seed 3 270.2 against 269.9.
    "LunarLanderContinuous-v3": {
      numEnvs: 16,
      numSteps: 512,
      envWorkers: 1,
      learnerThreads: 2,
      learningRate: 3e-4,
      annealLr: false,
      gamma: 0.999,
      gaeLambda: 0.98,
      updateEpochs: 8,
      numMinibatches: 128,
      entCoef: 0.001,
      clipVloss: false,
      initLogStd: -0.5,
      evalEvery: 50_000,
      finalists: 5,
    },
    // Parameter sharing over 16 copies × 3 agents, one 25-step episode per rollout, 8 epochs
    // of 2 minibatches (MAPPO's script: 10 epochs of 1). γ 0.9 keeps the values near-term, so
    // the critic explains a good part of the return (explained variance 0.5–0.7, against ~0 at
    // γ 0.99); the agent-id one-hot breaks the agents' symmetry (with 50-step rollouts at γ
    // 0.99, greedy policies without it crowd one landmark: team return −122 at 1e5 steps,
    // against −62 with it). 2e6 steps (the default; 2–3 minutes on 2 cores): greedy team return
    // −28.8, −27.8, −29.0 on seeds 1–3 (random −82; 5e5 steps: −48 to −55).
    "simple_spread_v3": {
      numEnvs: 16,
      numSteps: 25,
      learningRate: 1e-3,
      gamma: 0.9,
      gaeLambda: 0.95,
      updateEpochs: 8,
      numMinibatches: 2,
      entCoef: 0.01,
      clipVloss: false,
      agentIdOneHot: true,
      evalEvery: 50_000,
      evalEpisodes: 20,
    },
  },
  check: checkPpo,
});

/** A2C's schema: PPO's keys, defaults for one epoch of one minibatch of 5-step rollouts. */
const A2C_SCHEMA = defineSchema({
  specs: {
    ...SPECS,
    numEnvs: { ...SPECS.numEnvs, default: 8 },
    numSteps: { ...SPECS.numSteps, default: 5 },
    learningRate: { ...SPECS.learningRate, default: 7e-4 },
    gaeLambda: { ...SPECS.gaeLambda, default: 1 },
    updateEpochs: { ...SPECS.updateEpochs, default: 1 },
    numMinibatches: { ...SPECS.numMinibatches, default: 1 },
    normAdv: { ...SPECS.normAdv, default: false },
    clipVloss: { ...SPECS.clipVloss, default: false },
    entCoef: { ...SPECS.entCoef, default: 0 },
  },
  presets: {
    "CartPole-v1": { evalEvery: 10_000 },
    "LunarLander-v3": { gamma: 0.995, learningRate: 8.3e-4, entCoef: 1e-5 },
    "LunarLanderContinuous-v3": { gamma: 0.99, learningRate: 8.3e-4, initLogStd: -0.5 },
  },
  check: checkPpo,
});

/** Counters saved in `state.safetensors` for `--resume`. */
interface PpoCounters extends MonitorCounters {
  globalStep: number;
  update: number;
  rng: SavedRngState;
}

const STEPS: Record<string, number> = {
  "CartPole-v1": 100_000,
  "LunarLander-v3": 1_000_000,
  "LunarLanderContinuous-v3": 1_000_000,
  "simple_spread_v3": 2_000_000,
};

function whyUnsupported(envId: string, envOptions: Record<string, unknown> = {}): string | null {
  let slot: Slot;
  try {
    slot = probeSlot(envId, envOptions, false);
  } catch (err) {
    // A multi-agent env whose agents' spaces differ: one shared network cannot act for all.
    if (isParallelEnv(envId) && err instanceof TypeError) return err.message;
    throw err;
  }
  const { observationSpace: obs, actionSpace: act } = slot;
  const ok = obs instanceof Box && (act instanceof Discrete || act instanceof Box);
  return ok ? null : "PPO/A2C need a Box observation space and Discrete or Box actions";
}

/** One acting slot's spaces, and the slots per env copy (a multi-agent env's agents). */
interface Slot {
  observationSpace: Space<Observation>;
  obsSize: number;
  actionSpace: Space<Action>;
  perCopy: number;
}

/** The {@link Slot} of env `envId`, from a probe env (one copy of a multi-agent env). */
function probeSlot(
  envId: string,
  envOptions: Record<string, unknown>,
  agentIdOneHot: boolean,
): Slot {
  if (isParallelEnv(envId)) {
    const envs = new ParallelVectorEnv({ id: envId, numCopies: 1, options: envOptions }, {
      agentIdOneHot,
    });
    const slot = {
      observationSpace: envs.singleObservationSpace,
      obsSize: envs.obsSize,
      actionSpace: envs.singleActionSpace,
      perCopy: envs.numEnvs,
    };
    envs.close();
    return slot;
  }
  const env = make(envId, envOptions);
  const slot = {
    observationSpace: env.observationSpace,
    obsSize: flatSize(env.observationSpace),
    actionSpace: env.actionSpace,
    perCopy: 1,
  };
  env.close();
  return slot;
}

// What each env worker imports to act for its share of the envs.
const PPO_ACTING_URL = new URL("./ppo_acting.ts", import.meta.url).href;

/** PPO trains in whole rollouts: the steps are a multiple of `numEnvs × numSteps`, at least one. */
function stepPlan(h: PpoHyper, totalSteps: number): StepPlan {
  const rollout = h.numEnvs * h.numSteps;
  const updates = Math.max(1, Math.floor(totalSteps / rollout));
  const steps = updates * rollout;
  const what = `${updates.toLocaleString("en")} rollout${updates === 1 ? "" : "s"} of ` +
    `${h.numEnvs} envs × ${h.numSteps} steps`;
  return { steps, note: steps === totalSteps ? null : what };
}

/** Trains PPO (`objective` `ppo`) or A2C (`a2c`); see the module documentation. */
async function train(ctx: TrainContext<PpoHyper>, algo: "ppo" | "a2c"): Promise<TrainResult> {
  const h = ctx.hyper;
  // The network's shape comes from a probe: env workers need their actors before they start.
  const slot = probeSlot(ctx.envId, ctx.envOptions, h.agentIdOneHot);
  // N slots act per step: the envs, or every agent of every copy of a multi-agent env.
  const N = h.numEnvs * slot.perCopy, T = h.numSteps;
  const d = slot.obsSize;
  const space = slot.actionSpace;
  const action: ActionHead = space instanceof Discrete
    ? { kind: "discrete", n: space.n }
    : { kind: "continuous", dim: (space as Box).size, initLogStd: h.initLogStd };
  const shape: ActorCriticShape = {
    obsSize: d,
    action,
    hidden: h.hidden,
    activation: h.activation,
  };
  const arch: Architecture = { kind: "actor-critic", shape };
  const layout = actorCriticLayout(shape);
  const box = action.kind === "discrete" ? null : space as Box;
  const acting: PpoActingInit = {
    shape,
    low: box ? Array.from(box.low) : [],
    high: box ? Array.from(box.high) : [],
    buffers: allocatePpoActing(shape, N),
  };
  const envs = await makeVec(ctx.envId, h.numEnvs, {
    options: ctx.envOptions,
    workers: h.envWorkers,
    stepInCaller: true,
    autoreset: "same-step",
    agentIdOneHot: h.agentIdOneHot,
    ...(h.envWorkers > 0 ? { actor: { url: PPO_ACTING_URL, init: acting } } : {}),
  });
  const team = envs instanceof ParallelVectorEnv ? new TeamReturns(envs) : null;
  const config: ActorCriticConfig = {
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
    threads: h.learnerThreads === 2 ? 2 : 1,
  };
  // `auto` measures this learner on each backend (cached per adapter and shape).
  const { backend, decision } = await chooseBackend(ctx.device, {
    kind: "actor-critic",
    config,
    rolloutSize: N * T,
  });
  let learner: ActorCriticLearner | null = null;
  // The monitor's evaluation thread, stopped with the rest.
  let closeMonitor: (() => Promise<void>) | undefined;
  try {
    ctx.log(`Learning on ${formatDecision(decision)} (${backend.description})`);
    await ctx.recordDevice(decision);
    learner = await backend.createActorCriticLearner(
      config,
      initActorCriticParams(shape, new Rng(ctx.seed)),
    );
    // The CPU copies (and the env workers' actors) share one parameter vector, refreshed in
    // place after every update.
    const { params, sampled, logProbs } = acting.buffers;
    params.set((await learner.getState()).params);
    const critic = new MlpCpu(layout.critic.spec, params, layout.critic.offset);
    const criticOne = new MlpCpu(layout.critic.spec, params, layout.critic.offset);
    const shared: SharedPolicyShape | null = team && {
      agents: team.envs.agents,
      agentIdOneHot: team.envs.agentIdOneHot,
      inputSize: d,
    };
    const monitor = networkRunMonitor(
      ctx,
      algo,
      arch,
      h,
      undefined,
      shared ? (p) => sharedPolicy(networkPolicy(arch, p, box ?? undefined), shared) : undefined,
    );
    closeMonitor = () => monitor.close();
    const statePath = ctx.run.path("trainingState");
    const numUpdates = stepPlan(h, ctx.totalSteps).steps / (h.numEnvs * T);

    let globalStep = 0, update = 0;
    let rng = new Rng(ctx.seed + 1);
    if (ctx.resume) {
      const saved = await loadSavedState(ctx, statePath, layout.total);
      if (saved) {
        learner.setState(saved.learner);
        params.set(saved.learner.params);
        ({ globalStep, update } = saved.counters);
        rng = Rng.fromJSON(saved.counters.rng);
        monitor.restore(saved.counters);
      }
      await ctx.resumedAt(globalStep);
    }

    const aw = action.kind === "discrete" ? 1 : action.dim;
    const storage = new RolloutStorage(N, T, d, aw);
    const obs = new Float32Array(envs.reset({ seed: ctx.seed + globalStep }));
    const finalValues = new Float32Array(N);
    // Acting in this thread for every env, or with env workers in each thread for its share.
    const actor = createShareActor(acting);
    const actions = new Float64Array(N * aw);
    const envActions = action.kind === "discrete" ? new Int32Array(N) : new Float32Array(N * aw);
    const actAndStep = envs instanceof WorkerVectorEnv ? () => envs.stepActing() : () => {
      actor.act(obs, actions, 0, N);
      envActions.set(actions);
      return envs.step(envActions);
    };
    // What a stop keeps: the step and counters at the end of the last completed update (the
    // episodes of a partial rollout are dropped with it, and logged again after a resume).
    let savedStep = globalStep;
    let savedCounters = monitor.counters;
    const rngAtUpdate = () => rng.toJSON();
    let savedRng = rngAtUpdate();

    const saveLatest = async () => {
      await monitor.saveLatest(savedStep, params);
      const counters: PpoCounters = {
        globalStep: savedStep,
        update,
        rng: savedRng,
        ...savedCounters,
      };
      await saveTrainingState(statePath, { learner: await learner!.getState(), counters });
      await monitor.saved(savedStep);
    };

    try {
      while (update < numUpdates && !ctx.signal.aborted) {
        const lr = annealedLearningRate(h.learningRate, update, numUpdates, h.annealLr);
        // --- collect: numSteps steps of N envs, acting on the CPU copy ---
        storage.clear();
        for (let t = 0; t < T && !ctx.signal.aborted; t++) {
          drawActingNoise(shape, acting.buffers, rng);
          const r = actAndStep();
          storage.addDecision(obs, sampled, logProbs, acting.buffers.values);
          globalStep += h.numEnvs;
          for (let i = 0; i < N; i++) {
            finalValues[i] = 0;
            if (r.truncated[i] && !r.terminated[i]) {
              // Bootstrap a time limit from the value of the state it cut off.
              finalValues[i] = criticOne.forward(r.finalObs.subarray(i * d, (i + 1) * d), 1)[0];
            }
            if (r.terminated[i] || r.truncated[i]) {
              monitor.recordEpisode(r.episodeReturn[i], r.episodeLength[i], i, globalStep);
            }
          }
          team?.add(r);
          storage.addOutcome(r.rewards, r.terminated, r.truncated, finalValues);
          obs.set(r.obs);
          if ((t & 7) === 0) {
            await monitor.yieldSometimes();
            ctx.progress.update(globalStep, {
              return: monitor.recentReturn,
              ...(team ? { team: team.recent } : {}),
              "best eval": monitor.bestEval ?? NaN,
            });
          }
        }
        // A stop mid-rollout drops the partial rollout: the saved state is the last update's.
        if (ctx.signal.aborted) break;

        // --- advantages and update (one learner call, one readback) ---
        const rollout = storage.finish(critic.forward(obs, N), h.gamma, h.gaeLambda);
        const stats = await learner.update(rollout, lr);
        const losses = {
          "losses/policy_loss": stats.policyLoss,
          "losses/value_loss": stats.valueLoss,
          "losses/entropy": stats.entropy,
          "losses/approx_kl": stats.approxKl,
        };
        checkFinite(globalStep, losses, stats.params, h);
        params.set(stats.params);
        update++;
        savedStep = globalStep;
        savedCounters = monitor.counters;
        savedRng = rngAtUpdate();
        const scalars: Record<string, number> = {
          ...monitor.takeEpisodeMetrics(),
          ...team?.take(),
          "charts/learning_rate": lr,
          "charts/sps": ctx.progress.rate,
          ...losses,
          "losses/clipfrac": stats.clipFraction,
          "losses/explained_variance": explainedVariance(rollout.values, rollout.returns),
        };
        if (monitor.evalDue(globalStep) || update === numUpdates) {
          if (h.evalEvery > 0) Object.assign(scalars, await monitor.evaluate(globalStep, params));
          savedCounters = monitor.counters;
          ctx.metrics.write(globalStep, scalars);
          await saveLatest();
        } else {
          ctx.metrics.write(globalStep, scalars);
        }
      }
      if (ctx.signal.aborted) await saveLatest();
    } catch (err) {
      // The acting copy still holds the last finite parameters: keep them as the latest.
      if (err instanceof DivergenceError) await monitor.saveLatest(savedStep, params);
      throw err;
    }
    await monitor.finish(savedStep);
    ctx.progress.update(savedStep);
    ctx.progress.finish({ episodes: monitor.episodes, "best eval": monitor.bestEval ?? NaN });
    const threading = learner.threading?.();
    if (threading) ctx.log(threading);
    return { globalStep: savedStep, stopped: ctx.signal.aborted, bestEvalReturn: monitor.bestEval };
  } finally {
    await closeMonitor?.();
    learner?.destroy();
    backend.destroy();
    envs.close();
  }
}

/**
 * The training state saved in the run folder, or null (said in one line) when a resumed run
 * was killed before its first save: it then starts from the beginning.
 */
async function loadSavedState(
  ctx: TrainContext<PpoHyper>,
  path: string,
  paramCount: number,
) {
  try {
    await Deno.stat(path);
  } catch {
    ctx.log("No saved training state yet: starting from step 0.");
    return null;
  }
  return await loadTrainingState<PpoCounters>(path, paramCount);
}

/** The run's greedy policy: its actor, shared by every agent on a multi-agent env. */
async function loadPolicy(
  run: RunFolder,
  config: RunConfig,
  which?: CheckpointWhich,
): Promise<Policy> {
  const actor = await loadNetworkPolicy(run, config, which);
  if (!isParallelEnv(config.env)) return actor;
  // The slot layout the run trained on, as its vector env built it.
  const envs = new ParallelVectorEnv({ id: config.env, numCopies: 1, options: config.envOptions }, {
    agentIdOneHot: config.hyperparameters.agentIdOneHot === true,
  });
  envs.close();
  return sharedPolicy(actor, {
    agents: envs.agents,
    agentIdOneHot: envs.agentIdOneHot,
    inputSize: envs.obsSize,
  });
}

/**
 * The team and per-agent returns of the copies of a multi-agent env whose episodes ended,
 * for each metrics line and the progress display.
 */
class TeamReturns {
  /** The vector env read. */
  readonly envs: ParallelVectorEnv;
  readonly #agentSums: Float64Array;
  readonly #recent: number[] = [];
  #sum = 0;
  #count = 0;

  constructor(envs: ParallelVectorEnv) {
    this.envs = envs;
    this.#agentSums = new Float64Array(envs.numAgents);
  }

  /** Adds the episodes that ended on step `r` (every agent of a copy ends together). */
  add(r: VectorStepResult): void {
    const A = this.envs.numAgents;
    for (let c = 0; c < this.envs.numCopies; c++) {
      if (!r.terminated[c * A] && !r.truncated[c * A]) continue;
      const ret = this.envs.teamReturn[c];
      this.#sum += ret;
      this.#count++;
      for (let a = 0; a < A; a++) this.#agentSums[a] += r.episodeReturn[c * A + a];
      this.#recent.push(ret);
      if (this.#recent.length > 20) this.#recent.shift();
    }
  }

  /** Mean team return of the last 20 episodes (NaN before the first). */
  get recent(): number {
    const r = this.#recent;
    return r.length ? r.reduce((a, b) => a + b, 0) / r.length : NaN;
  }

  /** `charts/team_return` and `charts/<agent>_return` since the last call (empty if none). */
  take(): Record<string, number> {
    if (this.#count === 0) return {};
    const out: Record<string, number> = { "charts/team_return": this.#sum / this.#count };
    this.envs.agents.forEach((agent, a) => {
      out[`charts/${agent}_return`] = this.#agentSums[a] / this.#count;
    });
    this.#sum = this.#count = 0;
    this.#agentSums.fill(0);
    return out;
  }
}

/** PPO as a registered algorithm. */
export const ppo: Algorithm = {
  id: "ppo",
  description: "Proximal policy optimisation, clipped surrogate with GAE (discrete or continuous)",
  schema: PPO_SCHEMA,
  unsupported: whyUnsupported,
  defaultSteps: (envId) => STEPS[envId] ?? 1_000_000,
  stepPlan,
  train: (ctx: TrainContext<PpoHyper>) => train(ctx, "ppo"),
  loadPolicy,
};

/** A2C as a registered algorithm (PPO's loop with one epoch, one minibatch, no clipping). */
export const a2c: Algorithm = {
  id: "a2c",
  description: "Advantage actor-critic, synchronous (discrete or continuous)",
  schema: A2C_SCHEMA,
  unsupported: whyUnsupported,
  defaultSteps: (envId) => STEPS[envId] ?? 1_000_000,
  stepPlan,
  train: (ctx: TrainContext<PpoHyper>) => train(ctx, "a2c"),
  loadPolicy,
};
