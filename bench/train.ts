/**
 * `deno task bench train [--json] [--seeds N] [--algos ppo,dqn,ppo-continuous]`: learning
 * quality on LunarLander. For each algorithm and seed it trains with the algorithm's preset
 * (through the same `Algorithm` contract as `train.ts`, into a run folder under `--out`) and
 * records the first periodic evaluation whose mean return reached 200 (`steps_to_200`,
 * `seconds_to_200`, from `metrics.jsonl`), a final greedy evaluation of the run's best
 * checkpoint over `--episodes` episodes (seeds 0, 1, …; default 1,000): mean, std and success
 * over the first 100 (what `deno task eval` reports), episodes cut off by the time limit over
 * all of them; and the total time beside the time one in-process env takes to step as many
 * steps in this run (`x_env_only`, issue 14's goal 1: ≤ 2.5) and the cores the training kept busy
 * on average (`cores_busy`: the process's CPU time, all threads, over the wall time; issue 14's
 * goal 2). Prints one JSON object
 * `{ machine, results }` (with `--json`, nothing else on stdout).
 * @module
 */
import process from "node:process";
import { type CommandSpec, parseFlags, UsageError } from "../core/cli.ts";
import { defaultRunName, RunFolder } from "../core/run_folder.ts";
import { createRunFolder, runTraining } from "../agents/training_run.ts";
import { presetFor } from "../agents/hyperparameters.ts";
import { getAlgorithm } from "../agents/algorithms.ts";
import { evaluatePolicy } from "../agents/evaluate.ts";
import type { DevicePreference } from "../kernels/types.ts";
import { VERSION } from "../version.ts";
import { envSpec } from "../envs/registry.ts";
import { benchSingle } from "./env.ts";

/** The benchmark's algorithm names: an algorithm id on an env. */
const VARIANTS: Record<string, { algo: string; env: string }> = {
  ppo: { algo: "ppo", env: "LunarLander-v3" },
  dqn: { algo: "dqn", env: "LunarLander-v3" },
  a2c: { algo: "a2c", env: "LunarLander-v3" },
  "ppo-continuous": { algo: "ppo", env: "LunarLanderContinuous-v3" },
};

/** One training run's figures. */
export interface TrainBenchResult {
  /** Benchmark algorithm name (e.g. `ppo-continuous`). */
  algo: string;
  /** Env id. */
  env: string;
  /** Seed. */
  seed: number;
  /** Env steps at the first periodic evaluation with mean ≥ 200, or null. */
  steps_to_200: number | null;
  /** Training seconds at that evaluation, or null. */
  seconds_to_200: number | null;
  /** Mean return of the first 100 greedy episodes of the best checkpoint. */
  final_mean_reward: number;
  /** Standard deviation of those returns. */
  final_std_reward: number;
  /** Fraction of those episodes with return ≥ 200. */
  final_success_rate: number;
  /** Greedy episodes evaluated in all. */
  eval_episodes: number;
  /** Of those, the episodes cut off by the env's time limit. */
  eval_truncated: number;
  /** Env steps trained. */
  total_steps: number;
  /** Seconds of training (evaluations during training included, the final one not). */
  total_seconds: number;
  /** Seconds one LunarLander-v3 (planck) in this thread takes to step `total_steps`, measured just before. */
  env_only_seconds: number;
  /** `total_seconds / env_only_seconds`. */
  x_env_only: number;
  /** CPU seconds of the whole process (every thread) during training, per second of it. */
  cores_busy: number;
  /** The run folder. */
  run_dir: string;
}

const command: CommandSpec = {
  usage: "deno task bench train",
  description: "Trains on LunarLander per algorithm and seed and reports steps and seconds to 200.",
  flags: {
    json: { type: "boolean", help: "Print only the JSON object" },
    seeds: { type: "int", help: "Seeds per algorithm (1..N)", default: 1, valueName: "N" },
    algos: {
      type: "string",
      help: `Comma-separated: ${Object.keys(VARIANTS).join(", ")}`,
      default: "ppo,dqn,ppo-continuous",
    },
    steps: { type: "int", help: "Env steps per run (default: the preset)", valueName: "N" },
    episodes: {
      type: "int",
      help: "Final greedy episodes (mean and std over the first 100)",
      default: 1000,
      valueName: "N",
    },
    device: {
      type: "string",
      help: "Where networks learn",
      default: "auto",
      choices: ["auto", "cpu", "webgpu"],
    },
    out: { type: "string", help: "Folder for the run folders", default: "runs/bench" },
    quiet: { type: "boolean", help: "No progress bars" },
  },
};

