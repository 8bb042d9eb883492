import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { Box, Discrete, isBox } from "./spaces.ts";

Deno.test("Box is float32 by default and rounds its bounds to float32", () => {
  const b = new Box(-0.1, 0.1, [3], { seed: 1 });
  assert.equal(b.dtype, "float32");
  assert.ok(b.low instanceof Float32Array && b.sample() instanceof Float32Array);
  assert.equal(b.high[0], Math.fround(0.1));
  // Values are read in float32: 0.1 (float64) rounds to the bound, a Float64Array is refused.
  assert.ok(b.contains([0.1, 0, -0.1]));
  assert.equal(b.contains(new Float64Array(3)), false);
  assert.equal(String(b), "Box(-0.10000000149011612, 0.10000000149011612, (3))");
});

Deno.test("Box float64 keeps exact bounds, samples float64 and compares without rounding", () => {
  const b = new Box(0, 1, [2], { dtype: "float64", seed: 7 });
  assert.ok(b.low instanceof Float64Array && b.high instanceof Float64Array);
  const x = b.sample();
  assert.ok(x instanceof Float64Array && b.contains(x));
  // The same draws as numpy's default_rng(7).uniform(0, 1), unrounded.
  const rng = new Rng(7);
  assert.deepEqual(Array.from(x), [rng.uniform(0, 1), rng.uniform(0, 1)]);
  assert.notEqual(x[0], Math.fround(x[0]));
  // 1 + 2⁻⁵² rounds to 1 in float32 but is outside a float64 box.
  const above = new Float64Array([0, 1 + Number.EPSILON]);
  assert.equal(b.contains(above), false);
  assert.ok(new Box(0, 1, [2]).contains(Array.from(above)));
  // float32 and uint8 arrays cast safely to float64, as numpy's can_cast says.
  assert.ok(b.contains(new Float32Array([0.5, 1])) && b.contains(new Uint8Array([0, 1])));
  assert.equal(b.contains(new Float64Array([NaN, 0])), false);
  assert.equal(b.contains(new Float64Array(3)), false);
  const tight = new Box(0.1, 0.1, [1], { dtype: "float64" });
  assert.equal(tight.low[0], 0.1);
  assert.equal(String(tight), "Box(0.1, 0.1, (1), float64)");
  // Half- and unbounded dimensions sample as the float32 box does, without rounding.
  const open = new Box([-Infinity, 0], [Infinity, Infinity], undefined, { dtype: "float64" });
  open.seed(3);
  const y = open.sample();
  assert.ok(Number.isFinite(y[0]) && y[1] >= 0 && open.contains(y));
});

Deno.test("Box uint8 holds integer bounds in 0..255 and draws as Gymnasium's integer boxes", () => {
  const b = new Box(0, 255, [4, 4, 3], { dtype: "uint8", seed: 5 });
  assert.ok(b.low instanceof Uint8Array && b.high instanceof Uint8Array);
  assert.equal(String(b), "Box(0, 255, (4, 4, 3), uint8)");
  const x = b.sample();
  assert.ok(x instanceof Uint8Array && x.length === 48 && b.contains(x));
  const rng = new Rng(5);
  assert.deepEqual(
    Array.from(x),
    Array.from({ length: 48 }, () => Math.floor(rng.uniform(0, 256))),
  );
  const narrow = new Box([10, 0], [12, 0], undefined, { dtype: "uint8", seed: 0 });
  for (let i = 0; i < 50; i++) {
    const s = narrow.sample();
    assert.ok(s[0] >= 10 && s[0] <= 12 && s[1] === 0, `${s}`);
  }
  assert.equal(narrow.contains(new Uint8Array([13, 0])), false);
  assert.equal(narrow.contains(new Float32Array([11, 0])), false);
  assert.ok(narrow.contains([11, 0]) && !narrow.contains([11.5, 0]));
  assert.throws(
    () => new Box(0, 256, [1], { dtype: "uint8" }),
    /integers in 0\.\.255, got high=256/,
  );
  assert.throws(() => new Box(-1, 1, [1], { dtype: "uint8" }), /got low=-1/);
  assert.throws(() => new Box(0, Infinity, [1], { dtype: "uint8" }), /got high=Infinity/);
  assert.throws(() => new Box([0, 1.5], 9, undefined, { dtype: "uint8" }), /got low\[1\]=1\.5/);
});

Deno.test("isBox narrows to a Box of one dtype", () => {
  const spaces = [new Box(0, 1, [1]), new Box(0, 1, [1], { dtype: "float64" }), new Discrete(2)];
  assert.deepEqual(spaces.map((s) => isBox(s, "float64")), [false, true, false]);
  assert.deepEqual(spaces.map((s) => isBox(s, "float32")), [true, false, false]);
  const image: unknown = new Box(0, 255, [2, 2], { dtype: "uint8" });
  if (!isBox(image, "uint8")) throw new Error("not a uint8 box");
  const bytes: Uint8Array = image.sample();
  assert.equal(bytes.length, 4);
});

Deno.test("Box rejects an unknown dtype, naming it", () => {
  assert.throws(
    () => new Box(0, 1, [1], { dtype: "int8" as "uint8" }),
    (e: Error) => e instanceof RangeError && /float32, float64, uint8, got int8/.test(e.message),
  );
});
