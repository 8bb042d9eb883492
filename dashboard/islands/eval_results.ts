/**
 * What the evaluate panel shows of one evaluation: the KPI row (mean reward, spread, win
 * rate, average steps), the reward histogram with the success threshold and the mean, the
 * reward of each episode coloured by success, a wins-vs-losses donut, the steps histogram, the
 * action distribution (each action's mean share of an episode's steps) and, on request, the
 * per-episode table with one share column per action.
 * @module
 */
import type uPlot from "uplot";
import { ago, fmt, pct } from "../components/format.ts";
import {
  BAD,
  chartCard,
  fmt as shortFmt,
  GOOD,
  histogram,
  PALETTE,
  type RefLine,
} from "./charts.ts";
import type { StoredEvaluation } from "./protocol.ts";
import { mountSortable } from "./sortable.ts";

/** What the panel knows about the env. */
export interface EvalContext {
  /** Success threshold line, if any. */
  threshold: number | null;
  /** The success rule in words. */
  successRule: string;
}

/** Replaces the content of `el` with the results of `ev`. */
export function showEvaluation(el: HTMLElement, ev: StoredEvaluation, ctx: EvalContext): void {
  el.replaceChildren();
  const r = ev.report;
  const eps = r.per_episode;
  const wins = eps.filter((e) => e.success).length;

  const kpis = div("kpis");
  kpis.append(
    kpi("mean", "Mean reward", fmt(r.mean_reward), `median ${fmt(r.median_reward)}`),
    kpi(
      "std",
      "Std of reward",
      fmt(r.std_reward),
      `min ${fmt(r.min_reward)} · max ${fmt(r.max_reward)}`,
    ),
    kpi("win", "Win rate", pct(r.success_rate), `${wins} of ${eps.length} · ${ctx.successRule}`),
    kpi("steps", "Average steps", fmt(r.mean_steps, 1), "per episode"),
  );
  if (r.mean_score !== undefined) {
    const best = Math.max(...eps.map((e) => e.score ?? -Infinity));
    kpis.append(kpi("score", "Mean score", fmt(r.mean_score, 2), `best ${fmt(best, 0)}`));
  }
  el.append(kpis);

  const grid = div("chart-grid eval-grid");
  el.append(grid);
  const rewards = eps.map((e) => e.reward);
  const lines: RefLine[] = [{
    value: r.mean_reward,
    label: `mean ${shortFmt(r.mean_reward)}`,
    color: PALETTE[0],
  }];
  if (ctx.threshold !== null) {
    lines.push({ value: ctx.threshold, label: `threshold ${ctx.threshold}`, color: GOOD });
  }
  const [rx, rc] = histogram(rewards);
  chartCard(grid, [rx, rc], [{ label: "episodes", color: PALETTE[4], style: "bars" }], {
    title: "Reward distribution",
    xLabel: "reward",
    vlines: lines,
    yFromZero: true,
  });

  chartCard(
    grid,
    [
      eps.map((e) => e.episode),
      eps.map((e) => (e.success ? e.reward : null)),
      eps.map((e) => (e.success ? null : e.reward)),
    ] as uPlot.AlignedData,
    [
      { label: "win", color: GOOD, style: "points" },
      { label: "loss", color: BAD, style: "points" },
    ],
    {
      title: "Reward per episode",
      xLabel: "episode",
      hlines: ctx.threshold === null
        ? []
        : [{ value: ctx.threshold, label: `threshold ${ctx.threshold}`, color: GOOD }],
    },
  );

  grid.append(card("Wins vs losses", donut(wins, eps.length - wins)));

  const [sx, sc] = histogram(eps.map((e) => e.steps));
  chartCard(grid, [sx, sc], [{ label: "episodes", color: PALETTE[5], style: "bars" }], {
    title: "Episode length distribution",
    xLabel: "steps",
    yFromZero: true,
    vlines: [{ value: r.mean_steps, label: `mean ${r.mean_steps.toFixed(1)}`, color: PALETTE[0] }],
  });

  grid.append(card("Action distribution", actionBars(ev)));

  const details = document.createElement("details");
  details.className = "card eval-details";
  const summary = document.createElement("summary");
  summary.textContent = "Show per-episode details";
  details.append(summary);
  // Built on first open: up to a thousand rows nobody may look at.
  details.addEventListener("toggle", () => {
    summary.textContent = details.open ? "Hide per-episode details" : "Show per-episode details";
    if (details.open && !details.querySelector("table")) details.append(episodeTable(ev));
  });
  el.append(details);
}

