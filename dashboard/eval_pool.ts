/**
 * One background worker running evaluations in order, with a bounded queue: past
 * {@link MAX_QUEUED} waiting jobs a request is refused (503) instead of piling up.
 * @module
 */
import type { EvalReport, RunConfig } from "../core/run_log.ts";
import { HttpError } from "./validate.ts";

/** A job sent to the worker. */
export interface EvalJob {
  /** Job id, echoed in the reply. */
  id: number;
  /** Absolute run folder. */
  runDir: string;
  /** The run's config. */
  config: RunConfig;
  /** Checkpoint signature: the worker reloads the policy when it changes. */
  signature: string;
  /** Episodes to play. */
  episodes: number;
  /** First seed. */
  seed: number;
}

/** The worker's answer: a report or an error message. */
export type EvalReply = { id: number; report: EvalReport } | { id: number; error: string };

/** Jobs allowed to wait behind the running one. */
export const MAX_QUEUED = 8;

/** Runs evaluation jobs on a lazily started worker. */
export class EvalPool {
  #worker: Worker | null = null;
  #nextId = 1;
  #pending = new Map<number, { resolve(r: EvalReport): void; reject(e: Error): void }>();

  /** Evaluates `job` on the worker; rejects with an `HttpError` when the queue is full. */
  run(job: Omit<EvalJob, "id">): Promise<EvalReport> {
    if (this.#pending.size > MAX_QUEUED) {
      throw new HttpError(
        503,
        null,
        `The evaluator is busy with ${this.#pending.size} requests; retry later`,
      );
    }
    const worker = this.#worker ?? this.#start();
    const id = this.#nextId++;
    return new Promise<EvalReport>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ ...job, id } satisfies EvalJob);
    });
  }

  #start(): Worker {
    const worker = new Worker(new URL("./eval_worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (e: MessageEvent<EvalReply>) => {
      const reply = e.data;
      const p = this.#pending.get(reply.id);
      if (!p) return;
      this.#pending.delete(reply.id);
      if ("report" in reply) p.resolve(reply.report);
      else p.reject(new HttpError(409, "run", `Evaluation failed: ${reply.error}`));
    };
    worker.onerror = (e: ErrorEvent) => {
      // The worker died: fail what it held and start a fresh one on the next job.
      e.preventDefault();
      this.#fail(`Evaluation worker crashed: ${e.message}`);
    };
    this.#worker = worker;
    return worker;
  }

  #fail(message: string): void {
    this.#worker?.terminate();
    this.#worker = null;
    for (const p of this.#pending.values()) p.reject(new HttpError(500, null, message));
    this.#pending.clear();
  }

  /** Stops the worker; pending jobs fail. */
  close(): void {
    this.#fail("The server is shutting down");
  }
}
