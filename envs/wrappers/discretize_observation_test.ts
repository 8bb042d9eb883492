import assert from "node:assert/strict";
import { CartPole } from "../cartpole.ts";
import { checkEnv } from "../check_env.ts";
import { make } from "../registry.ts";
import { Box, Discrete } from "../spaces.ts";
import type { Env, StepResult } from "../types.ts";
import { DISCRETIZE_DEFAULT_BOUNDS, DiscretizeObservation } from "./discretize_observation.ts";

/** A 2-dimensional env whose observations are scripted. */
class ScriptedEnv implements Env<Float32Array, number> {
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(2);
  constructor(low: number[], high: number[], readonly script: number[][] = [[0, 0]]) {
    this.observationSpace = new Box(low, high);
  }
  #t = 0;
  reset() {
    this.#t = 0;
    return { obs: Float32Array.from(this.script[0]), info: {} };
  }
  step(): StepResult<Float32Array> {
    this.#t++;
    const obs = Float32Array.from(this.script[this.#t]);
    return {
      obs,
      reward: 1,
      terminated: this.#t === this.script.length - 1,
      truncated: false,
      info: {},
    };
  }
  close() {}
}

Deno.test("DiscretizeObservation: equal-width bins, edges go up, outside values clip", () => {
  // Dimension 0: [-1, 1] in 4 bins, interior edges -0.5, 0, 0.5.
  // Dimension 1: [0, 10] in 5 bins, interior edges 2, 4, 6, 8.
  const env = new DiscretizeObservation(new ScriptedEnv([-1, 0], [1, 10]), { bins: [4, 5] });
  assert.deepEqual(env.observationSpace, new Discrete(20));
  assert.deepEqual(env.edges.map((e) => [...e]), [[-0.5, 0, 0.5], [2, 4, 6, 8]]);
  assert.deepEqual(env.binsOf([-1, 0]), [0, 0]); // the low bounds
  assert.deepEqual(env.binsOf([-0.5, 2]), [1, 1]); // exactly on an edge: the upper bin
  assert.deepEqual(env.binsOf([-0.5001, 1.999]), [0, 0]); // just below an edge
  assert.deepEqual(env.binsOf([0.25, 5]), [2, 2]);
  assert.deepEqual(env.binsOf([1, 10]), [3, 4]); // the high bounds: the last bin
  assert.deepEqual(env.binsOf([5, -3]), [3, 0]); // beyond the bounds: the outer bins
  assert.deepEqual(env.binsOf([-7, 100]), [0, 4]);
  // Row-major, dimension 0 most significant: [2, 3] → 2·5 + 3.
  assert.equal(env.stateOf([0.25, 7]), 13);
  assert.throws(() => env.binsOf([0]), /has 1 values, expected 2/);
  assert.throws(() => env.binsOf([NaN, 0]), /value 0 is NaN/);
});

Deno.test("DiscretizeObservation maps reset and step observations to state indices", () => {
  const inner = new ScriptedEnv([-1, 0], [1, 10], [[0, 0], [-1, 9], [0.9, 3]]);
  const env = new DiscretizeObservation(inner, { bins: [4, 5] });
  assert.equal(env.reset().obs, 2 * 5 + 0);
  const s = env.step(0);
  assert.equal(s.obs, 0 * 5 + 4);
  assert.equal(s.reward, 1);
  const last = env.step(1);
  assert.equal(last.obs, 3 * 5 + 1);
  assert.equal(last.terminated, true);
});

Deno.test("DiscretizeObservation matches Gymnasium's LunarLander example (bins=3 → 4005)", () => {
  // Gymnasium 1.3's DiscretizeObservation docstring: LunarLander-v3 reset(seed=42) gives
  // [0.00229702, 1.4181306, 0.2326471, 0.3204666, -0.00265488, -0.05269805, 0, 0] → 4005
  // in Discrete(6561), with per-dimension bins [1, 2, 1, 1, 1, 1, 0, 0].
  const env = new DiscretizeObservation(make("LunarLander-v3"), { bins: 3 });
  assert.equal(env.observationSpace.n, 6561);
  const gymObs = [0.00229702, 1.4181306, 0.2326471, 0.3204666, -0.00265488, -0.05269805, 0, 0];
  assert.deepEqual(env.binsOf(gymObs), [1, 2, 1, 1, 1, 1, 0, 0]);
  assert.equal(env.stateOf(gymObs), 4005);
  assert.equal(env.reset({ seed: 42 }).obs, 4005);
  env.close();
});

Deno.test("DiscretizeObservation on CartPole-v1 uses the documented velocity bounds", () => {
  const env = new DiscretizeObservation(make("CartPole-v1"), { bins: [1, 6, 12, 12] });
  assert.equal(env.observationSpace.n, 864);
  assert.deepEqual(env.low, [Math.fround(-4.8), -3, Math.fround(-0.41887902047863906), -3.5]);
  assert.deepEqual(env.high, [Math.fround(4.8), 3, Math.fround(0.41887902047863906), 3.5]);
  assert.deepEqual(DISCRETIZE_DEFAULT_BOUNDS["CartPole-v1"].low, [null, -3, null, -3.5]);
  // Velocity 2.999 is in the last of 6 bins of [-3, 3]; 3.4 rad/s is in bin 11 of 12.
  assert.deepEqual(env.binsOf([0, 2.999, 0, 3.4]), [0, 5, 6, 11]);
  checkEnv(() => new DiscretizeObservation(make("CartPole-v1"), { bins: [1, 6, 12, 12] }));
  // Narrowed position and angle bounds, keeping the default velocities.
  const narrow = new DiscretizeObservation(make("CartPole-v1"), {
    bins: 2,
    low: [-2.4, null, -0.21, null],
    high: [2.4, null, 0.21, null],
  });
  assert.deepEqual(narrow.low, [-2.4, -3, -0.21, -3.5]);
});

Deno.test("DiscretizeObservation needs bounds for unbounded dimensions without defaults", () => {
  // A CartPole built directly has no registry id, so no defaults apply.
  assert.throws(
    () => new DiscretizeObservation(new CartPole(), { bins: 6 }),
    (e: unknown) =>
      e instanceof RangeError && /unbounded dimension\(s\) 1 .*, 3 /.test(e.message) &&
      /pass options\.low and options\.high/.test(e.message),
  );
  const env = new DiscretizeObservation(new CartPole(), {
    bins: 6,
    low: [null, -3, null, -3.5],
    high: [null, 3, null, 3.5],
  });
  assert.equal(env.observationSpace.n, 6 ** 4);
});

Deno.test("DiscretizeObservation rejects bad bins, bounds and spaces", () => {
  const inner = () => new ScriptedEnv([-1, 0], [1, 10]);
  assert.throws(() => new DiscretizeObservation(inner(), { bins: [4] }), /1 entries.*2 dimensions/);
  assert.throws(
    () => new DiscretizeObservation(inner(), { bins: 0 }),
    /positive integers, got \[0, 0\]/,
  );
  assert.throws(() => new DiscretizeObservation(inner(), { bins: 2.5 }), RangeError);
  assert.throws(
    () => new DiscretizeObservation(inner(), { bins: 2, low: [1, null], high: [1, null] }),
    /dimension 0 must satisfy low < high, got low 1, high 1/,
  );
  assert.throws(
    () => new DiscretizeObservation(inner(), { bins: 2, low: [0] }),
    /low has 1 entries/,
  );
  assert.throws(
    () => new DiscretizeObservation(inner(), { bins: 2, high: [Infinity, null] }),
    /high\[0\] must be finite, got Infinity/,
  );
  const tabular = make("FrozenLake-v1") as unknown as Env<Float32Array, number>;
  assert.throws(
    () => new DiscretizeObservation(tabular, { bins: 2 }),
    /needs a Box.*Discrete\(16\)/,
  );
});
