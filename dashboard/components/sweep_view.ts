/**
 * What the sweep pages show of a sweep, as plain data shared by the server (which renders the
 * first page) and the `sweep` island (which re-renders it as the sweep runs): the view's type
 * ({@link SweepView}, the answer of `/sweeps/:name/data.json`), the ranked table as cells
 * ({@link sweepTable}) and the headline figures ({@link sweepFigures}). No DOM and no JSX here,
 * so both sides draw the same table from the same cells.
 * @module
 */
import type { ConfigurationSummary, SweepSummary, TrialSummary } from "../../sweeps/summary.ts";
import { fmtCount, fmtTime } from "../../core/progress.ts";
import { ago, fmt } from "./format.ts";

/** Where a sweep's figures come from: its folder's `summary.json`, or the study's database. */
export type SweepSource = "folder" | "database";

/** A sweep's state as the pages show it (`starting`: no summary written yet). */
export type SweepState = SweepSummary["state"] | "starting";

/** One sweep of the sweeps list. */
export interface SweepEntry {
  /** Sweep (and study) name; also its folder's name in the runs folder. */
  name: string;
  /** Where the figures come from. */
  source: SweepSource;
  /** Algorithm id. */
  algo: string;
  /** Env id. */
  env: string;
  /** One line for people. */
  description: string;
  /** `summary.state`, or `starting` before the first summary. */
  state: SweepState;
  /** A `running` sweep whose summary has not changed for {@link SWEEP_STALE_MS}. */
  stale: boolean;
  /** The ranked summary, or null before the first one. */
  summary: SweepSummary | null;
}

/** The sweep page's data (`/sweeps/:name/data.json`). */
export interface SweepView extends SweepEntry {
  /** The env's reward threshold (a line on the curves), if it has one. */
  threshold: number | null;
  /**
   * Run id of each trial's run folder, by the trial's run name (`<config>__s<seed>`); null
   * where the folder is not on this machine (a trial another machine ran).
   */
  trialRuns: Record<string, string | null>;
  /** Run id of the sweep's `best/` copy, when it exists here. */
  bestRun: string | null;
  /** Run id of the `--final` run, when it exists here. */
  finalRun: string | null;
}

/** A sweep rewrites its summary every 2 s: a `running` one silent this long has likely died. */
export const SWEEP_STALE_MS = 60_000;

/** The run page of run `id` (ids of trials hold a slash, which the link encodes). */
export function runHref(id: string): string {
  return `/runs/${encodeURIComponent(id)}`;
}

/** The sweep page of sweep `name`. */
export function sweepHref(name: string): string {
  return `/sweeps/${encodeURIComponent(name)}`;
}

/** A score as the terminal table prints it: 1 decimal from 100 up, else 2 (`like` decides). */
export function fmtScore(v: number | null, like: number | null = v): string {
  if (v === null) return "—";
  return fmt(v, Math.abs(like ?? v) >= 100 ? 1 : 2);
}

/** A hyperparameter value: reals to 4 significant digits, lists and strings as JSON. */
export function fmtValue(v: unknown): string {
  if (typeof v === "number") {
    return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  }
  if (typeof v === "string") return v;
  return JSON.stringify(v) ?? String(v);
}

/** One piece of a table cell: text, optionally a link, with a CSS class and a tooltip. */
export interface CellPart {
  /** Text shown. */
  text: string;
  /** Link target. */
  href?: string;
  /** CSS class. */
  class?: string;
  /** Tooltip. */
  title?: string;
  /** No space before it (a closing parenthesis). */
  glue?: boolean;
}

/** One table cell. */
export interface Cell {
  /** Its pieces, in order. */
  parts: CellPart[];
  /** Sort key (null sorts last either way). */
  sort: number | string | null;
}

/** One column of the ranked table. */
export interface Column {
  /** Stable key (`data-col`). */
  key: string;
  /** Header text. */
  label: string;
  /** Right-aligned numbers. */
  numeric: boolean;
  /** Whether clicking the header sorts by it. */
  sortable: boolean;
  /** Header tooltip. */
  title?: string;
}

/** One row (a configuration) of the ranked table. */
export interface Row {
  /** Configuration name. */
  key: string;
  /** Whether it is the sweep's best. */
  best: boolean;
  /** Configuration state (a CSS hook). */
  state: string;
  /** Cells, one per column. */
  cells: Cell[];
}

/** States in ranking order: complete first, failed and diverged last. */
const STATE_ORDER: Record<string, number> = {
  complete: 0,
  pruned: 1,
  running: 2,
  pending: 3,
  failed: 4,
  diverged: 5,
};

