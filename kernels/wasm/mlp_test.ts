/**
 * The WebAssembly kernels against the TypeScript CPU reference (`kernels/cpu`): outputs, input
 * and parameter gradients on awkward batches (1, 7, 63, 65, 257, 1030) and widths that are not
 * multiples of 4, in both the relaxed-SIMD and the forced plain-SIMD build; Adam and clipping
 * against `optim.ts`; the vector tanh against `Math.tanh`; layout round trips and bad input.
 */

import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { assertClose, maxAbs } from "../cpu/_grad_check.ts";
import { ReferenceMlp } from "../cpu/reference_mlp.ts";
import { adamUpdate, clipGradNorm } from "../cpu/optim.ts";
import { initMlpParams } from "../init.ts";
import type { AdamConfig, MlpSpec } from "../types.ts";
import { WasmMlpTrainer } from "./mlp.ts";
import { hasRelaxedSimd, instantiateMlpKernels } from "./module.ts";

/** float32 against float64 sums: 1e-4 of each value, or of 1 % of the array's largest value. */
function assertNear(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  assert.ok(maxAbs(expected) > 0, `${label}: the reference is all zeros`);
  assertClose(actual, expected, label, 1e-4, 1e-6 * maxAbs(expected));
}

function uniform(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

const SPECS: MlpSpec[] = [
  { sizes: [8, 64, 64, 4], hidden: "relu" },
  { sizes: [8, 37, 5, 3], hidden: "tanh", output: "tanh" },
  { sizes: [3, 17, 9, 2], hidden: "relu", output: "relu" },
  { sizes: [13, 70, 1], hidden: "tanh" },
  { sizes: [5, 2], hidden: "relu" },
  // Padded inputs into unpadded outputs (MountainCar's 2, Acrobot's 6 observations).
  { sizes: [2, 16, 2], hidden: "relu" },
  { sizes: [6, 64, 64, 3], hidden: "tanh" },
];
const BATCHES = [1, 7, 63, 65, 257, 1030];
const BUILDS = hasRelaxedSimd() ? [true, false] : [false];
if (!hasRelaxedSimd()) console.log("No relaxed SIMD here: testing only the plain-SIMD build");

for (const spec of SPECS) {
  const name = `[${spec.sizes}] ${spec.hidden}/${spec.output ?? "identity"}`;
  Deno.test(`wasm forward and backward match the CPU reference: ${name}`, () => {
    for (const relaxedSimd of BUILDS) {
      // One trainer per build, growing from 1 row through every batch size.
      const rng = new Rng(spec.sizes[1]);
      const params = initMlpParams(spec, rng, "torch-default");
      const net = new WasmMlpTrainer(spec, params, { relaxedSimd });
      assert.equal(net.relaxedSimd, relaxedSimd);
      for (const batch of BATCHES) {
        const label = `${name} batch ${batch} ${relaxedSimd ? "relaxed" : "plain"}`;
        const x = uniform(rng, batch * spec.sizes[0]);
        const dy = uniform(rng, batch * spec.sizes[spec.sizes.length - 1]);
        const ws = new ReferenceMlp(spec, batch);
        const y = ws.forward(params, 0, Float64Array.from(x), batch);
        const grads = new Float64Array(params.length);
        const dx = new Float64Array(batch * spec.sizes[0]);
        ws.backward(params, 0, Float64Array.from(dy), grads, 0, dx);

        assertNear(net.forward(x, batch), y.subarray(0, batch * spec.sizes.at(-1)!), `${label} y`);
        net.zeroGrads();
        const dxWasm = new Float32Array(batch * spec.sizes[0]);
        net.backward(dy, dxWasm);
        assertNear(dxWasm, dx, `${label} dX`);
        assertNear(net.getGrads(), grads, `${label} grads`);
        // Gradients accumulate; without dX the same parameter gradients come out.
        net.backward(dy);
        assertNear(net.getGrads(), grads.map((g) => 2 * g), `${label} accumulated grads`);
      }
    }
  });
}

Deno.test("wasm forward writes into a given output and ignores extra input values", () => {
  const spec: MlpSpec = { sizes: [3, 6, 2], hidden: "tanh" };
  const rng = new Rng(4);
  const net = new WasmMlpTrainer(spec, initMlpParams(spec, rng, "torch-default"));
  const x = uniform(rng, 3 * 3 + 2);
  const out = new Float32Array(6);
  assert.equal(net.forward(x, 3, out), out);
  assert.deepEqual(net.forward(x.subarray(0, 9), 3), out);
  assert.ok(net.capacity >= 3);
});

const ADAMS: AdamConfig[] = [
  { learningRate: 1e-3 },
  { learningRate: 3e-3, beta1: 0.8, beta2: 0.99, eps: 1e-5, weightDecay: 0.01 },
  { learningRate: 1e-2, eps: 0 },
];

Deno.test("wasm clipping and Adam match optim.ts over several steps", () => {
  const spec: MlpSpec = { sizes: [5, 7, 3], hidden: "tanh" };
  for (const relaxedSimd of BUILDS) {
    for (const adam of ADAMS) {
      const rng = new Rng(8);
      const params = initMlpParams(spec, rng, "torch-default");
      const net = new WasmMlpTrainer(spec, params, { relaxedSimd });
      const p = params.slice();
      const m = new Float32Array(p.length);
      const v = new Float32Array(p.length);
      const x = uniform(rng, 9 * 5);
      for (let t = 1; t <= 4; t++) {
        net.zeroGrads();
        net.forward(x, 9);
        net.backward(uniform(rng, 9 * 3));
        const g = Float64Array.from(net.getGrads());
        const norm = clipGradNorm(g, 0.05);
        assert.ok(Math.abs(net.clipGradNorm(0.05) - norm) <= 1e-6 * norm, "norm before clipping");
        assertClose(net.getGrads(), g, `clipped grads, step ${t}`, 1e-6, 1e-9);
        net.adamStep(adam, t === 4 ? adam.learningRate / 2 : undefined);
        adamUpdate(p, g, m, v, t, adam, t === 4 ? adam.learningRate / 2 : adam.learningRate);
      }
      const state = net.getState();
      assert.equal(state.adamStep, 4);
      assertClose(state.params, p, `params ${JSON.stringify(adam)}`, 1e-5, 1e-7);
      assertClose(state.adamM, m, "first moments", 1e-5, 1e-9);
      assertClose(state.adamV, v, "second moments", 1e-5, 1e-12);
      // With eps = 0 the padding of the odd widths must stay zero, so outputs stay finite.
      assert.ok(net.forward(x, 9).every(Number.isFinite), "outputs after Adam");
    }
  }
});

Deno.test("wasm scaleGrads and gradSquaredNorm agree with each other", () => {
  const spec: MlpSpec = { sizes: [4, 9, 2], hidden: "relu" };
  const rng = new Rng(5);
  const net = new WasmMlpTrainer(spec, initMlpParams(spec, rng, "torch-default"));
  net.zeroGrads();
  net.forward(uniform(rng, 12), 3);
  net.backward(uniform(rng, 6));
  const g = net.getGrads();
  const sq = g.reduce((s, x) => s + x * x, 0);
  assert.ok(Math.abs(net.gradSquaredNorm() - sq) <= 1e-12 * sq, "float64 sum of squares");
  net.scaleGrads(0.5);
  assert.deepEqual(net.getGrads(), g.map((x) => x * 0.5));
  assert.equal(net.clipGradNorm(null), Math.sqrt(net.gradSquaredNorm()));
});

Deno.test("the kernels' tanh is within 1e-6 relative error of Math.tanh", () => {
  const memory = new WebAssembly.Memory({ initial: 2 });
  const f32 = new Float32Array(memory.buffer);
  const n = 16384;
  for (const relaxedSimd of BUILDS) {
    const k = instantiateMlpKernels(memory, relaxedSimd);
    let worst = 0;
    let at = 0;
    // Sweeps float32 values from 1e-30 to 20 geometrically, both signs, in blocks of n.
    let x = 1e-30;
    while (x < 20) {
      for (let i = 0; i < n; i += 2) {
        f32[i] = x;
        f32[i + 1] = -x;
        x = Math.fround(x * 1.0004 + 1e-38);
      }
      k.tanh(0, 4 * n, n);
      for (let i = 0; i < n; i++) {
        const e = Math.tanh(f32[i]);
        const err = Math.abs(f32[n + i] - e) / Math.abs(e);
        if (!(err <= worst)) [worst, at] = [err, f32[i]];
      }
    }
    assert.ok(worst <= 1e-6, `max relative error ${worst} at ${at}`);
    f32.set([0, -0, Infinity, -Infinity, NaN, 1e30, -1e30, 9.5]);
    k.tanh(0, 4 * n, 8);
    assert.deepEqual(Array.from(f32.subarray(n, n + 8)), [0, -0, 1, -1, NaN, 1, -1, 1]);
  }
});

Deno.test("wasm parameters and Adam state round-trip in the standard layout", () => {
  const spec: MlpSpec = { sizes: [3, 5, 6, 1], hidden: "tanh" };
  const rng = new Rng(6);
  const params = initMlpParams(spec, rng, "torch-default");
  const net = new WasmMlpTrainer(spec, params, { maxBatch: 10 });
  assert.equal(net.paramCount, params.length);
  assert.deepEqual(net.getParams(), params);
  net.zeroGrads();
  net.forward(uniform(rng, 6), 2);
  net.backward(uniform(rng, 2));
  net.adamStep({ learningRate: 0.01 });
  const state = net.getState();
  assert.notDeepEqual(state.params, params);
  const other = new WasmMlpTrainer(spec, params);
  other.setState(state);
  assert.deepEqual(other.getState(), state);
  other.setParams(params);
  assert.equal(other.adamStepCount, 0);
  assert.deepEqual(other.getState().adamM, new Float32Array(params.length));
  assert.deepEqual(other.getParams(), params);
});

Deno.test("wasm trainer rejects bad input with clear errors", () => {
  const spec: MlpSpec = { sizes: [2, 3, 1], hidden: "relu" };
  const params = new Float32Array(13);
  assert.throws(() => new WasmMlpTrainer(spec, new Float32Array(12)), /Expected 13 parameters/);
  assert.throws(() => new WasmMlpTrainer(spec, params, { maxBatch: 0 }), RangeError);
  const net = new WasmMlpTrainer(spec, params);
  assert.throws(() => net.backward(new Float32Array(1)), /needs a forward first/);
  assert.throws(() => net.forward(new Float32Array(3), 2), /need 2 × 2/);
  assert.throws(() => net.forward(new Float32Array(4), 1.5), /positive integer/);
  assert.throws(() => net.forward(new Float32Array(4), 2, new Float32Array(1)), /need 2 × 1/);
  net.forward(new Float32Array(4), 2);
  assert.throws(() => net.backward(new Float32Array(1)), /need 2 × 1/);
  assert.throws(() => net.backward(new Float32Array(2), new Float32Array(3)), /dX holds 3/);
  assert.throws(() => net.adamStep({ learningRate: -1 }), /Learning rate/);
  assert.throws(() => net.setParams(new Float32Array(2)), RangeError);
  assert.throws(
    () => net.setState({ params, adamM: params, adamV: params, adamStep: -1 }),
    /adamStep/,
  );
  if (!hasRelaxedSimd()) {
    assert.throws(() => new WasmMlpTrainer(spec, params, { relaxedSimd: true }), /relaxed SIMD/);
  }
});
