/**
 * One sweep trial in its own process: `deno run -A sweeps/trial_process.ts JOB_JSON`. It trains
 * an ordinary run folder through `runTraining` (the lifecycle `train.ts` uses: lock, status,
 * metrics, episodes, TensorBoard, checkpoints, divergence), resuming it when the folder already
 * holds a stopped or killed run, then evaluates it greedily on the sweep's episode seeds and
 * writes `eval.json`, so eval, record, the dashboard and the API work on every trial.
 *
 * It stops resumably (status `stopped`, state saved) on SIGINT, SIGTERM or SIGHUP, however
 * many arrive, and when its standard input closes: the sweep worker holds the other end, so a
 * worker killed with `kill -9` does not leave its trials training on as orphans. The last line
 * of standard output is `TRIAL_RESULT {json}` ({@link TrialOutcome}).
 * @module
 */
import { RunFolder } from "../core/run_folder.ts";
import { readLock, whyStale } from "../core/run_lock.ts";
import { getAlgorithm } from "../agents/algorithms.ts";
import { DivergenceError } from "../agents/divergence.ts";
import { evaluatePolicy } from "../agents/evaluate.ts";
import { createRunFolder, type NewRun, runTraining } from "../agents/training_run.ts";
import type { EvalSummary } from "./study.ts";

/** What the worker asks of a trial process. */
export interface TrialJob {
  /** The run folder (created if missing, resumed if it holds a run). */
  runDir: string;
  /** The run, as `train.ts` would create it. */
  run: NewRun;
  /** The final greedy evaluation: episode i is reset with seed `seed + i`. */
  evaluation: { episodes: number; seed: number };
}

/** How a trial process ended. */
export interface TrialOutcome {
  /** `complete` (trained and evaluated), `stopped` (resumable), `diverged` or `failed`. */
  outcome: "complete" | "stopped" | "diverged" | "failed";
  /** Env steps reached. */
  globalStep: number;
  /** Best periodic evaluation mean return. */
  bestEvalReturn: number | null;
  /** Seconds this process trained. */
  trainSeconds: number;
  /** Seconds the final evaluation took. */
  evalSeconds: number;
  /** Training env steps per second over the whole run (all its sessions). */
  stepsPerSecond: number | null;
  /** The final evaluation (complete only). */
  eval: EvalSummary | null;
  /** What went wrong. */
  error?: string;
}

/** The prefix of the result line on standard output. */
export const RESULT_PREFIX = "TRIAL_RESULT ";

/** Waits until no live process holds the run's lock (a stopping orphan lets go within seconds). */
async function waitForLock(run: RunFolder, signal: AbortSignal): Promise<void> {
  const t0 = performance.now();
  while (!signal.aborted && performance.now() - t0 < 70_000) {
    const held = await readLock(run.path("lock"));
    if (!held || whyStale(held) !== null) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Trains (or resumes) and evaluates the job's run; never throws. */
export async function runTrialJob(job: TrialJob, signal: AbortSignal): Promise<TrialOutcome> {
  const run = new RunFolder(job.runDir);
  const algo = getAlgorithm(job.run.algo);
  let trainSeconds = 0, globalStep = 0, best: number | null = null;
  const stepsPerSecond = async () => {
    const wall = await run.lastWallTime();
    return wall > 0 && globalStep > 0 ? globalStep / wall : null;
  };
  const ended = async (
    outcome: TrialOutcome["outcome"],
    error?: string,
  ): Promise<TrialOutcome> => ({
    outcome,
    globalStep,
    bestEvalReturn: best,
    trainSeconds,
    evalSeconds: 0,
    stepsPerSecond: await stepsPerSecond(),
    eval: null,
    ...(error ? { error } : {}),
  });
  try {
    let config;
    if (await run.isRun()) {
      config = await run.readConfig();
      const status = await run.readStatus();
      globalStep = status?.globalStep ?? 0;
      best = status?.bestEvalReturn ?? null;
      if (status?.state === "diverged") return await ended("diverged", status.error);
      if (status?.state !== "finished") {
        await waitForLock(run, signal);
        if (signal.aborted) return await ended("stopped");
        const r = await runTraining(run, config, { resume: true, quiet: true, signal });
        ({ globalStep, bestEvalReturn: best } = r);
        trainSeconds = r.seconds;
        if (r.stopped) return await ended("stopped");
      }
    } else {
      config = await createRunFolder(run, job.run);
      const r = await runTraining(run, config, { quiet: true, signal });
      ({ globalStep, bestEvalReturn: best } = r);
      trainSeconds = r.seconds;
      if (r.stopped) return await ended("stopped");
    }
    const t0 = performance.now();
    const policy = await algo.loadPolicy(run, config, "best");
    const report = evaluatePolicy(policy, config.env, {
      envOptions: config.envOptions,
      episodes: job.evaluation.episodes,
      seed: job.evaluation.seed,
      algo: config.algo,
    });
    await run.writeEval(report);
    const { per_episode: _, action_counts: __, ...summary } = report;
    return {
      ...(await ended("complete")),
      evalSeconds: (performance.now() - t0) / 1000,
      eval: summary,
    };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof DivergenceError) {
      globalStep = err.step;
      return await ended("diverged", message);
    }
    return await ended("failed", message);
  }
}

/** Runs one trial: `args[0]` is the job as JSON (also `eagle sweep-trial JOB`). */
export async function main(args: string[] = Deno.args): Promise<void> {
  const job = JSON.parse(args[0]) as TrialJob;
  const controller = new AbortController();
  const stop = () => controller.abort();
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) Deno.addSignalListener(sig, stop);
  // The worker never writes to our stdin: end of input means the worker is gone.
  (async () => {
    try {
      for await (const _ of Deno.stdin.readable) { /* nothing is sent */ }
    } catch { /* closed */ }
    stop();
  })();
  const outcome = await runTrialJob(job, controller.signal);
  console.log(RESULT_PREFIX + JSON.stringify(outcome));
  Deno.exit(0);
}

if (import.meta.main) await main();
