/**
 * The critic of a CPU actor-critic learner trained in a worker thread (`critic_worker.ts`)
 * while the calling thread trains the actor: PPO's actor and critic are separate networks
 * whose losses share no term, so each gradient step splits into two halves that meet once,
 * for the global-norm clip. The worker sends its gradients' `Σ g²`, the learner answers with
 * the clip scale, and each side takes its Adam step. Everything else is computed as the
 * one-thread learner computes it (the same minibatch order, the same sums in the same order),
 * so the parameters and statistics are the same bit for bit.
 *
 * The two threads meet through a few words of shared memory, polled briefly before sleeping
 * (`core/poll.ts`): a gradient step takes ~50 µs per half here, a futex wake-up ~30 µs.
 * Requests that carry data (an update's rollout, a state) are posted as messages, which keep
 * their order; the replies are written into shared buffers.
 * @module
 */

import { pollWhile } from "../../core/poll.ts";
import type { ActorCriticConfig, LearnerState, Rollout } from "../types.ts";
import type { RemoteBlock } from "./optimizer.ts";

/** Indices of the shared control words (internal). */
export const CRITIC_PROTOCOL = {
  /** Minibatches whose `Σ g²` the worker has published. */
  SQUARES_SEQ: 0,
  /** Minibatches whose clip scale the learner has published. */
  SCALE_SEQ: 1,
  /** Updates the worker has finished (parameters and value-loss sum written). */
  DONE_SEQ: 2,
  /** State requests the worker has answered. */
  STATE_SEQ: 3,
  /** 1 once the worker has failed; its message is in the error bytes. */
  FAILED: 4,
  /** Bytes of the error message. */
  ERROR_LEN: 5,
  /** Int32 words. */
  WORDS: 8,
  /** Float64 slots: `Σ g²`, the scale, the value-loss sum of an update. */
  SQUARES: 0,
  SCALE: 1,
  VALUE_SUM: 2,
  VALUES: 4,
  /** Bytes for a failure's message. */
  ERROR_BYTES: 4096,
} as const;
const P = CRITIC_PROTOCOL;

/** The shared memory of one critic thread (internal). */
export interface CriticShared {
  control: Int32Array;
  values: Float64Array;
  error: Uint8Array;
  /** The critic's parameters after an update, and its state on request. */
  params: Float32Array;
  adamM: Float32Array;
  adamV: Float32Array;
}

/** What the learner posts to the worker (internal). */
export type CriticRequest =
  | { type: "init"; config: ActorCriticConfig; params: Float32Array; shared: CriticShared }
  | {
    type: "update";
    rollout: Rollout;
    learningRate: number;
    adamStep: number;
  }
  | { type: "state" }
  | { type: "setState"; state: LearnerState };

/** What the worker posts back, once, when its critic is built (internal). */
export type CriticReady = { type: "ready" } | { type: "error"; message: string };

// A gradient step's half takes tens of microseconds: poll about that long before sleeping.
// Longer polls cost dearly when the threads outnumber the cores (the partner is descheduled).
const SPIN_MS = 0.1;
// Once sleeping, wake this often to check for a failed or silent worker.
const WAIT_SLICE_MS = 50;
// A worker that answers nothing for this long has stopped (a step takes microseconds).
const SILENCE_MS = 30_000;

/**
 * Waits until `control[index]` reaches `target`, polling first, for the worker thread
 * (internal: both sides wait this way). `failed` is checked while sleeping.
 */
export function waitFor(
  control: Int32Array,
  index: number,
  target: number,
  failed: () => void,
): void {
  let seen = pollWhile(control, index, (target - 1) | 0, SPIN_MS);
  let slept = 0;
  while (seen !== target) {
    failed();
    if (Atomics.wait(control, index, seen, WAIT_SLICE_MS) === "timed-out") {
      slept += WAIT_SLICE_MS;
      if (slept >= SILENCE_MS) {
        throw new Error(`The critic thread stopped answering (${SILENCE_MS / 1000} s)`);
      }
    }
    seen = Atomics.load(control, index);
  }
}

/** Sets a sequence word and wakes its waiter. */
export function publish(control: Int32Array, index: number, seq: number): void {
  Atomics.store(control, index, seq);
  Atomics.notify(control, index);
}

/**
 * The learner's handle on its critic thread, the critic block of its optimizer: see the module
 * doc. `destroy()` stops the worker (it would keep the process alive).
 */
export class CriticThread implements RemoteBlock {
  /** Parameters of the critic. */
  readonly paramCount: number;
  readonly #worker: Worker;
  readonly #shared: CriticShared;
  #minibatches = 0;
  #updates = 0;
  #states = 0;
  #destroyed = false;

