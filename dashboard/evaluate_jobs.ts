/**
 * The evaluate panel's jobs: each evaluation runs on its own worker
 * (`evaluate_job_worker.ts`) and reports after every episode; finished ones are stored in the
 * run folder (`evaluations.ts`). Visitors asking for the same evaluation share one job, and a
 * job is cancelled (its worker terminated) as soon as no visitor is left waiting for it, so
 * closing the tab stops the work. At most {@link EvaluationJobsOptions.maxRunning} jobs run at
 * once; a few more wait in order, past that a request is refused (503).
 * @module
 */
import type { RunConfig } from "../core/run_log.ts";
import { envSpec } from "../envs/registry.ts";
import { writeEvaluation } from "./evaluations.ts";
import type { WorkerJob, WorkerMessage } from "./evaluate_job_worker.ts";
import type { EvaluationEvent, EvaluationKey, StoredEvaluation } from "./islands/protocol.ts";
import { HttpError } from "./validate.ts";

/** An evaluation to run. */
export interface EvaluationRequest extends EvaluationKey {
  /** Absolute run folder (results are stored in it). */
  runDir: string;
  /** The run's config. */
  config: RunConfig;
  /** Modification time (ISO) of the checkpoint file, kept with the result. */
  checkpointTime: string | null;
}

/** Receives a job's events. */
export type EvaluationListener = (event: EvaluationEvent) => void;

/** Options of {@link EvaluationJobs}. */
export interface EvaluationJobsOptions {
  /** Jobs running at once (default 1: the machine's cores also serve training). */
  maxRunning?: number;
  /** Jobs allowed to wait behind the running ones (default 8). */
  maxQueued?: number;
}

interface Job {
  key: string;
  request: EvaluationRequest;
  listeners: Set<EvaluationListener>;
  worker: Worker | null;
  /** The latest progress, replayed to a visitor who joins late. */
  progress: EvaluationEvent | null;
  wins: number;
  sum: number;
  /** Set once the worker finished and the result is being written: it is kept even if everyone left. */
  saving: boolean;
}

const WORKER = new URL("./evaluate_job_worker.ts", import.meta.url);

/** Runs evaluate-panel jobs on workers, shared between visitors and cancelled when unwatched. */
export class EvaluationJobs {
  readonly #maxRunning: number;
  readonly #maxQueued: number;
  #jobs = new Map<string, Job>();
  #queue: Job[] = [];
  #running = new Set<Job>();

  /** A job runner; nothing starts until the first {@link subscribe}. */
  constructor(options: EvaluationJobsOptions = {}) {
    this.#maxRunning = options.maxRunning ?? 1;
    this.#maxQueued = options.maxQueued ?? 8;
    if (!Number.isInteger(this.#maxRunning) || this.#maxRunning < 1) {
      throw new RangeError(`maxRunning must be a positive integer, got ${this.#maxRunning}`);
    }
    if (!Number.isInteger(this.#maxQueued) || this.#maxQueued < 0) {
      throw new RangeError(`maxQueued must be a non-negative integer, got ${this.#maxQueued}`);
    }
  }

  /** Jobs running now (their workers are alive). */
  get running(): number {
    return this.#running.size;
  }

  /** Jobs waiting for a free worker. */
  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Sends the events of the evaluation `request` to `listener`, starting the job unless the same
   * evaluation is already under way. Returns the unsubscribe function: when the last listener
   * of a job leaves, the job is cancelled. Throws an `HttpError` 503 when too many jobs wait.
   */
  subscribe(request: EvaluationRequest, listener: EvaluationListener): () => void {
    const key = [request.runDir, request.checkpoint, request.episodes, request.seed].join("\0");
    let job = this.#jobs.get(key);
    if (!job) {
      if (this.#running.size >= this.#maxRunning && this.#queue.length >= this.#maxQueued) {
        throw new HttpError(
          503,
          null,
          `The evaluator is busy with ${this.#running.size + this.#queue.length} evaluations; ` +
            "retry later",
        );
      }
      job = {
        key,
        request,
        listeners: new Set(),
        worker: null,
        progress: null,
        wins: 0,
        sum: 0,
        saving: false,
      };
      this.#jobs.set(key, job);
      this.#queue.push(job);
    }
    const joined = job;
    joined.listeners.add(listener);
    // Starting it, or telling every waiting listener its place (this one included).
    this.#pump();
    if (joined.progress) listener(joined.progress);
    return () => {
      joined.listeners.delete(listener);
      if (joined.listeners.size === 0 && !joined.saving) this.#end(joined);
    };
  }

  /** Cancels every job; their listeners get an error event. */
  close(): void {
    for (const job of [...this.#jobs.values()]) {
      this.#emit(job, { type: "error", message: "The server is shutting down" });
      this.#end(job);
    }
  }

  #pump(): void {
    while (this.#running.size < this.#maxRunning && this.#queue.length > 0) {
      this.#start(this.#queue.shift()!);
    }
    this.#queue.forEach((job, i) =>
      this.#emit(job, { type: "queued", ahead: i + this.#running.size })
    );
  }

  #start(job: Job): void {
    const worker = new Worker(WORKER, { type: "module" });
    job.worker = worker;
    this.#running.add(job);
    worker.onmessage = (e: MessageEvent<WorkerMessage>) => void this.#receive(job, e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#emit(job, { type: "error", message: `The evaluation worker crashed: ${e.message}` });
      this.#end(job);
    };
    const { runDir, config, checkpoint, episodes, seed } = job.request;
    worker.postMessage({ runDir, config, checkpoint, episodes, seed } satisfies WorkerJob);
  }

  async #receive(job: Job, msg: WorkerMessage): Promise<void> {
    if (!this.#jobs.has(job.key) || this.#jobs.get(job.key) !== job) return; // cancelled
    if (msg.type === "episode") {
      job.sum += msg.reward;
      if (msg.success) job.wins++;
      job.progress = {
        type: "progress",
        done: msg.done,
        total: job.request.episodes,
        mean: job.sum / msg.done,
        wins: job.wins,
      };
      this.#emit(job, job.progress);
      return;
    }
    if (msg.type === "error") {
      this.#emit(job, { type: "error", message: `Evaluation failed: ${msg.message}` });
      this.#end(job);
      return;
    }
    // Done: the worker has nothing left to do; free its slot before writing.
    job.saving = true;
    job.worker?.terminate();
    job.worker = null;
    this.#running.delete(job);
    this.#pump();
    const { runDir, config, checkpoint, episodes, seed, checkpointTime } = job.request;
    const names = envSpec(config.env).actionNames;
    const evaluation: StoredEvaluation = {
      checkpoint,
      episodes,
      seed,
      action_names: msg.actions
        ? (names ? [...names] : msg.actions[0]?.map((_, i) => String(i)) ?? [])
        : null,
      actions: msg.actions,
      checkpoint_time: checkpointTime,
      source: "dashboard",
      report: msg.report,
    };
    try {
      await writeEvaluation(runDir, evaluation);
      this.#emit(job, { type: "result", evaluation });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.#emit(job, { type: "error", message: `Could not store the evaluation: ${why}` });
    }
    this.#end(job);
  }

  #emit(job: Job, event: EvaluationEvent): void {
    for (const listener of [...job.listeners]) listener(event);
  }

  /** Forgets a job, terminating its worker if it still runs. */
  #end(job: Job): void {
    if (this.#jobs.get(job.key) !== job) return;
    this.#jobs.delete(job.key);
    job.listeners.clear();
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) this.#queue.splice(queued, 1);
    job.worker?.terminate();
    job.worker = null;
    this.#running.delete(job);
    this.#pump();
  }
}
