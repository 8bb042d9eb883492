/**
 * The ranked summary of a sweep, built from its study ({@link StudySnapshot}): plain data for
 * `summary.json` and the dashboard ({@link SweepSummary}), the table printed at the end (the
 * best marked `*** BEST ***`, as in the tutorial) and `summary.md`.
 *
 * Ranking: complete configurations by score (the mean over seeds of each trial's final greedy
 * evaluation return, on the same episode seeds), best first; then pruned ones by their best
 * intermediate value; then those still running or pending; then failed and diverged ones.
 * Only a complete configuration can be best, so a diverged one never ranks first.
 * @module
 */
import type { Hyperparameters } from "../agents/algorithm.ts";
import { fmtCount, fmtTime } from "../core/progress.ts";
import { successRule } from "../envs/registry.ts";
import { type SweepFile, type SweepMode, sweepMode, sweepSearchSpace } from "./sweep_file.ts";
import type { ConfigRow, ConfigState, StoredTrialState, StudySnapshot, TrialRow } from "./study.ts";

/** One trial (configuration × seed) in a summary. */
export interface TrialSummary {
  /** Run folder name, relative to the sweep folder (`<configuration>__s<seed>`). */
  run: string;
  /** Training seed. */
  seed: number;
  /** State in the study. */
  state: StoredTrialState;
  /** Final evaluation mean return (complete trials). */
  score: number | null;
  /** Standard deviation of the final evaluation's returns. */
  scoreStd: number | null;
  /** Final evaluation success rate. */
  successRate: number | null;
  /** Training env steps per second. */
  stepsPerSecond: number | null;
  /** Env steps reached. */
  globalStep: number;
  /** Env steps planned. */
  totalSteps: number;
  /** Best periodic evaluation during training. */
  bestEvalReturn: number | null;
  /** Times claimed (more than 1: resumed or restarted). */
  attempts: number;
  /** Step at which it was pruned. */
  prunedAtStep: number | null;
  /** What went wrong (failed, diverged). */
  error: string | null;
  /** Intermediate values `[global_step, eval/mean_return]` the pruner saw. */
  intermediate: [number, number][];
}

/** One configuration in a summary. */
export interface ConfigurationSummary {
  /** 1-based place in the ranking. */
  rank: number;
  /** Whether it is the sweep's best (rank 1 and complete). */
  best: boolean;
  /** Configuration name. */
  name: string;
  /** `baseline`, `experiment`, `grid` or `search`. */
  kind: string;
  /** One line for people. */
  description: string;
  /** Aggregate state of its trials. */
  state: ConfigState;
  /** Hyperparameters whose values differ from the baseline's. */
  changes: Record<string, unknown>;
  /** Every hyperparameter. */
  hyperparameters: Hyperparameters;
  /** Score over its complete seeds: mean, sample standard deviation (null below 2), range. */
  score: {
    mean: number | null;
    std: number | null;
    min: number | null;
    max: number | null;
    n: number;
  };
  /** Mean success rate over its complete seeds. */
  successRate: number | null;
  /** Mean training steps per second over its trials. */
  stepsPerSecond: number | null;
  /** Why it could not be made (a sampled point failing a cross-key check). */
  error: string | null;
  /** Its trials, by seed order. */
  trials: TrialSummary[];
}

/** A swept hyperparameter, for plots against the score. */
export interface SweptParameter {
  /** Hyperparameter key. */
  key: string;
  /** Axis: `log` for log-distributed searches and for positive values spanning ≥ 100×. */
  scale: "log" | "linear";
  /** Value type. */
  type: "number" | "string" | "boolean" | "list";
}

/** The final run of `--final STEPS`. */
export interface FinalRunSummary {
  /** Run folder path, relative to the sweep folder's parent (`<sweep>__final`). */
  run: string;
  /** The configuration it trains. */
  configuration: string;
  /** Its seed (the best trial's). */
  seed: number;
  /** Env steps. */
  steps: number;
  /** `complete`, `stopped`, `diverged` or `failed`. */
  state: string;
  /** Final evaluation mean return. */
  score: number | null;
  /** Final evaluation success rate. */
  successRate: number | null;
}

