/**
 * The bookkeeping every training algorithm shares, tabular or network: finished episodes
 * (`episodes.jsonl`, `charts/` metrics, the progress bar's recent return, the "solved" stop),
 * periodic greedy evaluation on fixed seeds saving the best checkpoint (a network run's played
 * half in this thread, half in an `EvaluationThread`), the finalists played again at the end
 * of the run, the latest checkpoint, and letting the event loop see Ctrl-C.
 * @module
 */
import type { CheckpointWhich } from "../core/run_folder.ts";
import type { EvalReport } from "../core/run_log.ts";
import { isParallelEnv } from "../envs/catalog.ts";
import { isSuccess } from "../envs/registry.ts";
import type { Hyperparameters, Policy, TrainContext } from "./algorithm.ts";
import { type Architecture, loadNetworkCheckpoint, saveNetworkCheckpoint } from "./checkpoint.ts";
import { evaluatePolicy, playEpisodes, summariseEpisodes } from "./evaluate.ts";
import { type EvaluationSetup, EvaluationThread } from "./evaluation_thread.ts";
import { int, type IntSpec } from "./hyperparameters.ts";
import { actionBounds, networkPolicy } from "./policy_loading.ts";
import { recordProgressVideo } from "./progress_video.ts";

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A periodic evaluation whose checkpoint is kept for the final selection. */
export interface Finalist {
  /** Env step of the evaluation. */
  step: number;
  /** Its mean return. */
  mean: number;
}

/** Counters of a {@link RunMonitor} that a resumed run restores. */
export interface MonitorCounters {
  /** Episodes finished. */
  episodes: number;
  /** Best periodic evaluation mean return so far. */
  bestEval: number | null;
  /** Env step at which the next periodic evaluation is due. */
  nextEval: number;
  /** The finalists so far, best first (absent in runs saved before finalists existed). */
  finalists?: Finalist[];
}

/** The keys of {@link evaluationSpecs}. */
export interface EvaluationSpecs {
  /** Env steps between periodic evaluations. */
  evalEvery: IntSpec;
  /** Episodes per periodic evaluation. */
  evalEpisodes: IntSpec;
  /** Finalists kept. */
  finalists: IntSpec;
  /** Episodes per finalist. */
  finalEpisodes: IntSpec;
}

/**
 * The evaluation hyperparameters of the network algorithms, with their defaults: periodic
 * greedy evaluations, and the finalists played again at the end of the run. A periodic
 * evaluation replays the same episodes each time, so its best of dozens is partly the luck of
 * those episodes (the "winner's curse"); the finalists' further episodes pick among the best
 * few on fresh seeds.
 */
export function evaluationSpecs(evalEvery: number, evalEpisodes: number): EvaluationSpecs {
  return {
    evalEvery: int("Env steps between greedy evaluations (0: none)", evalEvery, 0, 1e12),
    evalEpisodes: int("Episodes per periodic evaluation", evalEpisodes, 1, 100_000),
    finalists: int(
      "Best periodic evaluations replayed at the end on finalEpisodes new episodes, the best " +
        "becoming the best checkpoint (0: off)",
      0,
      0,
      1000,
    ),
    finalEpisodes: int(
      "Episodes each finalist plays (the seeds after the periodic evaluations')",
      100,
      1,
      100_000,
    ),
  };
}

/** Seed of the first periodic-evaluation episode (kept apart from the training seeds). */
export const EVAL_SEED = 10_000;

/** Training episodes in the "solved" rolling mean, as the tutorials' notebooks use. */
export const SOLVED_WINDOW = 100;

/** How a run's trainable state `P` (network parameters, a Q-table) is evaluated and saved. */
export interface MonitorOptions<P> {
  /** Env steps between periodic evaluations (0 disables them). */
  evalEvery: number;
  /** Episodes per periodic evaluation. */
  evalEpisodes: number;
  /** The greedy policy of `state` (used at once: evaluation runs before training goes on). */
  policy: (state: P) => Policy;
  /** Saves `state` as the best or latest checkpoint. */
  save: (which: CheckpointWhich, step: number, state: P) => Promise<void>;
  /** Episodes in the progress bar's recent mean return (default 20). */
  recentWindow?: number;
  /**
   * The live trainable state, for progress videos recorded as soon as they are due; without
   * it they wait for the next evaluation or save.
   */
  current?: () => P;
  /**
   * How a second thread builds `policy(state)` (network runs), to play half of each
   * evaluation's episodes while this thread plays the other half; `params` gives the
   * parameters `state` holds. Without it evaluations play in this thread.
   */
  share?: { setup: EvaluationSetup; params: (state: P) => Float32Array };
  /**
   * The best periodic evaluations played again at the end (`finish`): how many, their
   * episodes each, and how their states are kept until then (`finalists/`). Without it, none.
   */
  finalists?: {
    count: number;
    episodes: number;
    save: (step: number, state: P) => Promise<void>;
    load: (step: number) => Promise<P>;
    remove: (step: number) => Promise<void>;
  };
}

