/**
 * `WorkerVectorEnv`: a {@link VectorEnv} whose sub-envs live in worker threads, created there
 * by registry id. The sub-envs are split into contiguous shares, one per worker; a step
 * writes the actions into shared memory, wakes every worker through `Atomics.notify` and
 * blocks the calling thread in `Atomics.wait` until each has stepped its share into shared
 * result arrays. No message is posted per step, so the cost per step is a few microseconds
 * per worker, paid once per batch: give each worker many sub-envs.
 * @module
 */
import { make } from "./registry.ts";
import type { Space } from "./spaces.ts";
import type { Action, EnvSpec, Observation } from "./types.ts";
import {
  allocateVectorResult,
  type AutoresetMode,
  checkActions,
  checkNumEnvs,
  flatSize,
  type VectorEnv,
  type VectorResetOptions,
  type VectorStepResult,
} from "./vector_types.ts";

/**
 * The shared-memory protocol between `WorkerVectorEnv` and `vector_worker.ts` (internal).
 *
 * Each worker owns `CTRL_STRIDE` int32 slots of the control array (64 bytes, so that two
 * workers never share a cache line). The main thread writes `CMD`, then a new sequence
 * number into `REQ` and notifies; the worker runs the command, writes `STATUS` (0 ok, 1
 * error, with the error as JSON of `ERR_LEN` bytes in its `ERR_BYTES` region of the error
 * buffer), then the sequence number into `DONE` and notifies.
 */
export const WORKER_PROTOCOL = {
  CTRL_STRIDE: 16,
  REQ: 0,
  CMD: 1,
  DONE: 2,
  STATUS: 3,
  ERR_LEN: 4,
  CMD_STEP: 1,
  CMD_RESET: 2,
  CMD_RESET_SEED: 3,
  CMD_CLOSE: 4,
  ERR_BYTES: 16384,
} as const;

/** The message that starts a worker (internal). */
export interface WorkerInit {
  /** This worker's index. */
  worker: number;
  /** Registry id of the sub-envs. */
  id: string;
  /** Options passed to `make`. */
  options: Record<string, unknown>;
  /** Module URLs to import before `make` (they may register envs). */
  imports: string[];
  /** Autoreset mode. */
  autoreset: AutoresetMode;
  /** First sub-env (inclusive) of this worker's share. */
  start: number;
  /** Last sub-env (exclusive) of this worker's share. */
  end: number;
  /** Control words, `CTRL_STRIDE` per worker. */
  control: Int32Array;
  /** The seed of a seeded reset, written before `CMD_RESET_SEED`. */
  seed: Float64Array;
  /** All actions, `numEnvs × actionSize`, as float64 (exact for int32 and float32 input). */
  actions: Float64Array;
  /** Error JSON regions, `ERR_BYTES` per worker. */
  errors: Uint8Array;
  /** The shared result arrays of all sub-envs. */
  out: VectorStepResult;
}

/** What a worker posts once, when its envs are built or failed to build (internal). */
export type WorkerReply = { type: "ready" } | { type: "error"; error: SerializedError };

/** An error as it crosses threads (internal). */
export interface SerializedError {
  /** `error.name`, e.g. `RangeError`. */
  name: string;
  /** `error.message`. */
  message: string;
  /** `error.stack` in the worker, if any. */
  stack?: string;
}

/** Options of {@link WorkerVectorEnv.create}. */
export interface WorkerVectorEnvOptions {
  /** Options passed to `make` for every sub-env; must be structured-cloneable. */
  options?: Record<string, unknown>;
  /** Worker threads (at most `numEnvs`); default `navigator.hardwareConcurrency`. */
  workers?: number;
  /** How ended episodes are restarted; default `"next-step"`. */
  autoreset?: AutoresetMode;
  /**
   * Absolute URLs of modules to import (in this thread and in each worker) before building
   * the envs, for envs registered outside `registry.ts`: a registration made in this thread
   * is not seen by the workers, which have their own module instances.
   */
  imports?: readonly (string | URL)[];
}