/** Each action's share of an episode's steps, averaged over episodes (null: not counted). */
export function actionShares(ev: StoredEvaluation): number[] | null {
  if (!ev.actions || !ev.action_names || ev.actions.length === 0) return null;
  const sums = new Array<number>(ev.action_names.length).fill(0);
  ev.actions.forEach((counts, i) => {
    const steps = ev.report.per_episode[i]?.steps || counts.reduce((a, b) => a + b, 0) || 1;
    counts.forEach((c, a) => (sums[a] += c / steps));
  });
  return sums.map((s) => s / ev.actions!.length);
}

function actionBars(ev: StoredEvaluation): HTMLElement {
  const shares = actionShares(ev);
  const box = div("bars actions");
  let rows: [string, number][];
  let note: string;
  if (shares) {
    rows = ev.action_names!.map((name, a) => [name, shares[a]]);
    note = "Mean share of an episode's steps";
  } else {
    // In the env's action order when it names its actions, else as the report lists them.
    const counts: [string, number][] = ev.action_names
      ? ev.action_names.map((n) => [n, ev.report.action_counts[n] ?? 0])
      : Object.entries(ev.report.action_counts);
    if (counts.length === 0) {
      box.append(para("empty", "Continuous actions: no distribution to show."));
      return box;
    }
    const total = counts.reduce((a, [, n]) => a + n, 0) || 1;
    rows = counts.map(([name, n]) => [name, n / total]);
    note = "Share of all steps (this report has no per-episode counts)";
  }
  const max = Math.max(1e-9, ...rows.map(([, v]) => v));
  for (const [name, v] of rows) {
    const row = div("bar-row");
    row.dataset.action = name;
    const label = span("bar-label", name);
    label.title = name;
    const track = span("bar-track", "");
    const fill = span("bar-fill", "");
    fill.style.width = `${((v / max) * 100).toFixed(1)}%`;
    track.append(fill);
    row.append(label, track, span("bar-value", `${(v * 100).toFixed(1)}%`));
    box.append(row);
  }
  box.append(para("bars-note", note));
  return box;
}

function episodeTable(ev: StoredEvaluation): HTMLElement {
  const wrap = div("table-scroll");
  const table = document.createElement("table");
  table.className = "episodes";
  const names = ev.actions && ev.action_names ? ev.action_names : [];
  const head = document.createElement("tr");
  const th = (text: string, sort: "num" | "text", cls?: string) => {
    const h = document.createElement("th");
    h.textContent = text;
    h.dataset.sort = sort;
    if (cls) h.className = cls;
    head.append(h);
  };
  th("Episode", "num", "num");
  th("Seed", "num", "num");
  th("Reward", "num", "num");
  th("Steps", "num", "num");
  th("Result", "text");
  for (const n of names) th(`% ${n}`, "num", "num");
  table.createTHead().append(head);
  const body = table.createTBody();
  ev.report.per_episode.forEach((e, i) => {
    const tr = body.insertRow();
    tr.className = e.success ? "win" : "loss";
    const td = (text: string, value?: number, cls = "num") => {
      const c = tr.insertCell();
      c.className = cls;
      c.textContent = text;
      if (value !== undefined) c.dataset.value = String(value);
    };
    td(String(e.episode));
    td(String(e.seed));
    td(fmt(e.reward), e.reward);
    td(String(e.steps));
    td(e.success ? "win" : "loss", undefined, "result");
    const counts = ev.actions?.[i];
    for (let a = 0; a < names.length; a++) {
      const share = counts ? (counts[a] ?? 0) / Math.max(1, e.steps) : 0;
      td(`${(share * 100).toFixed(1)}`, share);
    }
  });
  wrap.append(table);
  mountSortable(wrap);
  return wrap;
}

