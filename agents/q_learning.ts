/**
 * Tabular Q-learning (Watkins, 1989) with epsilon-greedy exploration and exponential epsilon
 * decay per episode, for envs with discrete observations and actions (FrozenLake). The run
 * bookkeeping (episodes, evaluation seeds, best checkpoint, Ctrl-C) is the shared
 * {@link RunMonitor}'s, as for the network algorithms.
 * @module
 */
import { writeJsonAtomic } from "../core/atomic_write.ts";
import { Rng } from "../core/rng.ts";
import type { CheckpointWhich, RunFolder } from "../core/run_folder.ts";
import type { RunConfig } from "../core/run_log.ts";
import { Discrete } from "../envs/spaces.ts";
import { make } from "../envs/registry.ts";
import type { AnyEnv } from "../envs/types.ts";
import type { Algorithm, Decision, Policy, TrainContext, TrainResult } from "./algorithm.ts";
import { defineSchema, type HyperOf, int, real } from "./hyperparameters.ts";
import { RunMonitor } from "./run_monitor.ts";

const SPECS = {
  learningRate: real("Step size α of the Bellman update", 0.05, {
    min: 0,
    minExclusive: true,
    max: 1,
  }),
  gamma: real("Discount factor γ", 0.99, { min: 0, max: 1 }),
  epsilonStart: real("Exploration rate of the first episode", 1, { min: 0, max: 1 }),
  epsilonEnd: real("Exploration rate floor", 0.05, { min: 0, max: 1 }),
  epsilonDecayRate: real("ε = end + (start − end)·exp(−rate · episode)", 0.0003, { min: 0 }),
  evalEvery: int("Env steps between greedy evaluations (0: none)", 50_000, 0, 1e12),
  evalEpisodes: int("Episodes per periodic evaluation", 200, 1, 100_000),
  logEvery: int("Episodes averaged into one charts/ metrics line", 100, 1, 1e9),
};

/** Hyperparameters of Q-learning, from its schema. */
export type QLearningHyper = HyperOf<typeof SPECS>;

/** Q-learning's schema. */
const Q_LEARNING_SCHEMA = defineSchema({
  specs: SPECS,
  presets: {},
  check: (h) =>
    h.epsilonEnd > h.epsilonStart
      ? `epsilonEnd=${h.epsilonEnd} must not exceed epsilonStart=${h.epsilonStart}`
      : null,
});

/** A Q-table with epsilon-greedy action selection and the Q-learning update. */
export class QTable {
  /** Number of states. */
  readonly nStates: number;
  /** Number of actions. */
  readonly nActions: number;
  /** Values, `q[s * nActions + a]`. */
  readonly q: Float64Array;

  /** A zero-initialised table. */
  constructor(nStates: number, nActions: number, values?: ArrayLike<number>) {
    this.nStates = nStates;
    this.nActions = nActions;
    this.q = new Float64Array(nStates * nActions);
    if (values) {
      if (values.length !== this.q.length) {
        throw new RangeError(
          `Q-table needs ${this.q.length} values (${nStates}×${nActions}), got ${values.length}`,
        );
      }
      this.q.set(values);
    }
  }

  /** The greedy action in `s` (lowest index on ties, like numpy's argmax). */
  greedy(s: number): number {
    const o = s * this.nActions;
    let best = 0;
    for (let a = 1; a < this.nActions; a++) if (this.q[o + a] > this.q[o + best]) best = a;
    return best;
  }

  /** A random action with probability `epsilon`, else the greedy one. */
  epsilonGreedy(s: number, epsilon: number, rng: Rng): number {
    return rng.random() < epsilon ? rng.integers(0, this.nActions) : this.greedy(s);
  }

  /** `Q(s,a) += α·(r + γ·(1 − terminated)·max_a' Q(s',a') − Q(s,a))`; returns the TD error. */
  update(
    s: number,
    a: number,
    r: number,
    s2: number,
    terminated: boolean,
    alpha: number,
    gamma: number,
  ): number {
    const next = terminated ? 0 : this.q[s2 * this.nActions + this.greedy(s2)];
    const i = s * this.nActions + a;
    const td = r + gamma * next - this.q[i];
    this.q[i] += alpha * td;
    return td;
  }

