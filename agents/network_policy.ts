/**
 * Deterministic policies of trained networks, for `eval`, `record`, periodic evaluation and the
 * dashboard's `/api/predict`: greedy on Q-values (DQN), argmax of the action probabilities
 * (discrete actor-critics) or the Gaussian mean clipped to the action box (continuous ones);
 * and, while training, {@link NetworkRunMonitor}: episode statistics, periodic evaluation of
 * the current network, best and latest checkpoints.
 * @module
 */
import { Rng } from "../core/rng.ts";
import type { RunConfig } from "../core/run_log.ts";
import { make } from "../envs/registry.ts";
import { Box } from "../envs/spaces.ts";
import type { Observation } from "../envs/types.ts";
import { createBackend } from "../kernels/backend.ts";
import { actorCriticLayout } from "../kernels/layout.ts";
import type { Backend, DevicePreference } from "../kernels/types.ts";
import { MlpCpu } from "../kernels/cpu/mlp.ts";
import type { Decision, Hyperparameters, Policy, TrainContext } from "./algorithm.ts";
import {
  type Architecture,
  CheckpointError,
  loadNetworkCheckpoint,
  saveNetworkCheckpoint,
} from "./checkpoint.ts";
import { evaluatePolicy } from "./evaluate.ts";

/** Index of the largest value (the first one on ties, as numpy's argmax). */
export function argmax(values: ArrayLike<number>, offset = 0, n = values.length - offset): number {
  let best = 0;
  for (let a = 1; a < n; a++) if (values[offset + a] > values[offset + best]) best = a;
  return best;
}

/** Softmax of `n` logits at `offset`, as a plain array (for `Decision.probs`). */
export function softmax(
  logits: ArrayLike<number>,
  offset = 0,
  n = logits.length - offset,
): number[] {
  let max = -Infinity;
  for (let k = 0; k < n; k++) max = Math.max(max, logits[offset + k]);
  const p = new Array<number>(n);
  let sum = 0;
  for (let k = 0; k < n; k++) sum += p[k] = Math.exp(logits[offset + k] - max);
  for (let k = 0; k < n; k++) p[k] /= sum;
  return p;
}

/** Bounds continuous actions are clipped to. */
export interface ActionBounds {
  /** Lower bounds. */
  low: ArrayLike<number>;
  /** Upper bounds. */
  high: ArrayLike<number>;
}

function toInput(obs: Observation, size: number): Float32Array {
  const x = typeof obs === "number" ? Float32Array.of(obs) : obs;
  if (x.length !== size) {
    throw new RangeError(`The network expects observations of ${size} values, got ${x.length}`);
  }
  return x instanceof Float32Array ? x : Float32Array.from(x);
}

/**
 * The deterministic policy of a network with parameters `params` (copied). `bounds` clips
 * Gaussian means (continuous actor-critics); without it the mean is returned as is.
 */
export function networkPolicy(
  arch: Architecture,
  params: Float32Array,
  bounds?: ActionBounds,
): Policy {
  const p = params.slice();
  if (arch.kind === "q") {
    const net = new MlpCpu(arch.spec, p);
    const obsSize = arch.spec.sizes[0];
    return {
      decide(obs): Decision {
        const q = net.forward(toInput(obs, obsSize));
        return { action: argmax(q), qValues: Array.from(q) };
      },
    };
  }
  const layout = actorCriticLayout(arch.shape);
  const actor = new MlpCpu(layout.actor.spec, p, layout.actor.offset);
  const obsSize = arch.shape.obsSize;
  if (arch.shape.action.kind === "discrete") {
    return {
      decide(obs): Decision {
        const logits = actor.forward(toInput(obs, obsSize));
        return { action: argmax(logits), probs: softmax(logits) };
      },
    };
  }
  return {
    decide(obs): Decision {
      const mean = actor.forward(toInput(obs, obsSize));
      const a = new Float32Array(mean.length);
      for (let d = 0; d < a.length; d++) {
        a[d] = bounds ? Math.min(Math.max(mean[d], bounds.low[d]), bounds.high[d]) : mean[d];
      }
      return { action: a };
    },
  };
}

/** The action box of `envId`, or undefined for discrete action spaces. */
export function actionBounds(
  envId: string,
  envOptions: Record<string, unknown> = {},
): ActionBounds | undefined {
  const env = make(envId, envOptions);
  const space = env.actionSpace;
  env.close();
  return space instanceof Box ? { low: space.low, high: space.high } : undefined;
}

