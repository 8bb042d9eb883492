/**
 * Environment throughput: LunarLander-v3 steps per second with random actions (resets
 * included), on each physics backend, for the raw env in this thread ("single") and for vector
 * envs over 1 worker and over all cores ("vector"). `deno task bench env [--json]
 * [--steps N] [--envs N]`.
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
  /** The raw env in this thread, or a vector env over worker threads. */
  mode: "single" | "vector";
  /** Number of envs stepped. */
  envs: number;
  /** Worker threads (0 in single mode). */
  workers: number;
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
function benchSingle(impl: PhysicsBackend, steps: number): EnvBenchResult {
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
  return { impl, mode: "single", envs: 1, workers: 0, steps, steps_per_s: steps / seconds };
}

/** Steps a worker vector env of `envs` LunarLanders over `workers` threads. */
async function benchVector(
  impl: PhysicsBackend,
  envs: number,
  workers: number,
  steps: number,
): Promise<EnvBenchResult> {
  const vec = await WorkerVectorEnv.create("LunarLander-v3", envs, {
    workers,
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
      steps: calls * envs,
      steps_per_s: (calls * envs) / seconds,
    };
  } finally {
    vec.close();
  }
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
  const results: EnvBenchResult[] = [];
  for (const impl of IMPLS) results.push(benchSingle(impl, steps));
  for (const impl of IMPLS) {
    for (const workers of cores > 1 ? [1, cores] : [1]) {
      results.push(await benchVector(impl, envs, workers, steps));
    }
  }
  const report = { machine: machineInfo(), results };
  if (args.includes("--json")) {
    console.log(JSON.stringify(report));
    return;
  }
  const m = report.machine;
  console.log(`${m.cpu}, ${m.cores} cores, Deno ${m.deno}, ${m.os}\n`);
  console.log("impl        mode    envs  workers   steps   steps/s   µs/step");
  for (const r of results) {
    console.log(
      `${r.impl.padEnd(11)} ${r.mode.padEnd(7)} ${String(r.envs).padStart(4)} ${
        String(r.workers).padStart(8)
      } ${String(r.steps).padStart(7)} ${r.steps_per_s.toFixed(0).padStart(9)} ${
        (1e6 / r.steps_per_s).toFixed(1).padStart(9)
      }`,
    );
  }
}
