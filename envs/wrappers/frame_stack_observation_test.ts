import assert from "node:assert/strict";
import { make } from "../registry.ts";
import { Box, Discrete } from "../spaces.ts";
import type { Env, StepResult } from "../types.ts";
import { FrameStackObservation } from "./frame_stack_observation.ts";
import { GrayscaleObservation, rgbToGrayscale } from "./grayscale_observation.ts";
import { RenderObservation, rgbaToRgb, Uint8Box } from "./render_observation.ts";
import { resizeArea, ResizeObservation } from "./resize_observation.ts";

/** Observation `[t + 1, −(t + 1)]` after `t` steps, written into one reused buffer. */
class CounterEnv implements Env<Float32Array, number> {
  readonly observationSpace = new Box([-10, -10], [10, 10]);
  readonly actionSpace = new Discrete(2);
  readonly #obs = new Float32Array(2);
  #t = 0;
  reset() {
    this.#t = 0;
    return { obs: this.#write(), info: {} };
  }
  step(): StepResult<Float32Array> {
    this.#t++;
    return { obs: this.#write(), reward: this.#t, terminated: false, truncated: false, info: {} };
  }
  close() {}
  #write() {
    this.#obs.set([this.#t + 1, -(this.#t + 1)]);
    return this.#obs;
  }
}

const rows = (obs: Float32Array) =>
  Array.from({ length: obs.length / 2 }, (_, k) => [obs[2 * k], obs[2 * k + 1]]);

Deno.test("FrameStackObservation defaults: 4 frames, padded with the reset observation", () => {
  const env = new FrameStackObservation(new CounterEnv());
  assert.equal(env.stackSize, 4);
  assert.equal(env.padding, "reset");
  assert.deepEqual(env.observationSpace.shape, [4, 2]);
  const first = env.reset().obs;
  assert.ok(env.observationSpace.contains(first));
  assert.deepEqual(rows(first), [[1, -1], [1, -1], [1, -1], [1, -1]]);
  env.step(0);
  const second = env.step(0);
  assert.deepEqual(rows(second.obs), [[1, -1], [1, -1], [2, -2], [3, -3]]);
  assert.equal(second.reward, 2);
  // The earlier result is a separate array, untouched by later steps.
  assert.deepEqual(rows(first), [[1, -1], [1, -1], [1, -1], [1, -1]]);
});

Deno.test("FrameStackObservation rolls oldest out and starts over at reset", () => {
  const env = new FrameStackObservation(new CounterEnv(), { stackSize: 3 });
  env.reset();
  for (let i = 0; i < 3; i++) env.step(0);
  assert.deepEqual(rows(env.step(0).obs), [[3, -3], [4, -4], [5, -5]]);
  assert.deepEqual(rows(env.reset().obs), [[1, -1], [1, -1], [1, -1]]);
});

Deno.test("FrameStackObservation zero and custom padding", () => {
  const zero = new FrameStackObservation(new CounterEnv(), { stackSize: 3, padding: "zero" });
  assert.deepEqual(rows(zero.reset().obs), [[0, 0], [0, 0], [1, -1]]);
  zero.step(0);
  assert.deepEqual(rows(zero.step(0).obs), [[1, -1], [2, -2], [3, -3]]);
  const pad = Float32Array.from([9, 9]);
  const custom = new FrameStackObservation(new CounterEnv(), { stackSize: 3, padding: pad });
  custom.reset();
  assert.deepEqual(rows(custom.step(0).obs), [[9, 9], [1, -1], [2, -2]]);
});

Deno.test("FrameStackObservation tiles Box bounds and stacks Uint8Box images", () => {
  const env = new FrameStackObservation(new CounterEnv(), { stackSize: 2 });
  const space = env.observationSpace as Box;
  assert.deepEqual([...space.low], [-10, -10, -10, -10]);
  assert.deepEqual([...space.high], [10, 10, 10, 10]);
  const images: Env<Uint8Array, number> = {
    observationSpace: new Uint8Box([2, 2]),
    actionSpace: new Discrete(2),
    reset: () => ({ obs: new Uint8Array(4).fill(7), info: {} }),
    step: () => ({
      obs: new Uint8Array(4).fill(8),
      reward: 0,
      terminated: false,
      truncated: false,
      info: {},
    }),
    close: () => {},
  };
  const stacked = new FrameStackObservation(images, { stackSize: 2, padding: "zero" });
  assert.equal(String(stacked.observationSpace), "Box(0, 255, (2, 2, 2), uint8)");
  const obs = stacked.reset().obs;
  assert.ok(obs instanceof Uint8Array);
  assert.deepEqual([...obs], [0, 0, 0, 0, 7, 7, 7, 7]);
  assert.deepEqual([...stacked.step(0).obs], [7, 7, 7, 7, 8, 8, 8, 8]);
});

Deno.test("FrameStackObservation rejects bad sizes, padding and spaces", () => {
  assert.throws(() => new FrameStackObservation(new CounterEnv(), { stackSize: 0 }), /got 0/);
  assert.throws(
    () => new FrameStackObservation(new CounterEnv(), { padding: "zeros" as "zero" }),
    /"reset", "zero" or an observation.*got "zeros"/,
  );
  assert.throws(
    () => new FrameStackObservation(new CounterEnv(), { padding: Float32Array.from([99, 0]) }),
    /not in the wrapped space/,
  );
  const tabular = make("FrozenLake-v1") as unknown as Env<Float32Array, number>;
  assert.throws(() => new FrameStackObservation(tabular), /Box or Uint8Box.*Discrete\(16\)/);
});

Deno.test("LunarLander-v3: render → grayscale → resize 84×84 → stack 4 gives [4, 84, 84] uint8", () => {
  const env = new FrameStackObservation(
    new ResizeObservation(new GrayscaleObservation(new RenderObservation(make("LunarLander-v3")))),
  );
  assert.deepEqual(env.observationSpace.shape, [4, 84, 84]);
  assert.equal(String(env.observationSpace), "Box(0, 255, (4, 84, 84), uint8)");
  const frame = 84 * 84;
  const first = env.reset({ seed: 5 }).obs;
  assert.ok(first instanceof Uint8Array && env.observationSpace.contains(first));
  for (let k = 1; k < 4; k++) {
    assert.deepEqual(first.subarray(k * frame, (k + 1) * frame), first.subarray(0, frame));
  }
  env.step(2);
  const { obs } = env.step(2);
  // [f0, f0, f1, f2]: two reset paddings, then the frames after each step; f2 is exactly the
  // current render pushed through the same conversions.
  assert.deepEqual(obs.subarray(0, 2 * frame), first.subarray(0, 2 * frame));
  assert.ok(env.render, "the chain forwards render()");
  const expected = resizeArea(
    rgbToGrayscale(rgbaToRgb(env.render())),
    { height: 400, width: 600, channels: 1 },
    84,
    84,
  );
  assert.deepEqual(obs.subarray(3 * frame), expected);
  assert.notDeepEqual(obs.subarray(3 * frame), obs.subarray(0, frame), "the lander moved");
  // Not a blank image: sky, terrain and lander give several grey levels.
  assert.ok(new Set(obs.subarray(3 * frame)).size > 5);
  env.close();
});
