/**
 * Tabular Q-learning (Watkins, 1989) with epsilon-greedy exploration, for envs with discrete
 * actions: discrete observations (FrozenLake) are table rows as they are, `Box` observations
 * (CartPole) are binned into rows by {@link DiscretizeObservation} (`bins`). Options beyond the
 * plain algorithm, all off by default: a decaying learning rate, replay of stored transitions
 * and epsilon decay per env step instead of per episode. The run bookkeeping (episodes,
 * evaluation seeds, best checkpoint, Ctrl-C) is the shared {@link RunMonitor}'s, as for the
 * network algorithms.
 * @module
 */
import { writeJsonAtomic } from "../core/atomic_write.ts";
import { Rng } from "../core/rng.ts";
import type { CheckpointWhich, RunFolder } from "../core/run_folder.ts";
import type { RunConfig } from "../core/run_log.ts";
import { Box, Discrete } from "../envs/spaces.ts";
import { make } from "../envs/registry.ts";
import type { AnyEnv, Env } from "../envs/types.ts";
import { DiscretizeObservation } from "../envs/wrappers/discretize_observation.ts";
import type { Algorithm, Decision, Policy, TrainContext, TrainResult } from "./algorithm.ts";
import {
  choice,
  defineSchema,
  type HyperOf,
  int,
  intList,
  real,
  schemaDefaults,
} from "./hyperparameters.ts";
import { RunMonitor } from "./run_monitor.ts";

/** Most table entries (states × actions) a run may ask for: 128 MiB of float64. */
const MAX_TABLE_ENTRIES = 2 ** 24;

const SPECS = {
  learningRate: real("Step size α of the Bellman update (at the start, when decaying)", 0.05, {
    min: 0,
    minExclusive: true,
    max: 1,
  }),
  learningRateEnd: real("Floor α decays towards (used when learningRateDecay > 0)", 0, {
    min: 0,
    max: 1,
  }),
  learningRateDecay: real(
    "α = end + (learningRate − end)·exp(−decay · episode); 0 keeps α constant",
    0,
    { min: 0 },
  ),
  gamma: real("Discount factor γ", 0.99, { min: 0, max: 1 }),
  epsilonStart: real("Exploration rate at the start", 1, { min: 0, max: 1 }),
  epsilonEnd: real("Exploration rate floor", 0.05, { min: 0, max: 1 }),
  epsilonDecayRate: real("ε = end + (start − end)·exp(−rate · t), t per epsilonSchedule", 0.0003, {
    min: 0,
  }),
  epsilonSchedule: choice(
    "What t of the ε decay counts: finished episodes, or env steps (ε then changes every step)",
    "episode",
    ["episode", "step"],
  ),
  bins: intList(
    "Bins per Box observation dimension ([]: discrete obs); unbounded ones span " +
      "DISCRETIZE_DEFAULT_BOUNDS (CartPole-v1: velocities ±3, ±3.5), outliers go to the end bins",
    [],
    { min: 1, max: MAX_TABLE_ENTRIES, minLength: 0, maxLength: 64 },
  ),
  replayBuffer: int(
    "Transitions stored for replay, the oldest replaced first (0: no replay)",
    0,
    0,
    10_000_000,
  ),
  replayBatch: int(
    "Stored transitions drawn uniformly and replayed through the update after every env step",
    64,
    1,
    65_536,
  ),
  evalEvery: int("Env steps between greedy evaluations (0: none)", 50_000, 0, 1e12),
  evalEpisodes: int("Episodes per periodic evaluation", 200, 1, 100_000),
  logEvery: int("Episodes averaged into one charts/ metrics line", 100, 1, 1e9),
};

/** Hyperparameters of Q-learning, from its schema. */
export type QLearningHyper = HyperOf<typeof SPECS>;

