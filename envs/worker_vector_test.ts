import assert from "node:assert/strict";
import { listEnvs } from "./registry.ts";
import {
  type FaultKind,
  type FaultPhase,
  FAULTY_ENV_ID,
  LONG_MESSAGE,
  SLOW_MS,
} from "./_faulty_envs_testing.ts";
import { Discrete } from "./spaces.ts";
import { type AutoresetMode, makeVec, SyncVectorEnv, type VectorEnv } from "./vector.ts";
import { loadShareActor } from "./vector_types.ts";
import {
  VectorWorkerError,
  WORKER_PROTOCOL,
  WorkerVectorEnv,
  type WorkerVectorEnvOptions,
} from "./worker_vector.ts";

/**
 * A module registering test envs, imported by the workers (and this thread) through the
 * `imports` option. `VectorTestCount-v0` ends its episodes after `1 + seed % 4` steps,
 * alternately terminated and truncated, with observation `[seed, episode, t, action]` and
 * reward `10 t + action`; `VectorTestFaulty-v0` throws on demand.
 */
const TEST_ENVS = "data:application/javascript," + encodeURIComponent(`
import { register } from "${new URL("./registry.ts", import.meta.url).href}";
import { Box, Discrete } from "${new URL("./spaces.ts", import.meta.url).href}";
class CountEnv {
  observationSpace = new Box(-Infinity, Infinity, [4]);
  actionSpace = new Discrete(3);
  seed = -1; episode = 0; t = 0;
  reset(options = {}) {
    if (options.seed !== undefined) this.seed = options.seed;
    this.episode++;
    this.t = 0;
    return { obs: new Float32Array([this.seed, this.episode, 0, -1]), info: {} };
  }
  step(action) {
    this.t++;
    const end = this.t === 1 + (this.seed % 4);
    return {
      obs: new Float32Array([this.seed, this.episode, this.t, action]),
      reward: 10 * this.t + action,
      terminated: end && this.episode % 2 === 1,
      truncated: end && this.episode % 2 === 0,
      info: {},
    };
  }
  close() {}
}
class StepFault extends Error { name = "StepFault"; }
class FaultyEnv extends CountEnv {
  constructor(options) {
    super();
    if (options.failInWorker !== undefined && globalThis.name === "eagle-vector-env-" + options.failInWorker) {
      throw new RangeError("FaultyEnv refuses to run in worker " + options.failInWorker);
    }
  }
  step(action) {
    if (action === 2) throw new StepFault("action 2 breaks env " + this.seed);
    return super.step(action);
  }
}
register({ id: "VectorTestCount-v0", optionNames: [], description: "test", create: () => new CountEnv() });
register({
  id: "VectorTestFaulty-v0",
  optionNames: ["failInWorker"],
  description: "test",
  create: (o) => new FaultyEnv(o),
});
`);

/**
 * Deterministic pseudo-random actions for `env`: integers in `[0, n)` of a discrete action
 * space, else float32 values in `[-1, 1]`.
 */
function randomActions(env: VectorEnv, seed: number): () => Int32Array | Float32Array {
  let s = seed >>> 0;
  const discrete = env.singleActionSpace instanceof Discrete;
  const n = discrete ? (env.singleActionSpace as Discrete).n : 0;
  const out = discrete
    ? new Int32Array(env.numEnvs * env.actionSize)
    : new Float32Array(env.numEnvs * env.actionSize);
  return () => {
    for (let i = 0; i < out.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      const u = s / 2 ** 32;
      out[i] = discrete ? Math.floor(u * n) : 2 * u - 1;
    }
    return out;
  };
}

/**
 * Steps both vector envs with the same random actions and asserts bit-identical results
 * (`Object.is`, so −0 and NaN count); returns the number of episodes that ended.
 */
function assertSameRun(a: VectorEnv, b: VectorEnv, steps: number): number {
  const same = (x: ArrayLike<number>, y: ArrayLike<number>, what: string) => {
    assert.equal(x.length, y.length);
    for (let i = 0; i < x.length; i++) {
      if (!Object.is(x[i], y[i])) assert.fail(`${what}[${i}]: ${x[i]} !== ${y[i]}`);
    }
  };
  same(a.reset({ seed: 123 }), b.reset({ seed: 123 }), "reset obs");
  const next = randomActions(a, 9);
  let ended = 0;
  for (let t = 0; t < steps; t++) {
    const actions = next();
    const ra = a.step(actions), rb = b.step(actions);
    for (const key of Object.keys(ra) as (keyof typeof ra)[]) {
      same(ra[key], rb[key], `step ${t} ${key}`);
    }
    for (let i = 0; i < a.numEnvs; i++) ended += ra.terminated[i] | ra.truncated[i];
    if (t === Math.floor(steps / 2)) same(a.reset(), b.reset(), "unseeded reset obs");
  }
  return ended;
}

