import assert from "node:assert/strict";
import { listEnvs } from "./registry.ts";
import { Discrete } from "./spaces.ts";
import { type AutoresetMode, makeVec, SyncVectorEnv, type VectorEnv } from "./vector.ts";
import { WorkerVectorEnv } from "./worker_vector.ts";

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
  assert.match(caught.stack ?? "", /in vector env worker 0, rethrown by/);
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
