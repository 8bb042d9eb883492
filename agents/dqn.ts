/**
 * Deep Q-learning (Mnih et al., 2015) with the usual refinements: a replay ring, a target
 * network updated hard every N steps or softly with `tau`, double DQN (van Hasselt et al.,
 * 2016), n-step returns (`nSteps`, see `n_step_returns.ts`), Huber or squared TD loss, gradient
 * clipping and epsilon-greedy exploration with a linear (per env step) or exponential (per
 * episode) decay.
 *
 * **Acting on the CPU, learning on the backend.** Actions come from a CPU copy of the online
 * network's weights (`ActingMlp`), refreshed at every `flush` of the learner. Transitions are
 * staged in typed arrays and handed to the learner's replay ring once per training phase.
 * The cpu backend flushes after every training phase (it costs nothing); the webgpu backend
 * flushes (one readback, the only GPU→CPU sync) every `syncEvery` env steps and otherwise
 * only queues work, so the acting weights lag by at most that many steps.
 *
 * Episodes ending by truncation (time limit) are stored with their bootstrap discount γᵐ and
 * their true last observation (`finalObs` of a `same-step` vector env), so the TD target
 * bootstraps through them; only terminations cut the return (discount 0).
 * @module
 */
import { Rng, type SavedRngState } from "../core/rng.ts";
import type { RunFolder } from "../core/run_folder.ts";
import type { RunConfig } from "../core/run_log.ts";
import { makeVec } from "../envs/vector.ts";
import { Box, Discrete } from "../envs/spaces.ts";
import { make } from "../envs/registry.ts";
import { chooseBackend, formatDecision } from "../kernels/backend.ts";
import { ActingMlp } from "../kernels/cpu/acting_mlp.ts";
import { initMlpParams } from "../kernels/init.ts";
import { paramCount } from "../kernels/layout.ts";
import type { DqnLearner, DqnLearnerConfig, MlpSpec } from "../kernels/types.ts";
import { argmax } from "./action_distributions.ts";
import type { Algorithm, Policy, StepPlan, TrainContext, TrainResult } from "./algorithm.ts";
import { type Architecture, loadTrainingState, saveTrainingState } from "./checkpoint.ts";
import { checkFinite, DivergenceError } from "./divergence.ts";
import { bool, choice, defineSchema, type HyperOf, int, intList, real } from "./hyperparameters.ts";
import { loadNetworkPolicy } from "./policy_loading.ts";
import { evaluationSpecs, type MonitorCounters, networkRunMonitor } from "./run_monitor.ts";
import { annealedLearningRate, epsilonAt } from "./schedules.ts";
import { ExplorationHolds } from "./exploration_hold.ts";
import { NStepReturns } from "./n_step_returns.ts";
import { ReplayMirror, TransitionStaging } from "./transitions.ts";

