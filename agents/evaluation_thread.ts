/**
 * A worker thread that plays a share of each periodic evaluation of a network run
 * (`evaluation_worker.ts`), so that the two halves of an evaluation's episodes play at once on
 * two cores. The worker builds the same greedy policy from the same parameters
 * (`networkPolicy`) and resets each episode with its own seed, so the report is the one a
 * single thread would write (a test compares them field by field).
 * @module
 */
import type { Architecture } from "./checkpoint.ts";
import type { PlayedEpisodes } from "./evaluate.ts";
import type { ActionBounds } from "./policy_loading.ts";

/** What the thread is started with (internal). */
export interface EvaluationSetup {
  arch: Architecture;
  bounds: ActionBounds | undefined;
  envId: string;
  envOptions: Record<string, unknown>;
}

/** One share to play (internal). */
export interface EvaluationShare {
  params: Float32Array;
  seed: number;
  from: number;
  to: number;
}

/** What the worker posts back (internal). */
export type EvaluationReply =
  | { type: "ready" }
  | { type: "played"; played: PlayedEpisodes }
  | { type: "error"; message: string };

/** The evaluation worker of one run; `close()` stops it. */
export class EvaluationThread {
  readonly #worker: Worker;
  #closed = false;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** Starts a worker evaluating `setup.arch`'s greedy policy on `setup.envId`. */
  static async start(setup: EvaluationSetup): Promise<EvaluationThread> {
    const url = new URL("./evaluation_worker.ts", import.meta.url).href;
    const worker = new Worker(url, { type: "module", name: "eagle-evaluation" });
    const thread = new EvaluationThread(worker);
    try {
      await thread.#ask(setup);
    } catch (err) {
      thread.close();
      throw err;
    }
    return thread;
  }

  /**
   * Posts `message` at once (before any await, so that the worker starts while this thread
   * plays its own share) and resolves with the reply; the caller awaits one before the next.
   */
  #ask(message: EvaluationSetup | EvaluationShare): Promise<EvaluationReply> {
    const reply = new Promise<EvaluationReply>((resolve, reject) => {
      this.#worker.onmessage = (e: MessageEvent<EvaluationReply>) => {
        if (e.data.type === "error") reject(new Error(`Evaluation thread: ${e.data.message}`));
        else resolve(e.data);
      };
      this.#worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        reject(new Error(`Evaluation thread: ${e.message}`));
      };
    });
    this.#worker.postMessage(message);
    return reply;
  }

  /**
   * Starts playing episodes `[from, to)` of `params`' greedy policy (episode `i` seeded
   * `seed + i`) in the worker; resolves with them.
   */
  play(params: Float32Array, seed: number, from: number, to: number): Promise<PlayedEpisodes> {
    if (this.#closed) return Promise.reject(new TypeError("This evaluation thread is closed"));
    return this.#ask({ params, seed, from, to }).then((reply) => {
      if (reply.type !== "played") throw new Error(`Evaluation thread replied ${reply.type}`);
      return reply.played;
    });
  }

  /** Stops the worker. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#worker.terminate();
  }
}
