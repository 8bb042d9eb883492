/**
 * The contract shared by the vector envs: {@link VectorEnv}, implemented in-process by
 * `SyncVectorEnv` (`vector.ts`) and across worker threads by `WorkerVectorEnv`
 * (`worker_vector.ts`). Both step every sub-env once per call, synchronously, and hand back
 * flat typed arrays. Also the small checks and allocation both variants share, so that they
 * fail with the same messages.
 * @module
 */
import type { Space } from "./spaces.ts";
import type { Action, EnvSpec, Observation } from "./types.ts";

/**
 * When a vector env restarts a sub-env whose episode ended (terminated or truncated).
 *
 * - `"next-step"`: Gymnasium 1.x's `AutoresetMode.NEXT_STEP` (its default). When env `i`
 *   ends on step `t`, step `t` returns its final observation in `obs`, its reward and the flag
 *   that ended it (and the episode statistics, and `finalObs` equal to `obs`). On step `t + 1`
 *   the vector env resets env `i` (without a seed: it continues its own random stream)
 *   instead of stepping it, ignores its action, and returns the reset observation in `obs`
 *   with reward 0 and both flags false. An agent must therefore not store the transition
 *   produced by that reset step (its action had no effect).
 * - `"same-step"`: Gymnasium's `AutoresetMode.SAME_STEP`. When env `i` ends on step `t`, it is
 *   reset within step `t`: `obs` holds the first observation of the new episode, `finalObs`
 *   the last observation of the ended one (use it to bootstrap through a truncation), and the
 *   reward, flags and episode statistics are those of the ended episode's last step. Every
 *   step is a real transition.
 */
export type AutoresetMode = "next-step" | "same-step";

/** Options of {@link VectorEnv.reset}. */
export interface VectorResetOptions {
  /**
   * Resets sub-env `i` with seed `seed + i` (Gymnasium's convention). Omitted: every sub-env
   * continues its own random stream.
   */
  seed?: number;
}

/**
 * What {@link VectorEnv.step} returns: flat typed arrays indexed by sub-env (and by
 * `i * obsSize + j` for observations). The arrays are owned by the vector env and
 * overwritten by the next `step` or `reset`: copy what you keep. In `WorkerVectorEnv` they
 * are views of `SharedArrayBuffer`s.
 */
export interface VectorStepResult {
  /** Observations, `numEnvs × obsSize` (see {@link AutoresetMode} for ended episodes). */
  readonly obs: Float32Array;
  /** Rewards of this step, one per sub-env. */
  readonly rewards: Float64Array;
  /** 1 where the sub-env reached a terminal state on this step, else 0. */
  readonly terminated: Uint8Array;
  /** 1 where the sub-env's episode was cut short (time limit) on this step, else 0. */
  readonly truncated: Uint8Array;
  /** Undiscounted return of the episode that ended on this step; 0 for other sub-envs. */
  readonly episodeReturn: Float64Array;
  /** Length in steps of the episode that ended on this step; 0 for other sub-envs. */
  readonly episodeLength: Int32Array;
  /**
   * Last observation of the episode that ended on this step (`numEnvs × obsSize`), from
   * which to bootstrap a truncated episode; zeros for other sub-envs.
   */
  readonly finalObs: Float32Array;
}

/**
 * A batch of `numEnvs` copies of one env stepped together. Observations are flattened to
 * `obsSize` floats (a `Discrete` observation is one float holding the index) and actions
 * to `actionSize` numbers (1 for a discrete action space).
 */
export interface VectorEnv {
  /** Number of sub-envs. */
  readonly numEnvs: number;
  /** Floats per observation: the product of the observation space's shape (1 for scalars). */
  readonly obsSize: number;
  /** Numbers per action: 1 for a discrete action space, the vector size for a `Box`. */
  readonly actionSize: number;
  /** The observation space of one sub-env. */
  readonly singleObservationSpace: Space<Observation>;
  /** The action space of one sub-env. */
  readonly singleActionSpace: Space<Action>;
  /** How ended episodes are restarted. */
  readonly autoreset: AutoresetMode;
  /** Registry spec of the sub-envs, when they were made by id. */
  readonly spec?: EnvSpec;
  /**
   * Resets every sub-env and returns the first observations (`numEnvs × obsSize`; the same
   * array as `step(...).obs`, overwritten by later calls).
   */
  reset(options?: VectorResetOptions): Float32Array;
  /**
   * Steps every sub-env with its action: `actions[i * actionSize + j]` is component `j` of
   * sub-env `i`'s action. Throws if called before `reset`, or with the sub-env's own error
   * if an action is invalid; after an error, `reset` before stepping again.
   */
  step(actions: Int32Array | Float32Array): VectorStepResult;
  /** Closes every sub-env (and stops the worker threads). Idempotent. */
  close(): void;
}

