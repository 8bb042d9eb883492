/**
 * Throughput of one MLP train step (forward, backward without the input gradient, Adam) on
 * the WebAssembly SIMD kernels against the TypeScript CPU path, measured side by side in the
 * same run: `deno run -A kernels/wasm/mlp_bench.ts` prints JSON for the 8-64-64-4 net (ReLU and
 * tanh hidden layers) at batch 64, 256, 1024 and 16384, plus the machine's single-core f32x4
 * peak measured with a tight multiply-add loop. Under `deno bench` it registers the batch-1024
 * ReLU steps instead.
 *
 * FLOPs per sample: 2·in·out per matrix product, forward once, backward twice except the first
 * layer (its input gradient is not needed, so neither path computes it); Adam counts 14 per
 * parameter per step (moments 7, bias-corrected update 7).
 * @module
 */

import { Rng } from "../../core/rng.ts";
import { ReferenceMlp } from "../cpu/reference_mlp.ts";
import { adamUpdate } from "../cpu/optim.ts";
import { initMlpParams } from "../init.ts";
import { paramCount } from "../layout.ts";
import type { AdamConfig, MlpSpec } from "../types.ts";
import { WasmMlpTrainer } from "./mlp.ts";
import { hasRelaxedSimd } from "./module.ts";
import { cpuClockGHz, measureSimdPeak } from "./peak.ts";

const SIZES = [8, 64, 64, 4];
const BATCHES = [64, 256, 1024, 16384];
const ADAM: AdamConfig = { learningRate: 1e-5 };
const ADAM_FLOPS_PER_PARAM = 14;

/** FLOPs of one train step of `sizes` at `batch` (see the module comment). */
function stepFlops(sizes: readonly number[], batch: number): number {
  let perSample = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const mm = 2 * sizes[l] * sizes[l + 1];
    perSample += l === 0 ? 2 * mm : 3 * mm;
  }
  return perSample * batch + ADAM_FLOPS_PER_PARAM * paramCount({ sizes, hidden: "relu" });
}

type Step = () => void;

function wasmStep(spec: MlpSpec, batch: number, relaxedSimd: boolean): Step {
  const rng = new Rng(1);
  const net = new WasmMlpTrainer(spec, initMlpParams(spec, rng, "torch-default"), {
    maxBatch: batch,
    relaxedSimd,
  });
  const x = Float32Array.from({ length: batch * SIZES[0] }, () => rng.uniform(-1, 1));
  const dy = Float32Array.from({ length: batch * SIZES[3] }, () => rng.uniform(-1, 1));
  const out = new Float32Array(batch * SIZES[3]);
  return () => {
    net.zeroGrads();
    net.forward(x, batch, out);
    net.backward(dy);
    net.adamStep(ADAM);
  };
}

/** The CPU backend's inner loops as its learners call them (float64 activations and grads). */
function tsStep(spec: MlpSpec, batch: number): Step {
  const rng = new Rng(1);
  const params = initMlpParams(spec, rng, "torch-default");
  const ws = new ReferenceMlp(spec, batch);
  const grads = new Float64Array(params.length);
  const m = new Float32Array(params.length);
  const v = new Float32Array(params.length);
  const x = Float64Array.from({ length: batch * SIZES[0] }, () => rng.uniform(-1, 1));
  const dy = Float64Array.from({ length: batch * SIZES[3] }, () => rng.uniform(-1, 1));
  let t = 0;
  return () => {
    ws.forward(params, 0, x, batch);
    grads.fill(0);
    ws.backward(params, 0, dy, grads, 0);
    adamUpdate(params, grads, m, v, ++t, ADAM);
  };
}

/** Milliseconds per call of `step`, over as many calls as fill `ms`. */
function timeRound(step: Step, ms: number): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    step();
    n++;
    t = performance.now();
  }
  return (t - t0) / n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

if (import.meta.main) {
  const relaxed = hasRelaxedSimd();
  const peak = measureSimdPeak(relaxed);
  const ghz = cpuClockGHz();
  const results = [];
  for (const hidden of ["relu", "tanh"] as const) {
    const spec: MlpSpec = { sizes: SIZES, hidden };
    for (const batch of BATCHES) {
      const flops = stepFlops(SIZES, batch);
      const steps: Record<string, Step> = {
        wasm: wasmStep(spec, batch, relaxed),
        wasmPlainSimd: wasmStep(spec, batch, false),
        ts: tsStep(spec, batch),
      };
      const times: Record<string, number[]> = { wasm: [], wasmPlainSimd: [], ts: [] };
      for (const step of Object.values(steps)) timeRound(step, 100); // warm up, tier up
      // Interleaved rounds, so load from other processes hits all three alike.
      for (let r = 0; r < 5; r++) {
        for (const [name, step] of Object.entries(steps)) times[name].push(timeRound(step, 60));
      }
      const ms = (name: string): number => median(times[name]);
      const gflops = (name: string): number => +(flops / ms(name) / 1e6).toFixed(2);
      results.push({
        hidden,
        batch,
        wasmGflops: gflops("wasm"),
        wasmPlainSimdGflops: gflops("wasmPlainSimd"),
        tsGflops: gflops("ts"),
        wasmMsPerStep: +ms("wasm").toFixed(4),
        tsMsPerStep: +ms("ts").toFixed(4),
        speedup: +(ms("ts") / ms("wasm")).toFixed(2),
        fmaGain: +(ms("wasmPlainSimd") / ms("wasm")).toFixed(2),
      });
    }
  }
  console.log(JSON.stringify(
    {
      net: SIZES.join("-"),
      step: "forward + backward (no input gradient) + Adam, one core",
      flopsPerSample: stepFlops(SIZES, 1) - stepFlops(SIZES, 0),
      adamFlopsPerStep: stepFlops(SIZES, 0),
      relaxedSimd: relaxed,
      peak: {
        measuredGflops: +peak.toFixed(1),
        how: `8 independent ${relaxed ? "f32x4.relaxed_madd" : "f32x4.mul+add"} chains, best of 5`,
        baseClockGHz: ghz,
        nominalGflops: ghz === null ? null : +(ghz * 16).toFixed(1),
        nominalHow: "base clock × 2 FMA pipes × 4 lanes × 2 (turbo clocks run higher)",
      },
      results,
    },
    null,
    2,
  ));
} else {
  const spec: MlpSpec = { sizes: SIZES, hidden: "relu" };
  Deno.bench(
    "wasm train step 8-64-64-4, batch 1024",
    { group: "step" },
    wasmStep(spec, 1024, hasRelaxedSimd()),
  );
  Deno.bench("TypeScript train step 8-64-64-4, batch 1024", { group: "step" }, tsStep(spec, 1024));
}
