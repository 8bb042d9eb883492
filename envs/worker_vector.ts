/**
 * `WorkerVectorEnv`: a {@link VectorEnv} whose sub-envs live in worker threads, created there
 * by registry id. The sub-envs are split into contiguous shares, one per worker; a step
 * writes the actions into shared memory, wakes every worker through `Atomics.notify` and
 * blocks the calling thread in `Atomics.wait` until each has stepped its share into shared
 * result arrays. No message is posted per step, so the cost per step is a few microseconds
 * per worker, paid once per batch: give each worker many sub-envs. With `stepInCaller` the
 * calling thread steps the first share itself while it waits for the others. With an `actor`
 * module, `stepActing` has every thread pick its own share's actions before stepping it, so
 * that acting is spread over the threads too.
 *
 * A worker that exits (`self.close()`, `Deno.exit`) announces it in shared memory on its way
 * out, and the waits have a deadline (`stepTimeoutMs`), so that a broken worker makes the
 * caller throw a {@link VectorWorkerError} instead of blocking forever.
 * @module
 */
import { pollWhile } from "../core/poll.ts";
import { make } from "./registry.ts";
import type { Space } from "./spaces.ts";
import type { Action, EnvSpec, Observation } from "./types.ts";
import { EnvBatch } from "./vector.ts";
import {
  type ActorModule,
  allocateVectorResult,
  type AutoresetMode,
  checkActions,
  checkNumEnvs,
  flatSize,
  loadShareActor,
  type ShareActor,
  sliceVectorResult,
  type VectorEnv,
  type VectorResetOptions,
  type VectorStepResult,
} from "./vector_types.ts";

/**
 * The shared-memory protocol between `WorkerVectorEnv` and `vector_worker.ts` (internal).
 *
 * Each worker owns `CTRL_STRIDE` int32 slots of the control array (64 bytes, so that two
 * workers never share a cache line). The main thread writes `CMD`, then a new sequence
 * number into `REQ` and notifies; the worker runs the command, writes `STATUS`, then the
 * sequence number into `DONE` and notifies. With `STATUS_ERROR` a sub-env threw: its name,
 * message and stack lie back to back as UTF-8 in the worker's `ERR_BYTES` region of the error
 * buffer, `NAME_LEN`, `MESSAGE_LEN` and `STACK_LEN` bytes long (the name at most `NAME_BYTES`,
 * the message at most `MESSAGE_BYTES`). A worker that exits sets `EXITED` and, in the middle of
 * a command, completes it with `STATUS_EXITED`, the cause in the message slot and the place of
 * the exit in the stack slot. `POLL` is 1 while the worker may poll for its next command,
 * for up to `POLL_MS`, before it sleeps (the main thread decides).
 */
export const WORKER_PROTOCOL = {
  CTRL_STRIDE: 16,
  REQ: 0,
  CMD: 1,
  DONE: 2,
  STATUS: 3,
  NAME_LEN: 4,
  MESSAGE_LEN: 5,
  STACK_LEN: 6,
  EXITED: 7,
  POLL: 8,
  POLL_MS: 0.5,
  CMD_STEP: 1,
  CMD_RESET: 2,
  CMD_RESET_SEED: 3,
  CMD_CLOSE: 4,
  CMD_ACT_STEP: 5,
  STATUS_OK: 0,
  STATUS_ERROR: 1,
  STATUS_EXITED: 2,
  ERR_BYTES: 16384,
  NAME_BYTES: 512,
  MESSAGE_BYTES: 8192,
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
  /** The module that builds this worker's actor, if the vector env acts in its threads. */
  actor?: ActorModule;
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
  /** Error regions, `ERR_BYTES` per worker (see `WORKER_PROTOCOL`). */
  errors: Uint8Array;
  /** The shared result arrays of all sub-envs. */
  out: VectorStepResult;
}

/** What a worker posts once, when its envs are built or failed to build (internal). */
export type WorkerReply = { type: "ready" } | { type: "error"; error: SerializedError };

/** An error as it crosses threads (internal). */
export interface SerializedError {
  /** `error.name`, e.g. `RangeError`; empty if it could not be read (then `Error`). */
  name: string;
  /** `error.message`. */
  message: string;
  /** `error.stack` in the worker, if any. */
  stack?: string;
}

