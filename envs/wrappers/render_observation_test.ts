import assert from "node:assert/strict";
import { make } from "../registry.ts";
import { Discrete } from "../spaces.ts";
import type { Env, ResetOptions, RgbaFrame, StepResult } from "../types.ts";
import { RenderObservation, rgbaToRgb, Uint8Box } from "./render_observation.ts";

Deno.test("Uint8Box: shape, seeded samples of bytes, membership and printing", () => {
  const box = new Uint8Box([2, 3, 3], { seed: 7 });
  assert.deepEqual(box.shape, [2, 3, 3]);
  assert.equal(box.size, 18);
  const a = box.sample();
  assert.ok(a instanceof Uint8Array && a.length === 18 && box.contains(a));
  box.seed(7);
  assert.deepEqual(box.sample(), a);
  // 900 uniform bytes cover most of the 256 values, including both ends' neighbourhoods.
  const seen = new Set<number>();
  for (let i = 0; i < 50; i++) for (const v of box.sample()) seen.add(v);
  assert.ok(seen.size > 200 && Math.min(...seen) < 5 && Math.max(...seen) > 250, `${seen.size}`);
  assert.ok(!box.contains(new Uint8Array(17)));
  assert.ok(!box.contains(new Float32Array(18)));
  assert.ok(!box.contains(new Array(18).fill(0)));
  assert.equal(String(box), "Box(0, 255, (2, 3, 3), uint8)");
  assert.throws(() => new Uint8Box([2, 0]), /positive integers, got \[2, 0\]/);
  assert.throws(() => new Uint8Box([]), /non-empty/);
});

Deno.test("rgbaToRgb drops alpha and keeps row-major order", () => {
  const frame: RgbaFrame = {
    width: 2,
    height: 1,
    data: Uint8ClampedArray.from([1, 2, 3, 255, 4, 5, 6, 0]),
  };
  assert.deepEqual([...rgbaToRgb(frame)], [1, 2, 3, 4, 5, 6]);
  assert.throws(
    () => rgbaToRgb({ width: 2, height: 2, data: new Uint8ClampedArray(8) }),
    /2 × 2 needs 16 bytes, got 8/,
  );
});

/** A 3×2 env that draws its step count into the red channel; counts its resets. */
class DrawingEnv implements Env<number, number> {
  readonly observationSpace = new Discrete(100);
  readonly actionSpace = new Discrete(2);
  resets = 0;
  width = 3;
  #t = 0;
  reset(_options?: ResetOptions) {
    this.resets++;
    this.#t = 0;
    return { obs: this.#t, info: {} };
  }
  step(): StepResult<number> {
    this.#t++;
    return { obs: this.#t, reward: this.#t, terminated: false, truncated: this.#t === 2, info: {} };
  }
  render(): RgbaFrame {
    const data = new Uint8ClampedArray(this.width * 2 * 4);
    for (let i = 0; i < this.width * 2; i++) data.set([this.#t, i, 9, 255], i * 4);
    return { width: this.width, height: 2, data };
  }
  close() {}
}

Deno.test("RenderObservation: frames as (H, W, 3) observations, rewards and flags unchanged", () => {
  const inner = new DrawingEnv();
  const env = new RenderObservation(inner);
  assert.equal(inner.resets, 1, "the constructor resets once to learn the frame size");
  assert.equal(String(env.observationSpace), "Box(0, 255, (2, 3, 3), uint8)");
  const { obs } = env.reset();
  assert.ok(env.observationSpace.contains(obs));
  assert.deepEqual([...obs], [0, 0, 9, 0, 1, 9, 0, 2, 9, 0, 3, 9, 0, 4, 9, 0, 5, 9]);
  env.step(0);
  const s = env.step(1);
  assert.deepEqual([...s.obs.subarray(0, 6)], [2, 0, 9, 2, 1, 9]);
  assert.equal(s.reward, 2);
  assert.equal(s.truncated, true);
  assert.deepEqual(s.obs, rgbaToRgb(env.render()));
});

Deno.test("RenderObservation errors: no render(), or a frame that changes size", () => {
  const blind: Env<number, number> = {
    observationSpace: new Discrete(2),
    actionSpace: new Discrete(2),
    reset: () => ({ obs: 0, info: {} }),
    step: () => ({ obs: 0, reward: 0, terminated: true, truncated: false, info: {} }),
    close: () => {},
  };
  assert.throws(() => new RenderObservation(blind), /needs an env with render\(\)/);
  const inner = new DrawingEnv();
  const env = new RenderObservation(inner);
  inner.width = 4;
  assert.throws(() => env.reset(), /changed size from 3 × 2 to 4 × 2/);
});

Deno.test("RenderObservation on LunarLander-v3: 400×600 RGB frames, reproducible under a seed", () => {
  const env = new RenderObservation(make("LunarLander-v3"));
  assert.deepEqual(env.observationSpace.shape, [400, 600, 3]);
  const a = env.reset({ seed: 3 }).obs;
  assert.ok(env.observationSpace.contains(a));
  assert.deepEqual(a, rgbaToRgb(env.render()));
  const s = env.step(2);
  assert.equal(s.obs.length, 400 * 600 * 3);
  assert.notDeepEqual(s.obs, a, "the main engine moves the lander");
  const b = env.reset({ seed: 3 }).obs;
  assert.deepEqual(b, a);
  env.close();
});