/** What `summary.json` holds (format version 1). */
export interface SweepSummary {
  /** Format version. */
  version: 1;
  /** Sweep (and study) name. */
  name: string;
  /** One line for people. */
  description: string;
  /** Algorithm id. */
  algo: string;
  /** Env id. */
  env: string;
  /** How configurations are made. */
  mode: SweepMode;
  /** Env steps per trial (as requested). */
  steps: number;
  /** Seeds per configuration. */
  seeds: number[];
  /** The final evaluation: episodes and first episode seed. */
  evaluation: { episodes: number; seed: number };
  /** Always `maximize` (the score is a mean return). */
  direction: "maximize";
  /** The env's success rule in words. */
  successRule: string;
  /** Search settings (mode `search`). */
  search: { trials: number; sampler: string; pruner: SweepFile["pruner"] } | null;
  /** Where the study lives. */
  storage: { kind: "sqlite" | "postgres"; location: string };
  /** `running` while trials remain, `finished` when all ended, `stopped` when interrupted. */
  state: "running" | "finished" | "stopped";
  /** ISO time the study was created. */
  createdAt: string;
  /** ISO time of this summary. */
  updatedAt: string;
  /** Overall progress. */
  progress: {
    /** Trials planned (a search counts the ones not yet sampled). */
    trials: number;
    /** Trials ended. */
    ended: number;
    /** Trials running. */
    running: number;
    /** Env steps planned. */
    steps: number;
    /** Env steps done (as last reported). */
    stepsDone: number;
    /** Estimated seconds left, from the pace so far (null before any progress). */
    etaSeconds: number | null;
  };
  /** The baseline's hyperparameters (preset + the file's `hyperparameters`). */
  baseline: Hyperparameters;
  /** The swept hyperparameters. */
  parameters: SweptParameter[];
  /** The best configuration and its best trial (promoted to `best/`), or null. */
  best: { configuration: string; run: string; score: number; folder: "best" } | null;
  /** Configurations, ranked. */
  configurations: ConfigurationSummary[];
  /** The `--final` run, when there is one. */
  final: FinalRunSummary | null;
}

function mean(v: readonly number[]): number | null {
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
}

