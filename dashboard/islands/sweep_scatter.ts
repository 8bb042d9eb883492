/**
 * The sweep page's scatter plots: one card per swept hyperparameter, each trial's score
 * against the parameter's value (a log axis for log-distributed parameters, one column per
 * value for strings, booleans and lists), the best configuration marked, pruned trials at
 * their best periodic evaluation, and the baseline's value as a dashed line. Hovering a point
 * names its trial.
 * @module
 */
import uPlot from "uplot";
import { fmtScore, fmtValue, type SweepView } from "../components/sweep_view.ts";
import type { SweptParameter } from "../../sweeps/summary.ts";
import { GOOD, PALETTE } from "./charts.ts";

/** One point: a trial's value of the parameter and its score. */
interface Point {
  x: number;
  y: number;
  /** 0: complete trial, 1: pruned (best periodic evaluation), 2: the best configuration. */
  kind: 0 | 1 | 2;
  label: string;
}

const KINDS = [
  { label: "trial score", color: PALETTE[0], size: 8 },
  { label: "pruned (best periodic eval)", color: "#94a3b8", size: 7 },
  { label: "best configuration", color: GOOD, size: 11 },
] as const;

/** Colour of the baseline's line. */
const BASELINE = "#64748b";

/** The points of one parameter, with its axis: numbers (maybe log) or named columns. */
interface Panel {
  param: SweptParameter;
  log: boolean;
  /** Column names of a categorical axis (null: numeric). */
  categories: string[] | null;
  points: Point[];
  /** The baseline's position on the x axis, if it has a value there. */
  baseline: number | null;
}

/** The live scatter cards inside `el`. */
export class SweepScatter {
  readonly #el: HTMLElement;
  #plots: uPlot[] = [];
  #signature = "";

  /** Cards drawn into `el` (its placeholder is replaced at the first {@link update}). */
  constructor(el: HTMLElement) {
    this.#el = el;
  }