/**
 * Loads the policy of a network run: `best.safetensors` (falling back to `latest.safetensors`
 * when no evaluation has saved a best one yet) or `latest.safetensors`.
 */
export async function loadNetworkPolicy(
  runDir: string,
  config: RunConfig,
  which: "best" | "latest" = "best",
): Promise<Policy> {
  const best = `${runDir}/best.safetensors`, latest = `${runDir}/latest.safetensors`;
  let path = which === "best" ? best : latest;
  if (path === best) {
    try {
      await Deno.stat(best);
    } catch {
      path = latest;
    }
  }
  try {
    await Deno.stat(path);
  } catch {
    throw new CheckpointError(
      which === "best"
        ? `No checkpoint in ${runDir}: neither best.safetensors nor latest.safetensors exists`
        : `No checkpoint in ${runDir}: latest.safetensors does not exist`,
    );
  }
  const ckpt = await loadNetworkCheckpoint(path, { algo: config.algo, env: config.env });
  return networkPolicy(ckpt.arch, ckpt.params, actionBounds(config.env, config.envOptions));
}

// ---------------------------------------------------------------------------------------------
// During training: episode statistics, periodic evaluation, best and latest checkpoints

/** Counters of a {@link NetworkRunMonitor} that a resumed run restores. */
export interface MonitorCounters {
  /** Episodes finished. */
  episodes: number;
  /** Best periodic evaluation mean return so far. */
  bestEval: number | null;
  /** Env step at which the next periodic evaluation is due. */
  nextEval: number;
}

/** Settings of a {@link NetworkRunMonitor}. */
export interface MonitorOptions {
  /** Algorithm id, written into checkpoints. */
  algo: string;
  /** Env steps between periodic evaluations (0 disables them). */
  evalEvery: number;
  /** Episodes per periodic evaluation. */
  evalEpisodes: number;
  /** Episodes in the progress bar's recent mean return. */
  recentWindow?: number;
}

/** Seed of the first periodic-evaluation episode (kept apart from the training seeds). */
export const EVAL_SEED = 10_000;

/**
 * The bookkeeping every network algorithm shares: episode returns for `charts/` metrics and
 * the progress bar, periodic greedy evaluation (`eval/mean_return`, `eval/success_rate`)
 * saving `best.safetensors` when it improves, and `latest.safetensors`.
 */
export class NetworkRunMonitor {
  /** Episodes finished. */
  episodes = 0;
  /** Best periodic evaluation mean return so far. */
  bestEval: number | null = null;
  /** Env step at which the next evaluation is due. */
  nextEval: number;
  /** Env step of the last evaluation (−1 before the first). */
  lastEvalStep = -1;
  readonly #ctx: TrainContext<Hyperparameters>;
  readonly #arch: Architecture;
  readonly #opts: MonitorOptions;
  readonly #bounds: ActionBounds | undefined;
  readonly #recent: number[] = [];
  #winReturn = 0;
  #winLength = 0;
  #winCount = 0;
  #lastYield = performance.now();

  /** A monitor for a run of `ctx` training networks of `arch`. */
  constructor(ctx: TrainContext<Hyperparameters>, arch: Architecture, opts: MonitorOptions) {
    this.#ctx = ctx;
    this.#arch = arch;
    this.#opts = opts;
    this.nextEval = opts.evalEvery > 0 ? opts.evalEvery : Infinity;
    this.#bounds = actionBounds(ctx.envId, ctx.envOptions);
  }

  /** The counters to save for resuming. */
  get counters(): MonitorCounters {
    return { episodes: this.episodes, bestEval: this.bestEval, nextEval: this.nextEval };
  }

  /** Restores saved counters. */
  restore(c: MonitorCounters): void {
    this.episodes = c.episodes;
    this.bestEval = c.bestEval;
    this.nextEval = c.nextEval ?? Infinity;
  }