const P = WORKER_PROTOCOL;
const ERROR_TYPES: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};
// Main-thread polls of a worker's DONE word before sleeping in Atomics.wait: a worker often
// finishes within microseconds, and a futex sleep/wake costs several.
const SPINS = 200;
// How long close() waits for a worker to acknowledge before terminating it regardless.
const CLOSE_TIMEOUT_MS = 5000;

/** Rebuilds an error from a worker with the same type and message. */
function reviveError(e: SerializedError, worker: number): Error {
  const Ctor = ERROR_TYPES[e.name] ?? Error;
  const err = new Ctor(e.message);
  if (!(e.name in ERROR_TYPES)) err.name = e.name;
  if (e.stack) {
    const here = (err.stack ?? "").split("\n").slice(1).join("\n");
    err.stack = `${e.stack}\n    --- in vector env worker ${worker}, rethrown by ---\n${here}`;
  }
  return err;
}

/**
 * A {@link VectorEnv} over worker threads; see the module doc. Create it with
 * {@link WorkerVectorEnv.create} (or `makeVec` with `workers > 0`) and always `close()` it
 * (or hold it with `using`): its workers block in `Atomics.wait` and keep the process alive
 * until closed. Results are bit-identical to a `SyncVectorEnv` of the same id, options and
 * seeds, for any number of workers.
 *
 * @example
 * ```ts
 * import { WorkerVectorEnv } from "./worker_vector.ts";
 * using envs = await WorkerVectorEnv.create("CartPole-v1", 16, { workers: 2 });
 * envs.reset({ seed: 1 });
 * const step = envs.step(new Int32Array(16));
 * console.log(step.obs.slice(0, 4));
 * ```
 */
export class WorkerVectorEnv implements VectorEnv {
  /** Number of sub-envs. */
  readonly numEnvs: number;
  /** Floats per observation. */
  readonly obsSize: number;
  /** Numbers per action. */
  readonly actionSize: number;
  /** The observation space of one sub-env (from a probe env built in this thread). */
  readonly singleObservationSpace: Space<Observation>;
  /** The action space of one sub-env (from a probe env built in this thread). */
  readonly singleActionSpace: Space<Action>;
  /** How ended episodes are restarted. */
  readonly autoreset: AutoresetMode;
  /** Registry spec of the sub-envs. */
  readonly spec?: EnvSpec;
  /** Number of worker threads. */
  readonly numWorkers: number;
  readonly #workers: Worker[];
  readonly #control: Int32Array;
  readonly #seed: Float64Array;
  readonly #actions: Float64Array;
  readonly #errors: Uint8Array;
  readonly #out: VectorStepResult;
  #seq = 0;
  #closed = false;

  private constructor(
    init: {
      numEnvs: number;
      obsSize: number;
      actionSize: number;
      observationSpace: Space<Observation>;
      actionSpace: Space<Action>;
      autoreset: AutoresetMode;
      spec?: EnvSpec;
      workers: Worker[];
      shared: Omit<
        WorkerInit,
        "worker" | "id" | "options" | "imports" | "autoreset" | "start" | "end"
      >;
    },
  ) {
    this.numEnvs = init.numEnvs;
    this.obsSize = init.obsSize;
    this.actionSize = init.actionSize;
    this.singleObservationSpace = init.observationSpace;
    this.singleActionSpace = init.actionSpace;
    this.autoreset = init.autoreset;
    this.spec = init.spec;
    this.numWorkers = init.workers.length;
    this.#workers = init.workers;
    this.#control = init.shared.control;
    this.#seed = init.shared.seed;
    this.#actions = init.shared.actions;
    this.#errors = init.shared.errors;
    this.#out = init.shared.out;
  }

