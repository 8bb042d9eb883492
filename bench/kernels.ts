/**
 * Training-step throughput of the kernels: a full supervised step (forward, MSE loss, backward,
 * Adam) of 8-64-64-4 and 8-256-256-4 ReLU MLPs at batch 64, 1024 and 16384, for Eagle's WebGPU
 * and CPU backends and for TensorFlow.js (cpu and webgpu backends, on the same adapter).
 *
 * Eagle's WebGPU steps are timed the way learners run them: `n` steps recorded behind ONE
 * readback (`WebGpuMlp.trainRegression`), reported per step. TensorFlow.js steps are queued the
 * same way and synchronised once at the end. Usage:
 *
 * ```sh
 * deno task bench kernels [--json] [--quick] [--impl eagle-webgpu,tfjs-cpu] [--budget 1.5]
 * ```
 * @module
 */

import os from "node:os";
import { Rng } from "../core/rng.ts";
import { CpuBackend } from "../kernels/cpu/backend.ts";
import { GpuDeviceError, hasWebGpuAdapter } from "../kernels/device.ts";
import { initMlpParams } from "../kernels/init.ts";
import type { MlpSpec } from "../kernels/types.ts";
import { WebGpuBackend } from "../kernels/webgpu/backend.ts";
import type { WebGpuMlp } from "../kernels/webgpu/mlp.ts";

/** An implementation under test. */
export type Impl = "eagle-webgpu" | "eagle-cpu" | "tfjs-cpu" | "tfjs-webgpu";

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

type Tf = typeof import("@tensorflow/tfjs");
type TfTensor = import("@tensorflow/tfjs").Tensor;
let tfPromise: Promise<Tf> | null = null;

/** TensorFlow.js with its WebGPU backend registered (loaded only when a tfjs impl runs). */
function loadTf(): Promise<Tf> {
  tfPromise ??= (async () => {
    // Pinned here, and loaded lazily so the Eagle-only runs need no download; move them to
    // deno.json "imports" (bare specifiers) if the lint rule should hold for bench/ too.
    const tf = await import("@tensorflow/tfjs");
    await import("@tensorflow/tfjs-backend-webgpu");
    // Silences the "running in Node.js" banner, which would corrupt --json output.
    tf.env().set("IS_TEST", true);
    return tf;
  })();
  return tfPromise;
}

async function tfjs(backend: "cpu" | "webgpu", spec: MlpSpec, batch: number): Promise<Trainer> {
  const tf = await loadTf();
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} unavailable`);
  await tf.ready();
  const { x: xs, y: ys } = data(spec.sizes, batch, 1);
  const sizes = spec.sizes;
  const model = tf.sequential();
  for (let l = 1; l < sizes.length; l++) {
    model.add(tf.layers.dense({
      inputShape: l === 1 ? [sizes[0]] : undefined,
      units: sizes[l],
      activation: l === sizes.length - 1 ? "linear" : "relu",
    }));
  }
  const optimizer = tf.train.adam(ADAM.learningRate);
  const x = tf.tensor2d(xs, [batch, sizes[0]]);
  const y = tf.tensor2d(ys, [batch, sizes[sizes.length - 1]]);
  const step = () =>
    optimizer.minimize(
      () =>
        tf.losses.meanSquaredError(
          y,
          model.apply(x) as import("@tensorflow/tfjs").Tensor,
        ),
      true,
    );
  return {
    run: async (n) => {
      let loss = null;
      for (let s = 0; s < n; s++) {
        loss?.dispose();
        loss = step();
      }
      await loss?.data(); // SYNC: one per run
      loss?.dispose();
    },
    dispose: () => {
      x.dispose();
      y.dispose();
      model.dispose();
      optimizer.dispose();
    },
  };
}

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
): Promise<KernelBenchResult> {
  const spec: MlpSpec = { sizes, hidden: "relu" };
  const trainer = impl === "eagle-webgpu"
    ? await eagleWebGpu(spec, batch)
    : impl === "eagle-cpu"
    ? await eagleCpu(spec, batch)
    : await tfjs(impl === "tfjs-cpu" ? "cpu" : "webgpu", spec, batch);
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
    return {
      impl,
      net: sizes.join("-"),
      batch,
      samples_per_s: Math.round((steps * batch) / seconds),
      gflops: Number(((steps * batch * flopsPerSample(sizes)) / seconds / 1e9).toFixed(3)),
      ms_per_step: Number(((seconds * 1000) / steps).toFixed(3)),
      steps,
    };
  } finally {
    trainer.dispose();
  }
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

/** Runs the benchmark (`deno task bench kernels [--json] [--quick] [--impl a,b] [--budget s]`). */
export async function main(args: string[]): Promise<void> {
  const json = args.includes("--json");
  const quick = args.includes("--quick");
  const budget = Number(flag(args, "--budget") ?? (quick ? 0.3 : 1.5));
  const all: Impl[] = ["eagle-webgpu", "eagle-cpu", "tfjs-cpu", "tfjs-webgpu"];
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
  const nets = [[8, 64, 64, 4], [8, 256, 256, 4]];
  const batches = quick ? [64, 1024] : [64, 1024, 16384];
  const results: KernelBenchResult[] = [];
  for (const sizes of nets) {
    for (const batch of batches) {
      for (const impl of impls) {
        try {
          const r = await measure(impl, sizes, batch, budget);
          results.push(r);
          if (!json) {
            console.log(
              `${r.impl.padEnd(13)} ${r.net.padEnd(12)} batch ${String(r.batch).padStart(5)}  ` +
                `${String(r.samples_per_s).padStart(9)} samples/s  ${
                  r.gflops.toFixed(3).padStart(7)
                } GFLOP/s  ${r.ms_per_step.toFixed(2).padStart(9)} ms/step (${r.steps} steps)`,
            );
          }
        } catch (e) {
          if (e instanceof GpuDeviceError) throw e;
          console.error(`${impl} ${sizes.join("-")} batch ${batch} failed: ${e}`);
        }
      }
    }
  }
  const report = { machine: await machine(), adapter, results };
  if (json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(
      `\n${report.machine.cpu}, ${report.machine.cores} cores, Deno ${report.machine.deno}`,
    );
    console.log(`adapter: ${adapter}`);
  }
}

if (import.meta.main) await main(Deno.args);