/** The columns of the ranked table for `summary`. */
export function sweepColumns(summary: SweepSummary): Column[] {
  const seeds = summary.seeds.length;
  return [
    { key: "rank", label: "Rank", numeric: true, sortable: true },
    { key: "name", label: "Configuration", numeric: false, sortable: true },
    {
      key: "changes",
      label: "Changes from baseline",
      numeric: false,
      sortable: true,
      title: "Hyperparameters whose values differ from the baseline's",
    },
    {
      key: "score",
      label: seeds > 1 ? `Score (mean ± std, ${seeds} seeds)` : "Score",
      numeric: true,
      sortable: true,
      title: `Mean return of ${summary.evaluation.episodes} greedy episodes (seeds ` +
        `${summary.evaluation.seed}..${
          summary.evaluation.seed + summary.evaluation.episodes - 1
        }), averaged over the seeds`,
    },
    {
      key: "success",
      label: "Success",
      numeric: true,
      sortable: true,
      title: `Episodes meeting the success rule (${summary.successRule})`,
    },
    { key: "sps", label: "Steps/s", numeric: true, sortable: true },
    { key: "status", label: "Status", numeric: false, sortable: true },
    {
      key: "trials",
      label: seeds > 1 ? "Trials (by seed)" : "Trial",
      numeric: false,
      sortable: false,
      title: "Each seed's run folder",
    },
  ];
}

function changesCell(c: ConfigurationSummary): Cell {
  if (c.kind === "baseline") return { parts: [{ text: "baseline", class: "muted" }], sort: "" };
  const entries = Object.entries(c.changes);
  if (entries.length === 0) return { parts: [{ text: "(none)", class: "muted" }], sort: "" };
  const parts = entries.map(([k, v]) => ({ text: `${k} = ${fmtValue(v)}`, class: "chip" }));
  return { parts, sort: parts.map((p) => p.text).join(" ") };
}

/** The best periodic evaluation of a configuration's trials (what a pruned one is ranked by). */
function bestIntermediate(c: ConfigurationSummary): number | null {
  const values = c.trials.flatMap((t) => t.intermediate.map(([, v]) => v));
  return values.length ? Math.max(...values) : null;
}

function scoreCell(c: ConfigurationSummary, seeds: number): Cell {
  const s = c.score;
  if (s.mean === null) {
    const early = c.state === "pruned" ? bestIntermediate(c) : null;
    if (early === null) return { parts: [{ text: "—", class: "muted" }], sort: null };
    return {
      parts: [{
        text: `≤ ${fmtScore(early)}`,
        class: "muted",
        title: "Pruned: its best periodic evaluation before it stopped",
      }],
      sort: early - 1e9, // below every complete score
    };
  }
  const parts: CellPart[] = [{
    text: s.std === null ? fmtScore(s.mean) : `${fmtScore(s.mean)} ± ${fmtScore(s.std, s.mean)}`,
    class: "score",
    title: s.n > 1 ? `min ${fmtScore(s.min)}, max ${fmtScore(s.max)}` : undefined,
  }];
  if (s.n < seeds) parts.push({ text: `${s.n} of ${seeds}`, class: "muted small" });
  return { parts, sort: s.mean };
}

function statusCell(c: ConfigurationSummary): Cell {
  const at = c.trials.map((t) => t.prunedAtStep).find((s) => s !== null);
  const why = c.error ?? c.trials.find((t) => t.error)?.error ?? undefined;
  const running = c.trials.filter((t) => t.state === "running");
  let text: string = c.state;
  if (c.state === "pruned" && at != null) text = `pruned at ${fmtCount(at)}`;
  if (c.state === "running" && running.length) {
    const done = running.reduce((a, t) => a + t.globalStep, 0);
    const total = running.reduce((a, t) => a + t.totalSteps, 0);
    if (total > 0) text = `running ${Math.floor((done / total) * 100)}%`;
  }
  const parts: CellPart[] = [{ text, class: `badge state-${c.state}`, title: why }];
  if (why) parts.push({ text: why, class: "error-text small", title: why });
  return { parts, sort: STATE_ORDER[c.state] ?? 9 };
}

function trialPart(view: SweepView, t: TrialSummary, single: boolean): CellPart {
  const id = view.trialRuns[t.run] ?? null;
  const figure = t.score !== null
    ? fmtScore(t.score)
    : t.state === "running" && t.totalSteps > 0
    ? `${Math.floor((t.globalStep / t.totalSteps) * 100)}%`
    : t.state;
  const attempts = t.attempts > 1 ? `, ${t.attempts} attempts` : "";
  return {
    text: single ? t.run : `s${t.seed} · ${figure}`,
    href: id === null ? undefined : runHref(id),
    class: `trial state-${t.state}`,
    title: `${t.run}: ${t.state}${t.score !== null ? `, score ${fmtScore(t.score)}` : ""}` +
      `, step ${fmtCount(t.globalStep)} of ${fmtCount(t.totalSteps)}${attempts}` +
      (id === null ? " (its run folder is not on this machine)" : ""),
  };
}

