import assert from "node:assert/strict";
import { make } from "./registry.ts";
import { Box, Discrete } from "./spaces.ts";
import type { Env, ResetOptions, ResetResult, StepResult } from "./types.ts";
import { type AutoresetMode, makeVec, SyncVectorEnv, type VectorStepResult } from "./vector.ts";

/**
 * A deterministic env whose episodes last `length` steps, alternately terminated (odd
 * episodes) and truncated (even ones). Observation: `[last seed or -1, episode number, t,
 * last action]`; reward `10 t + action`, so an ignored action is visible.
 */
class CountEnv implements Env<Float32Array, number> {
  readonly observationSpace = new Box(-Infinity, Infinity, [4]);
  readonly actionSpace = new Discrete(3);
  readonly length: number;
  closed = false;
  #seed = -1;
  #episode = 0;
  #t = 0;
  #done = true;

  constructor(length: number) {
    this.length = length;
  }

  reset(options: ResetOptions = {}): ResetResult<Float32Array> {
    if (options.seed !== undefined) this.#seed = options.seed;
    this.#episode++;
    this.#t = 0;
    this.#done = false;
    return { obs: new Float32Array([this.#seed, this.#episode, 0, -1]), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    if (this.#done) throw new Error("CountEnv: step() after the episode ended");
    if (!this.actionSpace.contains(action)) {
      throw new RangeError(`CountEnv action must be 0, 1 or 2, got ${action}`);
    }
    this.#t++;
    const end = this.#t === this.length;
    this.#done = end;
    return {
      obs: new Float32Array([this.#seed, this.#episode, this.#t, action]),
      reward: 10 * this.#t + action,
      terminated: end && this.#episode % 2 === 1,
      truncated: end && this.#episode % 2 === 0,
      info: {},
    };
  }

  close(): void {
    this.closed = true;
  }
}

/** A continuous-action env echoing its action into the observation. */
class EchoEnv implements Env<Float32Array, Float32Array> {
  readonly observationSpace = new Box(-Infinity, Infinity, [2]);
  readonly actionSpace = new Box(-1, 1, [2]);

  reset(): ResetResult<Float32Array> {
    return { obs: new Float32Array(2), info: {} };
  }

  step(action: Float32Array): StepResult<Float32Array> {
    return {
      obs: Float32Array.from(action),
      reward: action[0] + action[1],
      terminated: false,
      truncated: false,
      info: {},
    };
  }

  close(): void {}
}

function countEnvs(lengths: number[], autoreset: AutoresetMode): SyncVectorEnv {
  return new SyncVectorEnv(lengths.map((l) => () => new CountEnv(l)), { autoreset });
}

/** One sub-env's slice of a step result, as plain numbers. */
function entry(r: VectorStepResult, i: number, obsSize: number) {
  return {
    obs: Array.from(r.obs.subarray(i * obsSize, (i + 1) * obsSize)),
    reward: r.rewards[i],
    terminated: r.terminated[i],
    truncated: r.truncated[i],
    episodeReturn: r.episodeReturn[i],
    episodeLength: r.episodeLength[i],
    finalObs: Array.from(r.finalObs.subarray(i * obsSize, (i + 1) * obsSize)),
  };
}

const NONE = [0, 0, 0, 0];

Deno.test("next-step autoreset: the ended step returns the final obs, the next one resets", () => {
  const envs = countEnvs([2, 3], "next-step");
  assert.equal(envs.autoreset, "next-step");
  assert.deepEqual(Array.from(envs.reset({ seed: 10 })), [10, 1, 0, -1, 11, 1, 0, -1]);

  let r = envs.step(new Int32Array([1, 2]));
  assert.deepEqual(entry(r, 0, 4), {
    obs: [10, 1, 1, 1],
    reward: 11,
    terminated: 0,
    truncated: 0,
    episodeReturn: 0,
    episodeLength: 0,
    finalObs: NONE,
  });
  assert.deepEqual(entry(r, 1, 4).obs, [11, 1, 1, 2]);

  // Env 0 ends (episode 1 → terminated): obs holds its final observation.
  r = envs.step(new Int32Array([1, 1]));
  assert.deepEqual(entry(r, 0, 4), {
    obs: [10, 1, 2, 1],
    reward: 21,
    terminated: 1,
    truncated: 0,
    episodeReturn: 32,
    episodeLength: 2,
    finalObs: [10, 1, 2, 1],
  });
  assert.deepEqual(entry(r, 1, 4), {
    obs: [11, 1, 2, 1],
    reward: 21,
    terminated: 0,
    truncated: 0,
    episodeReturn: 0,
    episodeLength: 0,
    finalObs: NONE,
  });

  // Env 0 is reset (unseeded: keeps its seed) and its action 2 is ignored; env 1 ends.
  r = envs.step(new Int32Array([2, 0]));
  assert.deepEqual(entry(r, 0, 4), {
    obs: [10, 2, 0, -1],
    reward: 0,
    terminated: 0,
    truncated: 0,
    episodeReturn: 0,
    episodeLength: 0,
    finalObs: NONE,
  });
  assert.deepEqual(entry(r, 1, 4), {
    obs: [11, 1, 3, 0],
    reward: 30,
    terminated: 1,
    truncated: 0,
    episodeReturn: 63,
    episodeLength: 3,
    finalObs: [11, 1, 3, 0],
  });

  r = envs.step(new Int32Array([0, 1]));
  assert.deepEqual(entry(r, 0, 4).obs, [10, 2, 1, 0]);
  assert.equal(r.rewards[0], 10);
  assert.deepEqual(entry(r, 1, 4), {
    obs: [11, 2, 0, -1],
    reward: 0,
    terminated: 0,
    truncated: 0,
    episodeReturn: 0,
    episodeLength: 0,
    finalObs: NONE,
  });

  // Env 0's second episode ends truncated.
  r = envs.step(new Int32Array([2, 1]));
  assert.deepEqual(entry(r, 0, 4), {
    obs: [10, 2, 2, 2],
    reward: 22,
    terminated: 0,
    truncated: 1,
    episodeReturn: 32,
    episodeLength: 2,
    finalObs: [10, 2, 2, 2],
  });
  envs.close();
});

Deno.test("same-step autoreset: obs is the new episode's, finalObs the ended one's", () => {
  const envs = countEnvs([2, 3], "same-step");
  assert.deepEqual(Array.from(envs.reset({ seed: 10 })), [10, 1, 0, -1, 11, 1, 0, -1]);

  let r = envs.step(new Int32Array([1, 2]));
  assert.deepEqual(entry(r, 0, 4).obs, [10, 1, 1, 1]);

  r = envs.step(new Int32Array([1, 1]));
  assert.deepEqual(entry(r, 0, 4), {
    obs: [10, 2, 0, -1],
    reward: 21,
    terminated: 1,
    truncated: 0,
    episodeReturn: 32,
    episodeLength: 2,
    finalObs: [10, 1, 2, 1],
  });
  assert.deepEqual(entry(r, 1, 4).finalObs, NONE);

  // No reset step: env 0's action counts at once; env 1 ends and restarts.
  r = envs.step(new Int32Array([2, 0]));
  assert.deepEqual(entry(r, 0, 4), {
    obs: [10, 2, 1, 2],
    reward: 12,
    terminated: 0,
    truncated: 0,
    episodeReturn: 0,
    episodeLength: 0,
    finalObs: NONE,
  });
  assert.deepEqual(entry(r, 1, 4), {
    obs: [11, 2, 0, -1],
    reward: 30,
    terminated: 1,
    truncated: 0,
    episodeReturn: 63,
    episodeLength: 3,
    finalObs: [11, 1, 3, 0],
  });

  r = envs.step(new Int32Array([0, 0]));
  assert.deepEqual(entry(r, 0, 4), {
    obs: [10, 3, 0, -1],
    reward: 20,
    terminated: 0,
    truncated: 1,
    episodeReturn: 32,
    episodeLength: 2,
    finalObs: [10, 2, 2, 0],
  });
  assert.deepEqual(entry(r, 1, 4).finalObs, NONE);
  envs.close();
});

/**
 * An independent reference: each env stepped on its own with Gymnasium's autoreset rules
 * written out directly.
 */
function reference(lengths: number[], mode: AutoresetMode, actions: Int32Array[]) {
  const envs = lengths.map((l) => new CountEnv(l));
  const pending = lengths.map(() => false);
  const ret = lengths.map(() => 0), len = lengths.map(() => 0);
  envs.forEach((e, i) => e.reset({ seed: 5 + i }));
  return actions.map((a) =>
    envs.map((env, i) => {
      if (pending[i]) {
        pending[i] = false;
        return { obs: Array.from(env.reset().obs), reward: 0, end: 0, ret: 0, len: 0, fin: NONE };
      }
      const r = env.step(a[i]);
      ret[i] += r.reward;
      len[i]++;
      const end = r.terminated || r.truncated;
      const stats = end ? { ret: ret[i], len: len[i], fin: Array.from(r.obs) } : {
        ret: 0,
        len: 0,
        fin: NONE,
      };
      if (end) ret[i] = len[i] = 0;
      let obs = Array.from(r.obs);
      if (end && mode === "same-step") obs = Array.from(env.reset().obs);
      if (end && mode === "next-step") pending[i] = true;
      return {
        obs,
        reward: r.reward,
        end: (r.terminated ? 1 : 0) + (r.truncated ? 2 : 0),
        ...stats,
      };
    })
  );
}

for (const mode of ["next-step", "same-step"] as const) {
  Deno.test(`${mode} autoreset and episode statistics match a per-env reference`, () => {
    const lengths = [1, 2, 3, 5, 7];
    let s = 7;
    const actions = Array.from({ length: 80 }, () =>
      Int32Array.from(lengths, () => {
        s = (s * 1103515245 + 12345) >>> 0;
        return s % 3;
      }));
    const expected = reference(lengths, mode, actions);
    const envs = countEnvs(lengths, mode);
    envs.reset({ seed: 5 });
    actions.forEach((a, t) => {
      const r = envs.step(a);
      expected[t].forEach((want, i) => {
        const got = entry(r, i, 4);
        assert.deepEqual(
          {
            obs: got.obs,
            reward: got.reward,
            end: got.terminated + 2 * got.truncated,
            ret: got.episodeReturn,
            len: got.episodeLength,
            fin: got.finalObs,
          },
          want,
          `step ${t}, env ${i}`,
        );
      });
    });
    envs.close();
  });
}

Deno.test("reset seeds env i with seed + i; unseeded resets continue each env's stream", () => {
  const envs = new SyncVectorEnv({ id: "CartPole-v1", numEnvs: 3 });
  assert.equal(envs.spec?.id, "CartPole-v1");
  assert.equal(envs.obsSize, 4);
  assert.equal(envs.actionSize, 1);
  const first = envs.reset({ seed: 42 }).slice();
  for (let i = 0; i < 3; i++) {
    const single = make("CartPole-v1").reset({ seed: 42 + i }).obs;
    assert.deepEqual(first.subarray(i * 4, i * 4 + 4), single, `env ${i}`);
  }
  assert.deepEqual(envs.reset({ seed: 42 }), first);
  const next = envs.reset().slice();
  const single = make("CartPole-v1");
  single.reset({ seed: 43 });
  assert.deepEqual(next.subarray(4, 8), single.reset().obs);
  envs.close();
});

Deno.test("step reuses its arrays and results are typed as documented", () => {
  const envs = new SyncVectorEnv({ id: "CartPole-v1", numEnvs: 2 }, { autoreset: "same-step" });
  const obs = envs.reset({ seed: 0 });
  const a = envs.step(new Int32Array([0, 1]));
  const b = envs.step(new Int32Array([1, 0]));
  assert.equal(a, b);
  assert.equal(a.obs, obs);
  assert.ok(a.rewards instanceof Float64Array && a.episodeReturn instanceof Float64Array);
  assert.ok(a.terminated instanceof Uint8Array && a.truncated instanceof Uint8Array);
  assert.ok(a.episodeLength instanceof Int32Array && a.finalObs instanceof Float32Array);
  envs.close();
});

Deno.test("CartPole episodes: statistics match the reward sum and TimeLimit truncates", () => {
  const n = 4;
  const envs = new SyncVectorEnv({
    id: "CartPole-v1",
    numEnvs: n,
    options: { maxEpisodeSteps: 30 },
  }, {
    autoreset: "same-step",
  });
  let obs = envs.reset({ seed: 1 });
  const sums = new Float64Array(n), lens = new Int32Array(n);
  const actions = new Int32Array(n);
  let ended = 0, truncations = 0;
  for (let t = 0; t < 400; t++) {
    // A balancing policy, so that some episodes reach the 30-step limit.
    for (let i = 0; i < n; i++) actions[i] = obs[i * 4 + 2] + 0.5 * obs[i * 4 + 3] > 0 ? 1 : 0;
    if (t % 7 === 0) actions[t % n] = 1 - actions[t % n];
    const r = envs.step(actions);
    obs = r.obs;
    for (let i = 0; i < n; i++) {
      sums[i] += r.rewards[i];
      lens[i]++;
      if (r.terminated[i] || r.truncated[i]) {
        assert.equal(r.episodeReturn[i], sums[i]);
        assert.equal(r.episodeLength[i], lens[i]);
        assert.ok(r.episodeLength[i] <= 30);
        assert.equal(r.truncated[i], r.episodeLength[i] === 30 ? 1 : 0);
        ended++;
        truncations += r.truncated[i];
        sums[i] = lens[i] = 0;
      } else {
        assert.equal(r.episodeReturn[i], 0);
      }
    }
  }
  assert.ok(ended > 10 && truncations > 0, `${ended} episodes, ${truncations} truncated`);
  envs.close();
});

Deno.test("discrete observations flatten to one float; FrozenLake obs is the state index", () => {
  const envs = new SyncVectorEnv({ id: "FrozenLake-v1", numEnvs: 3 });
  assert.equal(envs.obsSize, 1);
  assert.deepEqual(Array.from(envs.reset({ seed: 0 })), [0, 0, 0]);
  const r = envs.step(new Int32Array([1, 2, 2]));
  for (let i = 0; i < 3; i++) assert.ok(Number.isInteger(r.obs[i]) && r.obs[i] < 16);
  envs.close();
});

Deno.test("continuous actions are split per env, from Float32Array or Int32Array", () => {
  const envs = new SyncVectorEnv([() => new EchoEnv(), () => new EchoEnv()]);
  assert.equal(envs.actionSize, 2);
  assert.equal(envs.obsSize, 2);
  envs.reset();
  let r = envs.step(new Float32Array([0.25, -0.5, 1, 0.125]));
  assert.deepEqual(Array.from(r.obs), [0.25, -0.5, 1, 0.125]);
  assert.deepEqual(Array.from(r.rewards), [-0.25, 1.125]);
  r = envs.step(new Int32Array([1, 0, -1, 1]));
  assert.deepEqual(Array.from(r.obs), [1, 0, -1, 1]);
  envs.close();
});

Deno.test("errors: bad actions, step before reset, use after close, mismatched envs", () => {
  const envs = countEnvs([2, 2], "next-step");
  assert.throws(() => envs.step(new Int32Array(2)), {
    name: "TypeError",
    message: "Vector env step() called before reset()",
  });
  envs.reset();
  assert.throws(() => envs.step(new Int32Array(3)), {
    name: "RangeError",
    message: "Vector env actions must hold numEnvs × actionSize = 2 numbers, got 3",
  });
  assert.throws(
    () => envs.step([0, 1] as unknown as Int32Array),
    {
      name: "TypeError",
      message: "Vector env actions must be an Int32Array or Float32Array, got Array",
    },
  );
  // The sub-env's own error, unchanged.
  assert.throws(() => envs.step(new Int32Array([0, 7])), {
    name: "RangeError",
    message: "CountEnv action must be 0, 1 or 2, got 7",
  });
  assert.throws(() => envs.step(new Float32Array([0.5, 0])), /got 0.5/);
  const subEnvs = envs.envs as CountEnv[];
  envs.close();
  envs.close();
  assert.ok(subEnvs.every((e) => e.closed));
  assert.throws(() => envs.reset(), { name: "TypeError", message: "This vector env is closed" });

  assert.throws(() => new SyncVectorEnv([]), /at least one env, got 0/);
  assert.throws(() => new SyncVectorEnv({ id: "CartPole-v1", numEnvs: 0 }), {
    name: "RangeError",
    message: "numEnvs must be a positive integer, got 0",
  });
  assert.throws(
    () => new SyncVectorEnv([() => new CountEnv(2), () => new EchoEnv()]),
    {
      name: "TypeError",
      message: /env 0 has observation \[4\] and action \[\], env 1 has \[2\] and \[2\]/,
    },
  );
  assert.throws(
    () => new SyncVectorEnv([() => new CountEnv(2)], { autoreset: "never" as AutoresetMode }),
    /autoreset must be "next-step" or "same-step", got "never"/,
  );
});

Deno.test("makeVec without workers builds a SyncVectorEnv; bad arguments reject", async () => {
  const envs = await makeVec("CartPole-v1", 2, { autoreset: "same-step" });
  assert.ok(envs instanceof SyncVectorEnv);
  assert.equal(envs.autoreset, "same-step");
  envs.close();
  await assert.rejects(() => makeVec("CartPole-v1", 2, { workers: -1 }), /got -1/);
  await assert.rejects(() => makeVec("Nope-v0", 2), /Unknown env "Nope-v0"/);
});