/**
 * Thrown when a worker of a {@link WorkerVectorEnv} exits, crashes or stops answering (or
 * fails to start). The vector env is unusable afterwards: its `reset` and `step` throw this
 * same error, and `close()` stops the workers.
 */
export class VectorWorkerError extends Error {
  /** Index of the worker. */
  readonly worker: number;
  /** First sub-env of the worker's share. */
  readonly firstEnv: number;
  /** One past the last sub-env of the worker's share. */
  readonly endEnv: number;

  /** `what` completes the sentence "Vector env worker 1 (envs 8–15) …". */
  constructor(worker: number, firstEnv: number, endEnv: number, what: string) {
    super(`${workerLabel(worker, firstEnv, endEnv)} ${what}`);
    this.name = "VectorWorkerError";
    this.worker = worker;
    this.firstEnv = firstEnv;
    this.endEnv = endEnv;
  }
}

/** "Vector env worker 1 (envs 8–15)": how messages name a worker and its share (internal). */
export function workerLabel(worker: number, firstEnv: number, endEnv: number): string {
  const envs = endEnv - firstEnv === 1 ? `env ${firstEnv}` : `envs ${firstEnv}–${endEnv - 1}`;
  return `Vector env worker ${worker} (${envs})`;
}

/** Options of {@link WorkerVectorEnv.create}. */
export interface WorkerVectorEnvOptions {
  /** Options passed to `make` for every sub-env; must be structured-cloneable. */
  options?: Record<string, unknown>;
  /** Worker threads (at most `numEnvs`); default `navigator.hardwareConcurrency`. */
  workers?: number;
  /**
   * Step the first share of the sub-envs in the calling thread, while the workers step
   * theirs: `workers + 1` shares (so at most `numEnvs - 1` workers). Default false. The caller
   * would otherwise sit idle in `Atomics.wait` during every step; on 2 cores one worker plus
   * the caller is the way to keep both busy (`deno task bench env` measures it).
   */
  stepInCaller?: boolean;
  /** How ended episodes are restarted; default `"next-step"`. */
  autoreset?: AutoresetMode;
  /**
   * Absolute URLs of modules to import (in this thread and in each worker) before building
   * the envs, for envs registered outside `registry.ts`: a registration made in this thread
   * is not seen by the workers, which have their own module instances.
   */
  imports?: readonly (string | URL)[];
  /**
   * Where each thread builds the actor of its share, for `stepActing`: the module is imported
   * in this thread (which checks it) and in every worker. Without it `stepActing` throws.
   */
  actor?: ActorModule;
  /**
   * Milliseconds a worker may take over one `step` or `reset` before it counts as stuck and
   * the call throws a {@link VectorWorkerError}; default 10 000, `Infinity` to wait forever.
   * A worker that exits is noticed at once, whatever this is.
   */
  stepTimeoutMs?: number;
  /**
   * Milliseconds the workers may take to import their modules and build their sub-envs
   * before `create` rejects; default 60 000.
   */
  startTimeoutMs?: number;
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
// How long each side polls for the other before sleeping in Atomics.wait: on our 2-core VMs a
// futex sleep and wake-up costs ~30 µs each way, which made 8 planck LunarLanders on 1 worker
// step at 0.58× their speed in this thread (0.89× polling; `bench env`). The caller polls
// while its workers finish their shares; a worker polls for the next command, which follows
// at once in a rollout (acting takes microseconds), and sleeps through a learner's update.
// Only when the workers and the caller fit the cores, and while the cores are not taken by
// other work: else a poll takes a core from a thread with work to do (2 workers and a polling
// caller on 2 cores: 0.46× not polling; two PPO runs at once with one env worker each, as a
// sweep runs trials: 43.3 s polling against 20.4 s not). The caller tells the two apart by its
// polls that time out: 6 % of them alone on 2 cores, 70 % beside another such run. When over a
// quarter of a window of polls time out, both sides stop polling for a while, then try again;
// the first calls, slow while the JIT warms up, are not counted.
const CALLER_SPIN_MS = 1;
const POLL_WINDOW = 64, POLL_PAUSE_MS = 2000, POLL_WARMUP_CALLS = 1024;
// How long close() waits for a worker to acknowledge before terminating it regardless.
const CLOSE_TIMEOUT_MS = 5000;
// Once spinning is over, a wait for DONE sleeps in slices this long, to check its deadline.
// Any DONE wakes it at once, so the slice length costs a normal step nothing.
const WAIT_SLICE_MS = 50;
// How often create() looks for workers that exited or overran startTimeoutMs while starting.
const START_POLL_MS = 50;
const DEFAULT_STEP_TIMEOUT_MS = 10_000;
const DEFAULT_START_TIMEOUT_MS = 60_000;
const COMMAND_NAMES: Record<number, string> = {
  [P.CMD_STEP]: "step",
  [P.CMD_RESET]: "reset",
  [P.CMD_RESET_SEED]: "reset",
  [P.CMD_CLOSE]: "close",
  [P.CMD_ACT_STEP]: "step",
};

/** Rebuilds an error from a worker with the same type and message. */
function reviveError(e: SerializedError, label: string): Error {
  const name = e.name || "Error";
  const Ctor = Object.hasOwn(ERROR_TYPES, name) ? ERROR_TYPES[name] : Error;
  const err = new Ctor(e.message);
  if (err.name !== name) err.name = name;
  err.stack = `${e.stack ?? `${name}: ${e.message}`}\n${rethrownBy(label, err)}`;
  return err;
}

/** The tail of a worker-made error's stack: where the worker was, and this thread's frames. */
function rethrownBy(label: string, err: Error): string {
  const here = (err.stack ?? "").split("\n").slice(1).join("\n");
  return `    --- in ${label}, rethrown by ---\n${here}`;
}

/** Reads a worker's error region (see `WORKER_PROTOCOL`). */
function readError(control: Int32Array, errors: Uint8Array, w: number): SerializedError {
  const b = w * P.CTRL_STRIDE, base = w * P.ERR_BYTES;
  const lengths = [control[b + P.NAME_LEN], control[b + P.MESSAGE_LEN], control[b + P.STACK_LEN]];
  // TextDecoder rejects views of shared memory: copy the bytes out first.
  const bytes = errors.slice(base, base + lengths[0] + lengths[1] + lengths[2]);
  const decoder = new TextDecoder();
  const [name, message, stack] = [0, lengths[0], lengths[0] + lengths[1]].map((at, i) =>
    decoder.decode(bytes.subarray(at, at + lengths[i]))
  );
  return { name, message, stack: stack || undefined };
}

/** The error of a worker that exited, with the place of the exit in its stack. */
function exitError(
  control: Int32Array,
  errors: Uint8Array,
  range: WorkerRange,
  w: number,
  when: string,
): VectorWorkerError {
  const cause = readError(control, errors, w);
  const err = new VectorWorkerError(w, range.start, range.end, `exited ${when}: ${cause.message}`);
  if (cause.stack) {
    err.stack = `${err.name}: ${err.message}\n${cause.stack}\n${
      rethrownBy(workerLabel(w, range.start, range.end), err)
    }`;
  }
  return err;
}

/** Checks a timeout option: a positive number of milliseconds (`Infinity` allowed). */
function checkTimeout(name: string, ms: number): number {
  if (typeof ms !== "number" || !(ms > 0)) {
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${ms}`);
  }
  return ms;
}

/** "300 ms", "1.5 s". */
function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${ms / 1000} s`;
}

/**
 * Runs command `cmd` of `WORKER_PROTOCOL` on `batch` (internal): what a worker does with a
 * command, and the caller with its own share. `act` writes the share's actions (`stepActing`).
 */
export function runCommand(
  batch: EnvBatch,
  cmd: number,
  actions: Float64Array,
  seed: number,
  act: (() => void) | undefined,
): void {
  if (cmd === P.CMD_STEP) batch.step(actions);
  else if (cmd === P.CMD_ACT_STEP) {
    if (act === undefined) throw new TypeError("This vector env was made without an actor");
    act();
    batch.step(actions);
  } else if (cmd === P.CMD_RESET) batch.reset();
  else if (cmd === P.CMD_RESET_SEED) batch.reset(seed);
  else if (cmd === P.CMD_CLOSE) batch.close();
  else throw new RangeError(`Unknown vector env worker command ${cmd}`);
}

/** A worker's contiguous share of the sub-envs, `[start, end)`. */
interface WorkerRange {
  start: number;
  end: number;
}

/**
 * A {@link VectorEnv} over worker threads; see the module doc. Create it with
 * {@link WorkerVectorEnv.create} (or `makeVec` with `workers > 0`) and always `close()` it
 * (or hold it with `using`): its workers block in `Atomics.wait` and keep the process alive
 * until closed. Results are bit-identical to a `SyncVectorEnv` of the same id, options and
 * seeds, for any number of workers.
 *
 * A sub-env's error is rethrown with its type and message, and the vector env stays usable
 * (after a `reset`). A worker that exits, or overruns `stepTimeoutMs`, makes the call throw a
 * {@link VectorWorkerError} naming the worker and its sub-envs, and breaks the vector env.
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
  readonly #ranges: WorkerRange[];
  readonly #stepTimeoutMs: number;
  readonly #control: Int32Array;
  readonly #seed: Float64Array;
  readonly #actions: Float64Array;
  readonly #errors: Uint8Array;
  readonly #out: VectorStepResult;
  // The calling thread's share (stepInCaller), envs [0, caller.envs.length).
  readonly #caller: EnvBatch | undefined;
  // Whether the threads act (an actor module), and the caller share's acting.
  readonly #acts: boolean;
  readonly #callerAct: (() => void) | undefined;
  // Whether this vector env's threads fit the cores (then polls may pay).
  readonly #mayPoll: boolean;
  #polling = false;
  // This window's polls and those that timed out; when polling may resume after a pause.
  #polls = 0;
  #pollTimeouts = 0;
  #pollResumeAt = 0;
  #seq = 0;
  #closed = false;
  // The first worker fault; once set, every call but close() throws it.
  #fault: VectorWorkerError | undefined;

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
      ranges: WorkerRange[];
      caller: EnvBatch | undefined;
      callerActor: ShareActor | undefined;
      mayPoll: boolean;
      stepTimeoutMs: number;
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
    this.#ranges = init.ranges;
    this.#caller = init.caller;
    this.#acts = init.callerActor !== undefined;
    const { callerActor, caller } = init;
    this.#callerAct = callerActor && caller &&
      (() => callerActor.act(init.shared.out.obs, init.shared.actions, 0, caller.envs.length));
    this.#mayPoll = init.mayPoll;
    this.#stepTimeoutMs = init.stepTimeoutMs;
    this.#control = init.shared.control;
    this.#seed = init.shared.seed;
    this.#actions = init.shared.actions;
    this.#errors = init.shared.errors;
    this.#out = init.shared.out;
    this.#setPolling(init.mayPoll);
    // These events reach this thread only between calls (a call blocks it): they break the
    // vector env for the next call.
    this.#workers.forEach((worker, w) => {
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault(); // keep a worker's uncaught error from killing this process
        this.#setFault(w, new VectorWorkerError(w, ...this.#span(w), `died: ${e.message}`));
      };
      worker.onmessageerror = () => {
        const what = "sent a message that could not be deserialized";
        this.#setFault(w, new VectorWorkerError(w, ...this.#span(w), what));
      };
    });
  }

  /**
   * Starts the workers and builds `numEnvs` copies of env `id` in them (`make(id, options)`),
   * sub-envs `[start, end)` of each worker's contiguous share. Rejects with the env's own
   * error if `make` fails (it is first tried once in this thread, for the spaces), and with a
   * {@link VectorWorkerError} if a worker exits or overruns `startTimeoutMs` while starting.
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
    const stepTimeoutMs = checkTimeout(
      "stepTimeoutMs",
      options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
    );
    const startTimeoutMs = checkTimeout(
      "startTimeoutMs",
      options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    );
    const imports = (options.imports ?? []).map((u) => new URL(u).href);
    const envOptions = options.options ?? {};
    // Imported here too, so that the probe below sees envs those modules register.
    for (const url of imports) await import(url);
    // Built here first, so that a broken module fails here, with its own error.
    const callerActor = options.actor && await loadShareActor(options.actor);
    // A probe env in this thread gives the spaces and reports a bad id or option at once.
    const probe = make(id, envOptions);
    const observationSpace = probe.observationSpace, actionSpace = probe.actionSpace;
    const spec = probe.spec;
    probe.close();
    const obsSize = flatSize(observationSpace), actionSize = flatSize(actionSpace);

    const inCaller = options.stepInCaller ?? false;
    const numWorkers = Math.min(requested, numEnvs - (inCaller ? 1 : 0));
    const shares = numWorkers + (inCaller ? 1 : 0);
    const polls = numWorkers + 1 <= navigator.hardwareConcurrency;
    // Contiguous shares; the first numEnvs % shares take one extra sub-env.
    const share = (k: number): WorkerRange => {
      const base = Math.floor(numEnvs / shares), extra = numEnvs % shares;
      const start = k * base + Math.min(k, extra);
      return { start, end: start + base + (k < extra ? 1 : 0) };
    };
    const shared = {
      control: new Int32Array(new SharedArrayBuffer(4 * P.CTRL_STRIDE * numWorkers)),
      seed: new Float64Array(new SharedArrayBuffer(8)),
      actions: new Float64Array(new SharedArrayBuffer(8 * numEnvs * actionSize)),
      errors: new Uint8Array(new SharedArrayBuffer(P.ERR_BYTES * numWorkers)),
      out: allocateVectorResult(numEnvs, obsSize, true),
    };
    let caller: EnvBatch | undefined;
    if (inCaller) {
      const { end } = share(0);
      const envs = Array.from({ length: end }, () => make(id, envOptions));
      caller = new EnvBatch(envs, sliceVectorResult(shared.out, 0, end), { autoreset });
    }
    const workers: Worker[] = [];
    const ranges: WorkerRange[] = [];
    const started: boolean[] = [];
    const ready: Promise<void>[] = [];
    const url = new URL("./vector_worker.ts", import.meta.url).href;
    for (let w = 0; w < numWorkers; w++) {
      const { start, end } = share(w + (inCaller ? 1 : 0));
      const label = workerLabel(w, start, end);
      const worker = new Worker(url, { type: "module", name: `eagle-vector-env-${w}` });
      workers.push(worker);
      ranges.push({ start, end });
      started.push(false);
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.onmessage = (e: MessageEvent<WorkerReply>) => {
            if (e.data.type === "error") reject(reviveError(e.data.error, label));
            else {
              started[w] = true;
              resolve();
            }
          };
          worker.onerror = (e: ErrorEvent) => {
            e.preventDefault(); // keep a worker's load error from killing this process
            reject(new VectorWorkerError(w, start, end, `failed to start: ${e.message}`));
          };
          worker.onmessageerror = () => {
            const what = "sent a message that could not be deserialized while starting";
            reject(new VectorWorkerError(w, start, end, what));
          };
        }),
      );
      const init: WorkerInit = {
        worker: w,
        id,
        options: envOptions,
        imports,
        actor: options.actor,
        autoreset,
        start,
        end,
        ...shared,
      };
      worker.postMessage(init);
    }
    // A worker that exits while starting posts nothing, and one that hangs posts nothing
    // either: poll the EXITED words and the deadline.
    let poll: ReturnType<typeof setInterval> | undefined;
    const exitedOrLate = new Promise<never>((_, reject) => {
      const t0 = performance.now();
      poll = setInterval(() => {
        const w = started.findIndex((s, w) =>
          !s && Atomics.load(shared.control, w * P.CTRL_STRIDE + P.EXITED) !== 0
        );
        if (w >= 0) {
          reject(exitError(shared.control, shared.errors, ranges[w], w, "while starting"));
        } else if (performance.now() - t0 > startTimeoutMs) {
          const late = started.indexOf(false);
          const what = `did not finish starting within ${
            formatMs(startTimeoutMs)
          } (startTimeoutMs)`;
          reject(new VectorWorkerError(late, ranges[late].start, ranges[late].end, what));
        }
      }, START_POLL_MS);
    });
    try {
      await Promise.race([Promise.all(ready), exitedOrLate]);
    } catch (err) {
      // Workers that did start close their sub-envs; a worker that got as far as its command
      // loop since is woken there too.
      stopWorkers(shared.control, workers, 1, started.flatMap((s, w) => s ? [w] : []));
      try {
        caller?.close();
      } catch {
        // The start failure is the error to report.
      }
      throw err;
    } finally {
      clearInterval(poll);
      for (const worker of workers) {
        worker.onmessage = null;
        worker.onerror = (e: ErrorEvent) => e.preventDefault();
        worker.onmessageerror = null;
      }
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
      ranges,
      caller,
      callerActor,
      mayPoll: polls,
      stepTimeoutMs,
      shared,
    });
  }

  /** Resets every sub-env (sub-env `i` with seed `seed + i`) and returns the observations. */
  reset(options: VectorResetOptions = {}): Float32Array {
    this.#checkUsable();
    if (options.seed === undefined) this.#run(P.CMD_RESET);
    else {
      this.#seed[0] = options.seed;
      this.#run(P.CMD_RESET_SEED);
    }
    return this.#out.obs;
  }

  /** Steps every sub-env; see {@link VectorEnv.step} and {@link AutoresetMode}. */
  step(actions: Int32Array | Float32Array): VectorStepResult {
    this.#checkUsable();
    checkActions(actions, this.numEnvs * this.actionSize);
    this.#actions.set(actions);
    this.#run(P.CMD_STEP);
    return this.#out;
  }

  /**
   * Steps every sub-env with the actions its thread's actor picks from the current
   * observations (the `actor` option): the caller's share acts and steps in this thread while
   * each worker acts and steps its own. The result is that of `step` with the actions all
   * actors wrote into one array. Throws a `TypeError` if the vector env has no actor.
   */
  stepActing(): VectorStepResult {
    this.#checkUsable();
    if (!this.#acts) {
      throw new TypeError("stepActing() needs a vector env created with the actor option");
    }
    this.#run(P.CMD_ACT_STEP);
    return this.#out;
  }

  /**
   * Closes the sub-envs and stops the workers (waiting up to 5 s for each to acknowledge,
   * then terminating it regardless). Idempotent. Rethrows an error of a sub-env's `close`.
   * After a {@link VectorWorkerError} it tells every worker to close and terminates them
   * without waiting, and does not throw. A worker stuck in a step ends only when that step
   * returns: Deno 2.9 cannot terminate a worker busy in JavaScript (denoland/deno#35657).
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // After a fault, the healthy workers may still be busy with the failed call: wait for none.
    const all = this.#fault ? [] : this.#workers.map((_, w) => w);
    const seq = stopWorkers(this.#control, this.#workers, this.#seq + 1, all);
    let callerError: { error: unknown } | undefined;
    try {
      this.#caller?.close();
    } catch (error) {
      callerError = { error };
    }
    if (this.#fault) return;
    // The caller's share comes first, as SyncVectorEnv would report it.
    if (callerError) throw callerError.error;
    const failed = all.find((w) =>
      Atomics.load(this.#control, w * P.CTRL_STRIDE + P.DONE) === seq &&
      this.#control[w * P.CTRL_STRIDE + P.STATUS] === P.STATUS_ERROR
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
    if (!this.#polling && this.#mayPoll && performance.now() >= this.#pollResumeAt) {
      this.#setPolling(true);
    }
    const seq = this.#seq = (this.#seq + 1) | 0;
    for (let w = 0; w < n; w++) {
      const b = w * P.CTRL_STRIDE;
      Atomics.store(ctrl, b + P.CMD, cmd);
      Atomics.store(ctrl, b + P.REQ, seq);
      Atomics.notify(ctrl, b + P.REQ);
    }
    let callerError: { error: unknown } | undefined;
    if (this.#caller) {
      try {
        runCommand(this.#caller, cmd, this.#actions, this.#seed[0], this.#callerAct);
      } catch (error) {
        callerError = { error };
      }
    }
    // Time waited, counted in whole slices so that a normal step reads no clock: only a DONE
    // or the end of a slice wakes a wait.
    let slept = 0, failed = -1;
    for (let w = 0; w < n; w++) {
      const b = w * P.CTRL_STRIDE;
      let done = Atomics.load(ctrl, b + P.DONE);
      if (done !== seq && this.#polling) {
        done = pollWhile(ctrl, b + P.DONE, done, CALLER_SPIN_MS);
        this.#countPoll(done !== seq);
      }
      while (done !== seq) {
        if (
          Atomics.wait(ctrl, b + P.DONE, done, WAIT_SLICE_MS) === "timed-out" &&
          (slept += WAIT_SLICE_MS) >= this.#stepTimeoutMs
        ) {
          const what = `stopped answering: its ${COMMAND_NAMES[cmd]} did not finish within ${
            formatMs(this.#stepTimeoutMs)
          } (stepTimeoutMs)`;
          throw this.#setFault(w, new VectorWorkerError(w, ...this.#span(w), what));
        }
        done = Atomics.load(ctrl, b + P.DONE);
      }
      const status = Atomics.load(ctrl, b + P.STATUS);
      if (status === P.STATUS_EXITED) {
        const when = `during ${COMMAND_NAMES[cmd]}`;
        throw this.#setFault(w, exitError(ctrl, this.#errors, this.#ranges[w], w, when));
      }
      if (failed < 0 && status !== P.STATUS_OK) failed = w;
    }
    // The caller's share comes first, then the workers' in order: the lowest failing sub-env
    // is reported, as SyncVectorEnv would.
    if (callerError) throw callerError.error;
    if (failed >= 0) throw this.#readError(failed);
  }

  /** Counts a poll; pauses polling when too many of a window's polls time out. */
  #countPoll(timedOut: boolean): void {
    if (this.#seq < POLL_WARMUP_CALLS) return;
    if (timedOut) this.#pollTimeouts++;
    if (++this.#polls < POLL_WINDOW) return;
    if (this.#pollTimeouts > POLL_WINDOW / 4) {
      this.#setPolling(false);
      this.#pollResumeAt = performance.now() + POLL_PAUSE_MS;
    }
    this.#polls = this.#pollTimeouts = 0;
  }

  /** Turns polling on or off on both sides. */
  #setPolling(on: boolean): void {
    this.#polling = on;
    for (let w = 0; w < this.#workers.length; w++) {
      Atomics.store(this.#control, w * P.CTRL_STRIDE + P.POLL, on ? 1 : 0);
    }
  }

  /** Records the first fault (and returns it), and terminates worker `w`, dead or stuck. */
  #setFault(w: number, fault: VectorWorkerError): VectorWorkerError {
    this.#fault ??= fault;
    this.#workers[w].terminate();
    return this.#fault;
  }

  /** Worker `w`'s share `[start, end)`. */
  #span(w: number): [number, number] {
    return [this.#ranges[w].start, this.#ranges[w].end];
  }

  #readError(w: number): Error {
    const { start, end } = this.#ranges[w];
    return reviveError(readError(this.#control, this.#errors, w), workerLabel(w, start, end));
  }

  #checkUsable(): void {
    if (this.#closed) throw new TypeError("This vector env is closed");
    if (this.#fault) throw this.#fault;
  }
}

/**
 * Stops the workers: sends `CMD_CLOSE` with sequence number `seq` to all of them, waits (at
 * most `CLOSE_TIMEOUT_MS` in all) for the acknowledgements of those listed in `awaited`, then
 * terminates them all. The command also wakes a worker blocked in `Atomics.wait`, which
 * `terminate()` alone would leave there, keeping the process alive. Returns `seq`.
 */
function stopWorkers(
  control: Int32Array,
  workers: readonly Worker[],
  seq: number,
  awaited: readonly number[],
): number {
  seq |= 0;
  for (let w = 0; w < workers.length; w++) {
    const b = w * P.CTRL_STRIDE;
    Atomics.store(control, b + P.CMD, P.CMD_CLOSE);
    Atomics.store(control, b + P.REQ, seq);
    Atomics.notify(control, b + P.REQ);
  }
  const deadline = performance.now() + CLOSE_TIMEOUT_MS;
  for (const w of awaited) {
    const b = w * P.CTRL_STRIDE;
    let done = Atomics.load(control, b + P.DONE);
    while (done !== seq) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(control, b + P.DONE, done, left);
      done = Atomics.load(control, b + P.DONE);
    }
  }
  for (const worker of workers) worker.terminate();
  return seq;
}
