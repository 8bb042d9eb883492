/**
 * The worker script of `WorkerVectorEnv`: builds its share of the sub-envs by registry id,
 * posts `ready`, then serves commands over shared memory (see `WORKER_PROTOCOL`) until told to
 * close. The main thread blocks while it waits, so it cannot hear of this worker's end by
 * events: `self.close` and `Deno.exit` are wrapped to announce an exit in shared memory first,
 * and whatever a sub-env throws is reported clipped to fit the error region, so that reporting
 * it cannot fail. Not meant to be imported: it acts only when loaded as a worker.
 * @module
 */
import { pollWhile } from "../core/poll.ts";
import { make } from "./registry.ts";
import type { AnyEnv } from "./types.ts";
import { EnvBatch } from "./vector.ts";
import { loadShareActor, type ShareActor, sliceVectorResult } from "./vector_types.ts";
import {
  runCommand,
  type SerializedError,
  WORKER_PROTOCOL as P,
  type WorkerInit,
  workerLabel,
  type WorkerReply,
} from "./worker_vector.ts";

/** The parts of a worker's global scope used here (the project type-checks with window types). */
interface WorkerScope {
  onmessage: ((e: MessageEvent<WorkerInit>) => void) | null;
  postMessage(message: WorkerReply): void;
  close(): void;
}
const scope = globalThis as unknown as WorkerScope;
const encoder = new TextEncoder(), decoder = new TextDecoder();
// Room for clipping strings; no clipped string is longer than an error region.
const scratch = new Uint8Array(P.ERR_BYTES);
const ELLIPSIS = "…", ELLIPSIS_BYTES = 3;

// The init message until an exit has been reported (there is one exit to report).
let current: WorkerInit | undefined;

// Only in a worker: imported by mistake elsewhere, this module does nothing.
if ("WorkerGlobalScope" in globalThis) {
  const close = scope.close.bind(scope), exit = Deno.exit;
  scope.close = () => {
    reportExit("it called self.close()");
    close();
  };
  (Deno as { exit: (code?: number) => never }).exit = (code?: number): never => {
    reportExit(`it called Deno.exit(${code ?? ""})`);
    return exit(code);
  };
  scope.onmessage = (e) => {
    scope.onmessage = null;
    void start(e.data, close);
  };
}

/** Builds the sub-envs, then serves commands; `close` ends the worker without a report. */
async function start(init: WorkerInit, close: () => void): Promise<void> {
  current = init;
  let batch: EnvBatch, actor: ShareActor | undefined;
  try {
    // Side-effect imports, e.g. modules registering custom envs.
    for (const url of init.imports) await import(url);
    const envs: AnyEnv[] = [];
    for (let i = init.start; i < init.end; i++) envs.push(make(init.id, init.options));
    batch = new EnvBatch(envs, sliceVectorResult(init.out, init.start, init.end), {
      autoreset: init.autoreset,
      firstIndex: init.start,
    });
    if (init.actor) actor = await loadShareActor(init.actor);
  } catch (err) {
    scope.postMessage({ type: "error", error: serialize(err, init) });
    close();
    return;
  }
  scope.postMessage({ type: "ready" });
  serve(batch, init, actor && (() => actor.act(init.out.obs, init.actions, init.start, init.end)));
  close();
}

/**
 * The command loop: blocks this worker's thread in `Atomics.wait` between commands. `act`
 * writes this share's actions, for `CMD_ACT_STEP`.
 */
function serve(batch: EnvBatch, init: WorkerInit, act: (() => void) | undefined): void {
  const ctrl = init.control, b = init.worker * P.CTRL_STRIDE;
  const actions = init.actions.subarray(
    init.start * batch.actionSize,
    init.end * batch.actionSize,
  );
  // 0, not the current REQ: the main thread may already have posted a command after `ready`.
  let seen = 0;
  for (;;) {
    const spinMs = Atomics.load(ctrl, b + P.POLL) === 1 ? P.POLL_MS : 0;
    if (pollWhile(ctrl, b + P.REQ, seen, spinMs) === seen) {
      Atomics.wait(ctrl, b + P.REQ, seen);
    }
    const req = Atomics.load(ctrl, b + P.REQ);
    if (req === seen) continue;
    seen = req;
    const cmd = Atomics.load(ctrl, b + P.CMD);
    let status: number = P.STATUS_OK;
    try {
      runCommand(batch, cmd, actions, init.seed[0], act);
    } catch (err) {
      writeError(init, serialize(err, init));
      status = P.STATUS_ERROR;
    }
    Atomics.store(ctrl, b + P.STATUS, status);
    Atomics.store(ctrl, b + P.DONE, seen);
    Atomics.notify(ctrl, b + P.DONE);
    if (cmd === P.CMD_CLOSE) return;
  }
}

