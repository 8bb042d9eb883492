/**
 * Training-step throughput of the kernels: a full supervised step (forward, MSE loss, backward,
 * Adam) of 8-64-64-4 and 8-256-256-4 ReLU MLPs at batch 64, 1024 and 16384, for Eagle's CPU
 * backend (WebAssembly SIMD), its TypeScript reference (the CPU backend before the WebAssembly
 * kernels), Eagle's WebGPU backend and TensorFlow.js (cpu and webgpu backends, same adapter),
 * in GFLOP/s beside the machine's peak (one core's `f32x4` multiply-add ceiling, measured, and
 * the nominal figure from the clock). Then the learners' own gradient steps: DQN at batch 64
 * and PPO on minibatches of 64 (LunarLander's shapes), per backend.
 *
 * Eagle's WebGPU steps are timed the way learners run them: `n` steps recorded behind ONE
 * readback (`WebGpuMlp.trainRegression`), reported per step. TensorFlow.js steps are queued the
 * same way and synchronised once at the end. Usage:
 *
 * ```sh
 * deno task bench kernels [--json] [--quick] [--impl eagle-cpu,eagle-ts] [--budget 1.5]
 * ```
 * @module
 */

import os from "node:os";
import { Rng } from "../core/rng.ts";
import type { TfjsJob, TfjsTiming } from "./_tfjs_train_step.ts";
import {
  type CalibrationFigure,
  type CalibrationWorkload,
  describeWorkload,
  measureWorkload,
} from "../kernels/calibration.ts";
import { CpuBackend } from "../kernels/cpu/backend.ts";
import { adamUpdate } from "../kernels/cpu/optim.ts";
import { ReferenceMlp } from "../kernels/cpu/reference_mlp.ts";
import { initMlpParams } from "../kernels/init.ts";
import type { Backend, MlpSpec } from "../kernels/types.ts";
import { hasRelaxedSimd } from "../kernels/wasm/module.ts";
import { cpuClockGHz, measureSimdPeak } from "../kernels/wasm/peak.ts";
import { WebGpuBackend } from "../kernels/webgpu/backend.ts";
import { GpuDeviceError, hasWebGpuAdapter } from "../kernels/webgpu/device.ts";
import type { WebGpuMlp } from "../kernels/webgpu/mlp.ts";

/** An implementation under test. */
export type Impl = "eagle-webgpu" | "eagle-cpu" | "eagle-ts" | "tfjs-cpu" | "tfjs-webgpu";

/** One measurement. */
export interface KernelBenchResult {
  /** Implementation. */
  impl: Impl;
  /** Layer widths joined by dashes, e.g. `"8-64-64-4"`. */
  net: string;
  /** Rows per step. */
  batch: number;
  /** Training samples per second (steps × batch / seconds). */
  samples_per_s: number;
  /** Training GFLOP/s, counting 6 flops per weight per sample (forward 2, backward 4). */
  gflops: number;
  /** `gflops` as a percentage of one core's measured `f32x4` peak (CPU implementations). */
  pct_of_core_peak: number | null;
  /** Milliseconds per step. */
  ms_per_step: number;
  /** Steps timed (behind one synchronisation). */
  steps: number;
}

/** A prepared trainer: `run(n)` takes `n` steps and resolves when they are done. */
interface Trainer {
  run(steps: number): Promise<void>;
  dispose(): void;
}

const ADAM = { learningRate: 1e-3 };

function data(sizes: readonly number[], batch: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float32Array(batch * sizes[0]).map(() => rng.uniform(-1, 1));
  const y = new Float32Array(batch * sizes[sizes.length - 1]).map(() => rng.uniform(-1, 1));
  return { x, y, rng };
}

async function eagleWebGpu(spec: MlpSpec, batch: number): Promise<Trainer> {
  const backend = await WebGpuBackend.create();
  const { x, y, rng } = data(spec.sizes, batch, 1);
  const mlp = await backend.createMlp(spec, initMlpParams(spec, rng, "torch-default")) as WebGpuMlp;
  return {
    // SYNC: one readback per run, however many steps it records.
    run: async (n) => void await mlp.trainRegression(x, y, batch, n, ADAM),
    dispose: () => mlp.destroy(),
  };
}

