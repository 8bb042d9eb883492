/**
 * Running a sweep: workers that claim trials from the study, train each in its own process
 * (`trial_process.ts`, an ordinary run folder per configuration × seed), renew their leases,
 * report intermediate values, prune, and record each trial's end exactly once; and the sweep
 * around them (`deno task sweep`): create or join the study, show the live display, write
 * `summary.json` as it goes, then the ranked table, `summary.md`, the promoted `best/` and the
 * optional `--final` run.
 *
 * Stopping: aborting `signal` (Ctrl-C) sends SIGTERM to every trial process, which saves its
 * state and stops (status `stopped`); the trials go back to the queue, and `--resume` continues
 * them from their checkpoints. Aborting `killSignal` (a second Ctrl-C) kills them at once.
 * @module
 */
import { UsageError } from "../core/cli.ts";
import { RunFolder } from "../core/run_folder.ts";
import type { MetricRecord } from "../core/run_log.ts";
import { getAlgorithm } from "../agents/algorithms.ts";
import type { LiveDisplay, SweepView, TrialView } from "./live_display.ts";
import { type MedianPruner, parseMedianPruner } from "./median_pruner.ts";
import { openSqlDriver, type SqlDriver } from "./sql_driver.ts";
import {
  type StudySnapshot,
  SweepStudy,
  thisWorker,
  type TrialResult,
  type TrialTicket,
  type WorkerId,
} from "./study.ts";
import {
  buildSummary,
  type FinalRunSummary,
  formatSummaryMarkdown,
  formatSummaryTable,
  type SweepSummary,
} from "./summary.ts";
import { finalRunName, SweepFolder } from "./sweep_folder.ts";
import type { SweepFile } from "./sweep_file.ts";
import { RESULT_PREFIX, type TrialJob, type TrialOutcome } from "./trial_process.ts";

const TRIAL_SCRIPT = new URL("./trial_process.ts", import.meta.url);
const DENO_CONFIG = new URL("../deno.json", import.meta.url);

/** The metric the pruner reads: the periodic greedy evaluation's mean return. */
export const INTERMEDIATE_METRIC = "eval/mean_return";

/** How long one trial took, split (the benchmark's overhead figure). */
export interface TrialTiming {
  /** Run folder name. */
  run: string;
  /** Spawn to exit of the trial process. */
  wallSeconds: number;
  /** Training inside it. */
  trainSeconds: number;
  /** Final evaluation inside it. */
  evalSeconds: number;
  /** How it ended. */
  outcome: TrialOutcome["outcome"] | "pruned" | "lost" | "crashed";
}

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  /** The study to work on. */
  study: SweepStudy;
  /** Where the trials' run folders go. */
  folder: SweepFolder;
  /** Trials at once (each its own process). */
  parallel: number;
  /** Lease length in ms (renewed every third of it). */
  leaseMs: number;
  /** Stops claiming and stops the running trials resumably. */
  signal: AbortSignal;
  /** Kills the running trials at once. */
  killSignal?: AbortSignal;
  /** Receives event lines (trial started, ended, pruned). */
  log: (line: string) => void;
  /** Called every poll with the running trials. */
  onTick?: (trials: TrialView[]) => Promise<void> | void;
  /** Milliseconds between polls of the trials' files (default 1,000). */
  pollMs?: number;
  /** This worker (default: this process). */
  worker?: WorkerId;
}

/** What a worker did. */
export interface WorkerReport {
  /** Trials claimed. */
  claimed: number;
  /** Trials this worker ended (complete, pruned, failed, diverged). */
  ended: number;
  /** Trials put back in the queue (stopped). */
  released: number;
  /** Trials whose lease this worker lost to another. */
  lost: number;
  /** Timings of the trial processes. */
  timings: TrialTiming[];
}

/** A trial this worker is running. */
class ActiveTrial {
  readonly ticket: TrialTicket;
  readonly run: RunFolder;
  readonly child: Deno.ChildProcess;
  readonly spawnedAt = performance.now();
  lastRenew = performance.now();
  /** Set once the trial's end no longer belongs to this worker's exit handling. */
  fate: "pruned" | "lost" | null = null;
  view: TrialView;
  readonly reported = new Set<number>();
  readonly outcome: Promise<{ outcome: TrialOutcome | null; stderr: string; wallSeconds: number }>;