for (const autoreset of ["next-step", "same-step"] as const) {
  Deno.test(`CartPole: workers match SyncVectorEnv bit for bit (${autoreset})`, async () => {
    const sync = new SyncVectorEnv({ id: "CartPole-v1", numEnvs: 7 }, { autoreset });
    for (const workers of [1, 2, 3]) {
      // 7 envs over 3 workers: uneven shares (3, 2, 2).
      using vec = await WorkerVectorEnv.create("CartPole-v1", 7, { workers, autoreset });
      assert.equal(vec.numWorkers, workers);
      assert.equal(vec.obsSize, 4);
      assert.equal(vec.actionSize, 1);
      assert.equal(vec.spec?.id, "CartPole-v1");
      assert.equal(vec.autoreset, autoreset);
      const ended = assertSameRun(sync, vec, 300);
      assert.ok(ended > 50, `${ended} episodes ended`);
    }
    sync.close();
  });
}

Deno.test("stepInCaller: the caller steps the first share, bit for bit as SyncVectorEnv", async () => {
  for (const autoreset of ["next-step", "same-step"] as const) {
    const sync = new SyncVectorEnv({ id: "CartPole-v1", numEnvs: 7 }, { autoreset });
    for (const workers of [1, 2]) {
      // 7 envs over the caller and 1 or 2 workers: shares (4, 3) or (3, 2, 2).
      using vec = await WorkerVectorEnv.create("CartPole-v1", 7, {
        workers,
        autoreset,
        stepInCaller: true,
      });
      assert.equal(vec.numWorkers, workers);
      const ended = assertSameRun(sync, vec, 300);
      assert.ok(ended > 50, `${ended} episodes ended`);
    }
    sync.close();
  }
  // One env leaves no share for a worker: the caller steps it alone.
  using one = await WorkerVectorEnv.create("CartPole-v1", 1, { workers: 2, stepInCaller: true });
  assert.equal(one.numWorkers, 0);
  const sync = new SyncVectorEnv({ id: "CartPole-v1", numEnvs: 1 });
  assertSameRun(sync, one, 100);
  sync.close();
});

Deno.test("stepInCaller: the lowest failing sub-env is reported, the caller's first", async () => {
  using vec = await WorkerVectorEnv.create("VectorTestFaulty-v0", 4, {
    workers: 1,
    stepInCaller: true,
    imports: [TEST_ENVS],
  });
  vec.reset({ seed: 10 });
  // Envs 0–1 step in this thread, 2–3 in the worker: the caller's env 11 is reported.
  assert.throws(() => vec.step(new Int32Array([0, 2, 2, 2])), {
    name: "StepFault",
    message: "action 2 breaks env 11",
  });
  // The worker's own error, once the caller's share is healthy; the worker finished its
  // command either way, so the vector env stays usable after a reset.
  vec.reset({ seed: 10 });
  assert.throws(() => vec.step(new Int32Array([0, 0, 0, 2])), {
    name: "StepFault",
    message: "action 2 breaks env 13",
  });
  vec.reset({ seed: 10 });
  assert.equal(vec.step(new Int32Array(4)).rewards[3], 10);
});

const lunarIds = ["LunarLander-v3", "LunarLanderContinuous-v3"];
for (const id of lunarIds) {
  const registered = listEnvs().some((e) => e.id === id);
  Deno.test({
    name: `${id}: workers match SyncVectorEnv bit for bit`,
    ignore: !registered,
    fn: async () => {
      for (const autoreset of ["next-step", "same-step"] as const) {
        const sync = new SyncVectorEnv({ id, numEnvs: 5 }, { autoreset });
        using vec = await WorkerVectorEnv.create(id, 5, { workers: 2, autoreset });
        const ended = assertSameRun(sync, vec, 400);
        assert.ok(ended > 5, `${ended} episodes ended`);
        sync.close();
      }
    },
  });
}