function sampleStd(v: readonly number[]): number | null {
  if (v.length < 2) return null;
  const m = mean(v)!;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function trialSummary(t: TrialRow, totalSteps: number, snap: StudySnapshot): TrialSummary {
  const r = t.result ?? {};
  return {
    run: t.runName,
    seed: t.seed,
    state: t.state,
    score: t.score,
    scoreStd: r.eval?.std_reward ?? null,
    successRate: r.eval?.success_rate ?? null,
    stepsPerSecond: r.stepsPerSecond ?? null,
    globalStep: t.globalStep,
    totalSteps,
    bestEvalReturn: r.bestEvalReturn ?? null,
    attempts: t.attempts,
    prunedAtStep: r.prunedAtStep ?? null,
    error: r.error ?? null,
    intermediate: snap.intermediates.get(t.id) ?? [],
  };
}

const GROUP: Record<ConfigState, number> = {
  complete: 0,
  pruned: 1,
  running: 2,
  pending: 2,
  failed: 3,
  diverged: 4,
};

/** The sort key inside a group: score, or for pruned ones their best intermediate value. */
function groupScore(c: ConfigurationSummary): number {
  if (c.state === "pruned") {
    const best = Math.max(...c.trials.flatMap((t) => t.intermediate.map(([, v]) => v)));
    return Number.isFinite(best) ? best : -Infinity;
  }
  return c.score.mean ?? -Infinity;
}

/** Which hyperparameters the sweep varies, and on what axis to plot them. */
function sweptParameters(file: SweepFile, configs: ConfigurationSummary[]): SweptParameter[] {
  const mode = sweepMode(file);
  const keys = mode === "search"
    ? Object.keys(file.search ?? {})
    : mode === "grid"
    ? Object.keys(file.grid ?? {})
    : [...new Set(configs.flatMap((c) => Object.keys(c.changes)))];
  const space = mode === "search" ? sweepSearchSpace(file) : null;
  return keys.map((key) => {
    const values = configs.map((c) => c.hyperparameters[key]);
    const v0 = values.find((v) => v !== undefined);
    const type = Array.isArray(v0)
      ? "list"
      : typeof v0 === "number"
      ? "number"
      : typeof v0 === "boolean"
      ? "boolean"
      : "string";
    let scale: "log" | "linear" = "linear";
    const kind = space?.[key]?.kind;
    if (kind === "log_uniform" || kind === "int_log") scale = "log";
    else if (!space && type === "number") {
      const nums = values.filter((v): v is number => typeof v === "number");
      const lo = Math.min(...nums), hi = Math.max(...nums);
      if (lo > 0 && hi / lo >= 100) scale = "log";
    }
    return { key, scale, type };
  });
}

/** Options of {@link buildSummary}. */
export interface SummaryOptions {
  /** Where the study lives. */
  storage: { kind: "sqlite" | "postgres"; location: string };
  /** Set when the sweep was interrupted. */
  stopped?: boolean;
  /** The `--final` run. */
  final?: FinalRunSummary | null;
  /** The current time (tests). */
  now?: number;
}

/** Builds the ranked summary of a study. */
export function buildSummary(snap: StudySnapshot, options: SummaryOptions): SweepSummary {
  const file = snap.file;
  const baseline = snap.configs.find((c) => c.kind === "baseline")?.hyperparameters ?? {};
  const configs: ConfigurationSummary[] = snap.configs.map((c: ConfigRow) => {
    const trials = snap.trials
      .filter((t) => t.configId === c.id)
      .sort((a, b) => file.seeds.indexOf(a.seed) - file.seeds.indexOf(b.seed))
      .map((t) => trialSummary(t, c.totalSteps, snap));
    const complete = trials.filter((t) => t.state === "complete" && t.score !== null);
    const scores = complete.map((t) => t.score!);
    const rates = complete.map((t) => t.successRate).filter((v): v is number => v !== null);
    const sps = trials.map((t) => t.stepsPerSecond).filter((v): v is number => v !== null);
    const changes: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(c.hyperparameters)) {
      if (!same(v, baseline[k])) changes[k] = v;
    }
    return {
      rank: 0,
      best: false,
      name: c.name,
      kind: c.kind,
      description: c.description,
      state: c.state,
      changes: c.error ? { ...c.params } : changes,
      hyperparameters: c.hyperparameters,
      score: {
        mean: mean(scores),
        std: sampleStd(scores),
        min: scores.length ? Math.min(...scores) : null,
        max: scores.length ? Math.max(...scores) : null,
        n: scores.length,
      },
      successRate: mean(rates),
      stepsPerSecond: mean(sps),
      error: c.error,
      trials,
    };
  });
  const ordinal = new Map(snap.configs.map((c) => [c.name, c.ordinal]));
  configs.sort((a, b) =>
    GROUP[a.state] - GROUP[b.state] || groupScore(b) - groupScore(a) ||
    ordinal.get(a.name)! - ordinal.get(b.name)!
  );
  configs.forEach((c, i) => c.rank = i + 1);
  const top = configs[0];
  let best: SweepSummary["best"] = null;
  if (top?.state === "complete" && top.score.mean !== null) {
    top.best = true;
    const run = top.trials.reduce((a, b) =>
      (b.score ?? -Infinity) > (a.score ?? -Infinity) ? b : a
    );
    best = { configuration: top.name, run: run.run, score: top.score.mean, folder: "best" };
  }

  const mode = sweepMode(file);
  const unsampled = mode === "search"
    ? Math.max(0, (file.trials ?? 0) - snap.configs.filter((c) => c.kind === "search").length)
    : 0;
  const stepsOf = new Map(snap.configs.map((c) => [c.id, c.totalSteps]));
  const ended = snap.trials.filter((t) => !["waiting", "running"].includes(t.state));
  const steps = snap.trials.reduce((a, t) => a + stepsOf.get(t.configId)!, 0) +
    unsampled * file.seeds.length * file.steps;
  // An ended trial counts all its steps: pruned and failed ones free their share.
  const stepsDone = snap.trials.reduce(
    (a, t) =>
      a +
      (ended.includes(t)
        ? stepsOf.get(t.configId)!
        : Math.min(t.globalStep, stepsOf.get(t.configId)!)),
    0,
  );
  const now = options.now ?? Date.now();
  const elapsed = (now - snap.createdAt) / 1000;
  const etaSeconds = snap.done
    ? 0
    : stepsDone > 0
    ? elapsed * (steps - stepsDone) / stepsDone
    : null;
  return {
    version: 1,
    name: snap.name,
    description: file.description,
    algo: file.algo,
    env: file.env,
    mode,
    steps: file.steps,
    seeds: file.seeds,
    evaluation: file.evaluation,
    direction: "maximize",
    successRule: successRule(file.env),
    search: mode === "search"
      ? { trials: file.trials ?? 0, sampler: file.sampler ?? "tpe", pruner: file.pruner ?? null }
      : null,
    storage: options.storage,
    state: snap.done ? "finished" : options.stopped ? "stopped" : "running",
    createdAt: new Date(snap.createdAt).toISOString(),
    updatedAt: new Date(now).toISOString(),
    progress: {
      trials: snap.trials.length + unsampled * file.seeds.length,
      ended: ended.length,
      running: snap.trials.filter((t) => t.state === "running").length,
      steps,
      stepsDone,
      etaSeconds,
    },
    baseline,
    parameters: sweptParameters(file, configs),
    best,
    configurations: configs,
    final: options.final ?? null,
  };
}

/** A score with 1 decimal from 100 up, else 2; `like` sets the decimals (a spread as its mean). */
function fmtScore(v: number | null, like: number | null = v): string {
  if (v === null) return "–";
  return v.toFixed(Math.abs(like ?? v) >= 100 ? 1 : 2);
}

/** A value for the table: sampled reals to 4 significant digits. */
function fmtValue(v: unknown): string {
  if (typeof v === "number" && !Number.isInteger(v)) return String(Number(v.toPrecision(4)));
  return JSON.stringify(v);
}