const SPECS = {
  hidden: intList("Hidden layer widths of the Q network", [64, 64], {
    min: 1,
    max: 4096,
    minLength: 0,
    maxLength: 8,
  }),
  activation: choice("Hidden activation", "relu", ["relu", "tanh"]),
  learningRate: real("Adam step size", 1e-4, { min: 0, minExclusive: true, float32: true }),
  annealLr: bool("Anneal the step size linearly to 0 over the run's env steps", false),
  bufferSize: int("Replay ring capacity in transitions", 100_000, 1, 10_000_000),
  learningStarts: int(
    "Env steps of pure exploration before the first gradient step",
    1000,
    0,
    1e12,
  ),
  batchSize: int("Transitions per gradient step", 64, 1, 65_536),
  tau: real("Target update rate: 1 copies the online net (hard), < 1 is Polyak averaging", 1, {
    min: 0,
    minExclusive: true,
    max: 1,
  }),
  gamma: real("Discount factor γ", 0.99, { min: 0, max: 1 }),
  nSteps: int("Env steps summed into each TD target (n-step returns; 1: one-step DQN)", 1, 1, 1000),
  trainFreq: int("Vector-env steps between training phases", 4, 1, 1_000_000),
  gradientSteps: int("Gradient steps per training phase", 1, 1, 100_000, {
    [-1]: "one per transition collected since the last phase",
  }),
  targetUpdateInterval: int("Env steps between target updates", 1000, 1, 1e12),
  epsilonSchedule: choice(
    "linear over env steps (SB3) or exponential per episode (the DQN tutorials)",
    "linear",
    ["linear", "exponential"],
  ),
  epsilonStart: real("Exploration rate at the start", 1, { min: 0, max: 1 }),
  epsilonEnd: real("Exploration rate floor", 0.05, { min: 0, max: 1 }),
  explorationFraction: real("linear: fraction of the run over which epsilon falls", 0.1, {
    min: 0,
    max: 1,
  }),
  epsilonDecayFactor: real("exponential: epsilon factor per finished episode", 0.995, {
    min: 0,
    minExclusive: true,
    max: 1,
  }),
  explorationHold: real(
    "εz-greedy: an exploratory action is held n steps, P(n) ∝ n^−μ up to 1,000, this μ " +
      "(Dabney et al. 2021 use 2); 0: one step (ε-greedy)",
    0,
    { min: 0 },
  ),
  doubleDqn: bool("Evaluate argmax Q⁻ targets with the online net's choice of action", false),
  loss: choice("TD loss: huber (smooth L1) or mse", "huber", ["huber", "mse"]),
  maxGradNorm: real("Global gradient-norm clip (0: off)", 10, { min: 0, float32: true }),
  numEnvs: int("Parallel envs stepped together", 1, 1, 4096),
  syncEvery: int("webgpu: env steps between readbacks refreshing the acting weights", 256, 1, 1e9),
  ...evaluationSpecs(50_000, 10),
  logEvery: int("Env steps between charts/ and losses/ metrics lines", 1000, 1, 1e12),
};

/** Hyperparameters of DQN (names follow Stable-Baselines3 where it has one), from its schema. */
export type DqnHyper = HyperOf<typeof SPECS>;

/** Counters saved in `state.safetensors` for `--resume`. */
interface DqnCounters extends MonitorCounters {
  globalStep: number;
  vecSteps: number;
  rng: SavedRngState;
  replayPos: number;
  replaySize: number;
  /** Exploratory actions being held (`explorationHold`). */
  holds?: { action: number[]; left: number[] };
}

