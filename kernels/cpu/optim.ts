/**
 * Adam(W) and global-norm gradient clipping in TypeScript, with PyTorch's formulas so that runs
 * compare with CleanRL: the reference the WebAssembly and WebGPU optimizers are tested against,
 * and the optimizer of the few parameters that live outside any MLP (a Gaussian's log-std).
 * @module
 */

import type { AdamConfig, Floats } from "../types.ts";

/** L2 norm of `grads[0..count)`. */
export function globalNorm(grads: Float64Array, count: number = grads.length): number {
  let s = 0;
  for (let k = 0; k < count; k++) s += grads[k] * grads[k];
  return Math.sqrt(s);
}

/**
 * `clip_grad_norm_`: scales `grads[0..count)` by `min(1, maxNorm / (norm + 1e-6))` over the
 * whole vector (every trained parameter of a learner at once). Returns the norm before
 * clipping; `maxNorm === null` only measures.
 */
export function clipGradNorm(
  grads: Float64Array,
  maxNorm: number | null,
  count: number = grads.length,
): number {
  const norm = globalNorm(grads, count);
  if (maxNorm !== null) {
    const scale = Math.min(1, maxNorm / (norm + 1e-6));
    if (scale < 1) { for (let k = 0; k < count; k++) grads[k] *= scale; }
  }
  return norm;
}

/**
 * One Adam step number `t` (1-based: the step count after this step) on `params[0..count)`:
 * `m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 * p −= lr·(m/(1−β1^t)) / (sqrt(v/(1−β2^t)) + eps)`, then, if `weightDecay > 0`, the decoupled
 * decay `p −= lr·wd·p` (on the updated `p`, as the kernels contract specifies). `lr` overrides
 * `adam.learningRate` (schedules).
 */
export function adamUpdate(
  params: Floats,
  grads: Float64Array,
  m: Floats,
  v: Floats,
  t: number,
  adam: AdamConfig,
  lr: number = adam.learningRate,
  count: number = params.length,
): void {
  const beta1 = adam.beta1 ?? 0.9;
  const beta2 = adam.beta2 ?? 0.999;
  const eps = adam.eps ?? 1e-8;
  const decay = lr * (adam.weightDecay ?? 0);
  const bc1 = 1 - Math.pow(beta1, t);
  const bc2 = 1 - Math.pow(beta2, t);
  for (let k = 0; k < count; k++) {
    const g = grads[k];
    const mk = beta1 * m[k] + (1 - beta1) * g;
    const vk = beta2 * v[k] + (1 - beta2) * g * g;
    m[k] = mk;
    v[k] = vk;
    // Read back what was stored so float32 state rounds exactly as the GPU's does.
    let p = params[k] - (lr * (m[k] / bc1)) / (Math.sqrt(v[k] / bc2) + eps);
    if (decay > 0) p -= decay * p;
    params[k] = p;
  }
}
