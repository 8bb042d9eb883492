/**
 * Tabular Q-learning (Watkins, 1989) with epsilon-greedy exploration and exponential epsilon
 * decay per episode, for envs with discrete observations and actions (FrozenLake).
 * @module
 */
import { writeJsonAtomic } from "../core/atomic_write.ts";
import { Rng } from "../core/rng.ts";
import type { RunConfig } from "../core/run_log.ts";
import { Discrete } from "../envs/spaces.ts";
import { make } from "../envs/registry.ts";
import type { AnyEnv } from "../envs/types.ts";
import type { Algorithm, Decision, Policy, TrainContext, TrainResult } from "./algorithm.ts";
import { evaluatePolicy } from "./evaluate.ts";

/** Hyperparameters of Q-learning. */
export interface QLearningHyper {
  /** Hyperparameters form a flat JSON record. */
  [key: string]: number;
  /** Step size α of the Bellman update. */
  learningRate: number;
  /** Discount factor γ. */
  gamma: number;
  /** Epsilon at the first episode. */
  epsilonStart: number;
  /** Epsilon floor. */
  epsilonEnd: number;
  /** ε = end + (start − end)·exp(−decay · episode). */
  epsilonDecay: number;
  /** Env steps between greedy evaluations. */
  evalEvery: number;
  /** Episodes per evaluation. */
  evalEpisodes: number;
  /** Episodes averaged into one `charts/` metrics line. */
  logEvery: number;
}

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
}

/** Saves `table` as JSON, atomically. */
export function saveQTable(
  path: string,
  table: QTable,
  meta: { env: string; globalStep: number; episodes: number },
): Promise<void> {
  const file: QTableFile = {
    format: "eagle-qtable/1",
    env: meta.env,
    nStates: table.nStates,
    nActions: table.nActions,
    q: Array.from({ length: table.nStates }, (_, s) => table.row(s)),
    globalStep: meta.globalStep,
    episodes: meta.episodes,
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

/** Tabular Q-learning as a registered algorithm. */
export const qLearning: Algorithm<QLearningHyper> = {
  id: "qlearning",
  description: "Tabular Q-learning with epsilon-greedy exploration (discrete observations)",
  unsupported(envId) {
    try {
      spaces(make(envId));
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  },
  defaults: () => ({
    learningRate: 0.05,
    gamma: 0.99,
    epsilonStart: 1.0,
    epsilonEnd: 0.05,
    epsilonDecay: 0.0003,
    evalEvery: 50_000,
    evalEpisodes: 200,
    logEvery: 100,
  }),
  docs: {
    learningRate: "Step size α of the Bellman update",
    gamma: "Discount factor γ",
    epsilonStart: "Exploration rate of the first episode",
    epsilonEnd: "Exploration rate floor",
    epsilonDecay: "Per-episode exponential decay rate of epsilon",
    evalEvery: "Env steps between greedy evaluations (eval/mean_return)",
    evalEpisodes: "Episodes per periodic evaluation",
    logEvery: "Episodes averaged into one charts/ metrics line",
  },
  defaultSteps: () => 1_000_000,
  async train(ctx: TrainContext<QLearningHyper>): Promise<TrainResult> {
    const h = ctx.hyper;
    const env = make(ctx.envId, ctx.envOptions);
    const { nStates, nActions } = spaces(env);
    const latestPath = `${ctx.runDir}/qtable.json`, bestPath = `${ctx.runDir}/qtable_best.json`;
    let table = new QTable(nStates, nActions);
    let globalStep = 0, episodes = 0;
    if (ctx.resume) {
      const saved = await loadQTable(latestPath);
      table = saved.table;
      globalStep = saved.file.globalStep;
      episodes = saved.file.episodes;
    }
    // A resumed run draws from a fresh stream keyed by its progress.
    const rng = new Rng(ctx.seed + episodes);
    let obs = env.reset({ seed: ctx.seed + episodes }).obs as number;
    let epReturn = 0, epLength = 0, winReturns = 0, winLengths = 0, winCount = 0;
    let best: number | null = null,
      nextEval = Math.ceil((globalStep + 1) / h.evalEvery) *
        h.evalEvery;
    const epsilonAt = (ep: number) =>
      h.epsilonEnd + (h.epsilonStart - h.epsilonEnd) * Math.exp(-h.epsilonDecay * ep);
    const evaluate = async () => {
      const report = evaluatePolicy(greedyPolicy(table), ctx.envId, {
        envOptions: ctx.envOptions,
        episodes: h.evalEpisodes,
        seed: 10_000,
      });
      ctx.metrics.write(globalStep, {
        "eval/mean_return": report.mean_reward,
        "eval/success_rate": report.success_rate,
      });
      if (best === null || report.mean_reward > best) {
        best = report.mean_reward;
        await saveQTable(bestPath, table, { env: ctx.envId, globalStep, episodes });
      }
      await ctx.onStatus(globalStep, best);
    };
    while (globalStep < ctx.totalSteps && !ctx.signal.aborted) {
      const eps = epsilonAt(episodes);
      const a = table.epsilonGreedy(obs, eps, rng);
      const r = env.step(a);
      table.update(obs, a, r.reward, r.obs as number, r.terminated, h.learningRate, h.gamma);
      globalStep++;
      epReturn += r.reward;
      epLength++;
      obs = r.obs as number;
      if (r.terminated || r.truncated) {
        episodes++;
        winReturns += epReturn;
        winLengths += epLength;
        winCount++;
        epReturn = epLength = 0;
        obs = env.reset().obs as number;
        if (winCount === h.logEvery) {
          ctx.metrics.write(globalStep, {
            "charts/episodic_return": winReturns / winCount,
            "charts/episodic_length": winLengths / winCount,
            "charts/epsilon": eps,
            "charts/episodes": episodes,
            "charts/sps": ctx.progress.rate,
          });
          winReturns = winLengths = winCount = 0;
        }
      }
      if (globalStep >= nextEval) {
        await evaluate();
        nextEval += h.evalEvery;
      }
      if ((globalStep & 1023) === 0) {
        ctx.progress.update(globalStep, { "ε": epsilonAt(episodes), "best eval": best ?? NaN });
      }
    }
    if (!ctx.signal.aborted && globalStep % h.evalEvery !== 0) await evaluate();
    await saveQTable(latestPath, table, { env: ctx.envId, globalStep, episodes });
    ctx.progress.update(globalStep);
    ctx.progress.finish({ episodes, "best eval": best ?? NaN });
    env.close();
    return { globalStep, stopped: ctx.signal.aborted, bestEvalReturn: best };
  },
  async loadPolicy(runDir: string, _config: RunConfig, which = "best"): Promise<Policy> {
    const best = `${runDir}/qtable_best.json`, latest = `${runDir}/qtable.json`;
    let path = which === "best" ? best : latest;
    try {
      await Deno.stat(path);
    } catch {
      path = latest;
    }
    return greedyPolicy((await loadQTable(path)).table);
  },
};