/** Why `bins` does not fit `envId`'s observations (or its table is too large), or null. */
function checkBins(bins: readonly number[], envId: string): string | null {
  let env: AnyEnv;
  try {
    env = make(envId);
  } catch {
    return null; // An unknown env id is reported by whoever resolves it.
  }
  const obs = env.observationSpace, actions = env.actionSpace;
  env.close();
  if (obs instanceof Discrete) {
    return bins.length === 0 ? null : `bins=${JSON.stringify(bins)} applies to Box observations, ` +
      `but ${envId}'s are already discrete (${obs}): leave bins empty ([])`;
  }
  if (!(obs instanceof Box)) return null; // unsupported() names the problem.
  if (bins.length !== obs.size) {
    const example = JSON.stringify(new Array(obs.size).fill(8));
    return bins.length === 0
      ? `${envId} has Box observations of ${obs.size} dimensions: set bins to one count per ` +
        `dimension, e.g. ${example}`
      : `bins=${JSON.stringify(bins)} must give one count per dimension of ${envId}'s ` +
        `observation (${obs.size}), e.g. ${example}`;
  }
  const entries = bins.reduce((a, b) => a * b, 1) * (actions instanceof Discrete ? actions.n : 1);
  return entries > MAX_TABLE_ENTRIES
    ? `bins=${JSON.stringify(bins)} makes a table of ${entries} entries; at most ` +
      `${MAX_TABLE_ENTRIES} are accepted`
    : null;
}