/** Episode statistics, periodic evaluation and checkpoints for one training run. */
export class RunMonitor<P> {
  /** Episodes finished. */
  episodes = 0;
  /** Best periodic evaluation mean return so far; after `finish`, the kept finalist's new mean. */
  bestEval: number | null = null;
  /** Env step at which the next evaluation is due. */
  nextEval: number;
  /** Env step of the last evaluation (−1 before the first). */
  lastEvalStep = -1;
  /** The periodic evaluations kept for the final selection, best first. */
  finalists: Finalist[] = [];
  /** Finalists' checkpoints to delete once the saved training state no longer lists them. */
  readonly #dropped: number[] = [];
  readonly #ctx: TrainContext<Hyperparameters>;
  readonly #opts: MonitorOptions<P>;
  readonly #isSuccess: (episodeReturn: number) => boolean;
  readonly #recent: number[] = [];
  readonly #window: number[] = [];
  #windowSum = 0;
  #solved = false;
  #winReturn = 0;
  #winLength = 0;
  #winCount = 0;
  #lastYield = performance.now();
  /** Training episodes whose progress video is due. */
  readonly #videosDue: number[] = [];
  /** The thread playing half of each evaluation, started with the monitor (`share`). */
  readonly #thread: Promise<EvaluationThread> | null;

  /** A monitor for the run of `ctx`. */
  constructor(ctx: TrainContext<Hyperparameters>, opts: MonitorOptions<P>) {
    this.#ctx = ctx;
    this.#opts = opts;
    this.nextEval = opts.evalEvery > 0 ? opts.evalEvery : Infinity;
    // A parallel env's success rule is for team returns: its agents' episodes have none.
    this.#isSuccess = isParallelEnv(ctx.envId) ? () => false : (ret) => isSuccess(ctx.envId, ret);
    const splits = opts.share !== undefined && opts.evalEvery > 0 && opts.evalEpisodes >= 2;
    this.#thread = splits ? EvaluationThread.start(opts.share!.setup) : null;
    // A failed start is reported by the first evaluation, not as an unhandled rejection.
    this.#thread?.catch(() => {});
  }

