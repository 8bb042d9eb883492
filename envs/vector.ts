/**
 * Vectorised envs: {@link SyncVectorEnv} steps a batch of envs in the calling thread, and
 * {@link makeVec} builds either it or the worker-thread variant (`WorkerVectorEnv`) by
 * registry id. Both implement {@link VectorEnv} with Gymnasium 1.x autoreset semantics
 * (see {@link AutoresetMode}).
 * @module
 */
import { isParallelEnv } from "./catalog.ts";
import { ParallelVectorEnv } from "./multi_agent/vector.ts";
import { make } from "./registry.ts";
import type { Space } from "./spaces.ts";
import type { Action, AnyEnv, EnvSpec, Observation } from "./types.ts";
import {
  type ActorModule,
  allocateVectorResult,
  type AutoresetMode,
  buildSubEnvs,
  checkActions,
  flatSize,
  type ShareActor,
  type VectorEnv,
  type VectorResetOptions,
  type VectorStepResult,
} from "./vector_types.ts";
import { WorkerVectorEnv } from "./worker_vector.ts";

export type {
  ActorModule,
  AutoresetMode,
  ShareActor,
  VectorEnv,
  VectorResetOptions,
  VectorStepResult,
};

/** Options of {@link EnvBatch}. */
export interface EnvBatchOptions {
  /** How ended episodes are restarted; default `"next-step"`. */
  autoreset?: AutoresetMode;
  /**
   * Index of the batch's first env in the whole vector env: env `j` of the batch is seeded
   * `seed + firstIndex + j`. Default 0.
   */
  firstIndex?: number;
}

/**
 * Steps a batch of envs into caller-provided typed arrays, with autoreset and episode
 * statistics: the engine of both vector envs (`SyncVectorEnv` runs one over all its envs,
 * each worker of `WorkerVectorEnv` one over its share, writing into shared memory), so
 * both variants produce the same numbers. Most code wants {@link SyncVectorEnv} instead.
 */
export class EnvBatch {
  /** The envs, in order. */
  readonly envs: readonly AnyEnv[];
  /** Floats per observation. */
  readonly obsSize: number;
  /** Numbers per action. */
  readonly actionSize: number;
  /** The arrays written by `reset` and `step`, each covering this batch's envs only. */
  readonly out: VectorStepResult;
  readonly #sameStep: boolean;
  readonly #firstIndex: number;
  readonly #scalarAction: boolean;
  // Per-env state, preallocated so that a step allocates nothing of its own.
  readonly #needsReset: Uint8Array;
  readonly #hasFinal: Uint8Array;
  readonly #runReturn: Float64Array;
  readonly #runLength: Int32Array;
  readonly #actionBufs: Float32Array[];
  #started = false;

  /**
   * Wraps `envs` (which must share observation and action shapes) writing into `out`, whose
   * arrays must hold exactly `envs.length` entries (times `obsSize` for observations).
   */
  constructor(envs: readonly AnyEnv[], out: VectorStepResult, options: EnvBatchOptions = {}) {
    if (envs.length === 0) throw new RangeError("A vector env needs at least one env, got 0");
    const autoreset = options.autoreset ?? "next-step";
    if (autoreset !== "next-step" && autoreset !== "same-step") {
      throw new RangeError(`autoreset must be "next-step" or "same-step", got "${autoreset}"`);
    }
    const obsShape = envs[0].observationSpace.shape.join(",");
    const actShape = envs[0].actionSpace.shape.join(",");
    envs.forEach((env, i) => {
      const o = env.observationSpace.shape.join(","), a = env.actionSpace.shape.join(",");
      if (o !== obsShape || a !== actShape) {
        throw new TypeError(
          `All envs of a vector env must share their spaces' shapes: env 0 has observation [${obsShape}] and action [${actShape}], env ${i} has [${o}] and [${a}]`,
        );
      }
    });
    const n = envs.length;
    this.envs = envs;
    this.obsSize = flatSize(envs[0].observationSpace);
    this.actionSize = flatSize(envs[0].actionSpace);
    this.#scalarAction = envs[0].actionSpace.shape.length === 0;
    this.#sameStep = autoreset === "same-step";
    this.#firstIndex = options.firstIndex ?? 0;
    const sizes: [keyof VectorStepResult, number][] = [
      ["obs", n * this.obsSize],
      ["finalObs", n * this.obsSize],
      ["rewards", n],
      ["terminated", n],
      ["truncated", n],
      ["episodeReturn", n],
      ["episodeLength", n],
    ];
    for (const [key, size] of sizes) {
      if (out[key].length !== size) {
        throw new RangeError(
          `EnvBatch out.${key} must hold ${size} entries, got ${out[key].length}`,
        );
      }
    }
    this.out = out;
    this.#needsReset = new Uint8Array(n);
    this.#hasFinal = new Uint8Array(n);
    this.#runReturn = new Float64Array(n);
    this.#runLength = new Int32Array(n);
    this.#actionBufs = Array.from({ length: n }, () => new Float32Array(this.actionSize));
  }