  /** Records a finished training episode. */
  recordEpisode(ret: number, length: number): void {
    this.episodes++;
    this.#winReturn += ret;
    this.#winLength += length;
    this.#winCount++;
    this.#recent.push(ret);
    if (this.#recent.length > (this.#opts.recentWindow ?? 20)) this.#recent.shift();
  }

  /** Mean return of the most recent episodes (NaN before the first). */
  get recentReturn(): number {
    const r = this.#recent;
    return r.length ? r.reduce((a, b) => a + b, 0) / r.length : NaN;
  }

  /**
   * `charts/episodic_return`, `charts/episodic_length` and `charts/episodes` over the episodes
   * finished since the last call (empty when none), for the next metrics line.
   */
  takeEpisodeMetrics(): Record<string, number> {
    if (this.#winCount === 0) return {};
    const out = {
      "charts/episodic_return": this.#winReturn / this.#winCount,
      "charts/episodic_length": this.#winLength / this.#winCount,
      "charts/episodes": this.episodes,
    };
    this.#winReturn = this.#winLength = this.#winCount = 0;
    return out;
  }

  /**
   * Lets the event loop run (signal listeners: Ctrl-C) if 100 ms have passed since it last
   * did. Needed because awaiting the cpu backend's already-resolved promises never leaves the
   * microtask queue, so a training loop would otherwise see `ctx.signal` only at file I/O.
   */
  async yieldSometimes(): Promise<void> {
    const now = performance.now();
    if (now - this.#lastYield < 100) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.#lastYield = performance.now();
  }

  /** Whether a periodic evaluation is due at `step`. */
  evalDue(step: number): boolean {
    return step >= this.nextEval;
  }

  /**
   * Evaluates `params` greedily, writes `eval/` metrics, saves `best.safetensors` when the mean
   * return improves on the best so far, and updates `status.json`.
   */
  async evaluate(step: number, params: Float32Array): Promise<number> {
    const report = evaluatePolicy(
      networkPolicy(this.#arch, params, this.#bounds),
      this.#ctx.envId,
      {
        envOptions: this.#ctx.envOptions,
        episodes: this.#opts.evalEpisodes,
        seed: EVAL_SEED,
      },
    );
    this.#ctx.metrics.write(step, {
      "eval/mean_return": report.mean_reward,
      "eval/std_return": report.std_reward,
      "eval/success_rate": report.success_rate,
    });
    if (this.bestEval === null || report.mean_reward > this.bestEval) {
      this.bestEval = report.mean_reward;
      await this.saveCheckpoint("best", step, params);
    }
    while (this.nextEval <= step) this.nextEval += this.#opts.evalEvery;
    this.lastEvalStep = step;
    await this.#ctx.onStatus(step, this.bestEval);
    return report.mean_reward;
  }

  /** Saves `best.safetensors` or `latest.safetensors` in the run folder. */
  saveCheckpoint(which: "best" | "latest", step: number, params: Float32Array): Promise<void> {
    return saveNetworkCheckpoint(`${this.#ctx.runDir}/${which}.safetensors`, this.#arch, params, {
      algo: this.#opts.algo,
      env: this.#ctx.envId,
      globalStep: step,
    });
  }
}

/**
 * The backend the network algorithms learn on, reported to the user. `auto` takes WebGPU only
 * on a hardware adapter (see `createBackend`): on llvmpipe the CPU backend trains these small
 * MLPs several times faster (PPO on LunarLander: 7,600 vs 2,250 env steps/s, 2 cores).
 */
export async function createLearningBackend(
  pref: DevicePreference,
  log: (line: string) => void,
): Promise<Backend> {
  const backend = await createBackend(pref);
  log(`Learning on ${backend.kind}: ${backend.description}`);
  return backend;
}

/** The JSON form of an `Rng` state (bigints as decimal strings). */
export interface SavedRng {
  /** LCG state. */
  state: string;
  /** LCG increment. */
  inc: string;
  /** Whether a 32-bit half is buffered. */
  hasUint32: boolean;
  /** The buffered half. */
  uinteger: number;
}

/** Saves a generator's state as JSON-friendly values. */
export function saveRng(rng: Rng): SavedRng {
  const s = rng.getState();
  return {
    state: s.state.toString(),
    inc: s.inc.toString(),
    hasUint32: s.hasUint32,
    uinteger: s.uinteger,
  };
}

/** Restores a generator saved by {@link saveRng}. */
export function loadRng(s: SavedRng): Rng {
  return Rng.fromState({
    state: BigInt(s.state),
    inc: BigInt(s.inc),
    hasUint32: s.hasUint32,
    uinteger: s.uinteger,
  });
}
