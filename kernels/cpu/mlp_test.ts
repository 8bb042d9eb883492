import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { initMlpParams } from "../init.ts";
import { paramCount } from "../layout.ts";
import type { Activation, MlpSpec } from "../types.ts";
import { assertClose, maxAbs, numericalGrad, randomArray } from "./_grad_check.ts";
import { MlpCpu, mlpForward } from "./mlp.ts";
import { ReferenceMlp } from "./reference_mlp.ts";

/** A deliberately naive float64 MLP: nested arrays, one dot product per output. */
function naiveForward(spec: MlpSpec, p: ArrayLike<number>, x: number[][]): number[][] {
  const act = (a: Activation, z: number) =>
    a === "relu" ? Math.max(0, z) : a === "tanh" ? Math.tanh(z) : z;
  let rows = x;
  let at = 0;
  const L = spec.sizes.length - 1;
  for (let l = 0; l < L; l++) {
    const n = spec.sizes[l];
    const m = spec.sizes[l + 1];
    const a = l === L - 1 ? (spec.output ?? "identity") : spec.hidden;
    rows = rows.map((row) => {
      const out: number[] = [];
      for (let j = 0; j < m; j++) {
        let z = p[at + n * m + j];
        for (let i = 0; i < n; i++) z += row[i] * p[at + i * m + j];
        out.push(act(a, z));
      }
      return out;
    });
    at += n * m + m;
  }
  return rows;
}

const SPECS: MlpSpec[] = [
  { sizes: [3, 5, 4, 2], hidden: "relu" },
  { sizes: [3, 5, 4, 2], hidden: "tanh" },
  { sizes: [4, 6, 3], hidden: "relu", output: "tanh" },
  { sizes: [4, 6, 3], hidden: "tanh", output: "relu" },
  { sizes: [5, 2], hidden: "relu" },
];

Deno.test("mlpForward and ReferenceMlp.forward match a naive float64 MLP", () => {
  const rng = new Rng(11);
  for (const spec of SPECS) {
    const params = initMlpParams(spec, rng, "torch-default");
    const batch = 7;
    const x = new Float32Array(randomArray(rng, batch * spec.sizes[0], 2));
    const rows = Array.from(
      { length: batch },
      (_, b) => Array.from(x.subarray(b * spec.sizes[0], (b + 1) * spec.sizes[0])),
    );
    const expected = naiveForward(spec, params, rows).flat();
    const out = new Float32Array(expected.length);
    mlpForward(spec, params, 0, x, batch, out);
    assertClose(out, expected, `mlpForward ${JSON.stringify(spec)}`, 1e-6, 1e-7);
    const ws = new ReferenceMlp(spec, 2); // grows to 7 on demand
    const y = ws.forward(params, 0, x, batch);
    assertClose(y.subarray(0, expected.length), expected, "workspace", 1e-12, 1e-12);
  }
});

Deno.test("mlpForward reads parameters at an offset; the deprecated MlpCpu equals it exactly", () => {
  const spec: MlpSpec = { sizes: [2, 3, 2], hidden: "tanh" };
  const rng = new Rng(2);
  const inner = initMlpParams(spec, rng, "torch-default");
  const padded = new Float32Array(5 + inner.length);
  padded.set(inner, 5);
  const x = new Float32Array([0.3, -0.7, 1, 2]);
  const a = new Float32Array(4);
  const b = new Float32Array(4);
  mlpForward(spec, inner, 0, x, 2, a);
  mlpForward(spec, padded, 5, x, 2, b);
  assert.deepEqual(a, b);
  const net = new MlpCpu(spec, padded, 5);
  const y1 = net.forward(x, 2);
  assert.deepEqual(y1, a);
  assert.equal(net.forward(x, 2), y1);
  assert.throws(() => mlpForward(spec, inner, 0, x, 3, a), RangeError);
  assert.throws(() => new MlpCpu(spec, inner, 1), RangeError);
});

Deno.test("ReferenceMlp.backward matches finite differences for every activation", () => {
  const rng = new Rng(5);
  for (const spec of SPECS) {
    const batch = 3;
    const params = randomArray(rng, paramCount(spec), 0.8);
    const x = randomArray(rng, batch * spec.sizes[0], 1.5);
    const outN = spec.sizes[spec.sizes.length - 1];
    // Loss = Σ c ⊙ y for fixed random c, so dL/dy = c.
    const c = randomArray(rng, batch * outN);
    const ws = new ReferenceMlp(spec, batch);
    const loss = () => {
      const y = ws.forward(params, 0, x, batch);
      let s = 0;
      for (let k = 0; k < batch * outN; k++) s += c[k] * y[k];
      return s;
    };
    loss();
    const grads = new Float64Array(params.length);
    const dX = new Float64Array(x.length);
    ws.backward(params, 0, c, grads, 0, dX);
    const label = JSON.stringify(spec);
    assert.ok(maxAbs(grads) > 1e-3, `${label}: gradient is trivially zero`);
    assertClose(grads, numericalGrad(loss, params), `${label} dParams`, 1e-5, 1e-7);
    assertClose(dX, numericalGrad(loss, x), `${label} dX`, 1e-5, 1e-7);
  }
});

Deno.test("ReferenceMlp.backward accumulates into a shared vector at an offset", () => {
  const spec: MlpSpec = { sizes: [2, 4, 1], hidden: "relu" };
  const rng = new Rng(9);
  const params = randomArray(rng, 3 + paramCount(spec));
  const x = randomArray(rng, 4);
  const ws = new ReferenceMlp(spec, 2);
  ws.forward(params, 3, x, 2);
  const dY = new Float64Array([1, -0.5]);
  const once = new Float64Array(params.length);
  ws.backward(params, 3, dY, once, 3);
  assert.ok(once.subarray(0, 3).every((g) => g === 0));
  const twice = once.slice();
  ws.backward(params, 3, dY, twice, 3);
  assertClose(twice, once.map((g) => 2 * g), "accumulated", 1e-15, 0);
});

Deno.test("mlpForward agrees with an all-float32 computation to 1e-4 relative", () => {
  // What a float32 GPU kernel does: round after every multiply-add and activation.
  const f = Math.fround;
  const spec: MlpSpec = { sizes: [8, 64, 64, 4], hidden: "tanh" };
  const rng = new Rng(6);
  const params = initMlpParams(spec, rng, "torch-default");
  const batch = 16;
  const x = new Float32Array(randomArray(rng, batch * 8, 3));
  let rows = Array.from({ length: batch }, (_, b) => Array.from(x.subarray(b * 8, b * 8 + 8)));
  let at = 0;
  for (let l = 0; l < 3; l++) {
    const n = spec.sizes[l];
    const m = spec.sizes[l + 1];
    rows = rows.map((row) =>
      Array.from({ length: m }, (_, j) => {
        let z = params[at + n * m + j];
        for (let i = 0; i < n; i++) z = f(z + f(row[i] * params[at + i * m + j]));
        return l < 2 ? f(Math.tanh(z)) : z;
      })
    );
    at += n * m + m;
  }
  const out = new Float32Array(batch * 4);
  mlpForward(spec, params, 0, x, batch, out);
  assertClose(out, rows.flat(), "float32 vs reference", 1e-4, 1e-6);
});