  constructor(ticket: TrialTicket, run: RunFolder, job: TrialJob) {
    this.ticket = ticket;
    this.run = run;
    // The compiled `eagle` binary has no `deno run`: it starts trials as its own subcommand.
    const args = Deno.build.standalone ? ["sweep-trial"] : ["run", "-A"];
    if (!Deno.build.standalone) {
      try {
        Deno.statSync(DENO_CONFIG);
        args.push("--config", DENO_CONFIG.pathname);
      } catch { /* used as a package: no config file beside it */ }
      args.push(TRIAL_SCRIPT.pathname);
    }
    args.push(JSON.stringify(job));
    const child = new Deno.Command(Deno.execPath(), {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.child = child;
    // Held open and never written: the trial process stops when it closes (we died).
    const stdin = child.stdin.getWriter();
    this.view = {
      run: ticket.runName,
      phase: "starting",
      step: 0,
      totalSteps: ticket.totalSteps,
      stepsPerSecond: null,
      currentReturn: null,
    };
    this.outcome = (async () => {
      const [stdout, stderr, status] = await Promise.all([
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
        child.status,
      ]);
      await stdin.close().catch(() => {});
      const line = stdout.split("\n").reverse().find((l) => l.startsWith(RESULT_PREFIX));
      const outcome = line ? JSON.parse(line.slice(RESULT_PREFIX.length)) as TrialOutcome : null;
      const tail = stderr.trim().split("\n").slice(-5).join("\n") ||
        `exit code ${status.code}${status.signal ? `, signal ${status.signal}` : ""}`;
      return { outcome, stderr: tail, wallSeconds: (performance.now() - this.spawnedAt) / 1000 };
    })();
  }

  /** Sends a signal if the process still runs. */
  kill(signal: Deno.Signal): void {
    try {
      this.child.kill(signal);
    } catch { /* already exited */ }
  }
}

/** The `[step, value]` pairs of the pruner's metric, in order. */
function intermediates(metrics: readonly MetricRecord[]): [number, number][] {
  return metrics
    .filter((m) => typeof m[INTERMEDIATE_METRIC] === "number")
    .map((m) => [m.global_step, m[INTERMEDIATE_METRIC]]);
}

/**
 * Waits `ms`, or less when `wake()` is called or `signal` aborts; the timer is cleared either
 * way, so a finished sweep does not wait for it to exit.
 */
class Pause {
  #wake: (() => void) | null = null;
  #woken = false;

  /** Waits (see the class); returns at once if `wake()` came since the last wait. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(id);
        signal?.removeEventListener("abort", done);
        this.#wake = null;
        resolve();
      };
      const id = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      this.#wake = done;
    });
  }

  /** Ends the current wait now, or the next one if none is under way. */
  wake(): void {
    if (this.#wake) this.#wake();
    else this.#woken = true;
  }
}

/** Waits `ms`. */
function sleep(ms: number): Promise<void> {
  return new Pause().wait(ms);
}

/**
 * Claims and runs trials of a study until none are left (every trial ended), or until
 * `signal` is aborted. Waits while other workers hold the last trials, since their leases may
 * expire and their trials come back.
 */
export async function runWorker(options: WorkerOptions): Promise<WorkerReport> {
  const { study, folder, parallel, leaseMs, signal, log } = options;
  const worker = options.worker ?? thisWorker();
  const pollMs = options.pollMs ?? 1000;
  const file = study.file;
  const pruner: MedianPruner | null = file.pruner ? parseMedianPruner(file.pruner.median) : null;
  const active = new Map<number, ActiveTrial>();
  const report: WorkerReport = { claimed: 0, ended: 0, released: 0, lost: 0, timings: [] };
  const done: Promise<void>[] = [];
  const pause = new Pause();
  let killed = false;
  const onKill = () => {
    killed = true;
    for (const t of active.values()) t.kill("SIGKILL");
  };
  options.killSignal?.addEventListener("abort", onKill, { once: true });
  const onStop = () => {
    for (const t of active.values()) t.kill("SIGTERM");
  };
  signal.addEventListener("abort", onStop, { once: true });

  /** Reads a trial's files: progress for the display, new intermediate values, pruning. */
  const poll = async (t: ActiveTrial): Promise<void> => {
    const [status, metrics] = await Promise.all([t.run.readStatus(), t.run.readMetrics()]);
    const last = metrics.at(-1);
    const step = Math.max(status?.globalStep ?? 0, last?.global_step ?? 0);
    t.view = {
      ...t.view,
      phase: t.fate || signal.aborted
        ? "stopping"
        : status?.state === "finished"
        ? "evaluating"
        : status?.state === "running"
        ? "training"
        : t.view.phase,
      step,
      stepsPerSecond: last?.["charts/sps"] ?? t.view.stepsPerSecond,
      currentReturn: [...metrics].reverse().find((m) => "charts/episodic_return" in m)?.[
        "charts/episodic_return"
      ] ?? t.view.currentReturn,
    };
    const fresh = intermediates(metrics).filter(([s]) => !t.reported.has(s));
    for (const [s, v] of fresh) {
      await study.report(t.ticket.id, s, v);
      t.reported.add(s);
    }
    if (t.fate) return;
    if (performance.now() - t.lastRenew >= leaseMs / 3) {
      t.lastRenew = performance.now();
      if (!(await study.renew(t.ticket, worker, leaseMs, step))) {
        t.fate = "lost";
        report.lost++;
        log(
          `${t.ticket.runName}: no longer held by this worker (lease lost or pruned); stopping it`,
        );
        t.kill("SIGTERM");
        return;
      }
    }
    if (pruner && fresh.length > 0 && status?.state === "running" && !signal.aborted) {
      const history = await study.prunerHistory();
      const me = history.find((h) => h.id === t.ticket.id);
      if (me && pruner.shouldPrune(me, history, "maximize")) {
        const at = Math.max(...me.intermediate!.map(([s]) => s));
        const result: TrialResult = { bestEvalReturn: status?.bestEvalReturn ?? null };
        if (await study.prune(t.ticket, worker, at, result)) {
          t.fate = "pruned";
          report.ended++;
          log(`✂ ${t.ticket.runName} pruned at step ${at.toLocaleString("en")} (below the median)`);
        } else {
          t.fate = "lost";
          report.lost++;
        }
        t.kill("SIGTERM");
      }
    }
  };

  /** Waits for a trial process and records how it ended. */
  const settle = async (t: ActiveTrial): Promise<void> => {
    const { outcome, stderr, wallSeconds } = await t.outcome;
    await poll(t).catch(() => {}); // the last intermediate values
    active.delete(t.ticket.id);
    const name = t.ticket.runName;
    report.timings.push({
      run: name,
      wallSeconds,
      trainSeconds: outcome?.trainSeconds ?? 0,
      evalSeconds: outcome?.evalSeconds ?? 0,
      outcome: t.fate ?? outcome?.outcome ?? "crashed",
    });
    if (t.fate) return;
    const step = outcome?.globalStep ?? t.view.step;
    if (!outcome || outcome.outcome === "stopped") {
      if (!outcome && !signal.aborted && !killed) {
        // The process died on its own (out of memory, a crash): a failed trial.
        if (await study.finish(t.ticket, worker, "failed", null, { error: stderr }, step)) {
          report.ended++;
          log(`✗ ${name} failed: ${stderr}`);
        }
        return;
      }
      if (await study.release(t.ticket, worker, step)) report.released++;
      log(`■ ${name} stopped at step ${step.toLocaleString("en")} (resumable)`);
      return;
    }
    const result: TrialResult = {
      trainSeconds: outcome.trainSeconds,
      evalSeconds: outcome.evalSeconds,
      wallSeconds,
      stepsPerSecond: outcome.stepsPerSecond,
      bestEvalReturn: outcome.bestEvalReturn,
      ...(outcome.eval ? { eval: outcome.eval } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
    };
    const score = outcome.outcome === "complete" ? outcome.eval!.mean_reward : null;
    if (!(await study.finish(t.ticket, worker, outcome.outcome, score, result, step))) {
      report.lost++;
      log(`${name}: ended, but another worker holds it now; its result is dropped`);
      return;
    }
    report.ended++;
    if (outcome.outcome === "complete") {
      log(`✓ ${name} complete: score ${score!.toFixed(2)} (${outcome.eval!.episodes} episodes)`);
    } else log(`✗ ${name} ${outcome.outcome}: ${outcome.error ?? ""}`);
  };

  const start = (ticket: TrialTicket): void => {
    const run = new RunFolder(folder.runDir(ticket.runName));
    const job: TrialJob = {
      runDir: run.dir,
      run: {
        algo: file.algo,
        env: file.env,
        seed: ticket.seed,
        totalSteps: ticket.totalSteps,
        hyperparameters: ticket.hyperparameters,
        envOptions: file.envOptions,
        device: file.device,
      },
      evaluation: file.evaluation,
    };
    const t = new ActiveTrial(ticket, run, job);
    active.set(ticket.id, t);
    report.claimed++;
    log(
      `▶ ${ticket.runName}${ticket.attempts > 1 ? ` (attempt ${ticket.attempts}: resuming)` : ""}`,
    );
    // A trial that ends frees its slot at once: the loop claims the next one without waiting.
    done.push(settle(t).finally(() => pause.wake()));
  };

  while (true) {
    if (!signal.aborted) {
      while (active.size < parallel) {
        const ticket = await study.claim(worker, leaseMs);
        if (!ticket) break;
        start(ticket);
      }
    }
    if (active.size === 0) {
      if (signal.aborted || (await study.isDone())) break;
    }
    await Promise.all([...active.values()].map((t) => poll(t).catch(() => {})));
    await options.onTick?.([...active.values()].map((t) => t.view));
    // Nothing to claim while other workers hold the last trials: look again every 2 s.
    await pause.wait(active.size === 0 ? 2000 : pollMs, active.size === 0 ? signal : undefined);
  }
  await Promise.all(done);
  signal.removeEventListener("abort", onStop);
  options.killSignal?.removeEventListener("abort", onKill);
  return report;
}

/** Options of {@link runSweep}. */
export interface SweepOptions {
  /** The sweep file (create or join its study); omit to join `studyName` (worker mode). */
  file?: SweepFile;
  /** The study (default: the sweep's name). */
  studyName?: string;
  /** Folder holding sweep folders (default `runs`). */
  out?: string;
  /** Trials at once (default: the number of cores). */
  parallel?: number;
  /** Continue the sweep folder's study (finished trials kept, stopped ones resumed). */
  resume?: boolean;
  /** Storage: a PostgreSQL URL or a SQLite path (default: the sweep folder's `study.sqlite`). */
  storage?: string;
  /** Train the best configuration for this many steps afterwards (`--final`). */
  finalSteps?: number;
  /** Lease length in seconds (default 30). */
  leaseSeconds?: number;
  /** Ctrl-C: stop resumably. */
  signal?: AbortSignal;
  /** Second Ctrl-C: kill at once. */
  killSignal?: AbortSignal;
  /** The live display (null: events only to `log`). */
  display?: LiveDisplay | null;
  /** Where event lines and the final table go (default stderr). */
  log?: (line: string) => void;
  /** Milliseconds between polls (default 1,000). */
  pollMs?: number;
}

/** What {@link runSweep} returns. */
export interface SweepResult {
  /** The final summary (also in `summary.json`). */
  summary: SweepSummary;
  /** The sweep folder. */
  folder: SweepFolder;
  /** Whether it was interrupted before every trial ended. */
  stopped: boolean;
  /** Seconds the call took. */
  wallSeconds: number;
  /** What this process's worker did. */
  worker: WorkerReport;
}

/** A summary of the study as it stands, written to the sweep folder. */
async function writeSummary(
  study: SweepStudy,
  folder: SweepFolder,
  db: SqlDriver,
  extra: { stopped?: boolean; final?: FinalRunSummary | null },
): Promise<{ snap: StudySnapshot; summary: SweepSummary }> {
  const snap = await study.snapshot();
  const summary = buildSummary(snap, {
    storage: { kind: db.kind, location: db.location },
    ...extra,
  });
  await folder.writeSummary(summary);
  return { snap, summary };
}

/**
 * Runs a sweep end to end (see the module documentation): creates or joins the study, works on
 * it until every trial has ended (or `signal` is aborted), writes the summary, prints the
 * ranked table, promotes the best trial to `best/` and trains the `--final` run.
 *
 * @throws {UsageError} If the sweep folder already holds this sweep and neither `resume` nor
 *   `finalSteps` is given, or holds a different sweep file.
 */
export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const t0 = performance.now();
  const log = options.log ?? ((line: string) => console.error(line));
  const display = options.display ?? null;
  const say = (line: string) => display ? display.log(line) : log(line);
  const out = options.out ?? "runs";
  const signal = options.signal ?? new AbortController().signal;
  const parallel = options.parallel ?? navigator.hardwareConcurrency;
  if (!Number.isSafeInteger(parallel) || parallel < 1 || parallel > 1024) {
    throw new UsageError(`--parallel must be an integer in [1, 1024], got ${parallel}`);
  }
  const leaseSeconds = options.leaseSeconds ?? 30;
  if (!(leaseSeconds >= 1 && leaseSeconds <= 86_400)) {
    throw new UsageError(`--lease must be between 1 and 86400 seconds, got ${leaseSeconds}`);
  }

  let db: SqlDriver;
  let study: SweepStudy;
  let folder: SweepFolder;
  if (options.file) {
    const file = options.file;
    folder = SweepFolder.of(out, file.name);
    const existing = await folder.readSweepFile();
    if (existing) {
      if (JSON.stringify(existing) !== JSON.stringify(file)) {
        throw new UsageError(
          `${folder.dir} holds sweep "${file.name}" from a different sweep file; rename the ` +
            `sweep ("name") or remove ${folder.dir}`,
        );
      }
      if (!options.resume && !options.finalSteps && !options.storage) {
        throw new UsageError(
          `${folder.dir} already holds this sweep; pass --resume to continue it ` +
            `(finished trials are kept)`,
        );
      }
    } else await folder.create(file);
    db = await openSqlDriver(options.storage ?? folder.path("storage"));
    study = await SweepStudy.create(db, file, options.studyName ?? file.name);
  } else {
    if (!options.storage || !options.studyName) {
      throw new UsageError("A worker needs --storage URL and --study NAME");
    }
    db = await openSqlDriver(options.storage);
    study = await SweepStudy.open(db, options.studyName);
    folder = SweepFolder.of(out, study.file.name);
    if (!(await folder.isSweep())) await folder.create(study.file);
  }
  try {
    const released = await study.releaseDeadLocal();
    if (released) say(`Resuming ${released} trial(s) whose worker on this host is gone`);

    let lastSummary = 0;
    let view: SweepView | null = null;
    const workerReport = await runWorker({
      study,
      folder,
      parallel,
      leaseMs: leaseSeconds * 1000,
      signal,
      killSignal: options.killSignal,
      log: say,
      pollMs: options.pollMs,
      onTick: async (trials) => {
        // summary.json (and the sweep line) every 2 s; the trial lines at every poll.
        if (performance.now() - lastSummary >= 2000) {
          lastSummary = performance.now();
          const { summary } = await writeSummary(study, folder, db, {});
          view = {
            name: summary.name,
            ended: summary.progress.ended,
            trials: summary.progress.trials,
            stepsDone: summary.progress.stepsDone,
            steps: summary.progress.steps,
            etaSeconds: summary.progress.etaSeconds,
          };
        }
        if (view) display?.update(view, trials);
      },
    });
    display?.finish();
    let { snap, summary } = await writeSummary(study, folder, db, { stopped: signal.aborted });
    const stopped = !snap.done;
    if (summary.best && !stopped) {
      const bestRun = new RunFolder(folder.runDir(summary.best.run));
      if (await bestRun.isRun()) {
        await folder.promote(summary.best.run);
      } else {
        say(
          `The best trial ${summary.best.run} ran on another machine; ${folder.dir}/best not made`,
        );
        summary = { ...summary, best: null };
      }
    }
    let final: FinalRunSummary | null = null;
    if (options.finalSteps && !stopped && summary.best && !signal.aborted) {
      final = await runFinal(study, folder, summary, options.finalSteps, signal, say, display);
      ({ summary } = await writeSummary(study, folder, db, { final }));
    }
    await folder.writeSummaryMarkdown(formatSummaryMarkdown(summary));
    log(formatSummaryTable(summary));
    if (summary.best && !stopped) log(`Best trial copied to ${folder.path("best")}`);
    if (final) {
      log(`Final run ${final.run}: ${final.state}, score ${final.score?.toFixed(2) ?? "–"}`);
    }
    if (stopped) {
      log(
        `Stopped. Resume with: deno task sweep ${
          options.storage ? `--worker --storage URL --study ${study.name}` : "SWEEP.json --resume"
        }`,
      );
    }
    return {
      summary,
      folder,
      stopped,
      wallSeconds: (performance.now() - t0) / 1000,
      worker: workerReport,
    };
  } finally {
    await db.close();
  }
}

/** Trains the best configuration for `steps` steps as its own run beside the sweep folder. */
async function runFinal(
  study: SweepStudy,
  folder: SweepFolder,
  summary: SweepSummary,
  steps: number,
  signal: AbortSignal,
  say: (line: string) => void,
  display: LiveDisplay | null,
): Promise<FinalRunSummary> {
  const file = study.file;
  const best = summary.configurations.find((c) => c.best)!;
  const seed = best.trials.find((t) => t.run === summary.best!.run)!.seed;
  const algo = getAlgorithm(file.algo);
  const plan = algo.stepPlan?.(best.hyperparameters, steps) ?? { steps, note: null };
  const run = new RunFolder(folder.finalDir());
  const job: TrialJob = {
    runDir: run.dir,
    run: {
      algo: file.algo,
      env: file.env,
      seed,
      totalSteps: plan.steps,
      hyperparameters: best.hyperparameters,
      envOptions: file.envOptions,
      device: file.device,
    },
    evaluation: file.evaluation,
  };
  if (await run.isRun()) {
    const config = await run.readConfig();
    if (config.totalSteps !== plan.steps) {
      throw new UsageError(
        `${run.dir} holds a final run of ${config.totalSteps} steps; remove it to train ` +
          `${plan.steps} steps`,
      );
    }
  }
  say(
    `▶ Final run: ${best.name} (seed ${seed}) for ${
      plan.steps.toLocaleString("en")
    } steps → ${run.dir}`,
  );
  const ticket: TrialTicket = {
    id: -1,
    configId: -1,
    configName: best.name,
    kind: "experiment",
    seed,
    runName: finalRunName(file.name),
    hyperparameters: best.hyperparameters,
    totalSteps: plan.steps,
    attempts: 1,
  };
  const t = new ActiveTrial(ticket, run, job);
  const onStop = () => t.kill("SIGTERM");
  signal.addEventListener("abort", onStop, { once: true });
  let ended = false;
  t.outcome.finally(() => ended = true);
  while (!ended) {
    await sleep(1000);
    const status = await run.readStatus();
    if (status) {
      display?.update(
        {
          name: `${file.name} final`,
          ended: 0,
          trials: 1,
          stepsDone: status.globalStep,
          steps: plan.steps,
          etaSeconds: null,
        },
        [{
          ...t.view,
          phase: status.state === "finished" ? "evaluating" : "training",
          step: status.globalStep,
        }],
      );
    }
  }
  display?.finish();
  const { outcome, stderr } = await t.outcome;
  signal.removeEventListener("abort", onStop);
  return {
    run: run.dir.slice(run.dir.lastIndexOf("/") + 1),
    configuration: best.name,
    seed,
    steps: plan.steps,
    state: outcome?.outcome ?? `crashed: ${stderr}`,
    score: outcome?.eval?.mean_reward ?? null,
    successRate: outcome?.eval?.success_rate ?? null,
  };
}
