import assert from "node:assert/strict";
import { Box, Discrete } from "./spaces.ts";
import { CartPole } from "./cartpole.ts";
import { FrozenLake } from "./frozen_lake.ts";
import { envSpec, listEnvs, make } from "./registry.ts";
import { checkEnv } from "./check_env.ts";
import { RecordEpisodeStatistics } from "./wrappers/record_episode_statistics.ts";
import type { TimeLimit } from "./wrappers/time_limit.ts";

Deno.test("Discrete samples and contains", () => {
  const d = new Discrete(3, { start: 2, seed: 1 });
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) seen.add(d.sample());
  assert.deepEqual([...seen].sort(), [2, 3, 4]);
  assert.ok(d.contains(4) && !d.contains(5) && !d.contains(2.5) && !d.contains("2"));
  assert.throws(() => new Discrete(0), /positive integer, got 0/);
});

Deno.test("Box samples within bounds, checks shape, bounds and NaN", () => {
  const b = new Box([-1, 0], [1, Infinity], undefined, { seed: 3 });
  for (let i = 0; i < 100; i++) {
    const x = b.sample();
    assert.ok(b.contains(x), `${x}`);
    assert.ok(x[1] >= 0);
  }
  assert.ok(!b.contains(new Float32Array([0, -1])));
  assert.ok(!b.contains(new Float32Array([NaN, 1])));
  assert.ok(!b.contains([0]));
  assert.throws(() => new Box(1, 0, [2]), /low <= high/);
  assert.throws(() => new Box(0, 1), /needs a shape/);
  const s1 = new Box(-1, 1, [4], { seed: 9 }).sample();
  const s2 = new Box(-1, 1, [4], { seed: 9 }).sample();
  assert.deepEqual(s1, s2);
});

Deno.test("CartPole: one Euler step from rest matches the hand-computed values", () => {
  const env = new CartPole();
  env.reset({ seed: 0 });
  env.state = [0, 0, 0, 0];
  const r = env.step(1);
  // temp = F/M = 10/1.1; θ̈ = −temp / (l(4/3 − m/M)); ẍ = temp − m·l·θ̈/M
  const temp = 10 / 1.1;
  const thetaAcc = -temp / (0.5 * (4 / 3 - 0.1 / 1.1));
  const xAcc = temp - (0.05 * thetaAcc) / 1.1;
  assert.ok(Math.abs(thetaAcc - -14.634146) < 1e-5);
  assert.deepEqual(Array.from(env.state), [0, 0.02 * xAcc, 0, 0.02 * thetaAcc]);
  assert.deepEqual(r.obs, Float32Array.from([0, 0.02 * xAcc, 0, 0.02 * thetaAcc]));
  assert.equal(r.reward, 1);
  assert.equal(r.terminated, false);
});

Deno.test("CartPole terminates past 12 degrees and past 2.4 m", () => {
  const env = new CartPole();
  env.reset({ seed: 0 });
  env.state = [0, 0, 0.2094, 0.1]; // θ crosses 12° = 0.20944 rad in this step
  assert.equal(env.step(0).terminated, true);
  env.state = [2.399, 1, 0, 0];
  const r = env.step(1);
  assert.equal(r.terminated, true);
  assert.equal(r.reward, 1);
  assert.throws(() => env.step(0), /call reset\(\)/);
  env.reset();
  assert.throws(() => env.step(2), /must be 0 \(left\) or 1 \(right\), got 2/);
});

Deno.test("CartPole-v1 via make truncates at 500 steps", () => {
  const env = make("CartPole-v1");
  env.reset({ seed: 1 });
  const c = env as TimeLimit<Float32Array, number, object>;
  let steps = 0, truncated = false;
  // Keep the pole up with a simple controller so the limit, not a fall, ends the episode.
  let obs = env.reset({ seed: 1 }).obs;
  while (!truncated) {
    const r = env.step(obs[2] + 0.5 * obs[3] > 0 ? 1 : 0);
    steps++;
    assert.equal(r.terminated, false);
    truncated = r.truncated;
    obs = r.obs;
  }
  assert.equal(steps, 500);
  assert.equal(c.elapsedSteps, 500);
  assert.equal(env.spec?.rewardThreshold, 475);
});

Deno.test("FrozenLake non-slippery: walking the safe path reaches the goal", () => {
  const env = new FrozenLake({ isSlippery: false });
  assert.equal(env.reset({ seed: 0 }).obs, 0);
  const path = [1, 1, 2, 1, 2, 2]; // down down right down right right
  const cells = [4, 8, 9, 13, 14, 15];
  path.forEach((a, i) => {
    const r = env.step(a);
    assert.equal(r.obs, cells[i]);
    assert.equal(r.reward, i === 5 ? 1 : 0);
    assert.equal(r.terminated, i === 5);
  });
  env.reset();
  env.step(2);
  const hole = env.step(1);
  assert.deepEqual([hole.obs, hole.reward, hole.terminated], [5, 0, true]);
  env.reset();
  assert.equal(env.step(0).obs, 0, "a wall stops the move");
  assert.equal(env.step(3).obs, 0);
});