  /** Stops the evaluation thread, if any; call once training is over. */
  async close(): Promise<void> {
    (await this.#thread?.catch(() => null))?.close();
  }

  /** The counters to save for resuming. */
  get counters(): MonitorCounters {
    return {
      episodes: this.episodes,
      bestEval: this.bestEval,
      nextEval: this.nextEval,
      finalists: this.finalists.map((f) => ({ ...f })),
    };
  }

  /** Restores saved counters. */
  restore(c: MonitorCounters): void {
    this.episodes = c.episodes;
    this.bestEval = c.bestEval;
    this.nextEval = c.nextEval ?? Infinity;
    this.finalists = (c.finalists ?? []).map((f) => ({ ...f }));
  }

  /**
   * Records a finished training episode of env copy `envIndex`, ending at `globalStep`:
   * appends it to `episodes.jsonl` and reports "solved" once the rolling mean of the last
   * 100 episodes reaches the run's `stopAt`.
   */
  recordEpisode(ret: number, length: number, envIndex: number, globalStep: number): void {
    this.episodes++;
    if (this.#ctx.videos?.shouldRecord(this.episodes)) this.#videosDue.push(this.episodes);
    this.#winReturn += ret;
    this.#winLength += length;
    this.#winCount++;
    this.#recent.push(ret);
    if (this.#recent.length > (this.#opts.recentWindow ?? 20)) this.#recent.shift();
    const ctx = this.#ctx;
    ctx.episodeLog.write({
      global_step: globalStep,
      episode: this.episodes,
      return: ret,
      length,
      success: this.#isSuccess(ret),
      env_index: envIndex,
      wall_time: Math.round(ctx.metrics.wallTime * 1000) / 1000,
    });
    this.#window.push(ret);
    this.#windowSum += ret;
    if (this.#window.length > SOLVED_WINDOW) this.#windowSum -= this.#window.shift()!;
    if (
      !this.#solved && ctx.stopAt !== null && this.#window.length === SOLVED_WINDOW &&
      this.#windowSum / SOLVED_WINDOW >= ctx.stopAt
    ) {
      this.#solved = true;
      ctx.onSolved({
        episode: this.episodes,
        step: globalStep,
        mean: this.#windowSum / SOLVED_WINDOW,
      });
    }
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
   * Lets the event loop run (signal listeners, the lock's heartbeat) if 100 ms have passed
   * since it last did. Needed because awaiting the cpu backend's already-resolved promises
   * never leaves the microtask queue, so a training loop would otherwise see `ctx.signal`
   * only at file I/O.
   */
  async yieldSometimes(): Promise<void> {
    const now = performance.now();
    if (now - this.#lastYield < 100) return;
    if (this.#videosDue.length && this.#opts.current) await this.#recordDue(this.#opts.current());
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.#lastYield = performance.now();
  }

  /** Records the progress videos that are due with the policy of `state`. */
  async #recordDue(state: P): Promise<void> {
    const ctx = this.#ctx;
    while (this.#videosDue.length) {
      const episode = this.#videosDue.shift()!;
      try {
        await recordProgressVideo(ctx.run, this.#opts.policy(state), ctx.envId, episode, {
          envOptions: ctx.envOptions,
          seed: EVAL_SEED,
        });
      } catch (err) {
        // A video is a picture of the run, not the run: training goes on without it.
        ctx.log(`Could not record the progress video of episode ${episode}: ${message(err)}`);
      }
    }
  }

  /** Whether a periodic evaluation is due at `step`. */
  evalDue(step: number): boolean {
    return step >= this.nextEval;
  }

  /**
   * Evaluates `state` greedily on fixed seeds and saves it as the best checkpoint when its mean
   * return improves on the best so far; returns the `eval/` scalars for the step's metrics line.
   */
  async evaluate(step: number, state: P): Promise<Record<string, number>> {
    await this.#recordDue(state);
    const report = await this.#play(state, EVAL_SEED, this.#opts.evalEpisodes);
    if (this.bestEval === null || report.mean_reward > this.bestEval) {
      this.bestEval = report.mean_reward;
      await this.#opts.save("best", step, state);
    }
    await this.#keepFinalist(step, report.mean_reward, state);
    while (this.nextEval <= step) this.nextEval += this.#opts.evalEvery;
    this.lastEvalStep = step;
    return {
      "eval/mean_return": report.mean_reward,
      "eval/std_return": report.std_reward,
      "eval/success_rate": report.success_rate,
    };
  }

  /** Greedy episodes `seed`, `seed + 1`, … of `state`, half in the evaluation thread if any. */
  async #play(state: P, seed: number, episodes: number): Promise<EvalReport> {
    const envId = this.#ctx.envId;
    const options = { envOptions: this.#ctx.envOptions, episodes, seed };
    const policy = this.#opts.policy(state);
    if (!this.#thread || episodes < 2) return evaluatePolicy(policy, envId, options);
    // The thread plays the second half while this one plays the first.
    const half = Math.ceil(episodes / 2);
    const far = (await this.#thread).play(this.#opts.share!.params(state), seed, half, episodes);
    const near = playEpisodes(policy, envId, options, 0, half);
    return summariseEpisodes(envId, options, near, await far);
  }

  /** Keeps the evaluation at `step` as a finalist if it ranks among the best so far. */
  async #keepFinalist(step: number, mean: number, state: P): Promise<void> {
    const count = this.#opts.finalists?.count ?? 0, list = this.finalists;
    // A resumed run evaluates its last step again: the new evaluation replaces the old.
    const again = list.findIndex((f) => f.step === step);
    if (again >= 0) list.splice(again, 1);
    if (count === 0 || (list.length === count && mean <= list[count - 1].mean)) return;
    await this.#opts.finalists!.save(step, state);
    const dropped = this.#dropped.indexOf(step);
    if (dropped >= 0) this.#dropped.splice(dropped, 1);
    // Earlier evaluations rank first among equal means, as the best checkpoint does.
    const at = list.findIndex((f) => mean > f.mean);
    list.splice(at < 0 ? list.length : at, 0, { step, mean });
    // Deleted only after the next training state stops listing it (`saved`).
    if (list.length > count) this.#dropped.push(list.pop()!.step);
  }

  /**
   * Ends a run that trained its steps or reached its `stopAt`, at `step`: plays each finalist
   * `finalEpisodes` episodes on the seeds after the periodic evaluations' and saves the one with
   * the best mean as the best checkpoint (logged, and a `final_selection` event in the metrics).
   * Does nothing where the run keeps no finalists, or was stopped (Ctrl-C, a signal) short of
   * both. A resumed run repeats it (the finalists stay on disk).
   */
  async finish(step: number): Promise<void> {
    const keep = this.#opts.finalists;
    if (!keep || this.finalists.length === 0) return;
    if (this.#ctx.signal.aborted && !this.#solved) return;
    const episodes = keep.episodes;
    const seed = EVAL_SEED + this.#opts.evalEpisodes;
    const seeds = `seeds ${seed}–${seed + episodes - 1}`;
    this.#ctx.log(
      `Playing the ${this.finalists.length} best evaluations' checkpoints ${episodes} more ` +
        `episodes each (${seeds})`,
    );
    const scored: (Finalist & { final: number })[] = [];
    const states: P[] = [];
    for (const f of this.finalists) {
      const state = await keep.load(f.step);
      const report = await this.#play(state, seed, episodes);
      scored.push({ ...f, final: report.mean_reward });
      states.push(state);
    }
    let best = 0;
    for (let i = 1; i < scored.length; i++) if (scored[i].final > scored[best].final) best = i;
    const chosen = scored[best];
    await this.#opts.save("best", chosen.step, states[best]);
    this.bestEval = chosen.final;
    const n = (x: number) => x.toLocaleString("en-US");
    const message =
      `Kept step ${n(chosen.step)}'s checkpoint as the best: ${
        chosen.final.toFixed(1)
      } over ${episodes} more episodes (${seeds}); mean return, periodic → final: ` +
      scored.map((f) => `${n(f.step)} ${f.mean.toFixed(1)} → ${f.final.toFixed(1)}`).join(", ");
    this.#ctx.log(message);
    this.#ctx.metrics.event(
      step,
      "final_selection",
      message,
      "eval/final_mean_return",
      chosen.final,
    );
  }

  /** Saves `state` as the latest checkpoint (and records the progress videos that are due). */
  async saveLatest(step: number, state: P): Promise<void> {
    await this.#recordDue(state);
    await this.#opts.save("latest", step, state);
  }

  /** Reports that the full training state at `step` is saved (`status.json`). */
  async saved(step: number): Promise<void> {
    for (const dropped of this.#dropped.splice(0)) await this.#opts.finalists!.remove(dropped);
    await this.#ctx.onStatus(step, this.bestEval);
  }
}

/**
 * A {@link RunMonitor} for network parameters of `arch` (best / latest `.safetensors`),
 * evaluating `policy(params)` (default: the network's greedy policy on the env's action box).
 */
export function networkRunMonitor(
  ctx: TrainContext<Hyperparameters>,
  algo: string,
  arch: Architecture,
  settings: { evalEvery: number; evalEpisodes: number; finalists: number; finalEpisodes: number },
  current?: () => Float32Array,
  policy?: (params: Float32Array) => Policy,
): RunMonitor<Float32Array> {
  const bounds = policy ? undefined : actionBounds(ctx.envId, ctx.envOptions);
  const save = (path: string, step: number, params: Float32Array) =>
    saveNetworkCheckpoint(path, arch, params, { algo, env: ctx.envId, globalStep: step });
  return new RunMonitor<Float32Array>(ctx, {
    evalEvery: settings.evalEvery,
    evalEpisodes: settings.evalEpisodes,
    current,
    policy: policy ?? ((params) => networkPolicy(arch, params, bounds)),
    // A custom policy (a multi-agent shared one) is evaluated in this thread only.
    share: policy ? undefined : {
      setup: { arch, bounds, envId: ctx.envId, envOptions: ctx.envOptions },
      params: (params) => params,
    },
    save: (which, step, params) => save(ctx.run.checkpoint(which, "safetensors"), step, params),
    finalists: {
      count: settings.finalists,
      episodes: settings.finalEpisodes,
      save: async (step, params) => {
        await Deno.mkdir(ctx.run.path("finalists"), { recursive: true });
        await save(ctx.run.finalist(step), step, params);
      },
      load: async (step) => (await loadNetworkCheckpoint(ctx.run.finalist(step))).params,
      remove: async (step) => {
        try {
          await Deno.remove(ctx.run.finalist(step));
        } catch (err) {
          // A resumed run may drop a finalist whose file an earlier process already deleted.
          if (!(err instanceof Deno.errors.NotFound)) throw err;
        }
      },
    },
  });
}
