import assert from "node:assert/strict";
import type { RandomSource } from "../../core/rng.ts";
import { Box, Discrete } from "../spaces.ts";
import { LunarLander } from "./env.ts";

/** Counts the draws of a real generator while passing them through. */
class CountingSource implements RandomSource {
  readonly calls: string[] = [];
  uniform(low: number, high: number): number {
    this.calls.push(`uniform(${low}, ${high})`);
    return (low + high) / 2;
  }
  integers(low: number, high: number): number {
    this.calls.push(`integers(${low}, ${high})`);
    return 0;
  }
}

Deno.test("LunarLander spaces follow Gymnasium", () => {
  const env = new LunarLander();
  assert.ok(env.actionSpace instanceof Discrete);
  assert.equal(env.actionSpace.n, 4);
  const obsSpace = env.observationSpace;
  assert.deepEqual(Array.from(obsSpace.low), [
    -2.5,
    -2.5,
    -10,
    -10,
    Math.fround(-2 * Math.PI),
    -10,
    -0,
    -0,
  ]);
  assert.deepEqual(Array.from(obsSpace.high), [
    2.5,
    2.5,
    10,
    10,
    Math.fround(2 * Math.PI),
    10,
    1,
    1,
  ]);
  const cont = new LunarLander({ continuous: true });
  assert.ok(cont.actionSpace instanceof Box);
  assert.deepEqual(cont.actionSpace.shape, [2]);
  assert.deepEqual(Array.from(cont.actionSpace.low), [-1, -1]);
});

Deno.test("LunarLander draws in Gymnasium's order: terrain, force, wind, 2 per step", () => {
  const rng = new CountingSource();
  const env = new LunarLander({ rng, enableWind: true });
  env.reset();
  const h = `uniform(0, ${400 / 30 / 2})`;
  assert.deepEqual(rng.calls, [
    ...Array(12).fill(h),
    "uniform(-1000, 1000)",
    "uniform(-1000, 1000)",
    "integers(-9999, 9999)",
    "integers(-9999, 9999)",
    "uniform(-1, 1)",
    "uniform(-1, 1)",
  ]);
  for (const a of [0, 1, 2, 3]) {
    rng.calls.length = 0;
    env.step(a);
    assert.deepEqual(rng.calls, ["uniform(-1, 1)", "uniform(-1, 1)"], `action ${a}`);
  }
});

Deno.test("LunarLander seeds reproduce episodes; reset() without a seed keeps drawing", () => {
  const run = (env: LunarLander, seed?: number) => {
    const out = [Array.from(env.reset(seed === undefined ? {} : { seed }).obs)];
    for (let t = 0; t < 20; t++) out.push(Array.from(env.step(t % 4).obs));
    return out;
  };
  const a = new LunarLander(), b = new LunarLander();
  const first = run(a, 7);
  assert.deepEqual(run(b, 7), first);
  const next = run(a);
  assert.notDeepEqual(next[0], first[0]);
  assert.deepEqual(run(b), next, "the generator continues identically after the same seed");
});

Deno.test("LunarLander observation, reward and termination are consistent", () => {
  const env = new LunarLander();
  const { obs } = env.reset({ seed: 3 });
  assert.ok(obs instanceof Float32Array && obs.length === 8);
  assert.ok(env.observationSpace.contains(obs));
  let last = env.step(0);
  let steps = 1;
  while (!last.terminated && steps < 1000) {
    last = env.step(0);
    steps++;
    assert.equal(last.truncated, false);
  }
  // Free fall always ends in a crash (body contact) well before the time limit.
  assert.equal(last.terminated, true);
  assert.equal(last.reward, -100);
  assert.throws(() => env.step(0), TypeError);
  env.reset();
  env.step(0);
});

Deno.test("LunarLander continuous actions are clipped like Gymnasium", () => {
  const a = new LunarLander({ continuous: true }), b = new LunarLander({ continuous: true });
  a.reset({ seed: 1 });
  b.reset({ seed: 1 });
  const ra = a.step([5, -7]), rb = b.step(new Float32Array([1, -1]));
  assert.deepEqual(Array.from(ra.obs), Array.from(rb.obs));
  assert.equal(ra.reward, rb.reward);
  // Main engine below 0 and lateral in [-0.5, 0.5] fire nothing: only fuel terms are absent.
  const c = new LunarLander({ continuous: true }), d = new LunarLander();
  c.reset({ seed: 2 });
  d.reset({ seed: 2 });
  assert.deepEqual(Array.from(c.step([-0.3, 0.4]).obs), Array.from(d.step(0).obs));
});

Deno.test("LunarLander rejects bad arguments with messages naming the value", () => {
  assert.throws(() => new LunarLander({ gravity: -12 }), /gravity.*\(-12, 0\).*-12/);
  assert.throws(() => new LunarLander({ gravity: 0 }), RangeError);
  assert.throws(() => new LunarLander({ windPower: -1 }), /windPower.*-1/);
  assert.throws(() => new LunarLander({ turbulencePower: -0.5 }), /turbulencePower.*-0\.5/);
  assert.throws(
    () => new LunarLander({ physics: "ode" as "planck" }),
    /physics must be "planck" or "box2d-wasm", got "ode"/,
  );

  const env = new LunarLander();
  assert.throws(() => env.step(0), /before reset/);
  env.reset({ seed: 0 });
  assert.throws(() => env.step(4), /integer in 0\.\.3, got 4/);
  assert.throws(() => env.step(1.5), RangeError);
  assert.throws(() => env.step(-1), RangeError);
  assert.throws(() => env.step([1, 0]), /integer in 0\.\.3, got \[1, 0\]/);

  const cont = new LunarLander({ continuous: true });
  cont.reset({ seed: 0 });
  assert.throws(() => cont.step(1), TypeError);
  assert.throws(() => cont.step([1]), /2 numbers.*got 1: \[1\]/);
  assert.throws(() => cont.step([0, NaN]), /got \[0, NaN\]/);
  assert.throws(() => cont.step(new Float32Array(3)), RangeError);
});

Deno.test("LunarLander scene holds the terrain, bodies and (once asked for) flames", () => {
  const env = new LunarLander();
  env.reset({ seed: 4 });
  const s0 = env.scene();
  assert.equal(s0.terrain.length, 11);
  assert.deepEqual(s0.helipad, { x1: 8, x2: 12, y: 400 / 30 / 4 });
  const pad = 400 / 30 / 4;
  assert.equal(s0.terrain[5][1], 0.33 * (pad + pad + pad));
  assert.equal(s0.lander.length, 6);
  assert.equal(s0.legs.length, 2);
  assert.ok(s0.legs.every((leg) => leg.length === 4));
  // The lander starts at the top centre; legs[0] hangs on the +x side.
  const cx = s0.lander.reduce((a, p) => a + p[0], 0) / 6;
  assert.ok(Math.abs(cx - 10) < 0.2);
  assert.ok(s0.legs[0][0][0] > s0.legs[1][0][0]);
  assert.deepEqual(s0.particles, []);
  env.step(2);
  const s1 = env.scene();
  assert.ok(s1.particles.length >= 1);
  assert.ok(s1.particles.every((p) => p.life > 0 && p.life <= 1));
  assert.equal(s1.crashed, false);
});

Deno.test("LunarLander renders a frame", () => {
  const env = new LunarLander();
  env.reset({ seed: 5 });
  const frame = env.render({ width: 120, height: 80 });
  assert.equal(frame.width, 120);
  assert.equal(frame.height, 80);
  assert.equal(frame.data.length, 120 * 80 * 4);
});