/** Runs the benchmark with command-line `args`. */
export async function main(args: string[]): Promise<void> {
  const parsed = parseFlags(command, args);
  if (!parsed) return;
  const f = parsed.flags;
  const seeds = f.seeds as number;
  if (seeds < 1) throw new UsageError(`--seeds must be at least 1, got ${seeds}`);
  const episodes = f.episodes as number;
  if (episodes < 100) throw new UsageError(`--episodes must be at least 100, got ${episodes}`);
  const names = (f.algos as string).split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(n in VARIANTS)) {
      throw new UsageError(
        `Unknown benchmark algorithm "${n}"; choose from ${Object.keys(VARIANTS).join(", ")}`,
      );
    }
  }
  const results: TrainBenchResult[] = [];
  for (const name of names) {
    for (let seed = 1; seed <= seeds; seed++) {
      const r = await benchOne(name, seed, f.steps as number | undefined, {
        device: f.device as DevicePreference,
        out: f.out as string,
        quiet: !!f.quiet,
        episodes,
      });
      results.push(r);
      if (!f.json) {
        console.error(
          `${name} seed ${seed}: steps_to_200 ${r.steps_to_200 ?? "–"}, seconds_to_200 ${
            r.seconds_to_200?.toFixed(0) ?? "–"
          }, final ${r.final_mean_reward.toFixed(1)} ± ${r.final_std_reward.toFixed(1)} (success ${
            (r.final_success_rate * 100).toFixed(0)
          }%), truncated ${r.eval_truncated}/${r.eval_episodes}, ${
            r.total_seconds.toFixed(1)
          } s = ${r.x_env_only.toFixed(2)}× env-only (${r.env_only_seconds.toFixed(1)} s), ${
            r.cores_busy.toFixed(2)
          } cores busy`,
        );
      }
    }
  }
  console.log(JSON.stringify({ machine: machine(), results }, null, f.json ? undefined : 2));
}

function machine(): Record<string, unknown> {
  return {
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpus: navigator.hardwareConcurrency,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    loadavg_at_end: Deno.loadavg(),
    eagle: VERSION,
  };
}

async function benchOne(
  name: string,
  seed: number,
  steps: number | undefined,
  opts: { device: DevicePreference; out: string; quiet: boolean; episodes: number },
): Promise<TrainBenchResult> {
  const { algo: algoId, env } = VARIANTS[name];
  const algo = getAlgorithm(algoId);
  const why = algo.unsupported(env);
  if (why) throw new UsageError(`${algoId} cannot train on ${env}: ${why}`);
  const run = new RunFolder(`${opts.out}/${defaultRunName(env, name, seed)}`);
  const hyperparameters = presetFor(algo.schema, env);
  const requested = steps ?? algo.defaultSteps(env);
  const config = await createRunFolder(run, {
    algo: algoId,
    env,
    seed,
    totalSteps: algo.stepPlan?.(hyperparameters, requested).steps ?? requested,
    hyperparameters,
    device: opts.device,
  });
  const envRate = benchSingle("planck", 200_000).steps_per_s;
  const cpuBefore = process.cpuUsage();
  const result = await runTraining(run, config, {
    label: `${name} s${seed}`,
    quiet: opts.quiet,
    log: (line) => console.error(line),
  });
  const cpu = process.cpuUsage(cpuBefore);
  const records = await run.readMetrics();
  const hit = records.find((r) => (r["eval/mean_return"] ?? -Infinity) >= 200);
  const policy = await algo.loadPolicy(run, config, "best");
  const report = evaluatePolicy(policy, env, { episodes: opts.episodes, seed: 0, algo: algoId });
  await run.writeEval(report);
  const first = report.per_episode.slice(0, 100).map((e) => e.reward);
  const mean = first.reduce((a, b) => a + b, 0) / first.length;
  const limit = envSpec(env).maxEpisodeSteps ?? Infinity;
  const envOnly = result.globalStep / envRate;
  return {
    algo: name,
    env,
    seed,
    steps_to_200: hit?.global_step ?? null,
    seconds_to_200: hit?.wall_time ?? null,
    final_mean_reward: mean,
    final_std_reward: Math.sqrt(first.reduce((a, r) => a + (r - mean) ** 2, 0) / first.length),
    final_success_rate: report.per_episode.slice(0, 100).filter((e) => e.success).length /
      first.length,
    eval_episodes: report.per_episode.length,
    eval_truncated: report.per_episode.filter((e) => e.steps >= limit).length,
    total_steps: result.globalStep,
    total_seconds: result.seconds,
    env_only_seconds: envOnly,
    x_env_only: result.seconds / envOnly,
    cores_busy: (cpu.user + cpu.system) / 1e6 / result.seconds,
    run_dir: run.dir,
  };
}
