/**
 * Test-only: registers `VectorTestFault-v0`, an env that breaks the worker it runs in on
 * purpose, for the fault tests of `WorkerVectorEnv` (`worker_vector_test.ts` passes this
 * module's URL in the `imports` option, so that the workers register it too). The env faults
 * only inside the worker named by its `worker` option, at the `phase` option's moment, in the
 * way its `fault` option names; elsewhere (the probe env in the main thread, other workers) it
 * is a counter that never ends its episodes.
 * @module
 */
import { register } from "./registry.ts";
import { Box, Discrete } from "./spaces.ts";
import type { Env, ResetOptions, ResetResult, StepResult } from "./types.ts";

/** The registry id of the faulty env. */
export const FAULTY_ENV_ID = "VectorTestFault-v0";

/**
 * How the env breaks: ends its worker (`close`: `self.close()`, `exit`: `Deno.exit(3)`),
 * throws something hard to report (`long-name`: an error whose name is 20 KiB, `long-message`:
 * one whose message is {@link LONG_MESSAGE}, `unprintable`:
 * an object whose `toString` throws, `unreadable`: an error whose `name`, `message` and `stack`
 * getters throw, `string`, `undefined`), or stays busy far longer than a test's timeouts
 * (`hang`: {@link HANG_MS}). `slow` breaks nothing: it takes {@link SLOW_MS} and then works, as
 * a slow but healthy env would.
 */
export type FaultKind =
  | "close"
  | "exit"
  | "long-name"
  | "long-message"
  | "unprintable"
  | "unreadable"
  | "string"
  | "undefined"
  | "hang"
  | "slow";

/** When the env breaks: in its constructor, its `reset` or its `step`. */
export type FaultPhase = "construct" | "reset" | "step";

/** Options of `VectorTestFault-v0`. */
export interface FaultyEnvOptions {
  /** How the env breaks. */
  fault: FaultKind;
  /** When the env breaks. */
  phase: FaultPhase;
  /** The worker (of `WorkerVectorEnv`) whose envs break; the others work. */
  worker: number;
}

/** The message of the `long-message` fault: 24 KiB of UTF-8, in characters of 1 to 4 bytes. */
export const LONG_MESSAGE: string = "aé€😀".repeat(2400);

/**
 * How long the `hang` fault keeps its thread busy, in milliseconds. Not forever: Deno 2.9 cannot
 * terminate a worker that is busy in JavaScript (denoland/deno#35657), so a truly endless loop
 * would keep the test process alive.
 */
export const HANG_MS = 2000;

/** How long the `slow` fault takes, in milliseconds. */
export const SLOW_MS = 300;

/** The name `WorkerVectorEnv` gives its worker `w`. */
const workerName = (w: number) => `eagle-vector-env-${w}`;

/** Breaks the calling thread as `kind` says. */
function breakNow(kind: FaultKind): void {
  switch (kind) {
    case "close":
      (globalThis as unknown as { close(): void }).close();
      return;
    case "exit":
      Deno.exit(3);
      return;
    case "long-name": {
      const err = new Error("an error with a very long name");
      err.name = "N".repeat(20 * 1024);
      throw err;
    }
    case "long-message":
      throw new RangeError(LONG_MESSAGE);
    case "unprintable":
      throw {
        toString(): string {
          throw new Error("toString refuses");
        },
      };
    case "unreadable": {
      const err = new Error("hidden");
      const refuse = () => {
        throw new Error("getter refuses");
      };
      for (const key of ["name", "message", "stack"]) {
        Object.defineProperty(err, key, { get: refuse });
      }
      throw err;
    }
    case "string":
      throw "a thrown string";
    case "undefined":
      throw undefined;
    case "hang": {
      // Busy, as a step stuck in a loop would be.
      const end = performance.now() + HANG_MS;
      while (performance.now() < end) Atomics.add(spin, 0, 1);
      return;
    }
    case "slow":
      Atomics.wait(spin, 0, 0, SLOW_MS);
  }
}
const spin = new Int32Array(new SharedArrayBuffer(4));

/** See the module doc. Observation `[t]`, reward 1, never ends an episode. */
class FaultyEnv implements Env<Float32Array, number> {
  readonly observationSpace = new Box(-Infinity, Infinity, [1]);
  readonly actionSpace = new Discrete(2);
  readonly #options: FaultyEnvOptions;
  readonly #armed: boolean;
  #t = 0;

  constructor(options: FaultyEnvOptions) {
    this.#options = options;
    this.#armed = (globalThis as { name?: unknown }).name === workerName(options.worker);
    if (this.#armed && options.phase === "construct") breakNow(options.fault);
  }

  reset(_options?: ResetOptions): ResetResult<Float32Array> {
    if (this.#armed && this.#options.phase === "reset") breakNow(this.#options.fault);
    this.#t = 0;
    return { obs: new Float32Array([0]), info: {} };
  }

  step(_action: number): StepResult<Float32Array> {
    if (this.#armed && this.#options.phase === "step") breakNow(this.#options.fault);
    this.#t++;
    return {
      obs: new Float32Array([this.#t]),
      reward: 1,
      terminated: false,
      truncated: false,
      info: {},
    };
  }

  close(): void {}
}

register({
  id: FAULTY_ENV_ID,
  optionNames: ["fault", "phase", "worker"],
  description: "Test-only env that breaks its worker on purpose",
  create: (o) => new FaultyEnv(o as unknown as FaultyEnvOptions),
});