  /** The row of `s`. */
  row(s: number): number[] {
    return Array.from(this.q.subarray(s * this.nActions, (s + 1) * this.nActions));
  }
}

/** The JSON checkpoint of a Q-learning run (`qtable.json`, `qtable_best.json`). */
export interface QTableFile {
  /** Format tag. */
  format: "eagle-qtable/1";
  /** Env id. */
  env: string;
  /** Number of states. */
  nStates: number;
  /** Number of actions. */
  nActions: number;
  /** Rows of action values. */
  q: number[][];
  /** Env steps taken when saved. */
  globalStep: number;
  /** Episodes finished when saved. */
  episodes: number;
  /** Best periodic evaluation so far and when the next is due (resume). */
  monitor?: { bestEval: number | null; nextEval: number };
}

/** Saves `table` as JSON, atomically. */
export function saveQTable(
  path: string,
  table: QTable,
  meta: {
    env: string;
    globalStep: number;
    episodes: number;
    monitor?: QTableFile["monitor"];
  },
): Promise<void> {
  const file: QTableFile = {
    format: "eagle-qtable/1",
    env: meta.env,
    nStates: table.nStates,
    nActions: table.nActions,
    q: Array.from({ length: table.nStates }, (_, s) => table.row(s)),
    globalStep: meta.globalStep,
    episodes: meta.episodes,
    monitor: meta.monitor,
  };
  return writeJsonAtomic(path, file);
}

/** Loads a Q-table JSON file, checking its shape. */
export async function loadQTable(path: string): Promise<{ table: QTable; file: QTableFile }> {
  let file: QTableFile;
  try {
    file = JSON.parse(await Deno.readTextFile(path));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw err;
    throw new TypeError(`${path} is not a valid Q-table JSON file: ${(err as Error).message}`);
  }
  if (
    file?.format !== "eagle-qtable/1" || !Array.isArray(file.q) ||
    file.q.length !== file.nStates || file.q.some((r) => r.length !== file.nActions)
  ) {
    throw new TypeError(`${path} is not an eagle-qtable/1 file with nStates × nActions values`);
  }
  return { table: new QTable(file.nStates, file.nActions, file.q.flat()), file };
}

function spaces(env: AnyEnv): { nStates: number; nActions: number } {
  const o = env.observationSpace, a = env.actionSpace;
  if (!(o instanceof Discrete) || !(a instanceof Discrete)) {
    throw new TypeError("Q-learning needs discrete observation and action spaces");
  }
  return { nStates: o.n, nActions: a.n };
}

function greedyPolicy(table: QTable): Policy {
  return {
    decide(obs): Decision {
      const s = obs as number;
      return { action: table.greedy(s), qValues: table.row(s) };
    },
  };
}