async function eagleCpu(spec: MlpSpec, batch: number): Promise<Trainer> {
  const { x, y, rng } = data(spec.sizes, batch, 1);
  const mlp = await new CpuBackend().createMlp(spec, initMlpParams(spec, rng, "torch-default"));
  const dY = new Float32Array(y.length);
  return {
    run: async (n) => {
      for (let s = 0; s < n; s++) {
        const out = await mlp.forward(x, batch);
        for (let i = 0; i < out.length; i++) dY[i] = (2 * (out[i] - y[i])) / out.length;
        await mlp.backward(dY);
        mlp.adamStep(ADAM);
      }
    },
    dispose: () => mlp.destroy(),
  };
}

/** The TypeScript reference the CPU backend trained on before the WebAssembly kernels. */
function eagleTs(spec: MlpSpec, batch: number): Trainer {
  const { x, y, rng } = data(spec.sizes, batch, 1);
  const params = initMlpParams(spec, rng, "torch-default");
  const net = new ReferenceMlp(spec, batch);
  const x64 = Float64Array.from(x);
  const grads = new Float64Array(params.length);
  const m = new Float32Array(params.length);
  const v = new Float32Array(params.length);
  const dY = new Float64Array(y.length);
  const dX = new Float64Array(x.length);
  let t = 0;
  return {
    run: (n) => {
      for (let s = 0; s < n; s++) {
        const out = net.forward(params, 0, x64, batch);
        for (let i = 0; i < y.length; i++) dY[i] = (2 * (out[i] - y[i])) / y.length;
        grads.fill(0);
        net.backward(params, 0, dY, grads, 0, dX);
        adamUpdate(params, grads, m, v, ++t, ADAM);
      }
      return Promise.resolve();
    },
    dispose: () => {},
  };
}

/**
 * TensorFlow.js's timing of the same step, measured in a child process that keeps TF.js out of
 * the project's lockfile (see `_tfjs_train_step.ts`).
 */