  /** Resets every env (env `j` with seed `seed + firstIndex + j` when a seed is given). */
  reset(seed?: number): void {
    const { obs, finalObs, rewards, terminated, truncated, episodeReturn, episodeLength } =
      this.out;
    for (let j = 0; j < this.envs.length; j++) {
      const r = this.envs[j].reset(seed === undefined ? {} : { seed: seed + this.#firstIndex + j });
      this.#writeObs(obs, j, r.obs);
    }
    finalObs.fill(0);
    rewards.fill(0);
    terminated.fill(0);
    truncated.fill(0);
    episodeReturn.fill(0);
    episodeLength.fill(0);
    this.#needsReset.fill(0);
    this.#hasFinal.fill(0);
    this.#runReturn.fill(0);
    this.#runLength.fill(0);
    this.#started = true;
  }

  /**
   * Steps every env with its action (`actions[j * actionSize + k]`, for this batch's env `j`)
   * or, in next-step mode, resets the envs that ended on the previous step.
   */
  step(actions: ArrayLike<number>): void {
    if (!this.#started) throw new TypeError("Vector env step() called before reset()");
    const { obs, finalObs, rewards, terminated, truncated, episodeReturn, episodeLength } =
      this.out;
    const k = this.actionSize, size = this.obsSize;
    for (let j = 0; j < this.envs.length; j++) {
      const env = this.envs[j];
      if (this.#hasFinal[j]) {
        finalObs.fill(0, j * size, (j + 1) * size);
        this.#hasFinal[j] = 0;
      }
      if (this.#needsReset[j]) {
        // Next-step autoreset: this step only restarts env j; its action is ignored.
        this.#writeObs(obs, j, env.reset().obs);
        this.#needsReset[j] = 0;
        rewards[j] = 0;
        terminated[j] = 0;
        truncated[j] = 0;
        episodeReturn[j] = 0;
        episodeLength[j] = 0;
        continue;
      }
      let action: Action;
      if (this.#scalarAction) {
        action = actions[j];
      } else {
        // Copied into a per-env buffer: exact for Int32/Float32/Float64 sources, no allocation.
        const buf = this.#actionBufs[j];
        for (let c = 0; c < k; c++) buf[c] = actions[j * k + c];
        action = buf;
      }
      const r = env.step(action);
      const ret = this.#runReturn[j] + r.reward;
      const len = this.#runLength[j] + 1;
      rewards[j] = r.reward;
      terminated[j] = r.terminated ? 1 : 0;
      truncated[j] = r.truncated ? 1 : 0;
      if (r.terminated || r.truncated) {
        episodeReturn[j] = ret;
        episodeLength[j] = len;
        this.#runReturn[j] = 0;
        this.#runLength[j] = 0;
        this.#writeObs(finalObs, j, r.obs);
        this.#hasFinal[j] = 1;
        if (this.#sameStep) this.#writeObs(obs, j, env.reset().obs);
        else {
          this.#writeObs(obs, j, r.obs);
          this.#needsReset[j] = 1;
        }
      } else {
        episodeReturn[j] = 0;
        episodeLength[j] = 0;
        this.#runReturn[j] = ret;
        this.#runLength[j] = len;
        this.#writeObs(obs, j, r.obs);
      }
    }
  }

  /** Closes every env. */
  close(): void {
    for (const env of this.envs) env.close();
  }

  #writeObs(dst: Float32Array, j: number, o: Observation): void {
    const off = j * this.obsSize;
    if (typeof o === "number") {
      dst[off] = o;
      return;
    }
    if (o.length !== this.obsSize) {
      throw new RangeError(
        `Env ${
          this.#firstIndex + j
        } returned an observation of ${o.length} values, expected ${this.obsSize}`,
      );
    }
    dst.set(o, off);
  }
}

/** Builds sub-envs by registry id: `make(id, options)`, `numEnvs` times. */
export interface VectorEnvById {
  /** Registry id, e.g. `CartPole-v1`. */
  id: string;
  /** Number of sub-envs (a positive integer). */
  numEnvs: number;
  /** Options passed to `make` for every sub-env. */
  options?: Record<string, unknown>;
}

/** Options of {@link SyncVectorEnv}. */
export interface SyncVectorEnvOptions {
  /** How ended episodes are restarted; default `"next-step"` (Gymnasium's default). */
  autoreset?: AutoresetMode;
}

/**
 * Steps `numEnvs` envs one after another in the calling thread. A step allocates nothing
 * besides what the envs themselves allocate; the returned arrays are reused by every call.
 *
 * @example
 * ```ts
 * import { SyncVectorEnv } from "./vector.ts";
 * const envs = new SyncVectorEnv({ id: "CartPole-v1", numEnvs: 4 }, { autoreset: "same-step" });
 * let obs = envs.reset({ seed: 42 }); // env i is seeded 42 + i
 * const actions = new Int32Array(envs.numEnvs);
 * for (let t = 0; t < 100; t++) {
 *   for (let i = 0; i < envs.numEnvs; i++) actions[i] = obs[i * envs.obsSize + 2] > 0 ? 1 : 0;
 *   const step = envs.step(actions);
 *   obs = step.obs;
 *   for (let i = 0; i < envs.numEnvs; i++) {
 *     if (step.terminated[i] || step.truncated[i]) console.log(step.episodeReturn[i]);
 *   }
 * }
 * envs.close();
 * ```
 */
export class SyncVectorEnv implements VectorEnv {
  /** Number of sub-envs. */
  readonly numEnvs: number;
  /** Floats per observation. */
  readonly obsSize: number;
  /** Numbers per action. */
  readonly actionSize: number;
  /** The observation space of one sub-env (sub-env 0's). */
  readonly singleObservationSpace: Space<Observation>;
  /** The action space of one sub-env (sub-env 0's). */
  readonly singleActionSpace: Space<Action>;
  /** How ended episodes are restarted. */
  readonly autoreset: AutoresetMode;
  /** Registry spec of sub-env 0, if any. */
  readonly spec?: EnvSpec;
  readonly #batch: EnvBatch;
  #closed = false;

  /**
   * Creates the sub-envs, from factories (called once each, in order) or by registry id.
   * The sub-envs must share their spaces' shapes.
   */
  constructor(
    envs: readonly (() => AnyEnv)[] | VectorEnvById,
    options: SyncVectorEnvOptions = {},
  ) {
    const list = buildSubEnvs<AnyEnv>(
      "id" in envs ? { count: envs.numEnvs, build: () => make(envs.id, envs.options) } : envs,
      "A vector env needs at least one env",
    );
    const obsSize = flatSize(list[0].observationSpace);
    this.#batch = new EnvBatch(list, allocateVectorResult(list.length, obsSize), options);
    this.numEnvs = list.length;
    this.obsSize = obsSize;
    this.actionSize = this.#batch.actionSize;
    this.singleObservationSpace = list[0].observationSpace;
    this.singleActionSpace = list[0].actionSpace;
    this.autoreset = options.autoreset ?? "next-step";
    this.spec = list[0].spec;
  }

  /**
   * The sub-envs, in order, for rendering or inspection (stepping or resetting them directly
   * desynchronises the vector env's bookkeeping).
   */
  get envs(): readonly AnyEnv[] {
    return this.#batch.envs;
  }

  /** Resets every sub-env (sub-env `i` with seed `seed + i`) and returns the observations. */
  reset(options: VectorResetOptions = {}): Float32Array {
    this.#checkOpen();
    this.#batch.reset(options.seed);
    return this.#batch.out.obs;
  }

  /** Steps every sub-env; see {@link VectorEnv.step} and {@link AutoresetMode}. */
  step(actions: Int32Array | Float32Array): VectorStepResult {
    this.#checkOpen();
    checkActions(actions, this.numEnvs * this.actionSize);
    this.#batch.step(actions);
    return this.#batch.out;
  }

  /** Closes every sub-env. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#batch.close();
  }

  /** Closes the vector env at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new TypeError("This vector env is closed");
  }
}

/** Options of {@link makeVec}. */
export interface MakeVecOptions {
  /** Options passed to `make` for every sub-env (structured-cloneable when `workers > 0`). */
  options?: Record<string, unknown>;
  /**
   * Worker threads to spread the sub-envs over; 0 or omitted: a {@link SyncVectorEnv} in
   * the calling thread.
   */
  workers?: number;
  /**
   * With `workers > 0`: the calling thread steps the first share of the sub-envs too, beside
   * the workers (`WorkerVectorEnvOptions.stepInCaller`); default false.
   */
  stepInCaller?: boolean;
  /** How ended episodes are restarted; default `"next-step"`. */
  autoreset?: AutoresetMode;
  /**
   * Append each agent's one-hot index to its observation (parallel envs only; default false).
   */
  agentIdOneHot?: boolean;
  /**
   * With `workers > 0`: the module building each thread's actor, for
   * `WorkerVectorEnv.stepActing` (`WorkerVectorEnvOptions.actor`).
   */
  actor?: ActorModule;
}

/**
 * Builds `numEnvs` copies of the registered env `id` as a vector env: a
 * {@link SyncVectorEnv} when `workers` is 0 or omitted, else a `WorkerVectorEnv` over that
 * many worker threads. Async because workers must start before the first step. Same seeds
 * give bit-identical results whichever variant runs.
 *
 * A parallel (multi-agent) env id gives a `ParallelVectorEnv` of `numEnvs` copies, one slot
 * per agent of each copy (`numEnvs × agents` slots), stepped in the calling thread.
 *
 * @example
 * ```ts
 * import { makeVec } from "./vector.ts";
 * const envs = await makeVec("CartPole-v1", 8, { workers: 2, autoreset: "same-step" });
 * envs.reset({ seed: 0 });
 * const step = envs.step(new Int32Array(8).fill(1));
 * console.log(step.rewards);
 * envs.close(); // stops the workers
 * ```
 */
export async function makeVec(
  id: string,
  numEnvs: number,
  options: MakeVecOptions = {},
): Promise<VectorEnv> {
  const workers = options.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0) {
    throw new RangeError(`workers must be a non-negative integer, got ${workers}`);
  }
  if (isParallelEnv(id)) {
    if (workers > 0) {
      throw new RangeError(
        `workers must be 0 for the parallel env ${id} (its copies step in the calling thread), got ${workers}`,
      );
    }
    return new ParallelVectorEnv({ id, numCopies: numEnvs, options: options.options }, {
      autoreset: options.autoreset,
      agentIdOneHot: options.agentIdOneHot,
    });
  }
  if (options.agentIdOneHot) {
    throw new RangeError(
      `agentIdOneHot applies to parallel (multi-agent) envs only; ${id} is single-agent`,
    );
  }
  if (workers === 0) {
    if (options.actor) {
      throw new RangeError("actor applies to vector envs with workers > 0, got workers 0");
    }
    return new SyncVectorEnv({ id, numEnvs, options: options.options }, {
      autoreset: options.autoreset,
    });
  }
  return await WorkerVectorEnv.create(id, numEnvs, {
    options: options.options,
    workers,
    stepInCaller: options.stepInCaller,
    autoreset: options.autoreset,
    actor: options.actor,
  });
}