/**
 * Picks the actions of a range of sub-envs from their observations, in the thread that steps
 * them (`WorkerVectorEnvOptions.actor`): `act` reads rows `[start, end)` of `obs`
 * (`numEnvs × obsSize`) and writes the same rows of `actions` (`numEnvs × actionSize`), the
 * numbers `step` would be given: integers for a discrete action space, float32 values for a
 * `Box`. Rows are independent, so acting on the shares in different threads gives the same
 * actions as acting on all of them in one.
 */
export interface ShareActor {
  /** Writes the actions of sub-envs `[start, end)`. */
  act(obs: Float32Array, actions: Float64Array, start: number, end: number): void;
}

/**
 * How each thread of a vector env builds its {@link ShareActor}: the module at `url` exports
 * `createShareActor(init)`, which every thread calls once with its structured clone of `init`.
 * `SharedArrayBuffer`s in `init` stay shared: through them the actors read parameters that
 * change between calls and hand back what else they compute (log-probabilities, values).
 */
export interface ActorModule {
  /** Absolute URL of the module. */
  url: string;
  /** The argument of its `createShareActor`; must be structured-cloneable. */
  init: unknown;
}

/**
 * Imports `module.url` and builds its actor (internal: what each thread of a vector env does
 * with {@link ActorModule}). Rejects with a `TypeError` naming the module when it does not
 * export `createShareActor`, or that does not return an object with an `act` method.
 */
export async function loadShareActor(module: ActorModule): Promise<ShareActor> {
  const mod = await import(module.url);
  const create: unknown = mod.createShareActor;
  if (typeof create !== "function") {
    throw new TypeError(`Actor module ${module.url} does not export a function createShareActor`);
  }
  const actor: unknown = create(module.init);
  if (typeof (actor as Partial<ShareActor> | null)?.act !== "function") {
    throw new TypeError(
      `createShareActor of ${module.url} must return an object with an act method`,
    );
  }
  return actor as ShareActor;
}

/** Number of scalars in one element of `space` (the product of its shape; 1 for a scalar). */
export function flatSize(space: Space<unknown>): number {
  let n = 1;
  for (const d of space.shape) n *= d;
  return n;
}

/** Throws a `TypeError`/`RangeError` unless `actions` is a typed array of `expected` numbers. */
export function checkActions(actions: unknown, expected: number): void {
  if (!(actions instanceof Int32Array || actions instanceof Float32Array)) {
    const got = actions === null
      ? "null"
      : (actions as object)?.constructor?.name ?? typeof actions;
    throw new TypeError(`Vector env actions must be an Int32Array or Float32Array, got ${got}`);
  }
  if (actions.length !== expected) {
    throw new RangeError(
      `Vector env actions must hold numEnvs × actionSize = ${expected} numbers, got ${actions.length}`,
    );
  }
}

/** Throws a `RangeError` unless `n` is a positive integer. */
export function checkNumEnvs(n: number): void {
  if (!Number.isInteger(n) || n <= 0) {
    throw new RangeError(`numEnvs must be a positive integer, got ${n}`);
  }
}

/**
 * The sub-envs of a vector env (internal): each factory called once, in order, or `count`
 * envs from `build`; with none, a `RangeError` saying `none` ("A vector env needs at least
 * one env").
 */
export function buildSubEnvs<T>(
  source: readonly (() => T)[] | { count: number; build: () => T },
  none: string,
): T[] {
  let list: T[];
  if ("count" in source) {
    checkNumEnvs(source.count);
    list = Array.from({ length: source.count }, () => source.build());
  } else {
    list = source.map((fn) => fn());
  }
  if (list.length === 0) {
    throw new RangeError(`${none}, got 0`);
  }
  return list;
}

/** Allocates the result arrays of `numEnvs` envs, on `ArrayBuffer`s or `SharedArrayBuffer`s. */
export function allocateVectorResult(
  numEnvs: number,
  obsSize: number,
  shared = false,
): VectorStepResult {
  const buf = (bytes: number) => shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  return {
    obs: new Float32Array(buf(4 * numEnvs * obsSize)),
    finalObs: new Float32Array(buf(4 * numEnvs * obsSize)),
    rewards: new Float64Array(buf(8 * numEnvs)),
    terminated: new Uint8Array(buf(numEnvs)),
    truncated: new Uint8Array(buf(numEnvs)),
    episodeReturn: new Float64Array(buf(8 * numEnvs)),
    episodeLength: new Int32Array(buf(4 * numEnvs)),
  };
}

/** Views of envs `[start, end)` of `out`: the arrays an `EnvBatch` over that share writes. */
export function sliceVectorResult(
  out: VectorStepResult,
  start: number,
  end: number,
): VectorStepResult {
  const size = out.obs.length / out.rewards.length;
  return {
    obs: out.obs.subarray(start * size, end * size),
    finalObs: out.finalObs.subarray(start * size, end * size),
    rewards: out.rewards.subarray(start, end),
    terminated: out.terminated.subarray(start, end),
    truncated: out.truncated.subarray(start, end),
    episodeReturn: out.episodeReturn.subarray(start, end),
    episodeLength: out.episodeLength.subarray(start, end),
  };
}