/**
 * Presets. CartPole: rl-zoo's settings with a smaller net. LunarLander: rl-zoo's DQN (buffer 5e4,
 * learning_starts 0, train_freq 4, batches of 128, exploration_fraction 0.12, final epsilon 0.1)
 * with a 64-64 net and 2 gradient steps per training phase instead of 256-256 and 4 (about 4×
 * cheaper per step on the CPU), hard target copies every 1,000 steps instead of 250, 30-episode
 * evaluations every 10k steps whose 5 best checkpoints (finalists) play 100 new episodes each at
 * the end, the best of them kept (its greedy quality swings by 100 and more between evaluations,
 * and the best of 45 evaluations on the same 30 episodes is partly those episodes' luck), a step
 * size of 1e-3 annealed linearly to 0 instead of a constant 6.3e-4 (the late updates are small, so
 * the late policies stop swinging), over 450k steps instead of 300k. Twenty-four sweeps of 5 seeds
 * (examples/sweeps/dqn_lander_*) measured 265.6 ± 3.6 across seeds 1–5 (260.6–269.3) and 264.9 on
 * seeds 6–10 (254.1–276.5), against 258.6 ± 9.3 (243.3–265.2) for the previous preset (batches of
 * 64, no finalists, 300k steps), 248.9 ± 21.4 for the constant 6.3e-4 and 225.8 ± 17.6 for rl-zoo's
 * 250-step copies and 10-episode evaluations every 25k. Finalists alone lift the 300k runs to 260.4
 * ± 9.6 (seed 5's run has no checkpoint ≥ 250 to pick); 450k steps with finalists, batches of 64:
 * 262.7 ± 10.1. 6.3e-4, 1.5e-3 or 2e-3 annealed, a 128-128 net, 4 gradient steps per phase, 2- and
 * 3-step returns, 500-step copies, a squared TD loss, 600k steps, γ 0.995 or 0.98, final ε 0.02 or
 * 0.05, lr 3e-4, a 200k or 100k buffer, 2,000-step copies, Polyak averaging, learning from 10k
 * steps, ε over 16–30 % of the steps, held exploratory actions, a 256-256 net, 10 finalists of
 * 20-episode evaluations every 5k and one gradient step per phase (264.1 ± 10.2, half the learner's
 * work, but 252.8 and 254.2 on seeds 2 and 3) did not do better. The two classic configurations:
 *
 * - rl-zoo exactly: `--steps 100000 --set hidden=[256,256] gradientSteps=-1 doubleDqn=false
 *   learningRate=6.3e-4 annealLr=false targetUpdateInterval=250 finalists=0` (`gradientSteps −1`
 *   is one gradient step per env step);
 * - the DQN tutorials (64-64, batch 64, soft updates τ = 1e-3 every 4 steps, lr 5e-4, buffer
 *   1e5, γ 0.99): `--set learningRate=5e-4 bufferSize=100000 batchSize=64 learningStarts=64
 *   tau=0.001 targetUpdateInterval=4 gradientSteps=1 epsilonSchedule=exponential
 *   epsilonDecayFactor=0.995 epsilonEnd=0.01 doubleDqn=false loss=mse maxGradNorm=0
 *   annealLr=false finalists=0`.
 *
 * FlappyBird-v0 (our own settings, from a small search; presets are per env id, so this one is
 * for the default observation, the 180 LIDAR rays): double DQN with a 128-128 net, one gradient
 * step per 2 env steps, hard target copies every 1000 steps, γ 0.99, 3-step returns and a low,
 * short exploration (ε 0.2 → 0.001 over the first 10 %: at ε = 1 random flaps fly the bird into
 * the ceiling and the first pipe). One LIDAR frame shows the bird's speed only through its tilt;
 * `--config examples/presets/flappy_lidar.json` adds the previous frame (`frameStack: 2`) and
 * passes the tutorial's bar (returns above 20 in 5 consecutive episodes) on seeds 1–3 by step
 * 1.9e5 of its 6e5 (examples/sweeps/dqn_flappy_lidar_stack.json). This preset alone passes it on
 * 2 of 3 seeds (one-step returns: a few pipes, on none; 1e6 steps, an annealed step size or
 * γ 0.95 did not do better: examples/sweeps/dqn_flappy_lidar_*). For the 12 features
 * (`useLidar: false`) use `--config examples/presets/flappy_features.json`: its own settings
 * (64-64, lr 1e-3, γ 0.95, targets every 500 steps) pass that bar by step 1.8e5 of its 3e5 on
 * seeds 1–3.
 */
const PRESETS: Readonly<Record<string, Partial<DqnHyper>>> = {
  // rl-zoo's CartPole DQN (lr 2.3e-3, batch 64, train_freq 256 with 128 gradient steps, target
  // copied every phase, exploration over 16 % of the steps to 0.04) with a 64-64 net.
  "CartPole-v1": {
    hidden: [64, 64],
    learningRate: 2.3e-3,
    bufferSize: 100_000,
    learningStarts: 1000,
    batchSize: 64,
    trainFreq: 256,
    gradientSteps: 128,
    targetUpdateInterval: 10,
    explorationFraction: 0.16,
    epsilonEnd: 0.04,
    evalEvery: 2500,
    evalEpisodes: 10,
  },
  "LunarLander-v3": {
    hidden: [64, 64],
    learningRate: 1e-3,
    annealLr: true,
    bufferSize: 50_000,
    learningStarts: 0,
    batchSize: 128,
    tau: 1,
    targetUpdateInterval: 1000,
    trainFreq: 4,
    gradientSteps: 2,
    explorationFraction: 0.12,
    epsilonEnd: 0.1,
    doubleDqn: true,
    evalEvery: 10_000,
    evalEpisodes: 30,
    finalists: 5,
  },
  "FlappyBird-v0": {
    hidden: [128, 128],
    learningRate: 5e-4,
    bufferSize: 100_000,
    learningStarts: 1000,
    batchSize: 64,
    trainFreq: 2,
    gradientSteps: 1,
    tau: 1,
    targetUpdateInterval: 1000,
    gamma: 0.99,
    nSteps: 3,
    doubleDqn: true,
    explorationFraction: 0.1,
    epsilonStart: 0.2,
    epsilonEnd: 0.001,
    evalEvery: 50_000,
    evalEpisodes: 10,
  },
};

