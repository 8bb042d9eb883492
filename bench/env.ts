/**
 * Environment throughput: LunarLander-v3 steps per second with random actions (resets
 * included), on each physics backend, for the raw env in this thread ("single"), for vector
 * envs over 1 worker, over all cores, and over one worker fewer plus the calling thread
 * ("vector"), and for one single-env process per core at once ("processes": the most this code
 * gets out of the machine's cores, since processes share nothing but the hardware).
 * `deno task bench env [--json] [--steps N] [--envs N]`.
 *
 * This module doubles as the `imports` module of the worker threads: importing it loads
 * box2d-wasm and registers the LunarLander ids when the registry does not have them.
 * @module
 */
import { Rng } from "../core/rng.ts";
import { LunarLander, type LunarLanderOptions } from "../envs/lunar_lander/env.ts";
import type { PhysicsBackend } from "../envs/lunar_lander/physics.ts";
import { listEnvs, register } from "../envs/registry.ts";
import { WorkerVectorEnv } from "../envs/worker_vector.ts";

/** One measurement. */
export interface EnvBenchResult {
  /** Physics backend. */
  impl: PhysicsBackend;
  /** The raw env in this thread, a vector env over worker threads, or one process per core. */
  mode: "single" | "vector" | "processes";
  /** Number of envs stepped. */
  envs: number;
  /** Worker threads (0 in single mode; the processes in processes mode). */
  workers: number;
  /** Whether the calling thread stepped a share of a vector env too (`stepInCaller`). */
  inCaller: boolean;
  /** Env steps measured (summed over envs). */
  steps: number;
  /** Env steps per second of wall-clock time. */
  steps_per_s: number;
}

/** The machine the figures come from. */
export interface MachineInfo {
  /** CPU model name. */
  cpu: string;
  /** Logical cores. */
  cores: number;
  /** Deno version. */
  deno: string;
  /** Operating system and kernel release. */
  os: string;
}

const IMPLS: readonly PhysicsBackend[] = ["planck", "box2d-wasm"];

await LunarLander.loadBox2dWasm();
if (!listEnvs().some((s) => s.id === "LunarLander-v3")) {
  register({
    id: "LunarLander-v3",
    maxEpisodeSteps: 1000,
    rewardThreshold: 200,
    optionNames: ["gravity", "enableWind", "windPower", "turbulencePower", "physics"],
    description: "Land a rocket on a pad (discrete, Box2D physics)",
    actionNames: ["noop", "left", "main", "right"],
    create: (o) => new LunarLander(o as LunarLanderOptions),
  });
}

/** Steps one raw env for `steps` steps with uniform random actions, resetting as needed. */
export function benchSingle(impl: PhysicsBackend, steps: number): EnvBenchResult {
  const env = new LunarLander({ physics: impl });
  const policy = new Rng(1);
  const run = (n: number) => {
    env.reset({ seed: 0 });
    let length = 0;
    for (let t = 0; t < n; t++) {
      const r = env.step(policy.integers(0, 4));
      if (r.terminated || ++length === 1000) {
        env.reset();
        length = 0;
      }
    }
  };
  run(Math.min(steps, 5000)); // warm up the JIT
  const t0 = performance.now();
  run(steps);
  const seconds = (performance.now() - t0) / 1000;
  env.close();
  return {
    impl,
    mode: "single",
    envs: 1,
    workers: 0,
    inCaller: false,
    steps,
    steps_per_s: steps / seconds,
  };
}

/** Steps a worker vector env of `envs` LunarLanders over `workers` threads. */
async function benchVector(
  impl: PhysicsBackend,
  envs: number,
  workers: number,
  inCaller: boolean,
  steps: number,
): Promise<EnvBenchResult> {
  const vec = await WorkerVectorEnv.create("LunarLander-v3", envs, {
    workers,
    stepInCaller: inCaller,
    options: { physics: impl },
    autoreset: "same-step",
    imports: [import.meta.url],
  });
  try {
    const policy = new Rng(2);
    const actions = new Int32Array(envs);
    const run = (calls: number) => {
      for (let c = 0; c < calls; c++) {
        for (let i = 0; i < envs; i++) actions[i] = policy.integers(0, 4);
        vec.step(actions);
      }
    };
    vec.reset({ seed: 0 });
    run(Math.ceil(Math.min(steps, 5000) / envs));
    const calls = Math.ceil(steps / envs);
    const t0 = performance.now();
    run(calls);
    const seconds = (performance.now() - t0) / 1000;
    return {
      impl,
      mode: "vector",
      envs,
      workers,
      inCaller,
      steps: calls * envs,
      steps_per_s: (calls * envs) / seconds,
    };
  } finally {
    vec.close();
  }
}