  private constructor(worker: Worker, shared: CriticShared) {
    this.#worker = worker;
    this.#shared = shared;
    this.paramCount = shared.params.length;
  }

  /** Starts a worker training a critic from `params` under `config`'s loss and optimizer. */
  static async start(config: ActorCriticConfig, params: Float32Array): Promise<CriticThread> {
    const f32 = (n: number) => new Float32Array(new SharedArrayBuffer(4 * n));
    const shared: CriticShared = {
      control: new Int32Array(new SharedArrayBuffer(4 * P.WORDS)),
      values: new Float64Array(new SharedArrayBuffer(8 * P.VALUES)),
      error: new Uint8Array(new SharedArrayBuffer(P.ERROR_BYTES)),
      params: f32(params.length),
      adamM: f32(params.length),
      adamV: f32(params.length),
    };
    const url = new URL("./critic_worker.ts", import.meta.url).href;
    const worker = new Worker(url, { type: "module", name: "eagle-critic" });
    try {
      await new Promise<void>((resolve, reject) => {
        worker.onmessage = (e: MessageEvent<CriticReady>) => {
          if (e.data.type === "ready") resolve();
          else reject(new Error(`The critic thread failed to start: ${e.data.message}`));
        };
        worker.onerror = (e: ErrorEvent) => {
          e.preventDefault();
          reject(new Error(`The critic thread failed to start: ${e.message}`));
        };
        const init: CriticRequest = { type: "init", config, params, shared };
        worker.postMessage(init);
      });
    } catch (err) {
      worker.terminate();
      throw err;
    }
    worker.onmessage = null;
    worker.onerror = (e: ErrorEvent) => e.preventDefault();
    return new CriticThread(worker, shared);
  }

  #failed = (): void => {
    const c = this.#shared.control;
    if (Atomics.load(c, P.FAILED) === 0) return;
    const bytes = this.#shared.error.slice(0, c[P.ERROR_LEN]);
    throw new Error(`The critic thread failed: ${new TextDecoder().decode(bytes)}`);
  };

  #alive(): void {
    if (this.#destroyed) throw new TypeError("This critic thread has been stopped");
  }

  /** Starts the worker on an update over `rollout`. */
  beginUpdate(rollout: Rollout, learningRate: number, adamStep: number): void {
    this.#alive();
    const request: CriticRequest = {
      type: "update",
      rollout,
      learningRate,
      adamStep,
    };
    this.#worker.postMessage(request);
  }

  /** `Σ g²` of the critic's gradients of the current minibatch (waits for the worker). */
  gradSquaredNorm(): number {
    this.#minibatches = (this.#minibatches + 1) | 0;
    waitFor(this.#shared.control, P.SQUARES_SEQ, this.#minibatches, this.#failed);
    return this.#shared.values[P.SQUARES];
  }

  /** Hands the worker the clip scale of the current minibatch: it then takes its Adam step. */
  step(scale: number): void {
    this.#shared.values[P.SCALE] = scale;
    publish(this.#shared.control, P.SCALE_SEQ, this.#minibatches);
  }

  /** Waits for the end of the update; returns the sum of its minibatches' value losses. */
  endUpdate(): number {
    this.#updates = (this.#updates + 1) | 0;
    waitFor(this.#shared.control, P.DONE_SEQ, this.#updates, this.#failed);
    return this.#shared.values[P.VALUE_SUM];
  }

  /** The critic's parameters after the last update (or as started). */
  getParams(): Float32Array {
    this.#fetchState();
    return this.#shared.params.slice();
  }

  /** A copy of the critic's parameters and Adam moments. */
  getState(): Pick<LearnerState, "params" | "adamM" | "adamV"> {
    this.#fetchState();
    const { params, adamM, adamV } = this.#shared;
    return { params: params.slice(), adamM: adamM.slice(), adamV: adamV.slice() };
  }

  /** Has the worker write the critic's parameters and moments into the shared buffers. */
  #fetchState(): void {
    this.#alive();
    const request: CriticRequest = { type: "state" };
    this.#worker.postMessage(request);
    this.#states = (this.#states + 1) | 0;
    waitFor(this.#shared.control, P.STATE_SEQ, this.#states, this.#failed);
  }

  /** Replaces the critic's parameters, moments and step count. */
  setState(state: LearnerState): void {
    this.#alive();
    const request: CriticRequest = { type: "setState", state };
    this.#worker.postMessage(request);
  }

  /** Stops the worker. Idempotent. */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#worker.terminate();
  }
}