Deno.test("FrozenLake slippery: intended or perpendicular move, 1/3 each", () => {
  const env = new FrozenLake();
  const counts = new Map<number, number>();
  env.reset({ seed: 7 });
  const n = 3000;
  for (let i = 0; i < n; i++) {
    env.reset();
    const r = env.step(1); // down from 0: left→0, down→4, right→1
    assert.equal(r.info.prob, 1 / 3);
    counts.set(r.obs, (counts.get(r.obs) ?? 0) + 1);
  }
  assert.deepEqual([...counts.keys()].sort((a, b) => a - b), [0, 1, 4]);
  for (const c of counts.values()) assert.ok(Math.abs(c / n - 1 / 3) < 0.04, `${c}`);
});

Deno.test("FrozenLake validates options and actions", () => {
  assert.throws(() => new FrozenLake({ desc: ["SFX", "FFG"] }), /S, F, H, G/);
  assert.throws(
    () => make("FrozenLake-v1", { isSlipery: true } as never),
    /Unknown option "isSlipery"/,
  );
  const env = make("FrozenLake-v1");
  env.reset({ seed: 1 });
  assert.throws(() => env.step(4), /integer 0\.\.3/);
  assert.equal(new FrozenLake({ mapName: "8x8" }).observationSpace.n, 64);
});

Deno.test("registry lists specs and rejects unknown ids", () => {
  assert.ok(listEnvs().some((e) => e.id === "CartPole-v1"));
  assert.equal(envSpec("FrozenLake-v1").maxEpisodeSteps, 100);
  assert.throws(
    () => make("CartPole-v9"),
    /Unknown env "CartPole-v9"; registered envs: .*CartPole-v1/,
  );
  const unlimited = make("CartPole-v1", { maxEpisodeSteps: null });
  assert.ok(unlimited instanceof CartPole);
});

Deno.test("make's frameStack option stacks any Box env's observations, keeping the dtype", () => {
  const env = make("FlappyBird-v0", { frameStack: 2 });
  assert.equal(String(env.observationSpace), "Box(0, 1, (2, 180), float64)");
  assert.equal(env.spec?.id, "FlappyBird-v0");
  const plain = make("FlappyBird-v0");
  const first = env.reset({ seed: 3 }).obs as Float64Array;
  const p0 = plain.reset({ seed: 3 }).obs as Float64Array;
  // Padded with the reset observation, then oldest first.
  assert.deepEqual(Array.from(first), [...p0, ...p0]);
  const next = env.step(1).obs as Float64Array;
  const p1 = plain.step(1).obs as Float64Array;
  assert.ok(next instanceof Float64Array);
  assert.deepEqual(Array.from(next), [...p0, ...p1]);
  // The time limit still applies under the stack.
  const cart = make("CartPole-v1", { frameStack: 3, maxEpisodeSteps: 2 });
  cart.reset({ seed: 0 });
  cart.step(0);
  assert.equal(cart.step(0).truncated, true);
  assert.ok(make("CartPole-v1", { frameStack: 1 }).observationSpace.shape.length === 1);
  assert.throws(
    () => make("CartPole-v1", { frameStack: 0 }),
    /frameStack=0 for CartPole-v1 is not accepted: a positive integer \(1: no stack\)/,
  );
  assert.throws(
    () => make("FrozenLake-v1", { frameStack: 2 }),
    /frameStack=2 for FrozenLake-v1: FrameStackObservation stacks Box or Uint8Box observations, got Discrete\(16\)/,
  );
  assert.throws(
    () => make("CartPole-v1", { frameStak: 2 } as never),
    /Unknown option "frameStak" for CartPole-v1; accepted: .*maxEpisodeSteps, frameStack/,
  );
});

Deno.test("RecordEpisodeStatistics reports return and length at the end", () => {
  const env = new RecordEpisodeStatistics(make("FrozenLake-v1", { isSlippery: false }));
  env.reset({ seed: 0 });
  let r = env.step(1);
  assert.equal(r.info.episode, undefined);
  for (const a of [1, 2, 1, 2]) r = env.step(a);
  r = env.step(2);
  assert.deepEqual([r.info.episode?.return, r.info.episode?.length], [1, 6]);
  assert.deepEqual(env.returnQueue, [1]);
});

Deno.test("checkEnv passes the built-in envs and catches a nondeterministic one", () => {
  checkEnv(() => make("CartPole-v1"));
  checkEnv(() => make("FrozenLake-v1"));
  let calls = 0;
  assert.throws(
    () =>
      checkEnv(() => {
        const env = new CartPole();
        const reset = env.reset.bind(env);
        env.reset = (o) => reset({ seed: (o?.seed ?? 0) + calls++ });
        return env;
      }),
    /not deterministic/,
  );
});