  /**
   * Starts the workers and builds `numEnvs` copies of env `id` in them (`make(id, options)`),
   * sub-envs `[start, end)` of each worker's contiguous share. Rejects with the env's own
   * error if `make` fails (it is first tried once in this thread, for the spaces).
   */
  static async create(
    id: string,
    numEnvs: number,
    options: WorkerVectorEnvOptions = {},
  ): Promise<WorkerVectorEnv> {
    checkNumEnvs(numEnvs);
    const autoreset = options.autoreset ?? "next-step";
    if (autoreset !== "next-step" && autoreset !== "same-step") {
      throw new RangeError(`autoreset must be "next-step" or "same-step", got "${autoreset}"`);
    }
    const requested = options.workers ?? navigator.hardwareConcurrency;
    if (!Number.isInteger(requested) || requested <= 0) {
      throw new RangeError(`workers must be a positive integer, got ${requested}`);
    }
    const imports = (options.imports ?? []).map((u) => new URL(u).href);
    const envOptions = options.options ?? {};
    // Imported here too, so that the probe below sees envs those modules register.
    for (const url of imports) await import(url);
    // A probe env in this thread gives the spaces and reports a bad id or option at once.
    const probe = make(id, envOptions);
    const observationSpace = probe.observationSpace, actionSpace = probe.actionSpace;
    const spec = probe.spec;
    probe.close();
    const obsSize = flatSize(observationSpace), actionSize = flatSize(actionSpace);

    const numWorkers = Math.min(requested, numEnvs);
    const shared = {
      control: new Int32Array(new SharedArrayBuffer(4 * P.CTRL_STRIDE * numWorkers)),
      seed: new Float64Array(new SharedArrayBuffer(8)),
      actions: new Float64Array(new SharedArrayBuffer(8 * numEnvs * actionSize)),
      errors: new Uint8Array(new SharedArrayBuffer(P.ERR_BYTES * numWorkers)),
      out: allocateVectorResult(numEnvs, obsSize, true),
    };
    const workers: Worker[] = [];
    const ready: Promise<void>[] = [];
    const url = new URL("./vector_worker.ts", import.meta.url).href;
    for (let w = 0; w < numWorkers; w++) {
      // Contiguous shares; the first numEnvs % numWorkers workers take one extra sub-env.
      const base = Math.floor(numEnvs / numWorkers), extra = numEnvs % numWorkers;
      const start = w * base + Math.min(w, extra);
      const end = start + base + (w < extra ? 1 : 0);
      const worker = new Worker(url, { type: "module", name: `eagle-vector-env-${w}` });
      workers.push(worker);
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.onmessage = (e: MessageEvent<WorkerReply>) => {
            if (e.data.type === "ready") resolve();
            else reject(reviveError(e.data.error, w));
          };
          worker.onerror = (e: ErrorEvent) => {
            e.preventDefault(); // keep a worker's load error from killing this process
            reject(new Error(`Vector env worker ${w} failed to start: ${e.message}`));
          };
        }),
      );
      const init: WorkerInit = {
        worker: w,
        id,
        options: envOptions,
        imports,
        autoreset,
        start,
        end,
        ...shared,
      };
      worker.postMessage(init);
    }
    const settled = await Promise.allSettled(ready);
    for (const worker of workers) {
      worker.onmessage = null;
      worker.onerror = (e: ErrorEvent) => e.preventDefault();
    }
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) {
      // Workers that did start wait in their loop: stop them, then terminate every worker.
      const started = settled.flatMap((s, w) => s.status === "fulfilled" ? [w] : []);
      stopWorkers(shared.control, started, 1);
      for (const worker of workers) worker.terminate();
      throw failed.reason;
    }
    return new WorkerVectorEnv({
      numEnvs,
      obsSize,
      actionSize,
      observationSpace,
      actionSpace,
      autoreset,
      spec,
      workers,
      shared,
    });
  }

  /** Resets every sub-env (sub-env `i` with seed `seed + i`) and returns the observations. */
  reset(options: VectorResetOptions = {}): Float32Array {
    this.#checkOpen();
    if (options.seed === undefined) this.#run(P.CMD_RESET);
    else {
      this.#seed[0] = options.seed;
      this.#run(P.CMD_RESET_SEED);
    }
    return this.#out.obs;
  }

  /** Steps every sub-env; see {@link VectorEnv.step} and {@link AutoresetMode}. */
  step(actions: Int32Array | Float32Array): VectorStepResult {
    this.#checkOpen();
    checkActions(actions, this.numEnvs * this.actionSize);
    this.#actions.set(actions);
    this.#run(P.CMD_STEP);
    return this.#out;
  }

  /**
   * Closes the sub-envs and stops the workers (waiting up to 5 s for each to acknowledge,
   * then terminating it regardless). Idempotent. Rethrows an error of a sub-env's `close`.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const all = this.#workers.map((_, w) => w);
    const seq = stopWorkers(this.#control, all, this.#seq + 1);
    for (const worker of this.#workers) worker.terminate();
    const failed = all.find((w) =>
      Atomics.load(this.#control, w * P.CTRL_STRIDE + P.DONE) === seq &&
      this.#control[w * P.CTRL_STRIDE + P.STATUS] !== 0
    );
    if (failed !== undefined) throw this.#readError(failed);
  }

  /** Closes the vector env at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Runs one command on every worker and blocks until all are done. */
  #run(cmd: number): void {
    const ctrl = this.#control, n = this.#workers.length;
    const seq = this.#seq = (this.#seq + 1) | 0;
    for (let w = 0; w < n; w++) {
      const b = w * P.CTRL_STRIDE;
      Atomics.store(ctrl, b + P.CMD, cmd);
      Atomics.store(ctrl, b + P.REQ, seq);
      Atomics.notify(ctrl, b + P.REQ);
    }
    let failed = -1;
    for (let w = 0; w < n; w++) {
      const b = w * P.CTRL_STRIDE;
      let done = Atomics.load(ctrl, b + P.DONE), spins = 0;
      while (done !== seq) {
        if (spins < SPINS) spins++;
        else Atomics.wait(ctrl, b + P.DONE, done);
        done = Atomics.load(ctrl, b + P.DONE);
      }
      if (failed < 0 && Atomics.load(ctrl, b + P.STATUS) !== 0) failed = w;
    }
    // The lowest failing worker holds the lowest failing sub-env, as SyncVectorEnv would report.
    if (failed >= 0) throw this.#readError(failed);
  }

  #readError(w: number): Error {
    const len = this.#control[w * P.CTRL_STRIDE + P.ERR_LEN];
    // TextDecoder rejects views of shared memory: copy the bytes out first.
    const bytes = this.#errors.slice(w * P.ERR_BYTES, w * P.ERR_BYTES + len);
    return reviveError(JSON.parse(new TextDecoder().decode(bytes)) as SerializedError, w);
  }

  #checkOpen(): void {
    if (this.#closed) throw new TypeError("This vector env is closed");
  }
}

/**
 * Sends `CMD_CLOSE` with sequence number `seq` to the given workers and waits (bounded) for
 * their acknowledgements; returns `seq`.
 */
function stopWorkers(control: Int32Array, workers: number[], seq: number): number {
  seq |= 0;
  for (const w of workers) {
    const b = w * P.CTRL_STRIDE;
    Atomics.store(control, b + P.CMD, P.CMD_CLOSE);
    Atomics.store(control, b + P.REQ, seq);
    Atomics.notify(control, b + P.REQ);
  }
  const deadline = performance.now() + CLOSE_TIMEOUT_MS;
  for (const w of workers) {
    const b = w * P.CTRL_STRIDE;
    let done = Atomics.load(control, b + P.DONE);
    while (done !== seq) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(control, b + P.DONE, done, left);
      done = Atomics.load(control, b + P.DONE);
    }
  }
  return seq;
}
