import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { initActorCriticParams, initMlpParams } from "./init.ts";
import { actorCriticLayout, mlpLayers } from "./layout.ts";

/** `W` of a layer as a row-major `in × out` array of numbers. */
function weights(params: Float32Array, spec: { sizes: number[]; hidden: "relu" }, l: number) {
  const layer = mlpLayers(spec)[l];
  return {
    w: params.subarray(layer.weightOffset, layer.biasOffset),
    b: params.subarray(layer.biasOffset, layer.biasOffset + layer.outSize),
    ...layer,
  };
}

Deno.test("torch-default init stays within ±1/√in and is seeded", () => {
  const spec = { sizes: [16, 32, 4], hidden: "relu" as const };
  const p = initMlpParams(spec, new Rng(1), "torch-default");
  for (let l = 0; l < 2; l++) {
    const { w, b, inSize } = weights(p, spec, l);
    const bound = 1 / Math.sqrt(inSize);
    for (const v of [...w, ...b]) assert.ok(Math.abs(v) <= bound);
    // Spread over the interval, not all near zero.
    assert.ok(Math.max(...w) > 0.8 * bound && Math.min(...w) < -0.8 * bound);
  }
  assert.deepEqual(p, initMlpParams(spec, new Rng(1), "torch-default"));
  assert.notDeepEqual(p, initMlpParams(spec, new Rng(2), "torch-default"));
});

Deno.test("orthogonal init gives orthonormal columns/rows times the gain and zero biases", () => {
  // Layers: 8→32 (wide: rows orthonormal), 32→32 (square), 32→3 (tall: columns orthonormal).
  const spec = { sizes: [8, 32, 32, 3], hidden: "relu" as const };
  const gains = [Math.SQRT2, 0.5, 0.01];
  const p = initMlpParams(spec, new Rng(3), { orthogonal: gains });
  for (let l = 0; l < 3; l++) {
    const { w, b, inSize, outSize } = weights(p, spec, l);
    assert.ok(b.every((v) => v === 0));
    const g = gains[l];
    // Gram matrix along the shorter side must be g² · I.
    const k = Math.min(inSize, outSize);
    for (let a = 0; a < k; a++) {
      for (let c = 0; c < k; c++) {
        let dot = 0;
        if (inSize >= outSize) {
          for (let i = 0; i < inSize; i++) dot += w[i * outSize + a] * w[i * outSize + c];
        } else for (let j = 0; j < outSize; j++) dot += w[a * outSize + j] * w[c * outSize + j];
        const expected = a === c ? g * g : 0;
        assert.ok(
          Math.abs(dot - expected) < 1e-5 * Math.max(1, g * g) + 1e-7,
          `layer ${l} (${a},${c}): ${dot}`,
        );
      }
    }
  }
  assert.throws(() => initMlpParams(spec, new Rng(3), { orthogonal: [1, 1] }), RangeError);
});

Deno.test("initActorCriticParams uses CleanRL gains and sets log-std", () => {
  const config = {
    obsSize: 4,
    action: { kind: "continuous" as const, dim: 2, initLogStd: -0.5 },
    hidden: [16, 16],
    activation: "tanh" as const,
  };
  const p = initActorCriticParams(config, new Rng(4));
  const layout = actorCriticLayout(config);
  assert.equal(p.length, layout.total);
  const colNorm = (offset: number, inSize: number, outSize: number, j: number) => {
    let s = 0;
    for (let i = 0; i < inSize; i++) s += p[offset + i * outSize + j] ** 2;
    return Math.sqrt(s);
  };
  const actorOut = mlpLayers(layout.actor.spec, layout.actor.offset)[2];
  const criticOut = mlpLayers(layout.critic.spec, layout.critic.offset)[2];
  assert.ok(Math.abs(colNorm(actorOut.weightOffset, 16, 2, 0) - 0.01) < 1e-6);
  assert.ok(Math.abs(colNorm(criticOut.weightOffset, 16, 1, 0) - 1) < 1e-5);
  const hidden = mlpLayers(layout.actor.spec)[1];
  assert.ok(Math.abs(colNorm(hidden.weightOffset, 16, 16, 3) - Math.SQRT2) < 1e-5);
  assert.deepEqual(Array.from(p.subarray(layout.logStd.offset)), [-0.5, -0.5]);
});
