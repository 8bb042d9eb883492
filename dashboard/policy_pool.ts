/**
 * Workers that play and evaluate policies off the server's event loop, so that `/health` and
 * `/predict` stay fast however many episodes are being played. Jobs wait in one bounded queue
 * (full: a 503 with `Retry-After`, instead of piling up) and are handed to the first idle
 * worker; a job whose client went away is dropped from the queue or, when already running,
 * stopped by terminating its worker (a fresh one starts for the next job), so abandoned
 * evaluations never delay anyone.
 * @module
 */
import type { EvalReport, RunConfig } from "../core/run_log.ts";
import type { PlayedEpisode } from "./api_schema.ts";
import { ClientGone, HttpError } from "./validate.ts";

/** Which policy a job uses; the worker reloads it when `signature` changes. */
export interface PolicyRef {
  /** Run id. */
  runId: string;
  /** Absolute run folder. */
  runDir: string;
  /** The run's config. */
  config: RunConfig;
  /** Checkpoint signature (`RunStore.checkpointSignature`). */
  signature: string;
}

/** A job for a worker. */
export type PolicyJob =
  | PolicyRef & { kind: "play"; seed: number }
  | PolicyRef & { kind: "evaluate"; episodes: number; seed: number };

/** A job as posted to a worker. */
export type WorkerRequest = PolicyJob & { id: number };

/** A worker's answer. */
export type WorkerReply =
  | { id: number; episode: PlayedEpisode }
  | { id: number; report: EvalReport }
  | { id: number; error: string };

/** Options of {@link PolicyPool}. */
export interface PolicyPoolOptions {
  /** Workers (default: the cores less one, 1 to 4). */
  workers?: number;
  /** Jobs allowed to wait for a worker (default {@link DEFAULT_QUEUE_LIMIT}). */
  queueLimit?: number;
  /** Rewrites a worker's error message before a client sees it (e.g. to hide paths). */
  sanitize?: (message: string) => string;
}

/** What the pool is doing. */
export interface PoolStatus {
  /** Workers. */
  size: number;
  /** Jobs running. */
  running: number;
  /** Jobs waiting. */
  queued: number;
  /** Most jobs allowed to wait. */
  queue_limit: number;
  /** Jobs stopped because their client left, since start. */
  cancelled: number;
}

/** Jobs allowed to wait by default: enough for bursts, few enough to answer 503s quickly. */
export const DEFAULT_QUEUE_LIMIT = 64;

interface Task {
  job: WorkerRequest;
  resolve(value: PlayedEpisode | EvalReport): void;
  reject(err: Error): void;
  signal?: AbortSignal;
  onAbort?: () => void;
  startedAt: number;
}

interface Slot {
  worker: Worker | null;
  task: Task | null;
}

/** Runs play and evaluate jobs on a few workers. */
export class PolicyPool {
  readonly #slots: Slot[];
  readonly #queueLimit: number;
  readonly #sanitize: (message: string) => string;
  #queue: Task[] = [];
  #nextId = 1;
  #cancelled = 0;
  #closed = false;
  /** Moving average of job durations, for `Retry-After`. */
  #avgMs = 1000;