/** The ranked table: columns, and one row per configuration in ranking order. */
export function sweepTable(view: SweepView): { columns: Column[]; rows: Row[] } {
  const summary = view.summary;
  if (!summary) return { columns: [], rows: [] };
  const seeds = summary.seeds.length;
  const rows = summary.configurations.map((c): Row => {
    const name: CellPart[] = [{ text: c.name, class: "config", title: c.description }];
    if (c.best) name.push({ text: "BEST", class: "badge best", title: "*** BEST ***" });
    return {
      key: c.name,
      best: c.best,
      state: c.state,
      cells: [
        { parts: [{ text: String(c.rank) }], sort: c.rank },
        { parts: name, sort: c.name },
        changesCell(c),
        scoreCell(c, seeds),
        {
          parts: [{ text: c.successRate === null ? "—" : `${(c.successRate * 100).toFixed(0)}%` }],
          sort: c.successRate,
        },
        {
          parts: [{ text: c.stepsPerSecond === null ? "—" : fmtCount(c.stepsPerSecond) }],
          sort: c.stepsPerSecond,
        },
        statusCell(c),
        { parts: c.trials.map((t) => trialPart(view, t, seeds === 1)), sort: null },
      ],
    };
  });
  return { columns: sweepColumns(summary), rows };
}

/** Sorts rows by column `col` (nulls last either way); ties keep the ranking. */
export function sortRows(rows: readonly Row[], col: number, dir: "asc" | "desc"): Row[] {
  return rows.map((r, i) => ({ r, i })).sort((a, b) => {
    const x = a.r.cells[col]?.sort ?? null, y = b.r.cells[col]?.sort ?? null;
    if (x === null || y === null) return x === y ? a.i - b.i : x === null ? 1 : -1;
    const c = typeof x === "number" && typeof y === "number"
      ? x - y
      : String(x).localeCompare(String(y));
    return (dir === "asc" ? c : -c) || a.i - b.i;
  }).map(({ r }) => r);
}

/** The headline figures, by `data-kpi` / `data-live` key. */
export interface SweepFigures {
  /** `3 / 6`. */
  trials: string;
  /** Trials running now, in words. */
  running: string;
  /** Best score, or —. */
  best: string;
  /** The best configuration's name, or a hint. */
  bestHint: string;
  /** Env steps done of planned. */
  steps: string;
  /** Estimated time left. */
  eta: string;
  /** Fraction of the steps done, 0..1. */
  progress: number;
  /** When the summary was written. */
  updated: string;
}

/** The headline figures of a view (`now` for tests). */
export function sweepFigures(view: SweepEntry, now = Date.now()): SweepFigures {
  const s = view.summary;
  if (!s) {
    return {
      trials: "—",
      running: "waiting for the first summary",
      best: "—",
      bestHint: "no trial has finished",
      steps: "—",
      eta: "—",
      progress: 0,
      updated: "—",
    };
  }
  const p = s.progress;
  return {
    trials: `${p.ended} / ${p.trials}`,
    running: p.running ? `${p.running} running` : s.state === "finished" ? "all ended" : s.state,
    best: s.best ? fmtScore(s.best.score) : "—",
    bestHint: s.best ? s.best.configuration : "no configuration has completed",
    steps: `${fmtCount(p.stepsDone)} / ${fmtCount(p.steps)}`,
    eta: s.state === "finished"
      ? "done"
      : s.state === "stopped" || view.stale
      ? "—"
      : p.etaSeconds === null
      ? "…"
      : fmtTime(p.etaSeconds),
    progress: p.steps > 0 ? Math.min(1, p.stepsDone / p.steps) : 0,
    updated: ago(s.updatedAt, now),
  };
}

/** Why the figures may not move (a stopped or silent sweep), as parts; null when running. */
export function sweepNotice(view: SweepEntry): CellPart[] | null {
  const resume: CellPart = { text: "deno task sweep FILE --resume", class: "code" };
  if (view.stale) {
    return [
      { text: "No news for a while:", class: "strong" },
      {
        text: "the summary says running, but it has not been rewritten for over a minute. " +
          "The sweep may have been killed;",
      },
      resume,
      { text: "continues it." },
    ];
  }
  if (view.state === "stopped") {
    return [
      { text: "Stopped", class: "strong" },
      { text: "before every trial ended;" },
      resume,
      { text: "continues it from the trials' checkpoints." },
    ];
  }
  return null;
}

/** The links under the figures: the best trial and its `best/` copy, the final run, the JSON. */
export function sweepLinks(view: SweepView): CellPart[][] {
  const s = view.summary;
  const out: CellPart[][] = [];
  if (s?.best) {
    const trial = view.trialRuns[s.best.run] ?? null;
    const best: CellPart[] = [
      { text: "Best trial:" },
      { text: s.best.run, href: trial === null ? undefined : runHref(trial), class: "strong" },
    ];
    if (view.bestRun) {
      best.push(
        { text: "(copied to" },
        { text: "best/", href: runHref(view.bestRun) },
        { text: ")", glue: true },
      );
    }
    out.push(best);
  }
  if (s?.final) {
    const f = s.final;
    out.push([
      { text: "Final run:" },
      { text: f.run, href: view.finalRun === null ? undefined : runHref(view.finalRun) },
      {
        text: `(${f.configuration}, ${fmtCount(f.steps)} steps, ${f.state}, score ${
          fmtScore(f.score)
        })`,
      },
    ]);
  }
  out.push([{ text: "summary JSON", href: `${sweepHref(view.name)}/data.json` }]);
  return out;
}