/**
 * Tells the main thread that this worker is ending, before it does: sets `EXITED` and
 * completes the command in progress, if any (REQ is the one being served), with
 * `STATUS_EXITED`, `how` as the message and the caller's frames as the stack.
 */
function reportExit(how: string): void {
  const init = current;
  if (init === undefined) return;
  current = undefined;
  const ctrl = init.control, b = init.worker * P.CTRL_STRIDE;
  // Without the "Error" line and the frames of this function and of the wrapper.
  const where = new Error().stack?.split("\n").slice(3).join("\n");
  writeError(init, fit("", how, where));
  Atomics.store(ctrl, b + P.STATUS, P.STATUS_EXITED);
  Atomics.store(ctrl, b + P.EXITED, 1);
  Atomics.store(ctrl, b + P.DONE, Atomics.load(ctrl, b + P.REQ));
  Atomics.notify(ctrl, b + P.DONE);
}

/**
 * Whatever was thrown, as a {@link SerializedError} that fits an error region. Nothing here
 * throws: getters and `toString` that throw, and non-Error values, are described instead.
 */
function serialize(err: unknown, init: WorkerInit): SerializedError {
  const label = workerLabel(init.worker, init.start, init.end);
  let isError = false;
  try {
    isError = err instanceof Error;
  } catch {
    // A proxy whose getPrototypeOf trap throws: described below as a value.
  }
  if (!isError) return fit("", `${label}: a sub-env threw a non-Error value: ${describe(err)}`);
  const e = err as Error;
  const message = text(() => e.message) ??
    `${label}: a sub-env threw an error whose message cannot be read`;
  return fit(text(() => e.name) ?? "", message, text(() => e.stack));
}

/** A short text for a thrown non-Error value. */
function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || (typeof value !== "object" && typeof value !== "function")) {
    return String(value);
  }
  const s = text(() => String(value));
  if (s === undefined) return "<unprintable object: its toString throws>";
  if (s !== "[object Object]") return s;
  return text(() => JSON.stringify(value)) ?? s;
}

/** `get()` as a string, or undefined if it is undefined or throws (or its `toString` does). */
function text(get: () => unknown): string | undefined {
  try {
    const v = get();
    return v === undefined ? undefined : String(v);
  } catch {
    return undefined;
  }
}

/** Clips name, message and stack (in that order of priority) to fit one error region. */
function fit(name: string, message: string, stack?: string): SerializedError {
  const [n, nameBytes] = clip(name, P.NAME_BYTES);
  const [m, messageBytes] = clip(message, P.MESSAGE_BYTES);
  if (stack === undefined) return { name: n, message: m };
  return { name: n, message: m, stack: clip(stack, P.ERR_BYTES - nameBytes - messageBytes)[0] };
}

/**
 * `s` cut at a character boundary to at most `maxBytes` bytes of UTF-8, ending in "…" if cut,
 * with its length in bytes.
 */
function clip(s: string, maxBytes: number): [string, number] {
  const whole = encoder.encodeInto(s, scratch.subarray(0, maxBytes));
  if (whole.read === s.length) return [s, whole.written];
  const cut = encoder.encodeInto(s, scratch.subarray(0, maxBytes - ELLIPSIS_BYTES));
  return [
    decoder.decode(scratch.subarray(0, cut.written)) + ELLIPSIS,
    cut.written + ELLIPSIS_BYTES,
  ];
}

/** Writes `e` (already clipped by {@link fit}) into this worker's error region. */
function writeError(init: WorkerInit, e: SerializedError): void {
  const ctrl = init.control, b = init.worker * P.CTRL_STRIDE;
  const region = init.errors.subarray(init.worker * P.ERR_BYTES, (init.worker + 1) * P.ERR_BYTES);
  // encodeInto stops at a character boundary when the region is full: it cannot overflow.
  const name = encoder.encodeInto(e.name, region).written;
  const message = encoder.encodeInto(e.message, region.subarray(name)).written;
  const stack = encoder.encodeInto(e.stack ?? "", region.subarray(name + message)).written;
  ctrl[b + P.NAME_LEN] = name;
  ctrl[b + P.MESSAGE_LEN] = message;
  ctrl[b + P.STACK_LEN] = stack;
}
