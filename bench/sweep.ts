/**
 * `deno task bench sweep [--json] [--steps N]`: the sweep runner's figures.
 *
 * - **Parallel speed-up**: the same 8 short CartPole DQN trials (4 configurations × 2 seeds),
 *   run with `--parallel 1` and then `--parallel 2` in this process, each into a fresh sweep
 *   folder; speed-up = wall time at 1 / wall time at 2 (goal ≥ 1.8 on 2 idle cores).
 * - **Overhead per trial**: a trial process's wall time (spawn to exit) minus its training and
 *   its final evaluation, i.e. process start, module loading, set-up and the worker's polling
 *   (goal < 2 s).
 * - **Samplers**: `compareSamplers()` — TPE against random search on the synthetic objective,
 *   best value after 30 trials, 10 repetitions.
 *
 * Prints one JSON object `{ machine, parallel, overhead, samplers }` (with `--json`, nothing else
 * on stdout).
 * @module
 */
import { type CommandSpec, parseFlags, UsageError } from "../core/cli.ts";
import { VERSION } from "../version.ts";
import { runSweep, type SweepResult } from "../sweeps/runner.ts";
import { compareSamplers } from "../sweeps/sampler_comparison.ts";
import { parseSweepFile } from "../sweeps/sweep_file.ts";

const command: CommandSpec = {
  usage: "deno task bench sweep",
  description: "Sweep runner: parallel speed-up, overhead per trial, TPE vs random.",
  flags: {
    steps: {
      type: "int",
      help: "Env steps per trial (1000..1000000)",
      default: 8000,
      valueName: "N",
    },
    json: { type: "boolean", help: "Print only the JSON object" },
  },
};

/** The benchmark's sweep: 4 configurations × 2 seeds. */
function benchSweep(name: string, steps: number) {
  return parseSweepFile({
    name,
    algo: "dqn",
    env: "CartPole-v1",
    steps,
    seeds: [1, 2],
    device: "cpu",
    hyperparameters: { evalEvery: 2000, evalEpisodes: 2 },
    experiments: {
      lr_high: { learningRate: 1e-2 },
      lr_low: { learningRate: 5e-4 },
      gamma_low: { gamma: 0.9 },
    },
    evaluation: { episodes: 10, seed: 0 },
  }, "bench");
}

function figures(r: SweepResult) {
  const overhead = r.worker.timings.map((t) => t.wallSeconds - t.trainSeconds - t.evalSeconds);
  return {
    wall_s: r.wallSeconds,
    trials: r.worker.timings.length,
    train_s_mean: mean(r.worker.timings.map((t) => t.trainSeconds)),
    eval_s_mean: mean(r.worker.timings.map((t) => t.evalSeconds)),
    overhead_s_mean: mean(overhead),
    overhead_s_max: Math.max(...overhead),
  };
}

function mean(v: number[]): number {
  return v.reduce((a, b) => a + b, 0) / v.length;
}

/** Runs the benchmark. */
export async function main(args: string[]): Promise<void> {
  const parsed = parseFlags(command, args);
  if (!parsed) return;
  const f = parsed.flags;
  const steps = f.steps as number;
  if (steps < 1000 || steps > 1_000_000) {
    throw new UsageError(`--steps must be in [1000, 1000000], got ${steps}`);
  }
  const say = (line: string) => {
    if (!f.json) console.error(line);
  };
  const out = await Deno.makeTempDir({ prefix: "eagle_bench_sweep_" });
  try {
    const runs: Record<string, ReturnType<typeof figures>> = {};
    for (const parallel of [1, 2]) {
      say(`8 CartPole trials of ${steps} steps, --parallel ${parallel} …`);
      const r = await runSweep({
        file: benchSweep(`bench-p${parallel}`, steps),
        out,
        parallel,
        log: () => {},
      });
      if (r.summary.configurations.some((c) => c.state !== "complete")) {
        throw new Error(
          `A benchmark trial did not complete: ${JSON.stringify(r.summary.configurations)}`,
        );
      }
      runs[`parallel_${parallel}`] = figures(r);
      say(`  ${r.wallSeconds.toFixed(1)} s`);
    }
    say("TPE vs random, 30 trials × 10 repetitions …");
    const samplers = compareSamplers({ trials: 30, repetitions: 10 });
    const all = [runs.parallel_1, runs.parallel_2];
    const report = {
      machine: {
        os: Deno.build.os,
        arch: Deno.build.arch,
        cpus: navigator.hardwareConcurrency,
        deno: Deno.version.deno,
        loadavg_at_end: Deno.loadavg(),
        eagle: VERSION,
      },
      parallel: {
        trials: 8,
        steps_per_trial: steps,
        ...runs,
        speedup: runs.parallel_1.wall_s / runs.parallel_2.wall_s,
        goal: 1.8,
      },
      overhead: {
        per_trial_s_mean: mean(all.map((r) => r.overhead_s_mean)),
        per_trial_s_max: Math.max(...all.map((r) => r.overhead_s_max)),
        goal_s: 2,
        note: "trial process wall time − training − final evaluation",
      },
      samplers: {
        trials: samplers.trials,
        repetitions: samplers.repetitions,
        optimum: samplers.optimum,
        tpe_best_mean: samplers.tpe.mean,
        tpe_best_std: samplers.tpe.std,
        random_best_mean: samplers.random.mean,
        random_best_std: samplers.random.std,
        tpe_wins: samplers.tpeWins,
      },
    };
    console.log(JSON.stringify(report, null, f.json ? undefined : 2));
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
}