for (const autoreset of ["next-step", "same-step"] as const) {
  Deno.test(`autoreset in workers follows the sync semantics (${autoreset})`, async () => {
    using vec = await WorkerVectorEnv.create("VectorTestCount-v0", 4, {
      workers: 2,
      autoreset,
      imports: [TEST_ENVS],
    });
    // Episode lengths 1 + (seed + i) % 4 = 1, 2, 3, 4 with seed 0.
    assert.deepEqual(Array.from(vec.reset({ seed: 0 })), [
      ...[0, 1, 0, -1],
      ...[1, 1, 0, -1],
      ...[2, 1, 0, -1],
      ...[3, 1, 0, -1],
    ]);
    let r = vec.step(new Int32Array([1, 1, 1, 1]));
    assert.deepEqual(Array.from(r.terminated), [1, 0, 0, 0]);
    assert.deepEqual(Array.from(r.episodeReturn), [11, 0, 0, 0]);
    assert.deepEqual(Array.from(r.episodeLength), [1, 0, 0, 0]);
    assert.deepEqual(Array.from(r.finalObs.subarray(0, 8)), [0, 1, 1, 1, 0, 0, 0, 0]);
    assert.deepEqual(
      Array.from(r.obs.subarray(0, 4)),
      autoreset === "same-step" ? [0, 2, 0, -1] : [0, 1, 1, 1],
    );
    r = vec.step(new Int32Array([2, 0, 0, 0]));
    if (autoreset === "next-step") {
      // Env 0 only resets: its action is ignored, reward 0, flags clear.
      assert.deepEqual(Array.from(r.obs.subarray(0, 4)), [0, 2, 0, -1]);
      assert.equal(r.rewards[0], 0);
      assert.equal(r.truncated[0], 0);
    } else {
      // Env 0's second episode (length 1) ends truncated at once.
      assert.deepEqual(Array.from(r.obs.subarray(0, 4)), [0, 3, 0, -1]);
      assert.deepEqual(Array.from(r.finalObs.subarray(0, 4)), [0, 2, 1, 2]);
      assert.equal(r.rewards[0], 12);
      assert.equal(r.truncated[0], 1);
    }
    assert.equal(r.terminated[1], 1);
    assert.equal(r.episodeReturn[1], 11 + 20);

    // Over a longer run, fresh envs in workers and in this thread agree step for step.
    const sync = new SyncVectorEnv({ id: "VectorTestCount-v0", numEnvs: 5 }, { autoreset });
    using fresh = await WorkerVectorEnv.create("VectorTestCount-v0", 5, {
      workers: 2,
      autoreset,
      imports: [TEST_ENVS],
    });
    assertSameRun(sync, fresh, 60);
    sync.close();
  });
}

Deno.test("a sub-env's error surfaces in the caller with its type and message", async () => {
  using vec = await WorkerVectorEnv.create("CartPole-v1", 4, { workers: 2 });
  vec.reset({ seed: 1 });
  assert.throws(() => vec.step(new Int32Array([0, 1, 0, 5])), {
    name: "RangeError",
    message: "CartPole action must be 0 (left) or 1 (right), got 5",
  });
  // The caller-side checks are the SyncVectorEnv's.
  assert.throws(() => vec.step(new Int32Array(3)), {
    name: "RangeError",
    message: "Vector env actions must hold numEnvs × actionSize = 4 numbers, got 3",
  });
  // The vector env stays usable after a reset.
  vec.reset({ seed: 2 });
  assert.equal(vec.step(new Int32Array(4)).rewards[3], 1);

  // A custom error class arrives as an Error with the same name, message and worker stack.
  using faulty = await WorkerVectorEnv.create("VectorTestFaulty-v0", 4, {
    workers: 2,
    imports: [TEST_ENVS],
  });
  faulty.reset({ seed: 10 });
  assert.throws(() => faulty.step(new Int32Array([0, 0, 2, 2])), {
    name: "StepFault",
    message: "action 2 breaks env 12",
  });
  let caught: unknown;
  try {
    faulty.step(new Int32Array([2, 0, 0, 0]));
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof Error);
  assert.match(caught.stack ?? "", /in Vector env worker 0 \(envs 0–1\), rethrown by/);
});

