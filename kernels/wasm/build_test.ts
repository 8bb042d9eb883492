/**
 * The committed build matches its source: `mlp_kernels_wasm.ts` is exactly what `build.ts`
 * writes from `mlp_kernels.ts` now (rebuild with `deno run -A kernels/wasm/build.ts`), and
 * both builds are valid modules.
 */

import assert from "node:assert/strict";
import { KERNELS_MODULE_URL, renderKernelsModule } from "./build.ts";
import { emitMlpKernels } from "./mlp_kernels.ts";
import { hasRelaxedSimd } from "./module.ts";

Deno.test("mlp_kernels_wasm.ts matches its source byte for byte", async () => {
  const committed = await Deno.readTextFile(KERNELS_MODULE_URL);
  assert.ok(
    committed === renderKernelsModule(),
    "kernels/wasm/mlp_kernels_wasm.ts is stale: run `deno run -A kernels/wasm/build.ts`",
  );
});

Deno.test("both kernel builds validate; the relaxed one only where relaxed SIMD exists", () => {
  assert.ok(WebAssembly.validate(emitMlpKernels(false)), "plain-SIMD build");
  assert.equal(WebAssembly.validate(emitMlpKernels(true)), hasRelaxedSimd());
  // The two builds differ exactly where the multiply-adds are.
  assert.notDeepEqual(emitMlpKernels(true), emitMlpKernels(false));
});
