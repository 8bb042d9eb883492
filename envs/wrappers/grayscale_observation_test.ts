import assert from "node:assert/strict";
import { Box, Discrete, type Space } from "../spaces.ts";
import type { Env, StepResult } from "../types.ts";
import { GrayscaleObservation, grayscalePixel, rgbToGrayscale } from "./grayscale_observation.ts";
import { Uint8Box } from "./render_observation.ts";

Deno.test("grayscalePixel: Gymnasium's weights, summed in numpy's order and cut toward zero", () => {
  // Values from numpy 2.4: np.sum(np.multiply(px, [0.2125, 0.7154, 0.0721]), -1), then uint8.
  const cases: [number, number, number, number][] = [
    [255, 255, 255, 255], // 255.00000000000003
    [0, 0, 0, 0],
    [255, 0, 0, 54], // 54.1875
    [0, 255, 0, 182], // 182.427
    [0, 0, 255, 18], // 18.3855
    [100, 150, 200, 142], // 142.98: truncated, not rounded to 143
    [43, 43, 43, 42], // 42.99999999999999: a grey that loses one level, as in Gymnasium
    [1, 1, 1, 1],
  ];
  for (const [r, g, b, want] of cases) {
    assert.equal(grayscalePixel(r, g, b), want, `${r},${g},${b}`);
  }
});

Deno.test("rgbToGrayscale converts each pixel and checks the buffer", () => {
  const img = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 100, 150, 200]);
  assert.deepEqual([...rgbToGrayscale(img)], [54, 182, 18, 142]);
  assert.throws(() => rgbToGrayscale(new Uint8Array(4)), /multiple of 3 bytes, got 4/);
});

/** A 2×2 RGB env: pixel 0 stays red; the others are (10t, 20t, 30t) after t steps. */
class RgbEnv implements Env<Uint8Array, number> {
  constructor(readonly observationSpace: Space<Uint8Array> = new Uint8Box([2, 2, 3])) {}
  readonly actionSpace = new Discrete(2);
  #t = 0;
  reset() {
    this.#t = 0;
    return { obs: this.#obs(), info: {} };
  }
  step(): StepResult<Uint8Array> {
    this.#t++;
    return { obs: this.#obs(), reward: 0.5, terminated: this.#t === 2, truncated: false, info: {} };
  }
  close() {}
  #obs() {
    const [r, g, b] = [10 * this.#t, 20 * this.#t, 30 * this.#t];
    return Uint8Array.from([255, 0, 0, r, g, b, r, g, b, r, g, b]);
  }
}

Deno.test("GrayscaleObservation converts reset and step observations", () => {
  const env = new GrayscaleObservation(new RgbEnv());
  assert.deepEqual(env.observationSpace.shape, [2, 2]);
  assert.equal(String(env.observationSpace), "Box(0, 255, (2, 2), uint8)");
  const first = env.reset().obs;
  assert.ok(env.observationSpace.contains(first));
  assert.deepEqual([...first], [54, 0, 0, 0]);
  // (10, 20, 30): 2.125 + 14.308 + 2.163 = 18.596 → 18.
  const s1 = env.step(0);
  assert.deepEqual([...s1.obs], [54, 18, 18, 18]);
  assert.equal(s1.reward, 0.5);
  // (20, 40, 60): 37.192 → 37; flags pass through.
  const s2 = env.step(0);
  assert.deepEqual([...s2.obs], [54, 37, 37, 37]);
  assert.equal(s2.terminated, true);
});

Deno.test("GrayscaleObservation keepDim gives (H, W, 1) with the same bytes", () => {
  const env = new GrayscaleObservation(new RgbEnv(), { keepDim: true });
  assert.deepEqual(env.observationSpace.shape, [2, 2, 1]);
  env.reset();
  assert.deepEqual([...env.step(0).obs], [54, 18, 18, 18]);
});

Deno.test("GrayscaleObservation rejects non-RGB observation spaces", () => {
  const notImage = new RgbEnv(new Box(0, 1, [2, 2, 3]) as Space<unknown> as Space<Uint8Array>);
  assert.throws(
    () => new GrayscaleObservation(notImage),
    /needs RGB image observations.*got Box\(0, 1, \(2, 2, 3\)\)/,
  );
  assert.throws(() => new GrayscaleObservation(new RgbEnv(new Uint8Box([2, 2]))), TypeError);
});