function fmtChanges(c: ConfigurationSummary): string {
  const entries = Object.entries(c.changes);
  if (c.kind === "baseline") return "(baseline)";
  return entries.length ? entries.map(([k, v]) => `${k}=${fmtValue(v)}`).join(" ") : "(none)";
}

function fmtState(c: ConfigurationSummary): string {
  const at = c.trials.map((t) => t.prunedAtStep).find((s) => s !== null);
  return c.state === "pruned" && at != null ? `pruned at ${at.toLocaleString("en")}` : c.state;
}

/** The rows of the ranked table: header first. */
function tableRows(s: SweepSummary): string[][] {
  const seeds = s.seeds.length;
  const rows = [[
    "Rank",
    "Configuration",
    seeds > 1 ? `Score (mean ± std, ${seeds} seeds)` : "Score",
    "Success",
    "Steps/s",
    "Status",
    "Changes from baseline",
    "",
  ]];
  for (const c of s.configurations) {
    const sc = c.score;
    const score = sc.mean === null
      ? "–"
      : sc.std === null
      ? fmtScore(sc.mean) + (seeds > 1 ? ` (${sc.n} of ${seeds})` : "")
      : `${fmtScore(sc.mean)} ± ${fmtScore(sc.std, sc.mean)}${
        sc.n < seeds ? ` (${sc.n} of ${seeds})` : ""
      }`;
    rows.push([
      String(c.rank),
      c.name,
      score,
      c.successRate === null ? "–" : `${(c.successRate * 100).toFixed(0)}%`,
      c.stepsPerSecond === null ? "–" : fmtCount(c.stepsPerSecond),
      fmtState(c),
      fmtChanges(c),
      c.best ? "*** BEST ***" : "",
    ]);
  }
  return rows;
}

function heading(s: SweepSummary): string {
  const ev = s.evaluation;
  return `Sweep ${s.name}: ${s.algo} on ${s.env}, ${s.steps.toLocaleString("en")} steps × ` +
    `${s.seeds.length} seed${s.seeds.length > 1 ? "s" : ""}, scored by the mean return of ` +
    `${ev.episodes} greedy episodes (seeds ${ev.seed}..${ev.seed + ev.episodes - 1})`;
}

/** The ranked table as text, for the terminal. */
export function formatSummaryTable(s: SweepSummary): string {
  const rows = tableRows(s);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const right = new Set([0, 3, 4]);
  const lines = rows.map((r) =>
    r.map((cell, i) => right.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))
      .join("  ").trimEnd()
  );
  lines.splice(1, 0, widths.map((w) => "─".repeat(w)).join("  ").trimEnd());
  const out = [heading(s), "", ...lines];
  const failed = s.configurations.filter((c) => c.error || c.trials.some((t) => t.error));
  for (const c of failed) {
    const why = c.error ?? c.trials.find((t) => t.error)?.error;
    out.push(`  ${c.name} ${c.state}: ${why}`);
  }
  if (s.best) {
    out.push("", `Best: ${s.best.configuration} (${s.best.run}), score ${fmtScore(s.best.score)}`);
  }
  if (s.state !== "finished") {
    out.push(
      "",
      `${s.progress.ended} of ${s.progress.trials} trials ended (${s.state}); ETA ${
        fmtTime(s.progress.etaSeconds ?? Infinity)
      }`,
    );
  }
  return out.join("\n");
}

/** The ranked table as Markdown (`summary.md`). */
export function formatSummaryMarkdown(s: SweepSummary): string {
  const rows = tableRows(s);
  const esc = (c: string) => c.replaceAll("|", "\\|");
  const lines = [
    `# ${s.name}`,
    "",
    s.description ? `${s.description}\n\n${heading(s)}.` : `${heading(s)}.`,
    "",
    `| ${rows[0].map(esc).join(" | ")} |`,
    `| ${rows[0].map((_, i) => [0, 3, 4].includes(i) ? "---:" : "---").join(" | ")} |`,
    ...rows.slice(1).map((r) => `| ${r.map((c) => esc(c.replaceAll("*", "\\*"))).join(" | ")} |`),
  ];
  if (s.best) {
    lines.push(
      "",
      `Best: **${s.best.configuration}** (run \`${s.best.run}\`, copied to \`best/\`), score ${
        fmtScore(s.best.score)
      }.`,
    );
  }
  if (s.final) {
    lines.push(
      "",
      `Final run \`${s.final.run}\`: ${s.final.configuration} for ${
        s.final.steps.toLocaleString("en")
      } steps, ${s.final.state}, score ${fmtScore(s.final.score)}.`,
    );
  }
  return lines.join("\n") + "\n";
}