/**
 * Runs `processes` single-env benchmarks at once, each in its own process (this module with
 * `--single IMPL`), and sums their steps/s.
 */
async function benchProcesses(
  impl: PhysicsBackend,
  processes: number,
  steps: number,
): Promise<EnvBenchResult> {
  const args = [
    "run",
    "-A",
    import.meta.filename!,
    "--single",
    impl,
    "--steps",
    String(steps),
  ];
  const outputs = await Promise.all(
    Array.from({ length: processes }, () => new Deno.Command(Deno.execPath(), { args }).output()),
  );
  const rates = outputs.map((o) => {
    if (!o.success) {
      throw new Error(`A benchmark process failed: ${new TextDecoder().decode(o.stderr)}`);
    }
    return (JSON.parse(new TextDecoder().decode(o.stdout)) as EnvBenchResult).steps_per_s;
  });
  return {
    impl,
    mode: "processes",
    envs: processes,
    workers: processes,
    inCaller: false,
    steps: steps * processes,
    steps_per_s: rates.reduce((a, b) => a + b, 0),
  };
}

/** What this machine is. */
export function machineInfo(): MachineInfo {
  let cpu = "unknown";
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    cpu = /^model name\s*:\s*(.+)$/m.exec(info)?.[1] ?? cpu;
  } catch {
    // Not Linux, or no read permission: leave the model unknown.
  }
  return {
    cpu,
    cores: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
    os: `${Deno.build.os} ${Deno.osRelease()}`,
  };
}

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${args[i + 1]}`);
  }
  return v;
}

/** Runs the benchmark; prints JSON with `--json`, else a table. */
export async function main(args: string[]): Promise<void> {
  const steps = flag(args, "--steps", 30000);
  const cores = navigator.hardwareConcurrency;
  const envs = flag(args, "--envs", 4 * cores);
  const single = args.indexOf("--single");
  if (single >= 0) {
    const impl = args[single + 1] as PhysicsBackend;
    if (!IMPLS.includes(impl)) throw new RangeError(`--single takes ${IMPLS.join(" or ")}`);
    console.log(JSON.stringify(benchSingle(impl, steps)));
    return;
  }
  const results: EnvBenchResult[] = [];
  for (const impl of IMPLS) results.push(benchSingle(impl, steps));
  for (const impl of IMPLS) {
    const layouts: [number, boolean][] = cores > 1
      ? [[1, false], [cores, false], [cores - 1, true]]
      : [[1, false]];
    for (const [workers, inCaller] of layouts) {
      results.push(await benchVector(impl, envs, workers, inCaller, steps));
    }
    if (cores > 1) results.push(await benchProcesses(impl, cores, steps));
  }
  const report = { machine: machineInfo(), results };
  if (args.includes("--json")) {
    console.log(JSON.stringify(report));
    return;
  }
  const m = report.machine;
  console.log(`${m.cpu}, ${m.cores} cores, Deno ${m.deno}, ${m.os}\n`);
  console.log("impl        mode       envs  threads           steps   steps/s   × single");
  for (const r of results) {
    const base = results.find((b) => b.impl === r.impl && b.mode === "single")!;
    const threads = r.mode === "single"
      ? "1"
      : r.mode === "processes"
      ? `${r.workers} processes`
      : `${r.workers} worker${r.workers > 1 ? "s" : ""}${r.inCaller ? " + caller" : ""}`;
    console.log(
      `${r.impl.padEnd(11)} ${r.mode.padEnd(10)} ${String(r.envs).padStart(4)}  ${
        threads.padEnd(16)
      } ${String(r.steps).padStart(7)} ${r.steps_per_s.toFixed(0).padStart(9)} ${
        (r.steps_per_s / base.steps_per_s).toFixed(2).padStart(9)
      }`,
    );
  }
}

// Run directly by benchProcesses (`--single IMPL`).
if (import.meta.main) await main(Deno.args);
