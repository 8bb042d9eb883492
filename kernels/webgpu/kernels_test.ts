/**
 * Each kernel of the WebGPU backend against the CPU backend on awkward shapes (batch 1, 7,
 * 63, 65, 257 and a split-K batch; widths that are not multiples of 4), Adam against its closed
 * form, the batched regression steps, and the error paths (compile errors, no adapter, device
 * loss).
 */

import assert from "node:assert/strict";
import { createBackend } from "../backend.ts";
import { createGpuContext, GpuDeviceError, webGpuAdapterKind } from "./device.ts";
import { initMlpParams } from "../init.ts";
import { PipelineCache, ShaderCompileError } from "./pipeline_cache.ts";
import type { Mlp, MlpSpec } from "../types.ts";
import { assertClose, cpuBackend, gpuBackend, HAS_GPU, randomArray, rngOf } from "./_testing.ts";
import { WebGpuBackend } from "./backend.ts";
import type { WebGpuMlp } from "./mlp.ts";

const shapes: [MlpSpec, number][] = [
  [{ sizes: [8, 64, 64, 4], hidden: "relu" }, 1],
  [{ sizes: [5, 33, 7], hidden: "tanh", output: "tanh" }, 7],
  [{ sizes: [3, 17, 9, 2], hidden: "relu", output: "relu" }, 63],
  [{ sizes: [13, 70, 1], hidden: "tanh" }, 65],
  [{ sizes: [8, 64, 64, 4], hidden: "relu" }, 257],
  [{ sizes: [6, 21, 10], hidden: "relu" }, 1030], // row splits: partial gradients are reduced
];

for (const [spec, batch] of shapes) {
  Deno.test({
    name: `webgpu forward, backward and Adam match the CPU: [${spec.sizes}] ${spec.hidden}/${
      spec.output ?? "identity"
    }, batch ${batch}`,
    ignore: !HAS_GPU,
    async fn() {
      const rng = rngOf(batch);
      const params = initMlpParams(spec, rng, "torch-default");
      const x = randomArray(rng, batch * spec.sizes[0]);
      const dy = randomArray(rng, batch * spec.sizes[spec.sizes.length - 1]);
      const gpu = await (await gpuBackend()).createMlp(spec, params);
      const cpu = await cpuBackend.createMlp(spec, params);
      try {
        assertClose(await gpu.forward(x, batch), await cpu.forward(x, batch), "forward");
        assertClose(await gpu.backward(dy), await cpu.backward(dy), "input gradient");
        assertClose(await gpu.getGrads(), await cpu.getGrads(), "parameter gradients");
        for (const mlp of [gpu, cpu]) mlp.adamStep({ learningRate: 1e-3, weightDecay: 0.01 }, 0.3);
        assertClose(await gpu.getParams(), await cpu.getParams(), "parameters after Adam");
      } finally {
        gpu.destroy();
      }
    },
  });
}

Deno.test({
  name: "webgpu Adam's first steps match the closed form",
  ignore: !HAS_GPU,
  async fn() {
    const spec: MlpSpec = { sizes: [3, 5, 2], hidden: "tanh" };
    const rng = rngOf(3);
    const p0 = initMlpParams(spec, rng, "torch-default");
    const mlp: Mlp = await (await gpuBackend()).createMlp(spec, p0);
    try {
      await mlp.forward(randomArray(rng, 4 * 3), 4);
      await mlp.backward(randomArray(rng, 4 * 2));
      const g = await mlp.getGrads();
      const [lr, b1, b2, eps, wd] = [0.01, 0.8, 0.9, 1e-6, 0.1];
      const adam = { learningRate: lr, beta1: b1, beta2: b2, eps, weightDecay: wd };
      mlp.adamStep(adam);
      mlp.adamStep(adam); // same gradients twice
      const expected = p0.map((p, i) => {
        let q = p;
        let m = 0;
        let v = 0;
        for (let t = 1; t <= 2; t++) {
          m = b1 * m + (1 - b1) * g[i];
          v = b2 * v + (1 - b2) * g[i] * g[i];
          q -= (lr * (m / (1 - b1 ** t))) / (Math.sqrt(v / (1 - b2 ** t)) + eps);
          q -= lr * wd * q;
        }
        return q;
      });
      assertClose(await mlp.getParams(), expected, "Adam closed form");
    } finally {
      mlp.destroy();
    }
  },
});