/** Q-learning's schema. */
const Q_LEARNING_SCHEMA = defineSchema({
  specs: SPECS,
  presets: {
    // Greedy 100-episode mean (seeds 0..99) of the best checkpoint after the default 500k
    // steps: 500.0 for training seeds 0–4, in 3–6 s on a shared 2-core machine.
    "CartPole-v1": {
      bins: [6, 6, 12, 12],
      learningRate: 0.1,
      learningRateEnd: 0.01,
      learningRateDecay: 0.001,
      epsilonEnd: 0.01,
      epsilonDecayRate: 1e-5,
      epsilonSchedule: "step",
      replayBuffer: 10_000,
      replayBatch: 64,
      evalEvery: 25_000,
      evalEpisodes: 100,
      logEvery: 20,
    },
  },
  check: (h, run) => {
    if (h.epsilonEnd > h.epsilonStart) {
      return `epsilonEnd=${h.epsilonEnd} must not exceed epsilonStart=${h.epsilonStart}`;
    }
    if (h.learningRateDecay > 0 && h.learningRateEnd > h.learningRate) {
      return `learningRateEnd=${h.learningRateEnd} must not exceed learningRate=${h.learningRate}`;
    }
    if (h.replayBuffer > 0 && h.replayBatch > h.replayBuffer) {
      return `replayBatch=${h.replayBatch} must not exceed replayBuffer=${h.replayBuffer}`;
    }
    return checkBins(h.bins, run.envId);
  },
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

/** Stored transitions of a {@link TabularReplay}, oldest first (the `replay` of a checkpoint). */
export interface TabularTransitions {
  /** States `s`. */
  states: number[];
  /** Actions `a`. */
  actions: number[];
  /** Rewards `r`. */
  rewards: number[];
  /** Next states `s'`. */
  nextStates: number[];
  /** 1 where `s'` is terminal (no bootstrapping), else 0 (including time-limit truncation). */
  terminated: number[];
}

/**
 * A ring of the last `capacity` transitions `(s, a, r, s', terminated)`, replayed through the
 * Q-learning update in uniformly drawn minibatches: each real step then teaches the table
 * several times over, which speeds learning when the env is slow or rewards are rare.
 */
export class TabularReplay {
  /** Transitions kept at most. */
  readonly capacity: number;
  /** Transitions stored. */
  size = 0;
  #next = 0;
  readonly #s: Int32Array;
  readonly #a: Int32Array;
  readonly #r: Float64Array;
  readonly #s2: Int32Array;
  readonly #t: Uint8Array;

  /** An empty memory of `capacity` transitions. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Replay capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#s = new Int32Array(capacity);
    this.#a = new Int32Array(capacity);
    this.#r = new Float64Array(capacity);
    this.#s2 = new Int32Array(capacity);
    this.#t = new Uint8Array(capacity);
  }

  /** Stores a transition, replacing the oldest when full. */
  push(s: number, a: number, r: number, s2: number, terminated: boolean): void {
    const i = this.#next;
    this.#s[i] = s;
    this.#a[i] = a;
    this.#r[i] = r;
    this.#s2[i] = s2;
    this.#t[i] = terminated ? 1 : 0;
    this.#next = (i + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Applies the update of `table` to `count` stored transitions drawn with replacement. */
  replay(table: QTable, count: number, alpha: number, gamma: number, rng: Rng): void {
    for (let k = 0; k < count; k++) {
      const i = rng.integers(0, this.size);
      table.update(this.#s[i], this.#a[i], this.#r[i], this.#s2[i], this.#t[i] === 1, alpha, gamma);
    }
  }

  /** The stored transitions, oldest first. */
  transitions(): TabularTransitions {
    const out: TabularTransitions = {
      states: [],
      actions: [],
      rewards: [],
      nextStates: [],
      terminated: [],
    };
    const first = this.size < this.capacity ? 0 : this.#next;
    for (let k = 0; k < this.size; k++) {
      const i = (first + k) % this.capacity;
      out.states.push(this.#s[i]);
      out.actions.push(this.#a[i]);
      out.rewards.push(this.#r[i]);
      out.nextStates.push(this.#s2[i]);
      out.terminated.push(this.#t[i]);
    }
    return out;
  }

  /** A memory of `capacity` holding `saved` (the newest `capacity` of them when more). */
  static from(capacity: number, saved: TabularTransitions): TabularReplay {
    const replay = new TabularReplay(capacity);
    for (let k = Math.max(0, saved.states.length - capacity); k < saved.states.length; k++) {
      replay.push(
        saved.states[k],
        saved.actions[k],
        saved.rewards[k],
        saved.nextStates[k],
        saved.terminated[k] === 1,
      );
    }
    return replay;
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
  /** The replay memory (latest checkpoint of a run with `replayBuffer` > 0, for resuming). */
  replay?: TabularTransitions;
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
    replay?: TabularTransitions;
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
    replay: meta.replay,
  };
  return writeJsonAtomic(path, file);
}

/** Whether `r` is a replay memory whose states and actions index a `nStates` × `nActions` table. */
function validReplay(r: TabularTransitions, nStates: number, nActions: number): boolean {
  const index = (n: number) => (v: unknown) =>
    typeof v === "number" && Number.isInteger(v) && v >= 0 && v < n;
  const cols = [r.states, r.actions, r.rewards, r.nextStates, r.terminated];
  return cols.every((c) => Array.isArray(c) && c.length === r.states.length) &&
    r.states.every(index(nStates)) && r.nextStates.every(index(nStates)) &&
    r.actions.every(index(nActions)) && r.terminated.every(index(2)) &&
    r.rewards.every((v) => typeof v === "number" && Number.isFinite(v));
}

/** Loads a Q-table JSON file, checking its shape (and its replay memory's, if any). */
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
  if (file.replay !== undefined && !validReplay(file.replay, file.nStates, file.nActions)) {
    throw new TypeError(
      `${path} has a malformed replay memory (columns of unequal length or out-of-table values)`,
    );
  }
  return { table: new QTable(file.nStates, file.nActions, file.q.flat()), file };
}

/** Why Q-learning cannot learn on `env`, or null. */
function whyNotTabular(env: AnyEnv): string | null {
  const o = env.observationSpace, a = env.actionSpace;
  if (!(a instanceof Discrete)) {
    return `Q-learning needs a discrete action space, but this env's actions are continuous ` +
      `(${a}); use ppo or a2c for continuous actions`;
  }
  if (o instanceof Discrete) return null;
  if (!(o instanceof Box)) return `Q-learning needs Discrete or Box observations, got ${o}`;
  try {
    // Only to see whether every dimension has bounds to bin between.
    new DiscretizeObservation(env as Env<Float32Array, number, object>, { bins: 1 });
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The binning of `env`'s observations into table rows (null: they are rows already). */
function discretizer(
  env: AnyEnv,
  bins: readonly number[],
): DiscretizeObservation<number, object> | null {
  return bins.length === 0
    ? null
    : new DiscretizeObservation(env as Env<Float32Array, number, object>, { bins });
}

/** The table shape of an env with discrete observations and actions. */
function tableShape(env: Env<unknown, unknown, object>): { nStates: number; nActions: number } {
  const o = env.observationSpace, a = env.actionSpace;
  if (!(o instanceof Discrete) || !(a instanceof Discrete)) {
    throw new TypeError(
      `Q-learning needs discrete observations (or bins for Box ones) and discrete actions; ` +
        `got ${o} and ${a}`,
    );
  }
  return { nStates: o.n, nActions: a.n };
}

/** Maps an env observation to its table row. */
interface StateIndex {
  stateOf(obs: ArrayLike<number>): number;
}

/** The greedy policy of `table`, on raw observations binned by `states` when given. */
function greedyPolicy(table: QTable, states: StateIndex | null): Policy {
  return {
    decide(obs): Decision {
      const s = states ? states.stateOf(obs as ArrayLike<number>) : obs as number;
      return { action: table.greedy(s), qValues: table.row(s) };
    },
  };
}

/** `end + (start − end)·exp(−rate·t)`, exactly `start` when `rate` is 0. */
function decayed(start: number, end: number, rate: number, t: number): number {
  return rate === 0 ? start : end + (start - end) * Math.exp(-rate * t);
}

async function train(ctx: TrainContext<QLearningHyper>): Promise<TrainResult> {
  // Runs configured before a key existed lack it, and trained with its default.
  const h: QLearningHyper = { ...schemaDefaults(Q_LEARNING_SCHEMA), ...ctx.hyper };
  const raw = make(ctx.envId, ctx.envOptions);
  try {
    const states = discretizer(raw, h.bins);
    const env = (states ?? raw) as Env<number, number, object>;
    const { nStates, nActions } = tableShape(env);
    let table = new QTable(nStates, nActions);
    let replay = h.replayBuffer > 0 ? new TabularReplay(h.replayBuffer) : null;
    const monitor: RunMonitor<QTable> = new RunMonitor<QTable>(ctx, {
      evalEvery: h.evalEvery,
      evalEpisodes: h.evalEpisodes,
      // Evaluation steps the raw env: the policy bins its observations as training does.
      policy: (t) => greedyPolicy(t, states),
      current: () => table,
      save: (which, step, t): Promise<void> =>
        saveQTable(ctx.run.checkpoint(which, "qtable"), t, {
          env: ctx.envId,
          globalStep: step,
          episodes: monitor.episodes,
          monitor: { bestEval: monitor.bestEval, nextEval: monitor.nextEval },
          // Only a resume reads the memory, and it resumes from the latest checkpoint.
          replay: which === "latest" ? replay?.transitions() : undefined,
        }),
    });
    let globalStep = 0;
    if (ctx.resume) {
      try {
        const path = ctx.run.checkpoint("latest", "qtable");
        const saved = await loadQTable(path);
        if (saved.table.nStates !== nStates || saved.table.nActions !== nActions) {
          throw new TypeError(
            `${path} holds a ${saved.table.nStates}×${saved.table.nActions} table, but this ` +
              `run's env and bins give ${nStates}×${nActions}`,
          );
        }
        table = saved.table;
        globalStep = saved.file.globalStep;
        if (replay && saved.file.replay) {
          replay = TabularReplay.from(h.replayBuffer, saved.file.replay);
        }
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
    let obs = env.reset({ seed: ctx.seed + monitor.episodes }).obs;
    let epReturn = 0, epLength = 0, tdSum = 0, tdCount = 0;
    const perStep = h.epsilonSchedule === "step";
    const epsilonAt = () =>
      decayed(
        h.epsilonStart,
        h.epsilonEnd,
        h.epsilonDecayRate,
        perStep ? globalStep : monitor.episodes,
      );
    const alphaAt = () =>
      decayed(h.learningRate, h.learningRateEnd, h.learningRateDecay, monitor.episodes);
    const saveLatest = async () => {
      await monitor.saveLatest(globalStep, table);
      await monitor.saved(globalStep);
    };
    let eps = epsilonAt(), alpha = alphaAt();
    while (globalStep < ctx.totalSteps && !ctx.signal.aborted) {
      const a = table.epsilonGreedy(obs, eps, rng);
      const r = env.step(a);
      const td = table.update(obs, a, r.reward, r.obs, r.terminated, alpha, h.gamma);
      tdSum += Math.abs(td);
      tdCount++;
      if (replay) {
        replay.push(obs, a, r.reward, r.obs, r.terminated);
        if (replay.size >= h.replayBatch) replay.replay(table, h.replayBatch, alpha, h.gamma, rng);
      }
      globalStep++;
      epReturn += r.reward;
      epLength++;
      obs = r.obs;
      if (perStep) eps = epsilonAt();
      // Most steps log nothing: build a metrics line only when an episode ends or at an eval.
      let scalars: Record<string, number> | null = null;
      if (r.terminated || r.truncated) {
        monitor.recordEpisode(epReturn, epLength, 0, globalStep);
        epReturn = epLength = 0;
        obs = env.reset().obs;
        eps = epsilonAt();
        alpha = alphaAt();
        if (monitor.episodes % h.logEvery === 0) {
          scalars = {
            ...monitor.takeEpisodeMetrics(),
            "charts/epsilon": eps,
            "charts/learning_rate": alpha,
            "losses/td_error": tdSum / tdCount,
            "charts/sps": ctx.progress.rate,
          };
          tdSum = tdCount = 0;
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
    raw.close();
  }
}

/** Default env steps per env (others: 1M). */
const STEPS: Readonly<Record<string, number>> = { "CartPole-v1": 500_000 };

/**
 * Tabular Q-learning as a registered algorithm. Box observations are binned (`bins`) between
 * their space bounds or, for unbounded dimensions, the wrapper's `DISCRETIZE_DEFAULT_BOUNDS`; the
 * loaded policy bins raw observations the same way, so `eval`, `record` and `/api/predict`
 * take the env's own observations. A resumed run gets its replay memory back from the latest
 * checkpoint.
 */
export const qLearning: Algorithm = {
  id: "qlearning",
  description: "Tabular Q-learning with epsilon-greedy exploration (discrete or binned Box obs)",
  schema: Q_LEARNING_SCHEMA,
  unsupported(envId, envOptions = {}) {
    const env = make(envId, envOptions);
    try {
      return whyNotTabular(env);
    } finally {
      env.close();
    }
  },
  defaultSteps: (envId) => STEPS[envId] ?? 1_000_000,
  train,
  async loadPolicy(run: RunFolder, config: RunConfig, which: CheckpointWhich = "best") {
    let path = run.checkpoint(which, "qtable");
    try {
      await Deno.stat(path);
    } catch {
      path = run.checkpoint("latest", "qtable");
    }
    const { table } = await loadQTable(path);
    const bins = (config.hyperparameters.bins as readonly number[] | undefined) ?? [];
    const env = make(config.env, config.envOptions ?? {});
    try {
      const states = discretizer(env, bins);
      const { nStates, nActions } = tableShape(states ?? env);
      if (table.nStates !== nStates || table.nActions !== nActions) {
        throw new TypeError(
          `${path} holds a ${table.nStates}×${table.nActions} table, but ${config.env} with ` +
            `bins=${JSON.stringify(bins)} has ${nStates} states and ${nActions} actions`,
        );
      }
      return greedyPolicy(table, states);
    } finally {
      env.close();
    }
  },
};
