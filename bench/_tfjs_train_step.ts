/**
 * TensorFlow.js's train step for `bench kernels`, in a process of its own: `bench/kernels.ts`
 * runs it as `deno run -A --no-lock bench/_tfjs_train_step.ts JOB` and reads one JSON line.
 *
 * Why a separate, unlocked process with a computed specifier: TensorFlow.js is a benchmark
 * reference only, and Deno installs every npm package of the project's import map and lockfile
 * on the first run of any script (TF.js pulls in `core-js`, whose ignored build script prints
 * a yellow warning box). Kept out of both, `train.ts` and `deno task test` never download it.
 * @module
 */
import { Rng } from "../core/rng.ts";

/** What the parent asks for. */
export interface TfjsJob {
  /** TF.js backend. */
  backend: "cpu" | "webgpu";
  /** Layer sizes of the ReLU MLP. */
  sizes: number[];
  /** Samples per step. */
  batch: number;
  /** Seconds the timed part should take. */
  budgetS: number;
  /** Adam step size. */
  learningRate: number;
}

/** What the child prints. */
export interface TfjsTiming {
  /** Timed train steps. */
  steps: number;
  /** Seconds they took. */
  seconds: number;
}

/** The TensorFlow.js version measured. */
export const TFJS_VERSION = "4.22.0";

/** The few TensorFlow.js members the benchmark uses. */
interface Tensor {
  dispose(): void;
  data(): Promise<unknown>;
}
interface TfModule {
  env(): { set(flag: string, value: boolean): void };
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  sequential(): { add(layer: unknown): void; apply(x: Tensor): unknown; dispose(): void };
  layers: { dense(o: { inputShape?: number[]; units: number; activation: string }): unknown };
  train: { adam(lr: number): { minimize(f: () => Tensor, ret: boolean): Tensor; dispose(): void } };
  tensor2d(values: Float32Array, shape: [number, number]): Tensor;
  losses: { meanSquaredError(y: Tensor, p: Tensor): Tensor };
}

async function loadTf(): Promise<TfModule> {
  const pkg = "npm:@tensorflow";
  const tf = await import(`${pkg}/tfjs@${TFJS_VERSION}`) as unknown as TfModule;
  await import(`${pkg}/tfjs-backend-webgpu@${TFJS_VERSION}`);
  // Silences the "running in Node.js" banner, which would corrupt the JSON line.
  tf.env().set("IS_TEST", true);
  return tf;
}

/** Times `job`'s train step as `bench/kernels.ts` times Eagle's: warm-up, estimate, run. */
export async function timeTfjs(job: TfjsJob): Promise<TfjsTiming> {
  const tf = await loadTf();
  if (!(await tf.setBackend(job.backend))) {
    throw new Error(`tfjs backend ${job.backend} unavailable`);
  }
  await tf.ready();
  const { sizes, batch } = job;
  const rng = new Rng(1);
  const xs = new Float32Array(batch * sizes[0]).map(() => rng.uniform(-1, 1));
  const ys = new Float32Array(batch * sizes[sizes.length - 1]).map(() => rng.uniform(-1, 1));
  const model = tf.sequential();
  for (let l = 1; l < sizes.length; l++) {
    model.add(tf.layers.dense({
      inputShape: l === 1 ? [sizes[0]] : undefined,
      units: sizes[l],
      activation: l === sizes.length - 1 ? "linear" : "relu",
    }));
  }
  const optimizer = tf.train.adam(job.learningRate);
  const x = tf.tensor2d(xs, [batch, sizes[0]]);
  const y = tf.tensor2d(ys, [batch, sizes[sizes.length - 1]]);
  const run = async (n: number) => {
    let loss: Tensor | null = null;
    for (let s = 0; s < n; s++) {
      loss?.dispose();
      loss = optimizer.minimize(
        () => tf.losses.meanSquaredError(y, model.apply(x) as Tensor),
        true,
      );
    }
    await loss?.data(); // SYNC: one per run
    loss?.dispose();
  };
  try {
    await run(1);
    let t = performance.now();
    await run(2);
    const estimate = (performance.now() - t) / 2000;
    const steps = Math.max(1, Math.min(200, Math.round(job.budgetS / Math.max(estimate, 1e-6))));
    t = performance.now();
    await run(steps);
    return { steps, seconds: (performance.now() - t) / 1000 };
  } finally {
    x.dispose();
    y.dispose();
    model.dispose();
    optimizer.dispose();
  }
}

if (import.meta.main) {
  console.log(JSON.stringify(await timeTfjs(JSON.parse(Deno.args[0]) as TfjsJob)));
}