Deno.test("step before reset and errors while building envs reject cleanly", async () => {
  using vec = await WorkerVectorEnv.create("CartPole-v1", 2, { workers: 2 });
  assert.throws(() => vec.step(new Int32Array(2)), {
    name: "TypeError",
    message: "Vector env step() called before reset()",
  });
  // Unknown id and option: reported by the probe in this thread, before any worker starts.
  await assert.rejects(() => WorkerVectorEnv.create("Nope-v0", 2), {
    name: "RangeError",
    message: /Unknown env "Nope-v0"/,
  });
  await assert.rejects(() => WorkerVectorEnv.create("CartPole-v1", 2, { options: { x: 1 } }), {
    name: "RangeError",
    message: /Unknown option "x" for CartPole-v1/,
  });
  // An env that fails only inside worker 1: its error crosses back, workers 0 and 2 (which
  // started) are stopped, and the sanitizers see nothing left running.
  await assert.rejects(
    () =>
      WorkerVectorEnv.create("VectorTestFaulty-v0", 3, {
        workers: 3,
        imports: [TEST_ENVS],
        options: { failInWorker: 1 },
      }),
    { name: "RangeError", message: "FaultyEnv refuses to run in worker 1" },
  );
  await assert.rejects(() => WorkerVectorEnv.create("CartPole-v1", 2, { workers: 0 }), {
    name: "RangeError",
    message: "workers must be a positive integer, got 0",
  });
  await assert.rejects(
    () => WorkerVectorEnv.create("CartPole-v1", 2, { autoreset: "later" as AutoresetMode }),
    /autoreset must be "next-step" or "same-step", got "later"/,
  );
});

/**
 * An actor module for `stepActing`: pushes CartPole's pole the wrong way (short episodes),
 * and records in `init.actedBy[i]` which thread acted for env `i` (0: the calling thread,
 * w + 1: worker w). `init.failIn` names a worker whose actor throws.
 */
const TEST_ACTOR = "data:application/javascript," + encodeURIComponent(`
export function createShareActor(init) {
  const m = /^eagle-vector-env-(\\d+)$/.exec(globalThis.name ?? "");
  const thread = m ? Number(m[1]) + 1 : 0;
  return {
    act(obs, actions, start, end) {
      if (m && init.failIn === Number(m[1])) throw new RangeError("actor refuses in worker " + m[1]);
      for (let i = start; i < end; i++) {
        actions[i] = obs[i * 4 + 2] > 0 ? 0 : 1;
        init.actedBy[i] = thread;
      }
    },
  };
}
`);

Deno.test("stepActing: each thread acts for its share, bit for bit as acting in one thread", async () => {
  const numEnvs = 7;
  const actedBy = new Int32Array(new SharedArrayBuffer(4 * numEnvs));
  const here = await loadShareActor({ url: TEST_ACTOR, init: { actedBy } });
  const same = (x: ArrayLike<number>, y: ArrayLike<number>, what: string) => {
    for (let i = 0; i < x.length; i++) {
      if (!Object.is(x[i], y[i])) assert.fail(`${what}[${i}]: ${x[i]} !== ${y[i]}`);
    }
  };
  for (
    const { workers, stepInCaller, owners } of [
      { workers: 1, stepInCaller: true, owners: [0, 0, 0, 0, 1, 1, 1] },
      { workers: 2, stepInCaller: true, owners: [0, 0, 0, 1, 1, 2, 2] },
      { workers: 2, stepInCaller: false, owners: [1, 1, 1, 1, 2, 2, 2] },
    ]
  ) {
    using sync = new SyncVectorEnv({ id: "CartPole-v1", numEnvs }, { autoreset: "same-step" });
    using vec = await WorkerVectorEnv.create("CartPole-v1", numEnvs, {
      workers,
      stepInCaller,
      autoreset: "same-step",
      actor: { url: TEST_ACTOR, init: { actedBy } },
    });
    const obs = new Float32Array(sync.reset({ seed: 5 }));
    vec.reset({ seed: 5 });
    const actions = new Float64Array(numEnvs), ints = new Int32Array(numEnvs);
    let ended = 0;
    for (let t = 0; t < 200; t++) {
      here.act(obs, actions, 0, numEnvs);
      ints.set(actions);
      const a = sync.step(ints);
      actedBy.fill(-1);
      const b = vec.stepActing();
      assert.deepEqual([...actedBy], owners);
      for (const key of Object.keys(a) as (keyof typeof a)[]) same(a[key], b[key], `${t} ${key}`);
      obs.set(a.obs);
      for (let i = 0; i < numEnvs; i++) ended += a.terminated[i] | a.truncated[i];
    }
    assert.ok(ended > 50, `${ended} episodes ended`);
  }
});