  /** Redraws from `view` when its points changed. */
  update(view: SweepView): void {
    const s = view.summary;
    const panels = s ? s.parameters.map((p) => panelOf(view, p)) : [];
    const signature = JSON.stringify(panels);
    if (signature === this.#signature) return;
    this.#signature = signature;
    for (const p of this.#plots) p.destroy();
    this.#plots = [];
    this.#el.replaceChildren();
    this.#el.dataset.panels = String(panels.length);
    if (!s || panels.length === 0) {
      const p = document.createElement("p");
      p.className = "placeholder";
      p.textContent = s
        ? "This sweep varies no hyperparameter from the baseline."
        : "Waiting for the sweep's first summary…";
      this.#el.append(p);
      return;
    }
    for (const panel of panels) this.#plots.push(drawPanel(this.#el, panel));
  }
}

/** Where a value sits on a categorical axis: its text. */
function categoryOf(v: unknown): string {
  return fmtValue(v);
}

function panelOf(view: SweepView, param: SweptParameter): Panel {
  const s = view.summary!;
  const numeric = param.type === "number";
  const raw: { v: unknown; y: number; kind: Point["kind"]; label: string }[] = [];
  for (const c of s.configurations) {
    const v = c.hyperparameters[param.key];
    if (v === undefined) continue;
    for (const t of c.trials) {
      const label = `${t.run}: ${param.key} = ${fmtValue(v)}`;
      if (t.state === "complete" && t.score !== null) {
        raw.push({
          v,
          y: t.score,
          kind: c.best ? 2 : 0,
          label: `${label}, score ${fmtScore(t.score)}`,
        });
      } else if (t.state === "pruned" && t.intermediate.length) {
        const y = Math.max(...t.intermediate.map(([, value]) => value));
        raw.push({ v, y, kind: 1, label: `${label}, pruned (best eval ${fmtScore(y)})` });
      }
    }
  }
  const base = s.baseline[param.key];
  if (numeric) {
    const values = raw.map((r) => r.v as number);
    const log = param.scale === "log" && values.every((x) => x > 0) &&
      (typeof base !== "number" || base > 0);
    const points = raw.map((r) => ({ x: r.v as number, y: r.y, kind: r.kind, label: r.label }));
    return {
      param,
      log,
      categories: null,
      points: points.sort((a, b) => a.x - b.x),
      baseline: typeof base === "number" ? base : null,
    };
  }
  const categories: string[] = [];
  for (const v of [base, ...s.configurations.map((c) => c.hyperparameters[param.key])]) {
    if (v !== undefined && !categories.includes(categoryOf(v))) categories.push(categoryOf(v));
  }
  const points = raw.map((r) => ({
    x: categories.indexOf(categoryOf(r.v)),
    y: r.y,
    kind: r.kind,
    label: r.label,
  }));
  return {
    param,
    log: false,
    categories,
    points: points.sort((a, b) => a.x - b.x),
    baseline: base === undefined ? null : categories.indexOf(categoryOf(base)),
  };
}

function drawPanel(parent: HTMLElement, panel: Panel): uPlot {
  const card = document.createElement("section");
  card.className = "card chart sweep-scatter";
  card.dataset.param = panel.param.key;
  card.dataset.scale = panel.log ? "log" : panel.categories ? "category" : "linear";
  const h = document.createElement("h3");
  h.textContent = panel.param.key;
  if (panel.log) {
    const tag = document.createElement("span");
    tag.className = "muted small";
    tag.textContent = " log axis";
    h.append(tag);
  }
  const box = document.createElement("div");
  const foot = document.createElement("div");
  foot.className = "scatter-foot";
  const legend = document.createElement("span");
  legend.className = "scatter-legend";
  const readout = document.createElement("span");
  readout.className = "scatter-readout";
  foot.append(legend, readout);
  card.append(h, box, foot);
  parent.append(card);

  const { points, categories, log } = panel;
  const xs = points.map((p) => p.x);
  const cols = KINDS.map((_, k) => points.map((p) => (p.kind === k ? p.y : null)));
  const present = KINDS.map((_, k) => points.some((p) => p.kind === k));
  KINDS.forEach((k, i) => {
    if (!present[i]) return;
    const item = document.createElement("span");
    item.className = "swatch dot";
    item.style.setProperty("--swatch", k.color);
    item.textContent = k.label;
    legend.append(item);
  });
  if (panel.baseline !== null) {
    const item = document.createElement("span");
    item.className = "swatch dashed";
    item.style.setProperty("--swatch", BASELINE);
    item.textContent = "baseline value";
    legend.append(item);
  }
  if (points.length === 0) legend.prepend("No trial has a score yet. ");
  const data = [xs, ...cols] as uPlot.AlignedData;
  const xRange = categories
    ? (): uPlot.Range.MinMax => [-0.5, categories.length - 0.5]
    : (_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax => {
      const all = [min, max, panel.baseline].filter((v): v is number => v !== null);
      let lo = Math.min(...all), hi = Math.max(...all);
      if (!Number.isFinite(lo)) return log ? [0.1, 10] : [0, 1];
      if (log) return [lo / (lo === hi ? 3 : 1.6), hi * (lo === hi ? 3 : 1.6)];
      const pad = lo === hi ? Math.abs(lo) * 0.1 || 1 : (hi - lo) * 0.08;
      [lo, hi] = [lo - pad, hi + pad];
      return [lo, hi];
    };
  const width = () => Math.max(240, box.clientWidth || card.clientWidth - 24);
  const plot = new uPlot(
    {
      width: width(),
      height: 240,
      scales: {
        x: { time: false, distr: log ? 3 : 1, range: xRange },
        y: {
          range: (_u, min, max) => {
            if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
            const pad = min === max ? Math.abs(min) * 0.1 || 1 : (max - min) * 0.1;
            return [min - pad, max + pad];
          },
        },
      },
      axes: [
        {
          label: panel.param.key,
          size: 42,
          ...(categories
            ? {
              splits: () => categories.map((_, i) => i),
              values: (_u: uPlot, splits: number[]) => splits.map((i) => categories[i] ?? ""),
            }
            : {
              splits: log ? logSplits : undefined,
              values: (_u: uPlot, splits: (number | null)[]) => splits.map(tick),
            }),
        },
        {
          label: "score",
          size: 56,
          values: (_u: uPlot, splits: (number | null)[]) => splits.map(tick),
        },
      ],
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 14 } },
      series: [
        {},
        ...KINDS.map((k): uPlot.Series => ({
          label: k.label,
          stroke: k.color,
          paths: () => null,
          points: { show: true, size: k.size, width: 1, fill: k.color + "cc", stroke: k.color },
        })),
      ],
      hooks: {
        draw: [(u: uPlot) => drawBaseline(u, panel.baseline)],
        // Hovering names the trial under the cursor.
        setCursor: [(u: uPlot) => {
          const i = u.cursor.idx;
          readout.textContent = i === null || i === undefined ? "" : points[i]?.label ?? "";
        }],
        destroy: [() => follow.disconnect()],
      },
    },
    data,
    box,
  );
  const follow = new ResizeObserver(() => {
    const w = width();
    if (Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height: plot.height });
  });
  follow.observe(box);
  card.dataset.points = String(points.length);
  return plot;
}

/** Splits of a log axis: the powers of ten in range, with 2× and 5× when fewer than three. */
function logSplits(_u: uPlot, _axis: number, min: number, max: number): number[] {
  const decades: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    decades.push(10 ** e);
  }
  const splits = decades.length >= 4 ? decades : decades.flatMap((d) => [d, 2 * d, 5 * d]);
  return splits.filter((v) => v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9));
}

/** Tick labels: reals to 3 significant digits (1e-5 stays readable on a log axis). */
function tick(v: number | null): string {
  if (v === null) return ""; // a log axis leaves some of its splits unlabelled
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  if (a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

/** The baseline's value: a dashed vertical line (the legend names it). */
function drawBaseline(u: uPlot, at: number | null): void {
  if (at === null) return;
  const x = u.valToPos(at, "x", true);
  const { left, top, width, height } = u.bbox;
  if (!(x >= left && x <= left + width)) return;
  const px = devicePixelRatio || 1;
  const ctx = u.ctx;
  ctx.save();
  ctx.strokeStyle = BASELINE;
  ctx.lineWidth = px;
  ctx.setLineDash([5 * px, 4 * px]);
  ctx.beginPath();
  ctx.moveTo(x, top);
  ctx.lineTo(x, top + height);
  ctx.stroke();
  ctx.restore();
}
