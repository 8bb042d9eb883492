/**
 * The machine's floating-point ceiling for the CPU kernels, measured and nominal: a tight loop
 * of independent `f32x4` multiply-adds on one core (what 128-bit WebAssembly SIMD can reach at
 * best), and the clock `/proc/cpuinfo` reports for the nominal figure. Used by the benchmarks
 * to print GFLOP/s beside the peak.
 * @module
 */

import {
  doWhileBelow,
  encodeModule,
  F32,
  f32,
  f32x4,
  Fn,
  get,
  I32,
  i32,
  set,
  V128,
} from "./_wasm_emit.ts";
import { hasRelaxedSimd } from "./module.ts";

/**
 * GFLOP/s of one core running independent `f32x4` multiply-adds (8 chains hide the latency;
 * fused with relaxed SIMD, else `mul` + `add`), best of 5 runs of 40M vector operations: the
 * ceiling of 128-bit WebAssembly SIMD on this machine.
 */
export function measureSimdPeak(relaxedSimd: boolean = hasRelaxedSimd()): number {
  const f = new Fn("peak", [I32], [F32]);
  const n = f.param(0);
  const i = f.local(I32);
  const chains = Array.from({ length: 8 }, () => f.local(V128));
  const a = f.local(V128);
  const b = f.local(V128);
  const madd = relaxedSimd
    ? f32x4.relaxedMadd
    : (x: number[], y: number[], z: number[]) => f32x4.add(f32x4.mul(x, y), z);
  f.emit(set(a, f32x4.splat(f32.const(0.999))), set(b, f32x4.splat(f32.const(1e-3))));
  for (const c of chains) f.emit(set(c, f32x4.splat(f32.const(1))));
  f.emit(
    set(i, i32.const(0)),
    doWhileBelow(
      i,
      get(n),
      i32.const(1),
      chains.flatMap((c) => set(c, madd(get(c), get(a), get(b)))),
    ),
  );
  let sum = get(chains[0]);
  for (const c of chains.slice(1)) sum = f32x4.add(sum, get(c));
  f.emit(sum, [0xfd, 0x1f, 0]); // f32x4.extract_lane 0
  const peak = new WebAssembly.Instance(new WebAssembly.Module(encodeModule([f]))).exports
    .peak as (n: number) => number;
  const iters = 5_000_000;
  peak(iters); // tier up
  const best = Math.min(...[0, 1, 2, 3, 4].map(() => {
    const t0 = performance.now();
    peak(iters);
    return performance.now() - t0;
  }));
  return (iters * chains.length * 8) / best / 1e6;
}

/** The clock `/proc/cpuinfo` reports, in GHz (`null` where there is none to read). */
export function cpuClockGHz(): number | null {
  try {
    const m = Deno.readTextFileSync("/proc/cpuinfo").match(/cpu MHz\s*:\s*([\d.]+)/);
    return m ? Number(m[1]) / 1000 : null;
  } catch {
    return null;
  }
}
