import assert from "node:assert/strict";
import { logGaussMass, logNdtr, ndtr, ndtriExp, truncNormPpf } from "./_normal.ts";

// Reference values computed with mpmath at 50–60 significant digits (log(ncdf(z)), the log of
// ncdf(b) − ncdf(a), and the truncated quantile by bisection on log ncdf), rounded to float64.

function assertClose(actual: number, expected: number, rtol: number, atol = 0, what = "") {
  const err = Math.abs(actual - expected);
  assert.ok(
    err <= atol + rtol * Math.abs(expected),
    `${what}: got ${actual}, expected ${expected} (error ${err})`,
  );
}

Deno.test("logNdtr matches high-precision log Φ across both tails", () => {
  const ref: [number, number][] = [
    [-40, -804.6084420137538],
    [-10, -53.23128515051247],
    [-3, -6.607726221510349],
    [-1, -1.8410216450092636],
    [0, -0.6931471805599453],
    [0.5, -0.3689464152886564],
    [2, -0.02301290932896349],
    [5, -2.866516129637636e-07],
    [10, -7.619853024160525e-24],
  ];
  for (const [z, v] of ref) assertClose(logNdtr(z), v, 1e-13, 0, `logNdtr(${z})`);
  assert.equal(logNdtr(Infinity), 0);
  assert.equal(logNdtr(-Infinity), -Infinity);
});

Deno.test("ndtr is the normal CDF and symmetric", () => {
  assertClose(ndtr(-1), 0.15865525393145707, 1e-14, 0, "ndtr(-1)");
  assertClose(ndtr(1.96), 0.9750021048517795, 1e-14, 0, "ndtr(1.96)");
  for (const z of [0.1, 1.3, 2.4, 2.6, 4]) assertClose(ndtr(z) + ndtr(-z), 1, 1e-15, 0, `${z}`);
});

Deno.test("logGaussMass matches high-precision interval masses, left, right and centre", () => {
  const ref: [number, number, number][] = [
    [-1, 1, -0.38171514630212605],
    [-3, -2, -3.8443534263342056],
    [2, 3, -3.8443534263342056],
    [-40, -38, -726.5572160188201],
    [5, 9, -15.06499839398912],
    [-1e-3, 1e-3, -7.13354679829352],
    [-8, 20, -6.220960574271786e-16],
    [10, 10.5, -53.2369693717525],
  ];
  for (const [a, b, v] of ref) assertClose(logGaussMass(a, b), v, 1e-12, 0, `mass(${a}, ${b})`);
  assert.equal(logGaussMass(1, 1), -Infinity);
});

Deno.test("ndtriExp inverts logNdtr", () => {
  for (const z of [-35, -8, -2, -0.3, 0.4, 3, 7]) {
    assertClose(ndtriExp(logNdtr(z)), z, 1e-12, 1e-14, `ndtriExp(logNdtr(${z}))`);
  }
});

Deno.test("truncNormPpf matches the truncated normal quantile, stays inside [a, b]", () => {
  const ref: [number, number, number, number][] = [
    [0.5, -1, 1, 0],
    [0.2, -3, -2, -2.534528098712244],
    [0.77, 2, 3, 2.496462201457302],
    [0.001, -40, -38, -38.1812258590404],
    [0.999, 5, 9, 6.197600822874166],
    [0.3, -8, 20, -0.5244005127080396],
    [0.5, 10, 10.5, 10.067855833457164],
    [0.9, -0.5, 4, 1.4819654042211252],
  ];
  for (const [q, a, b, v] of ref) {
    assertClose(truncNormPpf(q, a, b), v, 1e-13, 1e-14, `ppf(${q}, ${a}, ${b})`);
  }
  assert.equal(truncNormPpf(0, -1, 2), -1);
  for (const q of [0, 1e-12, 0.5, 1 - 1e-12]) {
    const c = truncNormPpf(q, 30, 31);
    assert.ok(c >= 30 && c <= 31, `ppf(${q}, 30, 31) = ${c}`);
  }
});