async function train(ctx: TrainContext<QLearningHyper>): Promise<TrainResult> {
  const h = ctx.hyper;
  const env = make(ctx.envId, ctx.envOptions);
  try {
    const { nStates, nActions } = spaces(env);
    let table = new QTable(nStates, nActions);
    const monitor: RunMonitor<QTable> = new RunMonitor<QTable>(ctx, {
      evalEvery: h.evalEvery,
      evalEpisodes: h.evalEpisodes,
      policy: greedyPolicy,
      save: (which, step, t): Promise<void> =>
        saveQTable(ctx.run.checkpoint(which, "qtable"), t, {
          env: ctx.envId,
          globalStep: step,
          episodes: monitor.episodes,
          monitor: { bestEval: monitor.bestEval, nextEval: monitor.nextEval },
        }),
    });
    let globalStep = 0;
    if (ctx.resume) {
      try {
        const saved = await loadQTable(ctx.run.checkpoint("latest", "qtable"));
        table = saved.table;
        globalStep = saved.file.globalStep;
        monitor.restore({
          episodes: saved.file.episodes,
          bestEval: saved.file.monitor?.bestEval ?? null,
          nextEval: saved.file.monitor?.nextEval ?? h.evalEvery,
        });
      } catch (err) {
        if (!(err instanceof Deno.errors.NotFound)) throw err;
        ctx.log("No saved Q-table yet: starting from step 0.");
      }
      await ctx.resumedAt(globalStep);
    }
    // A resumed run draws from a fresh stream keyed by its progress.
    const rng = new Rng(ctx.seed + monitor.episodes);
    let obs = env.reset({ seed: ctx.seed + monitor.episodes }).obs as number;
    let epReturn = 0, epLength = 0;
    const epsilonAt = (ep: number) =>
      h.epsilonEnd + (h.epsilonStart - h.epsilonEnd) * Math.exp(-h.epsilonDecayRate * ep);
    const saveLatest = async () => {
      await monitor.saveLatest(globalStep, table);
      await monitor.saved(globalStep);
    };
    let eps = epsilonAt(monitor.episodes);
    while (globalStep < ctx.totalSteps && !ctx.signal.aborted) {
      const a = table.epsilonGreedy(obs, eps, rng);
      const r = env.step(a);
      table.update(obs, a, r.reward, r.obs as number, r.terminated, h.learningRate, h.gamma);
      globalStep++;
      epReturn += r.reward;
      epLength++;
      obs = r.obs as number;
      // Most steps log nothing: build a metrics line only when an episode ends or at an eval.
      let scalars: Record<string, number> | null = null;
      if (r.terminated || r.truncated) {
        monitor.recordEpisode(epReturn, epLength, 0, globalStep);
        epReturn = epLength = 0;
        obs = env.reset().obs as number;
        eps = epsilonAt(monitor.episodes);
        if (monitor.episodes % h.logEvery === 0) {
          scalars = {
            ...monitor.takeEpisodeMetrics(),
            "charts/epsilon": eps,
            "charts/sps": ctx.progress.rate,
          };
        }
      }
      if (monitor.evalDue(globalStep)) {
        scalars = { ...scalars, ...(await monitor.evaluate(globalStep, table)) };
        ctx.metrics.write(globalStep, scalars);
        await saveLatest();
      } else if (scalars) {
        ctx.metrics.write(globalStep, scalars);
      }
      if ((globalStep & 1023) === 0) {
        await monitor.yieldSometimes();
        ctx.progress.update(globalStep, { "ε": eps, "best eval": monitor.bestEval ?? NaN });
      }
    }
    if (!ctx.signal.aborted && h.evalEvery > 0 && monitor.lastEvalStep !== globalStep) {
      ctx.metrics.write(globalStep, await monitor.evaluate(globalStep, table));
    }
    await saveLatest();
    ctx.progress.update(globalStep);
    ctx.progress.finish({ episodes: monitor.episodes, "best eval": monitor.bestEval ?? NaN });
    return { globalStep, stopped: ctx.signal.aborted, bestEvalReturn: monitor.bestEval };
  } finally {
    env.close();
  }
}

/** Tabular Q-learning as a registered algorithm. */
export const qLearning: Algorithm = {
  id: "qlearning",
  description: "Tabular Q-learning with epsilon-greedy exploration (discrete observations)",
  schema: Q_LEARNING_SCHEMA,
  unsupported(envId, envOptions = {}) {
    const env = make(envId, envOptions);
    try {
      spaces(env);
      return null;
    } catch (err) {
      return (err as Error).message;
    } finally {
      env.close();
    }
  },
  defaultSteps: () => 1_000_000,
  train,
  async loadPolicy(run: RunFolder, _config: RunConfig, which: CheckpointWhich = "best") {
    let path = run.checkpoint(which, "qtable");
    try {
      await Deno.stat(path);
    } catch {
      path = run.checkpoint("latest", "qtable");
    }
    return greedyPolicy((await loadQTable(path)).table);
  },
};
