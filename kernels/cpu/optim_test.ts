import assert from "node:assert/strict";
import { assertClose } from "./_grad_check.ts";
import { validateAdam } from "../validate.ts";
import { adamUpdate, clipGradNorm, globalNorm } from "./optim.ts";

Deno.test("Adam with a constant gradient moves each parameter lr·g/(|g|+eps) per step", () => {
  // With g constant, m_t = g(1−β1^t) and v_t = g²(1−β2^t), so the bias-corrected ratio is
  // g/(|g| + eps) at every step: p_t = p_0 − t·lr·g/(|g| + eps).
  const g = [0.5, -2, 1e-3, 0];
  const p0 = [1, 1, -1, 0.25];
  const lr = 0.01;
  const eps = 1e-8;
  const params = new Float64Array(p0);
  const m = new Float64Array(4);
  const v = new Float64Array(4);
  for (let t = 1; t <= 5; t++) {
    adamUpdate(params, new Float64Array(g), m, v, t, { learningRate: lr });
    const expected = p0.map((p, k) => p - (t * lr * g[k]) / (Math.abs(g[k]) + eps));
    assertClose(params, expected, `step ${t}`, 1e-12, 1e-15);
  }
});

Deno.test("Adam matches the closed-form moments for varying gradients", () => {
  // m_t = (1−β1) Σ_s β1^(t−s) g_s, v_t = (1−β2) Σ_s β2^(t−s) g_s², summed directly.
  const b1 = 0.8;
  const b2 = 0.9;
  const eps = 1e-3;
  const lr = 0.1;
  const gs = [[1, -1], [0.5, 3], [-2, 0.1]];
  const params = new Float64Array([0.3, -0.2]);
  const m = new Float64Array(2);
  const v = new Float64Array(2);
  const expected = [0.3, -0.2];
  for (let t = 1; t <= gs.length; t++) {
    adamUpdate(params, new Float64Array(gs[t - 1]), m, v, t, {
      learningRate: lr,
      beta1: b1,
      beta2: b2,
      eps,
    });
    for (let k = 0; k < 2; k++) {
      let mt = 0;
      let vt = 0;
      for (let s = 1; s <= t; s++) {
        mt += (1 - b1) * b1 ** (t - s) * gs[s - 1][k];
        vt += (1 - b2) * b2 ** (t - s) * gs[s - 1][k] ** 2;
      }
      expected[k] -= (lr * mt / (1 - b1 ** t)) / (Math.sqrt(vt / (1 - b2 ** t)) + eps);
      assert.ok(Math.abs(m[k] - mt) < 1e-12 && Math.abs(v[k] - vt) < 1e-12);
    }
    assertClose(params, expected, `step ${t}`, 1e-12, 1e-15);
  }
});

Deno.test("AdamW decays the updated parameter by lr·wd", () => {
  // Constant g: p_t = c·(p_{t−1} − lr·u) with c = 1 − lr·wd, u = g/(|g|+eps), hence
  // p_t = c^t·p_0 − lr·u·c·(1 − c^t)/(1 − c).
  const lr = 0.05;
  const wd = 0.1;
  const g = 0.7;
  const eps = 1e-8;
  const u = g / (Math.abs(g) + eps);
  const c = 1 - lr * wd;
  const params = new Float64Array([2]);
  const m = new Float64Array(1);
  const v = new Float64Array(1);
  for (let t = 1; t <= 4; t++) {
    adamUpdate(params, new Float64Array([g]), m, v, t, { learningRate: lr, weightDecay: wd });
    const expected = c ** t * 2 - (lr * u * c * (1 - c ** t)) / (1 - c);
    assertClose(params, [expected], `step ${t}`, 1e-12, 1e-15);
  }
});

Deno.test("adamUpdate's lr argument overrides the configured rate", () => {
  const a = new Float64Array([1]);
  const b = new Float64Array([1]);
  adamUpdate(a, new Float64Array([1]), new Float64Array(1), new Float64Array(1), 1, {
    learningRate: 0.5,
  }, 0.1);
  adamUpdate(b, new Float64Array([1]), new Float64Array(1), new Float64Array(1), 1, {
    learningRate: 0.1,
  });
  assert.deepEqual(a, b);
});

Deno.test("clipGradNorm scales by min(1, max/(norm + 1e-6)) over the whole vector", () => {
  const g = new Float64Array([3, 4, 0, 0]);
  assert.equal(globalNorm(g), 5);
  const norm = clipGradNorm(g, 1);
  assert.equal(norm, 5);
  const s = 1 / (5 + 1e-6);
  assertClose(g, [3 * s, 4 * s, 0, 0], "clipped", 1e-15, 0);
  const small = new Float64Array([0.3, 0.4]);
  clipGradNorm(small, 1);
  assert.deepEqual(small, new Float64Array([0.3, 0.4]));
  const untouched = new Float64Array([30, 40]);
  assert.equal(clipGradNorm(untouched, null), 50);
  assert.deepEqual(untouched, new Float64Array([30, 40]));
});

Deno.test("validateAdam rejects bad hyper-parameters", () => {
  assert.throws(() => validateAdam({ learningRate: -1 }), RangeError);
  assert.throws(() => validateAdam({ learningRate: 1, beta1: 1 }), RangeError);
  assert.throws(() => validateAdam({ learningRate: 1, weightDecay: -0.1 }), RangeError);
  validateAdam({ learningRate: 3e-4, eps: 1e-5 });
});