Deno.test({
  name: "webgpu batched regression steps match step-by-step CPU training",
  ignore: !HAS_GPU,
  async fn() {
    const spec: MlpSpec = { sizes: [8, 19, 3], hidden: "relu" };
    const batch = 37;
    const rng = rngOf(11);
    const params = initMlpParams(spec, rng, "torch-default");
    const x = randomArray(rng, batch * 8);
    const y = randomArray(rng, batch * 3);
    const adam = { learningRate: 3e-3 };
    const gpu = await (await gpuBackend()).createMlp(spec, params) as WebGpuMlp;
    const cpu = await cpuBackend.createMlp(spec, params);
    try {
      const result = await gpu.trainRegression(x, y, batch, 5, adam, 1.0);
      let lossSum = 0;
      for (let s = 0; s < 5; s++) {
        const out = await cpu.forward(x, batch);
        const dY = out.map((v, i) => (2 * (v - y[i])) / out.length);
        lossSum += out.reduce((a, v, i) => a + (v - y[i]) ** 2, 0) / out.length;
        await cpu.backward(dY);
        cpu.adamStep(adam, 1.0);
      }
      assertClose(Float32Array.of(result.loss), Float32Array.of(lossSum / 5), "mean loss");
      assertClose(result.params, await cpu.getParams(), "parameters");
    } finally {
      gpu.destroy();
    }
  },
});

Deno.test({
  name: "webgpu shader compile errors name the kernel, file, line and source line",
  ignore: !HAS_GPU,
  async fn() {
    const { device } = (await gpuBackend()).runtime;
    const cache = new PipelineCache(device, {
      "broken.wgsl": "//!include lib.wgsl\n@compute @workgroup_size(1)\nfn main() {\n" +
        "  let x: f32 = helper();\n}\n",
      "lib.wgsl": "fn helper() -> u32 { return 1u; }\n",
    });
    const err = await cache.get({ file: "broken.wgsl", bindings: [] }).then(
      () => null,
      (e) => e,
    );
    assert.ok(err instanceof ShaderCompileError, `expected a ShaderCompileError, got ${err}`);
    assert.match(err.message, /kernel "broken\.wgsl"/);
    // Line 4 of broken.wgsl (line 5 of the composed module, after the included file).
    assert.match(err.message, /broken\.wgsl:4:7/);
    assert.match(err.message, /let x: f32 = helper\(\);/);
  },
});

Deno.test("createBackend without a workload: auto takes webgpu only on a hardware adapter", async () => {
  assert.equal((await createBackend("cpu")).kind, "cpu");
  const adapter = await webGpuAdapterKind();
  const auto = await createBackend("auto");
  assert.equal(auto.kind, adapter === "hardware" ? "webgpu" : "cpu");
  if (adapter === "software") assert.match(auto.description, /software fallback/);
  await assert.rejects(() => createBackend("tpu" as "cpu"), RangeError);
});

Deno.test("webgpu without an adapter fails with a clear error", async () => {
  await assert.rejects(() => createGpuContext(null), (e: unknown) => {
    assert.ok(e instanceof GpuDeviceError);
    assert.match(e.message, /No WebGPU adapter/);
    return true;
  });
});

Deno.test({
  name: "webgpu device loss rejects the next readback instead of hanging",
  ignore: !HAS_GPU,
  async fn() {
    // A private device, so destroying it leaves the shared one alone.
    const ctx = await createGpuContext(await navigator.gpu.requestAdapter());
    const backend = new WebGpuBackend(ctx);
    const spec: MlpSpec = { sizes: [4, 8, 2], hidden: "relu" };
    const mlp = await backend.createMlp(spec, initMlpParams(spec, rngOf(1), "torch-default"));
    await mlp.forward(new Float32Array(8), 2);
    ctx.device.destroy();
    await assert.rejects(() => mlp.getParams(), (e: unknown) => {
      assert.ok(e instanceof GpuDeviceError, `expected a GpuDeviceError, got ${e}`);
      assert.match(e.message, /lost|destroyed/i);
      return true;
    });
  },
});

Deno.test({
  name: "webgpu MLP keeps working across many batch sizes (old buffers are recycled)",
  ignore: !HAS_GPU,
  async fn() {
    const spec: MlpSpec = { sizes: [3, 6, 2], hidden: "tanh" };
    const params = initMlpParams(spec, rngOf(4), "torch-default");
    const gpu = await (await gpuBackend()).createMlp(spec, params);
    const cpu = await cpuBackend.createMlp(spec, params);
    try {
      for (let batch = 1; batch <= 12; batch++) {
        const x = randomArray(rngOf(batch), batch * 3);
        assertClose(await gpu.forward(x, batch), await cpu.forward(x, batch), `batch ${batch}`);
      }
      const dy = randomArray(rngOf(0), 12 * 2);
      assertClose(await gpu.backward(dy), await cpu.backward(dy), "input gradient");
    } finally {
      gpu.destroy();
    }
  },
});
