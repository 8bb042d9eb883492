/**
 * The CPU learners' optimizer: one clip over every block (WebAssembly nets and host vectors)
 * against `optim.ts` on the concatenated gradient, one step count, state at block offsets.
 */

import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { initMlpParams } from "../init.ts";
import { paramCount } from "../layout.ts";
import type { MlpSpec } from "../types.ts";
import { WasmMlpTrainer } from "../wasm/mlp.ts";
import { assertClose } from "./_grad_check.ts";
import { adamUpdate, clipGradNorm } from "./optim.ts";
import { CpuOptimizer, HostParams } from "./optimizer.ts";

const A: MlpSpec = { sizes: [3, 8, 2], hidden: "tanh" };
const B: MlpSpec = { sizes: [3, 5, 1], hidden: "relu" };

Deno.test("CpuOptimizer clips across all blocks jointly and steps them with one count", () => {
  const rng = new Rng(3);
  const a = new WasmMlpTrainer(A, initMlpParams(A, rng, "torch-default"));
  const b = new WasmMlpTrainer(B, initMlpParams(B, rng, "torch-default"));
  const host = new HostParams(new Float32Array([0.5, -0.25]));
  const na = a.paramCount, nb = b.paramCount;
  // Listed out of order on purpose: offsets, not order, place the blocks.
  const opt = new CpuOptimizer([
    { offset: na + nb, host },
    { offset: 0, net: a },
    { offset: na, net: b },
  ]);
  assert.equal(opt.count, na + nb + 2);
  const ref = opt.params();
  const m = new Float32Array(opt.count);
  const v = new Float32Array(opt.count);
  const adam = { learningRate: 0.01, weightDecay: 0.1 };
  const x = Float32Array.from({ length: 12 }, () => rng.uniform(-1, 1));
  for (let t = 1; t <= 3; t++) {
    opt.zeroGrads();
    a.forward(x, 4);
    a.backward(Float32Array.from({ length: 8 }, () => rng.uniform(-1, 1)));
    b.forward(x, 4);
    b.backward(Float32Array.from({ length: 4 }, () => rng.uniform(-1, 1)));
    host.grads.set([rng.uniform(-3, 3), rng.uniform(-3, 3)]);
    const g = new Float64Array(opt.count);
    g.set(a.getGrads(), 0);
    g.set(b.getGrads(), na);
    g.set(host.grads, na + nb);
    const norm = clipGradNorm(g, 0.1);
    assert.ok(norm > 0.1, "the clip is active");
    assertClose([opt.step(adam, 0.01, 0.1)], [norm], "norm before clipping", 1e-6, 0);
    adamUpdate(ref, g, m, v, t, adam);
  }
  assert.equal(opt.adamStep, 3);
  const state = opt.state();
  assertClose(state.params, ref, "params", 1e-5, 1e-7);
  assertClose(state.adamM, m, "first moments", 1e-4, 1e-9);
  assert.equal(a.adamStepCount, 3);
  // setState puts every block back at its offset.
  const copy = new CpuOptimizer([
    { offset: 0, net: new WasmMlpTrainer(A, new Float32Array(na)) },
    { offset: na, net: new WasmMlpTrainer(B, new Float32Array(nb)) },
    { offset: na + nb, host: new HostParams(new Float32Array(2)) },
  ]);
  copy.setState(state);
  assert.deepEqual(copy.state(), state);
});

Deno.test("CpuOptimizer refuses blocks that leave gaps or overlap", () => {
  const net = new WasmMlpTrainer(A, new Float32Array(paramCount(A)));
  const host = new HostParams(new Float32Array(2));
  assert.throws(() => new CpuOptimizer([{ offset: 1, net }]), /gap or overlap at 0/);
  assert.throws(
    () => new CpuOptimizer([{ offset: 0, net }, { offset: net.paramCount - 1, host }]),
    /gap or overlap/,
  );
});