/** An SVG ring: the wins' arc in green, the losses' in red, the win rate in the middle. */
function donut(wins: number, losses: number): HTMLElement {
  const ns = "http://www.w3.org/2000/svg";
  const total = wins + losses;
  const r = 62, w = 24, c = 2 * Math.PI * r;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 180 180");
  svg.setAttribute("class", "donut");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `${wins} wins, ${losses} losses`);
  const arc = (color: string, length: number, offset: number, cls: string) => {
    const circle = document.createElementNS(ns, "circle");
    circle.setAttribute("cx", "90");
    circle.setAttribute("cy", "90");
    circle.setAttribute("r", String(r));
    circle.setAttribute("fill", "none");
    circle.setAttribute("stroke", color);
    circle.setAttribute("stroke-width", String(w));
    circle.setAttribute("stroke-dasharray", `${length} ${c - length}`);
    // Arcs start at twelve o'clock and run clockwise.
    circle.setAttribute("stroke-dashoffset", String(c / 4 - offset));
    circle.setAttribute("class", cls);
    svg.append(circle);
  };
  if (total === 0) arc("#e2e8f0", c, 0, "empty");
  else {
    const winLen = (wins / total) * c;
    if (losses > 0) arc(BAD, c - winLen, winLen, "losses");
    if (wins > 0) arc(GOOD, winLen, 0, "wins");
  }
  const label = (text: string, y: number, size: number, weight: number) => {
    const t = document.createElementNS(ns, "text");
    t.setAttribute("x", "90");
    t.setAttribute("y", String(y));
    t.setAttribute("text-anchor", "middle");
    t.setAttribute("font-size", String(size));
    t.setAttribute("font-weight", String(weight));
    t.setAttribute("fill", "#0f172a");
    t.textContent = text;
    svg.append(t);
  };
  label(total ? `${((wins / total) * 100).toFixed(0)}%` : "—", 96, 28, 700);
  label("wins", 116, 13, 400);
  const box = div("donut-box");
  const legend = div("donut-legend");
  legend.append(swatch(GOOD, `${wins} wins`), swatch(BAD, `${losses} losses`));
  box.append(svg, legend);
  box.dataset.wins = String(wins);
  box.dataset.losses = String(losses);
  return box;
}

/** The line above the results: what was evaluated, and when. */
export function describe(ev: StoredEvaluation): string {
  const r = ev.report;
  const from = ev.source === "eval.json"
    ? "deno task eval (eval.json)"
    : `the ${ev.checkpoint} checkpoint`;
  return `${r.episodes} episodes of ${from}, seeds ${r.seed}..${r.seed + r.episodes - 1}, ` +
    `evaluated ${ago(r.evaluated_at)}`;
}

function kpi(id: string, label: string, value: string, hint: string): HTMLElement {
  const k = div("kpi");
  k.dataset.kpi = id;
  k.append(div("kpi-value", value), div("kpi-label", label), div("kpi-hint", hint));
  return k;
}

function card(title: string, content: HTMLElement): HTMLElement {
  const s = document.createElement("section");
  s.className = "card";
  const h = document.createElement("h3");
  h.textContent = title;
  s.append(h, content);
  return s;
}

function swatch(color: string, text: string): HTMLElement {
  const s = span("swatch", text);
  s.style.setProperty("--swatch", color);
  return s;
}

function div(cls: string, text?: string): HTMLDivElement {
  const d = document.createElement("div");
  d.className = cls;
  if (text !== undefined) d.textContent = text;
  return d;
}

function span(cls: string, text: string): HTMLSpanElement {
  const s = document.createElement("span");
  s.className = cls;
  s.textContent = text;
  return s;
}

function para(cls: string, text: string): HTMLParagraphElement {
  const p = document.createElement("p");
  p.className = cls;
  p.textContent = text;
  return p;
}