Deno.test("stepActing: a missing or broken actor is a clear error", async () => {
  using plain = await WorkerVectorEnv.create("CartPole-v1", 2, { workers: 1 });
  plain.reset({ seed: 1 });
  assert.throws(() => plain.stepActing(), {
    name: "TypeError",
    message: "stepActing() needs a vector env created with the actor option",
  });
  const none = "data:application/javascript,export const x = 1;";
  await assert.rejects(
    () => WorkerVectorEnv.create("CartPole-v1", 2, { workers: 1, actor: { url: none, init: 0 } }),
    {
      name: "TypeError",
      message: `Actor module ${none} does not export a function createShareActor`,
    },
  );
  await assert.rejects(() => makeVec("CartPole-v1", 2, { actor: { url: TEST_ACTOR, init: {} } }), {
    name: "RangeError",
    message: "actor applies to vector envs with workers > 0, got workers 0",
  });
  // An actor that throws in a worker: its error reaches the caller, as a sub-env's would.
  const actedBy = new Int32Array(new SharedArrayBuffer(16));
  using vec = await WorkerVectorEnv.create("CartPole-v1", 4, {
    workers: 1,
    stepInCaller: true,
    actor: { url: TEST_ACTOR, init: { actedBy, failIn: 0 } },
  });
  vec.reset({ seed: 1 });
  assert.throws(() => vec.stepActing(), {
    name: "RangeError",
    message: "actor refuses in worker 0",
  });
});

Deno.test("makeVec with workers gives a WorkerVectorEnv; close() is idempotent and final", async () => {
  const vec = await makeVec("CartPole-v1", 5, { workers: 8, autoreset: "same-step" });
  assert.ok(vec instanceof WorkerVectorEnv);
  assert.equal(vec.numWorkers, 5); // capped at numEnvs
  vec.reset({ seed: 0 });
  vec.close();
  vec.close();
  assert.throws(() => vec.step(new Int32Array(5)), {
    name: "TypeError",
    message: "This vector env is closed",
  });
});