/** DQN's schema. */
const DQN_SCHEMA = defineSchema({
  specs: SPECS,
  presets: PRESETS,
  check(h) {
    if (h.epsilonEnd > h.epsilonStart) {
      return `epsilonEnd=${h.epsilonEnd} must not exceed epsilonStart=${h.epsilonStart}`;
    }
    if (h.batchSize > h.bufferSize) {
      return `batchSize=${h.batchSize} exceeds bufferSize=${h.bufferSize}`;
    }
    if (h.explorationHold > 0 && h.explorationHold <= 1) {
      return `explorationHold=${h.explorationHold} must be 0 (off) or above 1 (a zeta law's exponent)`;
    }
    return null;
  },
});

const STEPS: Record<string, number> = {
  "CartPole-v1": 30_000,
  "LunarLander-v3": 450_000,
  "FlappyBird-v0": 600_000,
};

function qSpec(obsSize: number, nActions: number, h: DqnHyper): MlpSpec {
  return { sizes: [obsSize, ...h.hidden, nActions], hidden: h.activation };
}

/** Why DQN cannot train on `envId` (it needs flat Box observations and discrete actions). */
function whyUnsupported(envId: string, envOptions: Record<string, unknown> = {}): string | null {
  const env = make(envId, envOptions);
  const ok = env.observationSpace instanceof Box && env.actionSpace instanceof Discrete;
  env.close();
  return ok ? null : "DQN needs a Box observation space and a Discrete action space";
}

/** DQN steps all envs together: the steps are a multiple of `numEnvs`. */
function stepPlan(h: DqnHyper, totalSteps: number): StepPlan {
  const steps = Math.max(1, Math.ceil(totalSteps / h.numEnvs)) * h.numEnvs;
  return {
    steps,
    note: steps === totalSteps ? null : `whole steps of ${h.numEnvs} envs stepped together`,
  };
}

