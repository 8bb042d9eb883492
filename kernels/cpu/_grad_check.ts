/**
 * Test helpers: random float64 data and central finite differences, for checking every
 * analytic gradient of the CPU backend against an independent numerical one.
 * @module
 */

import assert from "node:assert/strict";
import type { Rng } from "../../core/rng.ts";

/** `n` values uniform in `[-scale, scale)`. */
export function randomArray(rng: Rng, n: number, scale = 1): Float64Array {
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[k] = rng.uniform(-scale, scale);
  return out;
}

/**
 * Central differences `(f(x + h·e_k) − f(x − h·e_k)) / 2h` for every `k`, perturbing `x` in
 * place (and restoring it).
 */
export function numericalGrad(f: () => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let k = 0; k < x.length; k++) {
    const saved = x[k];
    x[k] = saved + h;
    const up = f();
    x[k] = saved - h;
    const down = f();
    x[k] = saved;
    g[k] = (up - down) / (2 * h);
  }
  return g;
}

/** Asserts `|a − e| ≤ abs + rel·|e|` elementwise, naming the first offending index. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  label: string,
  rel = 1e-5,
  abs = 1e-7,
): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let k = 0; k < actual.length; k++) {
    const a = actual[k];
    const e = expected[k];
    assert.ok(
      Math.abs(a - e) <= abs + rel * Math.abs(e),
      `${label}[${k}]: got ${a}, expected ${e}`,
    );
  }
}

/** Largest absolute value, to check that a gradient is not trivially zero. */
export function maxAbs(x: ArrayLike<number>): number {
  let m = 0;
  for (let k = 0; k < x.length; k++) m = Math.max(m, Math.abs(x[k]));
  return m;
}