Deno.test("a closed WorkerVectorEnv does not keep the process alive", async () => {
  const url = new URL("./worker_vector.ts", import.meta.url).href;
  const code = `
    import { WorkerVectorEnv } from "${url}";
    const vec = await WorkerVectorEnv.create("CartPole-v1", 4, { workers: 2 });
    vec.reset({ seed: 0 });
    vec.step(new Int32Array(4));
    vec.close();
    console.log("closed");
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", code],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill(), 30_000);
  const { code: exit, stdout, stderr } = await child.output();
  clearTimeout(timer);
  const out = new TextDecoder().decode(stdout);
  assert.equal(exit, 0, new TextDecoder().decode(stderr));
  assert.equal(out.trim(), "closed");
});

// --- Worker faults: envs of `_faulty_envs_testing.ts` that end, hang or throw the unreportable.

const FAULTS = new URL("./_faulty_envs_testing.ts", import.meta.url).href;
const WORKER_1 = "Vector env worker 1 (envs 2–3)";

/** 4 sub-envs over 2 workers, whose worker 1 (envs 2–3) breaks as `fault` says in `phase`. */
function faulty(
  fault: FaultKind,
  phase: FaultPhase,
  options: WorkerVectorEnvOptions = {},
): Promise<WorkerVectorEnv> {
  return WorkerVectorEnv.create(FAULTY_ENV_ID, 4, {
    workers: 2,
    imports: [FAULTS],
    options: { fault, phase, worker: 1 },
    ...options,
  });
}

/** Calls `f`, which must throw; returns what it threw and how long it took (ms). */
function timeThrow(f: () => unknown): { error: Error; ms: number } {
  const t0 = performance.now();
  try {
    f();
  } catch (error) {
    assert.ok(error instanceof Error, `threw a non-Error: ${String(error)}`);
    return { error, ms: performance.now() - t0 };
  }
  return assert.fail("expected the call to throw");
}

/** `reset` or `step` of `vec`, whichever `phase` names (a step first needs a reset). */
function callIn(vec: WorkerVectorEnv, phase: FaultPhase): () => unknown {
  if (phase === "reset") return () => vec.reset({ seed: 0 });
  vec.reset({ seed: 0 });
  return () => vec.step(new Int32Array(vec.numEnvs));
}

/** Asserts that `vec` is broken by `fault` for good, and that close() ends it at once. */
function assertBrokenThenClosed(vec: WorkerVectorEnv, fault: Error): void {
  assert.throws(() => vec.step(new Int32Array(vec.numEnvs)), (e) => e === fault);
  assert.throws(() => vec.reset({ seed: 1 }), (e) => e === fault);
  const t0 = performance.now();
  vec.close();
  vec.close();
  assert.ok(performance.now() - t0 < 1000, `close() took ${performance.now() - t0} ms`);
  assert.throws(() => vec.step(new Int32Array(vec.numEnvs)), {
    name: "TypeError",
    message: "This vector env is closed",
  });
}

for (const phase of ["step", "reset"] as const) {
  Deno.test(`a worker that exits during ${phase} breaks the vector env at once`, async () => {
    const exits = [["close", "self.close()"], ["exit", "Deno.exit(3)"]] as const;
    for (const [fault, call] of exits) {
      const vec = await faulty(fault, phase);
      const { error, ms } = timeThrow(callIn(vec, phase));
      assert.ok(ms < 2000, `${fault} in ${phase} noticed after ${ms} ms`);
      assert.ok(error instanceof VectorWorkerError, `${error}`);
      assert.equal(error.message, `${WORKER_1} exited during ${phase}: it called ${call}`);
      assert.deepEqual([error.worker, error.firstEnv, error.endEnv], [1, 2, 4]);
      // Its stack shows where in the sub-env the worker was ended.
      assert.match(error.stack ?? "", new RegExp(`at FaultyEnv\\.${phase} `));
      assertBrokenThenClosed(vec, error);
    }
  });
}

Deno.test("a fault names a one-env share as such", async () => {
  const vec = await WorkerVectorEnv.create(FAULTY_ENV_ID, 3, {
    workers: 3,
    imports: [FAULTS],
    options: { fault: "exit", phase: "step", worker: 2 },
  });
  const { error } = timeThrow(callIn(vec, "step"));
  assert.equal(
    error.message,
    "Vector env worker 2 (env 2) exited during step: it called Deno.exit(3)",
  );
  assertBrokenThenClosed(vec, error);
});

Deno.test("a worker stuck in a step or reset is given up after stepTimeoutMs", async () => {
  for (const phase of ["step", "reset"] as const) {
    const vec = await faulty("hang", phase, { stepTimeoutMs: 300 });
    const { error, ms } = timeThrow(callIn(vec, phase));
    assert.ok(ms >= 300 && ms < 2000, `hang in ${phase} noticed after ${ms} ms`);
    assert.ok(error instanceof VectorWorkerError, `${error}`);
    assert.equal(
      error.message,
      `${WORKER_1} stopped answering: its ${phase} did not finish within 300 ms (stepTimeoutMs)`,
    );
    // close() terminates the busy worker rather than waiting for it.
    assertBrokenThenClosed(vec, error);
  }
});

Deno.test("a slow but healthy step is waited for, over many wait slices", async () => {
  using vec = await faulty("slow", "step", { stepTimeoutMs: 5 * SLOW_MS });
  vec.reset({ seed: 0 });
  const t0 = performance.now();
  const r = vec.step(new Int32Array(4));
  assert.ok(performance.now() - t0 >= SLOW_MS - 1);
  assert.deepEqual(Array.from(r.obs), [1, 1, 1, 1]);
});

Deno.test("errors that are hard to report reach the caller, and the worker lives on", async () => {
  const utf8 = (s: string) => new TextEncoder().encode(s).length;
  const nonError = `${WORKER_1}: a sub-env threw a non-Error value:`;
  const cases: [FaultKind, (e: Error) => void][] = [
    ["long-name", (e) => {
      // 20 KiB of name clipped to NAME_BYTES, marked as cut; the message is whole.
      assert.equal(e.name, "N".repeat(WORKER_PROTOCOL.NAME_BYTES - 3) + "…");
      assert.equal(e.message, "an error with a very long name");
    }],
    ["long-message", (e) => {
      // Cut at a character boundary (no U+FFFD) within MESSAGE_BYTES, keeping its type.
      assert.ok(e instanceof RangeError);
      assert.ok(e.message.endsWith("…") && LONG_MESSAGE.startsWith(e.message.slice(0, -1)));
      assert.ok(!e.message.includes("\uFFFD"));
      const bytes = utf8(e.message);
      assert.ok(
        bytes <= WORKER_PROTOCOL.MESSAGE_BYTES && bytes > WORKER_PROTOCOL.MESSAGE_BYTES - 4,
      );
    }],
    ["unprintable", (e) => {
      assert.equal(e.message, `${nonError} <unprintable object: its toString throws>`);
    }],
    ["unreadable", (e) => {
      assert.equal(e.name, "Error");
      assert.equal(e.message, `${WORKER_1}: a sub-env threw an error whose message cannot be read`);
    }],
    ["string", (e) => assert.equal(e.message, `${nonError} "a thrown string"`)],
    ["undefined", (e) => assert.equal(e.message, `${nonError} undefined`)],
  ];
  for (const [fault, check] of cases) {
    using vec = await faulty(fault, "step");
    const { error, ms } = timeThrow(callIn(vec, "step"));
    assert.ok(ms < 2000, `${fault} reported after ${ms} ms`);
    assert.ok(!(error instanceof VectorWorkerError), `${fault}: ${error}`);
    check(error);
    assert.match(error.stack ?? "", /in Vector env worker 1 \(envs 2–3\), rethrown by/);
    // Worker 1 still serves: a reset rewrites its envs' observations.
    const obs = vec.reset({ seed: 1 });
    obs.fill(NaN);
    assert.deepEqual(Array.from(vec.reset({ seed: 1 })), [0, 0, 0, 0]);
  }
});

Deno.test("faults while starting reject create with one clear error", async () => {
  const cases: [FaultKind, { name: string; message: string }][] = [
    ["close", {
      name: "VectorWorkerError",
      message: `${WORKER_1} exited while starting: it called self.close()`,
    }],
    ["exit", {
      name: "VectorWorkerError",
      message: `${WORKER_1} exited while starting: it called Deno.exit(3)`,
    }],
    ["hang", {
      name: "VectorWorkerError",
      message: `${WORKER_1} did not finish starting within 1 s (startTimeoutMs)`,
    }],
    ["long-name", {
      name: "N".repeat(WORKER_PROTOCOL.NAME_BYTES - 3) + "…",
      message: "an error with a very long name",
    }],
    ["unprintable", {
      name: "Error",
      message:
        `${WORKER_1}: a sub-env threw a non-Error value: <unprintable object: its toString throws>`,
    }],
  ];
  for (const [fault, expected] of cases) {
    const t0 = performance.now();
    await assert.rejects(() => faulty(fault, "construct", { startTimeoutMs: 1000 }), expected);
    const ms = performance.now() - t0;
    assert.ok(ms < 2000, `${fault} while starting reported after ${ms} ms`);
  }
});

Deno.test("timeouts must be positive numbers of milliseconds", async () => {
  for (const bad of [0, -5, NaN]) {
    await assert.rejects(() => WorkerVectorEnv.create("CartPole-v1", 2, { stepTimeoutMs: bad }), {
      name: "RangeError",
      message: `stepTimeoutMs must be a positive number of milliseconds, got ${bad}`,
    });
  }
  await assert.rejects(
    () => WorkerVectorEnv.create("CartPole-v1", 2, { startTimeoutMs: "9" as unknown as number }),
    {
      name: "RangeError",
      message: "startTimeoutMs must be a positive number of milliseconds, got 9",
    },
  );
});

Deno.test("a closed vector env with a stuck worker lets the process exit once it is free", async () => {
  const url = new URL("./worker_vector.ts", import.meta.url).href;
  const code = `
    import { WorkerVectorEnv } from "${url}";
    const vec = await WorkerVectorEnv.create("${FAULTY_ENV_ID}", 4, {
      workers: 2,
      imports: ["${FAULTS}"],
      options: { fault: "hang", phase: "step", worker: 1 },
      stepTimeoutMs: 200,
    });
    vec.reset({ seed: 0 });
    try {
      vec.step(new Int32Array(4));
    } catch (e) {
      console.log(e.name);
    }
    vec.close();
    console.log("closed");
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", code],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill(), 30_000);
  const { code: exit, stdout, stderr } = await child.output();
  clearTimeout(timer);
  assert.equal(exit, 0, new TextDecoder().decode(stderr));
  assert.equal(new TextDecoder().decode(stdout).trim(), "VectorWorkerError\nclosed");
});
