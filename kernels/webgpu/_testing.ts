/**
 * Helpers of the WebGPU backend's tests: the shared backends, seeded data, and comparison of
 * float arrays with a tolerance relative to each value and to the array's scale.
 * @module
 */

import { Rng } from "../../core/rng.ts";
import { CpuBackend } from "../cpu/backend.ts";
import { hasWebGpuAdapter } from "./device.ts";
import { WebGpuBackend } from "./backend.ts";

/** Whether WebGPU tests can run here; prints why not when they cannot. */
export const HAS_GPU: boolean = await hasWebGpuAdapter();
if (!HAS_GPU) console.log("Skipping WebGPU tests: no WebGPU adapter is available");

let gpu: Promise<WebGpuBackend> | null = null;

/** The WebGPU backend shared by the tests of a process. */
export function gpuBackend(): Promise<WebGpuBackend> {
  gpu ??= WebGpuBackend.create();
  return gpu;
}

/** The CPU backend (WebAssembly kernels, themselves checked against the TypeScript reference). */
export const cpuBackend: CpuBackend = new CpuBackend();

/** `n` values uniform in `[lo, hi)` from a seeded generator. */
export function randomArray(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniform(lo, hi);
  return out;
}

/** A seeded generator. */
export function rngOf(seed: number): Rng {
  return new Rng(seed);
}

/**
 * The largest error of `actual` against `expected`, each measured relative to
 * `max(|expected_i|, floor·max|expected|)` so values near zero are compared at the array's
 * scale (a float32 sum that cancels to ~0 has no meaningful relative error of its own).
 */
export function maxRelError(actual: Float32Array, expected: Float32Array, floor = 1e-2): number {
  if (actual.length !== expected.length) {
    throw new RangeError(`Length mismatch: ${actual.length} vs ${expected.length}`);
  }
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const denom = Math.max(Math.abs(expected[i]), floor * scale, 1e-30);
    const err = Math.abs(actual[i] - expected[i]) / denom;
    if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
  }
  return worst;
}

/** Throws unless `maxRelError(actual, expected) ≤ tol`, naming the worst element. */
export function assertClose(
  actual: Float32Array,
  expected: Float32Array,
  label: string,
  tol = 1e-4,
): number {
  const err = maxRelError(actual, expected);
  if (!(err <= tol)) {
    let scale = 0;
    for (const v of expected) scale = Math.max(scale, Math.abs(v));
    let at = 0;
    let worst = -1;
    for (let i = 0; i < expected.length; i++) {
      const e = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), 1e-2 * scale);
      if (!(e <= worst)) {
        worst = e;
        at = i;
      }
    }
    throw new Error(
      `${label}: relative error ${err.toExponential(2)} > ${tol} at [${at}]: ` +
        `got ${actual[at]}, expected ${expected[at]} (scale ${scale.toExponential(2)})`,
    );
  }
  return err;
}