/** Trains DQN; see the module documentation. */
async function train(ctx: TrainContext<DqnHyper>): Promise<TrainResult> {
  const h = ctx.hyper;
  const N = h.numEnvs;
  // Seeding in one place: envs from ctx.seed, init and exploration from derived generators.
  const envs = await makeVec(ctx.envId, N, { options: ctx.envOptions, autoreset: "same-step" });
  const d = envs.obsSize;
  const nActions = (envs.singleActionSpace as Discrete).n;
  const spec = qSpec(d, nActions, h);
  const arch: Architecture = { kind: "q", spec };
  const config: DqnLearnerConfig = {
    net: spec,
    bufferCapacity: h.bufferSize,
    batchSize: h.batchSize,
    adam: { learningRate: h.learningRate },
    loss: h.loss,
    doubleDqn: h.doubleDqn,
    maxGradNorm: h.maxGradNorm > 0 ? h.maxGradNorm : null,
    seed: ctx.seed,
  };
  // `auto` measures this learner on each backend (cached per adapter and shape).
  const perPhase = h.gradientSteps < 0 ? h.trainFreq * N : h.gradientSteps;
  const stepsPerFlush = Math.max(1, Math.round(h.syncEvery / (h.trainFreq * N)) * perPhase);
  const { backend, decision } = await chooseBackend(ctx.device, {
    kind: "dqn",
    config,
    stepsPerFlush,
  });
  let learner: DqnLearner | null = null;
  // The monitor's evaluation thread, stopped with the rest.
  let closeMonitor: (() => Promise<void>) | undefined;
  try {
    ctx.log(`Learning on ${formatDecision(decision)} (${backend.description})`);
    await ctx.recordDevice(decision);
    learner = await backend.createDqnLearner(
      config,
      initMlpParams(spec, new Rng(ctx.seed), "torch-default"),
    );
    const qNet = new ActingMlp(spec, (await learner.getState()).params);
    const monitor = networkRunMonitor(ctx, "dqn", arch, h, () => qNet.params);
    closeMonitor = () => monitor.close();
    const mirror = new ReplayMirror(h.bufferSize, d);
    const nStep = new NStepReturns(N, d, h.nSteps, h.gamma);
    // A phase stages its own steps plus what each env held back from the phase before.
    const staging = new TransitionStaging((h.trainFreq + nStep.pending) * N, d);
    const statePath = ctx.run.path("trainingState");
    const totalSteps = stepPlan(h, ctx.totalSteps).steps;

    let globalStep = 0, vecSteps = 0;
    let rng = new Rng(ctx.seed + 1);
    const holds = h.explorationHold > 0 ? new ExplorationHolds(N, h.explorationHold) : null;
    if (ctx.resume) {
      if (await exists(statePath)) {
        const saved = await loadTrainingState<DqnCounters>(statePath, paramCount(spec));
        learner.setState(saved.learner);
        qNet.params.set(saved.learner.params);
        const c = saved.counters;
        ({ globalStep, vecSteps } = c);
        rng = Rng.fromJSON(c.rng);
        if (holds && c.holds) holds.restore(c.holds);
        monitor.restore(c);
        mirror.loadTensors(
          saved.extra ?? new Map(),
          c.replayPos,
          c.replaySize,
          statePath,
          h.gamma,
        );
        mirror.restore(learner);
      } else {
        ctx.log("No saved training state yet: starting from step 0.");
      }
      await ctx.resumedAt(globalStep);
    }
    // Episodes in flight when a run stopped are lost; a resumed run starts fresh ones.
    const obs = new Float32Array(envs.reset({ seed: ctx.seed + globalStep }));
    const actions = new Int32Array(N);
    const eps = {
      kind: h.epsilonSchedule,
      start: h.epsilonStart,
      end: h.epsilonEnd,
      fraction: h.explorationFraction,
      decay: h.epsilonDecayFactor,
    };
    const targetEvery = Math.max(1, Math.floor(h.targetUpdateInterval / N));
    const deferFlush = !learner.flushIsCheap;
    let lastFlush = globalStep, lastLog = globalStep;
    let lossSum = 0, qSum = 0, gradSteps = 0;
    let epsilon = h.epsilonStart;

    /** Runs what is queued and refreshes the acting weights (the one GPU→CPU sync point). */
    const flush = async () => {
      const stats = await learner!.flush();
      if (stats.gradientSteps > 0) {
        checkFinite(
          globalStep,
          { "losses/td_loss": stats.loss, "losses/q_values": stats.qMean },
          stats.params,
          h,
        );
        lossSum += stats.loss * stats.gradientSteps;
        qSum += stats.qMean * stats.gradientSteps;
        gradSteps += stats.gradientSteps;
      }
      qNet.params.set(stats.params);
      lastFlush = globalStep;
    };

    const saveLatest = async () => {
      await flush();
      await monitor.saveLatest(globalStep, qNet.params);
      const counters: DqnCounters = {
        globalStep,
        vecSteps,
        rng: rng.toJSON(),
        replayPos: mirror.pos,
        replaySize: mirror.size,
        ...(holds ? { holds: holds.toJSON() } : {}),
        ...monitor.counters,
      };
      await saveTrainingState(statePath, {
        learner: await learner!.getState(),
        counters,
        extra: mirror.toTensors(),
      });
      await monitor.saved(globalStep);
    };

    try {
      while (globalStep < totalSteps && !ctx.signal.aborted) {
        // --- act: epsilon-greedy on the CPU copy of the online net ---
        epsilon = epsilonAt(eps, globalStep, monitor.episodes, totalSteps);
        const q = qNet.forward(obs, N);
        for (let i = 0; i < N; i++) {
          const held = holds ? holds.next(i) : -1;
          if (held >= 0) actions[i] = held;
          else if (rng.random() < epsilon) {
            actions[i] = rng.integers(0, nActions);
            holds?.start(i, actions[i], rng.random());
          } else actions[i] = argmax(q, i * nActions, nActions);
        }
        const r = envs.step(actions);
        globalStep += N;
        vecSteps++;

        // --- stage (n-step) transitions: s' is the final obs of an ended episode ---
        for (let i = 0; i < N; i++) {
          const ended = r.terminated[i] || r.truncated[i];
          nStep.push(
            staging,
            i,
            obs,
            i * d,
            actions[i],
            r.rewards[i],
            ended ? r.finalObs : r.obs,
            i * d,
            !!r.terminated[i],
            !!r.truncated[i],
          );
          if (ended) {
            monitor.recordEpisode(r.episodeReturn[i], r.episodeLength[i], i, globalStep);
            holds?.end(i);
          }
        }
        obs.set(r.obs);

        // --- train: hand the staged transitions over, queue gradient steps and target updates ---
        if (vecSteps % h.trainFreq === 0) {
          staging.drain(learner, mirror);
          // n-step returns hold the first steps back: the ring may still be empty.
          if (globalStep > h.learningStarts && learner.size > 0) {
            const n = h.gradientSteps < 0 ? h.trainFreq * N : h.gradientSteps;
            learner.queueGradientSteps(
              n,
              annealedLearningRate(h.learningRate, globalStep, totalSteps, h.annealLr),
            );
            if (!deferFlush) await flush();
          }
        }
        if (globalStep > h.learningStarts && vecSteps % targetEvery === 0) {
          learner.queueTargetUpdate(h.tau);
        }
        if (deferFlush && globalStep - lastFlush >= h.syncEvery) await flush();

        // --- log, evaluate, report (one metrics line per step) ---
        const scalars: Record<string, number> = {};
        if (globalStep - lastLog >= h.logEvery) {
          lastLog = globalStep;
          Object.assign(scalars, monitor.takeEpisodeMetrics(), {
            "charts/epsilon": epsilon,
            "charts/sps": ctx.progress.rate,
          });
          if (gradSteps > 0) {
            scalars["losses/td_loss"] = lossSum / gradSteps;
            scalars["losses/q_values"] = qSum / gradSteps;
          }
          lossSum = qSum = gradSteps = 0;
        }
        const evalNow = monitor.evalDue(globalStep);
        if (evalNow) {
          await flush();
          Object.assign(scalars, await monitor.evaluate(globalStep, qNet.params));
        }
        if (Object.keys(scalars).length) ctx.metrics.write(globalStep, scalars);
        if (evalNow) await saveLatest();
        if (vecSteps % 64 === 0) {
          await monitor.yieldSometimes();
          ctx.progress.update(globalStep, {
            return: monitor.recentReturn,
            "ε": epsilon,
            "best eval": monitor.bestEval ?? NaN,
          });
        }
      }
      staging.drain(learner, mirror);
      if (!ctx.signal.aborted && h.evalEvery > 0 && monitor.lastEvalStep !== globalStep) {
        await flush();
        ctx.metrics.write(globalStep, await monitor.evaluate(globalStep, qNet.params));
      }
      await saveLatest();
    } catch (err) {
      // The acting copy still holds the last finite parameters: keep them as the latest.
      if (err instanceof DivergenceError) await monitor.saveLatest(lastFlush, qNet.params);
      throw err;
    }
    await monitor.finish(globalStep);
    ctx.progress.update(globalStep);
    ctx.progress.finish({ episodes: monitor.episodes, "best eval": monitor.bestEval ?? NaN });
    return { globalStep, stopped: ctx.signal.aborted, bestEvalReturn: monitor.bestEval };
  } finally {
    await closeMonitor?.();
    learner?.destroy();
    backend.destroy();
    envs.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** DQN as a registered algorithm. */
export const dqn: Algorithm = {
  id: "dqn",
  description: "Deep Q-network with replay, target network and double DQN (discrete actions)",
  schema: DQN_SCHEMA,
  unsupported: whyUnsupported,
  defaultSteps: (envId) => STEPS[envId] ?? 100_000,
  stepPlan,
  train,
  loadPolicy: (run: RunFolder, config: RunConfig, which): Promise<Policy> =>
    loadNetworkPolicy(run, config, which),
};