  /** A pool; workers start when the first jobs come. */
  constructor(options: PolicyPoolOptions = {}) {
    const size = options.workers ??
      Math.min(4, Math.max(1, (navigator.hardwareConcurrency ?? 2) - 1));
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`workers must be a positive integer, got ${size}`);
    }
    this.#slots = Array.from({ length: size }, () => ({ worker: null, task: null }));
    this.#queueLimit = options.queueLimit ?? DEFAULT_QUEUE_LIMIT;
    this.#sanitize = options.sanitize ?? ((m) => m);
  }

  /** Plays one episode; `signal` (the request's) cancels it. */
  play(ref: PolicyRef, seed: number, signal?: AbortSignal): Promise<PlayedEpisode> {
    return this.#submit({ ...ref, kind: "play", seed }, signal) as Promise<PlayedEpisode>;
  }

  /** Evaluates `episodes` episodes from `seed`; `signal` (the request's) cancels it. */
  evaluate(
    ref: PolicyRef,
    episodes: number,
    seed: number,
    signal?: AbortSignal,
  ): Promise<EvalReport> {
    return this.#submit({ ...ref, kind: "evaluate", episodes, seed }, signal) as Promise<
      EvalReport
    >;
  }

  /** What the pool is doing. */
  status(): PoolStatus {
    return {
      size: this.#slots.length,
      running: this.#slots.filter((s) => s.task).length,
      queued: this.#queue.length,
      queue_limit: this.#queueLimit,
      cancelled: this.#cancelled,
    };
  }

  /** Stops the workers; every job not finished fails with a 503. */
  close(): void {
    this.#closed = true;
    const shutting = () => new HttpError(503, null, "The server is shutting down");
    for (const slot of this.#slots) {
      slot.worker?.terminate();
      slot.worker = null;
      if (slot.task) this.#settle(slot.task).reject(shutting());
      slot.task = null;
    }
    for (const task of this.#queue.splice(0)) this.#settle(task).reject(shutting());
  }

  #submit(job: PolicyJob, signal?: AbortSignal): Promise<PlayedEpisode | EvalReport> {
    if (this.#closed) throw new HttpError(503, null, "The server is shutting down");
    if (signal?.aborted) throw new ClientGone();
    const running = this.#slots.filter((s) => s.task).length;
    if (running === this.#slots.length && this.#queue.length >= this.#queueLimit) {
      const seconds = Math.min(
        60,
        Math.max(
          1,
          Math.ceil((this.#queue.length + running) * this.#avgMs / this.#slots.length / 1000),
        ),
      );
      throw new HttpError(
        503,
        null,
        `The server is busy: ${this.#queue.length} requests are waiting for ` +
          `${this.#slots.length} worker(s); retry in ${seconds} s`,
        { retryAfter: seconds },
      );
    }
    return new Promise((resolve, reject) => {
      const task: Task = {
        job: { ...job, id: this.#nextId++ },
        resolve,
        reject,
        signal,
        startedAt: 0,
      };
      if (signal) {
        task.onAbort = () => this.#cancel(task);
        signal.addEventListener("abort", task.onAbort, { once: true });
      }
      this.#queue.push(task);
      this.#dispatch();
    });
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (slot.task || this.#queue.length === 0) continue;
      const task = this.#queue.shift()!;
      slot.task = task;
      task.startedAt = performance.now();
      (slot.worker ??= this.#spawn(slot)).postMessage(task.job);
    }
  }

  #spawn(slot: Slot): Worker {
    const worker = new Worker(new URL("./policy_worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const task = slot.task;
      if (!task || task.job.id !== e.data.id) return;
      slot.task = null;
      this.#settle(task);
      this.#avgMs = 0.8 * this.#avgMs + 0.2 * (performance.now() - task.startedAt);
      const reply = e.data;
      if ("episode" in reply) task.resolve(reply.episode);
      else if ("report" in reply) task.resolve(reply.report);
      else {
        const what = task.job.kind === "play" ? "play" : "evaluate";
        task.reject(
          new HttpError(
            409,
            "run",
            this.#sanitize(
              `Could not ${what} run ${JSON.stringify(task.job.runId)}: ${reply.error}`,
            ),
          ),
        );
      }
      this.#dispatch();
    };
    worker.onerror = (e: ErrorEvent) => {
      // The worker died: fail its job and start a fresh worker for the next one.
      e.preventDefault();
      worker.terminate();
      slot.worker = null;
      const task = slot.task;
      slot.task = null;
      if (task) {
        this.#settle(task).reject(new HttpError(500, null, `Policy worker crashed: ${e.message}`));
      }
      this.#dispatch();
    };
    return worker;
  }

  /** The client of `task` left: drop it from the queue, or stop its worker. */
  #cancel(task: Task): void {
    const queued = this.#queue.indexOf(task);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
    } else {
      const slot = this.#slots.find((s) => s.task === task);
      if (!slot) return; // already answered
      slot.worker?.terminate();
      slot.worker = null;
      slot.task = null;
    }
    this.#cancelled++;
    this.#settle(task).reject(new ClientGone());
    this.#dispatch();
  }

  #settle(task: Task): Task {
    if (task.onAbort) task.signal?.removeEventListener("abort", task.onAbort);
    return task;
  }
}
