/**
 * The worker script of `WorkerVectorEnv`: builds its share of the sub-envs by registry id,
 * posts `ready`, then serves commands over shared memory (see `WORKER_PROTOCOL`) until told to
 * close. Not meant to be imported: it acts only when loaded as a worker.
 * @module
 */
import { make } from "./registry.ts";
import type { AnyEnv } from "./types.ts";
import { EnvBatch } from "./vector.ts";
import type { VectorStepResult } from "./vector_types.ts";
import {
  type SerializedError,
  WORKER_PROTOCOL as P,
  type WorkerInit,
  type WorkerReply,
} from "./worker_vector.ts";

/** The parts of a worker's global scope used here (the project type-checks with window types). */
interface WorkerScope {
  onmessage: ((e: MessageEvent<WorkerInit>) => void) | null;
  postMessage(message: WorkerReply): void;
  close(): void;
}
const scope = globalThis as unknown as WorkerScope;

// Only in a worker: imported by mistake elsewhere, this module does nothing.
if ("WorkerGlobalScope" in globalThis) {
  scope.onmessage = (e) => {
    scope.onmessage = null;
    void start(e.data);
  };
}

async function start(init: WorkerInit): Promise<void> {
  let batch: EnvBatch;
  try {
    // Side-effect imports, e.g. modules registering custom envs.
    for (const url of init.imports) await import(url);
    const envs: AnyEnv[] = [];
    for (let i = init.start; i < init.end; i++) envs.push(make(init.id, init.options));
    batch = new EnvBatch(envs, slice(init.out, init.start, init.end), {
      autoreset: init.autoreset,
      firstIndex: init.start,
    });
  } catch (err) {
    scope.postMessage({ type: "error", error: serialize(err) });
    scope.close();
    return;
  }
  scope.postMessage({ type: "ready" });
  serve(batch, init);
  scope.close();
}

/** This worker's entries of the shared result arrays. */
function slice(out: VectorStepResult, start: number, end: number): VectorStepResult {
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

/** The command loop: blocks this worker's thread in `Atomics.wait` between commands. */
function serve(batch: EnvBatch, init: WorkerInit): void {
  const ctrl = init.control, b = init.worker * P.CTRL_STRIDE;
  const actions = init.actions.subarray(
    init.start * batch.actionSize,
    init.end * batch.actionSize,
  );
  // 0, not the current REQ: the main thread may already have posted a command after `ready`.
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, b + P.REQ, seen);
    const req = Atomics.load(ctrl, b + P.REQ);
    if (req === seen) continue;
    seen = req;
    const cmd = Atomics.load(ctrl, b + P.CMD);
    let status = 0;
    try {
      if (cmd === P.CMD_STEP) batch.step(actions);
      else if (cmd === P.CMD_RESET) batch.reset();
      else if (cmd === P.CMD_RESET_SEED) batch.reset(init.seed[0]);
      else if (cmd === P.CMD_CLOSE) batch.close();
      else throw new RangeError(`Unknown vector env worker command ${cmd}`);
    } catch (err) {
      writeError(init, err);
      status = 1;
    }
    Atomics.store(ctrl, b + P.STATUS, status);
    Atomics.store(ctrl, b + P.DONE, seen);
    Atomics.notify(ctrl, b + P.DONE);
    if (cmd === P.CMD_CLOSE) return;
  }
}

function serialize(err: unknown): SerializedError {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: "Error", message: String(err) };
}

/** Writes `err` as JSON into this worker's error region, dropping the stack if too long. */
function writeError(init: WorkerInit, err: unknown): void {
  const s = serialize(err);
  const enc = new TextEncoder();
  let bytes = enc.encode(JSON.stringify(s));
  if (bytes.length > P.ERR_BYTES) bytes = enc.encode(JSON.stringify({ ...s, stack: undefined }));
  if (bytes.length > P.ERR_BYTES) {
    const message = s.message.slice(0, P.ERR_BYTES / 8) + "…";
    bytes = enc.encode(JSON.stringify({ name: s.name, message }));
  }
  init.errors.set(bytes, init.worker * P.ERR_BYTES);
  init.control[init.worker * P.CTRL_STRIDE + P.ERR_LEN] = bytes.length;
}