async function timeTfjs(job: TfjsJob): Promise<TfjsTiming> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-lock", "--quiet", TFJS_SCRIPT, JSON.stringify(job)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
  if (!out.success) {
    throw new Error(`tfjs ${job.backend}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return JSON.parse(text) as TfjsTiming;
}

const TFJS_SCRIPT = new URL("./_tfjs_train_step.ts", import.meta.url).pathname;

/** Training flops per sample: 6 per weight (forward 2, backward 4). */
export function flopsPerSample(sizes: readonly number[]): number {
  let weights = 0;
  for (let l = 0; l + 1 < sizes.length; l++) weights += sizes[l] * sizes[l + 1];
  return 6 * weights;
}

async function measure(
  impl: Impl,
  sizes: number[],
  batch: number,
  budgetS: number,
  corePeak: number,
): Promise<KernelBenchResult> {
  const spec: MlpSpec = { sizes, hidden: "relu" };
  if (impl === "tfjs-cpu" || impl === "tfjs-webgpu") {
    const backend = impl === "tfjs-cpu" ? "cpu" : "webgpu";
    const { steps, seconds } = await timeTfjs({
      backend,
      sizes,
      batch,
      budgetS,
      learningRate: ADAM.learningRate,
    });
    return result(impl, sizes, batch, steps, seconds, corePeak);
  }
  const trainer = impl === "eagle-webgpu"
    ? await eagleWebGpu(spec, batch)
    : impl === "eagle-cpu"
    ? await eagleCpu(spec, batch)
    : eagleTs(spec, batch);
  try {
    // Warm-up: compiles pipelines (llvmpipe compiles at first dispatch) and sizes the run.
    await trainer.run(1);
    let t = performance.now();
    await trainer.run(2);
    const estimate = (performance.now() - t) / 2000;
    const steps = Math.max(1, Math.min(200, Math.round(budgetS / Math.max(estimate, 1e-6))));
    t = performance.now();
    await trainer.run(steps);
    const seconds = (performance.now() - t) / 1000;
    return result(impl, sizes, batch, steps, seconds, corePeak);
  } finally {
    trainer.dispose();
  }
}

function result(
  impl: Impl,
  sizes: number[],
  batch: number,
  steps: number,
  seconds: number,
  corePeak: number,
): KernelBenchResult {
  const gflops = (steps * batch * flopsPerSample(sizes)) / seconds / 1e9;
  return {
    impl,
    net: sizes.join("-"),
    batch,
    samples_per_s: Math.round((steps * batch) / seconds),
    gflops: Number(gflops.toFixed(3)),
    pct_of_core_peak: impl.endsWith("webgpu") ? null : Number((100 * gflops / corePeak).toFixed(1)),
    ms_per_step: Number(((seconds * 1000) / steps).toFixed(3)),
    steps,
  };
}

async function machine() {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    cpu = /model name\s*:\s*(.+)/.exec(info)?.[1]?.trim() ?? cpu;
  } catch { /* not Linux */ }
  return {
    cpu,
    cores: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
    os: `${Deno.build.os} ${os.release()}`,
  };
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The learners' gradient steps measured: LunarLander's DQN and PPO shapes. */
const LEARNER_WORKLOADS: CalibrationWorkload[] = [
  {
    kind: "dqn",
    stepsPerFlush: 32,
    config: {
      net: { sizes: [8, 64, 64, 4], hidden: "relu" },
      bufferCapacity: 50_000,
      batchSize: 64,
      adam: { learningRate: 6.3e-4 },
      loss: "huber",
      doubleDqn: true,
      maxGradNorm: 10,
      seed: 1,
    },
  },
  {
    kind: "actor-critic",
    rolloutSize: 8192,
    config: {
      obsSize: 8,
      action: { kind: "discrete", n: 4 },
      hidden: [64, 64],
      activation: "tanh",
      objective: "ppo",
      clipCoef: 0.2,
      clipValueLoss: false,
      entCoef: 0.01,
      vfCoef: 0.5,
      maxGradNorm: 0.5,
      normAdvantages: true,
      updateEpochs: 4,
      numMinibatches: 128,
      adam: { learningRate: 3e-4, eps: 1e-5 },
      seed: 1,
    },
  },
];

/** The CPU's floating-point ceiling, measured on one core and nominal from the clock. */
export interface PeakEstimate {
  /** GFLOP/s of independent `f32x4` multiply-adds on one core (WebAssembly SIMD's ceiling). */
  core_simd128_gflops: number;
  /** Whether those were fused (relaxed SIMD). */
  relaxed_simd: boolean;
  /** The clock `/proc/cpuinfo` reports, GHz. */
  clock_ghz: number | null;
  /** Nominal 128-bit peak of one core: clock × 2 FMA pipes × 4 lanes × 2 flops. */
  nominal_core_simd128_gflops: number | null;
  /** Nominal AVX2 peak of all cores: clock × 2 FMA pipes × 8 lanes × 2 flops × cores. */
  nominal_machine_avx2_gflops: number | null;
}

function peakEstimate(): PeakEstimate {
  const relaxed = hasRelaxedSimd();
  const ghz = cpuClockGHz();
  const round = (x: number) => Number(x.toFixed(1));
  return {
    core_simd128_gflops: round(measureSimdPeak(relaxed)),
    relaxed_simd: relaxed,
    clock_ghz: ghz,
    nominal_core_simd128_gflops: ghz === null ? null : round(ghz * 16),
    nominal_machine_avx2_gflops: ghz === null
      ? null
      : round(ghz * 32 * navigator.hardwareConcurrency),
  };
}

/** One learner's gradient steps on one backend. */
export interface LearnerBenchResult extends CalibrationFigure {
  /** What was measured. */
  workload: string;
}

/** Runs the benchmark (`deno task bench kernels [--json] [--quick] [--impl a,b] [--budget s]`). */
export async function main(args: string[]): Promise<void> {
  const json = args.includes("--json");
  const quick = args.includes("--quick");
  const budget = Number(flag(args, "--budget") ?? (quick ? 0.3 : 1.5));
  if (!(budget > 0)) throw new RangeError(`--budget must be a positive number of seconds`);
  const all: Impl[] = ["eagle-cpu", "eagle-ts", "eagle-webgpu", "tfjs-cpu", "tfjs-webgpu"];
  const wanted = (flag(args, "--impl")?.split(",") ?? all) as Impl[];
  for (const impl of wanted) {
    if (!all.includes(impl)) throw new RangeError(`Unknown --impl "${impl}"; use ${all.join(",")}`);
  }
  const gpu = await hasWebGpuAdapter();
  let adapter = "none";
  if (gpu) adapter = (await WebGpuBackend.create()).description;
  const impls = wanted.filter((i) => gpu || !i.endsWith("webgpu"));
  if (!gpu && impls.length < wanted.length) {
    console.error("No WebGPU adapter: skipping the webgpu implementations");
  }
  const peak = peakEstimate();
  const log = (line: string) => {
    if (!json) console.log(line);
  };
  log(
    `peak: ${peak.core_simd128_gflops} GFLOP/s measured on one core (f32x4 ` +
      `${peak.relaxed_simd ? "relaxed FMA" : "mul + add"}); nominal ` +
      `${peak.nominal_core_simd128_gflops ?? "?"} per core at 128 bits, ` +
      `${peak.nominal_machine_avx2_gflops ?? "?"} for all ${navigator.hardwareConcurrency} ` +
      `cores with AVX2 (${peak.clock_ghz ?? "?"} GHz)\n`,
  );
  const nets = [[8, 64, 64, 4], [8, 256, 256, 4]];
  const batches = quick ? [64, 1024] : [64, 1024, 16384];
  const results: KernelBenchResult[] = [];
  for (const sizes of nets) {
    for (const batch of batches) {
      for (const impl of impls) {
        try {
          const r = await measure(impl, sizes, batch, budget, peak.core_simd128_gflops);
          results.push(r);
          const pct = r.pct_of_core_peak === null
            ? ""
            : `  ${r.pct_of_core_peak.toFixed(1).padStart(5)} % of core peak`;
          log(
            `${r.impl.padEnd(13)} ${r.net.padEnd(12)} batch ${String(r.batch).padStart(5)}  ` +
              `${String(r.samples_per_s).padStart(9)} samples/s  ${
                r.gflops.toFixed(3).padStart(7)
              } GFLOP/s  ${r.ms_per_step.toFixed(2).padStart(9)} ms/step (${r.steps} steps)${pct}`,
          );
        } catch (e) {
          if (e instanceof GpuDeviceError) throw e;
          console.error(`${impl} ${sizes.join("-")} batch ${batch} failed: ${e}`);
        }
      }
    }
  }
  log("");
  const backends: Backend[] = [new CpuBackend()];
  if (gpu && impls.includes("eagle-webgpu")) backends.push(await WebGpuBackend.create());
  const learners: LearnerBenchResult[] = [];
  for (const workload of LEARNER_WORKLOADS) {
    for (const backend of backends) {
      const figure = await measureWorkload(backend, workload, budget * 1000);
      const r = { workload: describeWorkload(workload), ...figure };
      learners.push(r);
      log(
        `learner ${r.backend.padEnd(7)} ${r.workload}: ` +
          (r.error ?? `${r.stepsPerSecond.toLocaleString("en")} gradient steps/s ` +
              `(${r.msPerStep} ms each, ${r.steps} timed)`),
      );
    }
  }
  const report = { machine: await machine(), adapter, peak, results, learners };
  if (json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(
      `\n${report.machine.cpu}, ${report.machine.cores} cores, Deno ${report.machine.deno}`,
    );
    console.log(`adapter: ${adapter}`);
  }
}

if (import.meta.main) await main(Deno.args);
