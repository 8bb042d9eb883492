/**
 * uPlot helpers shared by the chart islands: a titled card holding one chart that follows its
 * card's width, line/point/bar series, and dashed reference lines (threshold, mean).
 * @module
 */
import uPlot from "uplot";

/** Colours of successive series. */
export const PALETTE = [
  "#2563eb",
  "#dc2626",
  "#059669",
  "#d97706",
  "#7c3aed",
  "#0891b2",
  "#db2777",
  "#65a30d",
];
/** Colour of wins. */
export const GOOD = "#16a34a";
/** Colour of losses. */
export const BAD = "#dc2626";

/** One series of a chart. */
export interface SeriesSpec {
  /** Legend label. */
  label: string;
  /** Stroke colour. */
  color: string;
  /** `line` (default), `points` (scatter) or `bars`. */
  style?: "line" | "points" | "bars";
  /** Line width in CSS pixels. */
  width?: number;
  /** Dash pattern. */
  dash?: number[];
  /** Marker diameter of `points` series in CSS pixels (default 6). */
  pointSize?: number;
}

/** A dashed reference line. */
export interface RefLine {
  /** Position on the axis. */
  value: number;
  /** Label drawn next to it. */
  label: string;
  /** Colour. */
  color: string;
}

/** Options of {@link chartCard}. */
export interface ChartOptions {
  /** Card title. */
  title: string;
  /** x axis label. */
  xLabel?: string;
  /** Vertical reference lines (at x values). */
  vlines?: RefLine[];
  /** Horizontal reference lines (at y values). */
  hlines?: RefLine[];
  /** Plot height in pixels. */
  height?: number;
  /** Extra element placed under the title (controls). */
  toolbar?: HTMLElement;
  /** Keep 0 on the y axis (counts, bars). */
  yFromZero?: boolean;
}

/** Appends a card to `parent` and draws a uPlot chart in it. */
export function chartCard(
  parent: HTMLElement,
  data: uPlot.AlignedData,
  series: SeriesSpec[],
  opts: ChartOptions,
): uPlot {
  const card = document.createElement("section");
  card.className = "card chart";
  const h = document.createElement("h3");
  h.textContent = opts.title;
  card.append(h);
  if (opts.toolbar) card.append(opts.toolbar);
  const box = document.createElement("div");
  card.append(box);
  parent.append(card);
  return plotIn(box, data, series, opts);
}

/**
 * Draws a uPlot chart in `box` (an element already in the page), following its width;
 * `opts.title` and `opts.toolbar` are not used here. Destroying the chart stops the following.
 */
export function plotIn(
  box: HTMLElement,
  data: uPlot.AlignedData,
  series: SeriesSpec[],
  opts: ChartOptions,
): uPlot {
  const width = () =>
    Math.max(240, box.clientWidth || (box.parentElement?.clientWidth ?? 264) - 24);
  const plot = new uPlot(
    {
      width: width(),
      height: opts.height ?? 220,
      scales: {
        x: { time: false, range: rangeWith(opts.vlines) },
        y: { range: rangeWith(opts.hlines, opts.yFromZero) },
      },
      axes: [
        { label: opts.xLabel, size: 40, values: ticks },
        { size: axisWidth, values: ticks },
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      series: [{ label: opts.xLabel ?? "x" }, ...series.map(toSeries)],
      hooks: {
        draw: [(u: uPlot) => drawRefLines(u, opts.vlines ?? [], opts.hlines ?? [])],
        destroy: [() => follow.disconnect()],
      },
    },
    data,
    box,
  );
  // Charts follow their card's width (window resizes, grid reflow).
  const follow = new ResizeObserver(() => {
    const w = width();
    if (Math.abs(w - plot.width) > 2) plot.setSize({ width: w, height: plot.height });
  });
  follow.observe(box);
  return plot;
}

function toSeries(s: SeriesSpec): uPlot.Series {
  const base: uPlot.Series = {
    label: s.label,
    stroke: s.color,
    width: s.width ?? 1.5,
    dash: s.dash,
    spanGaps: true,
    value: (_u: uPlot, v: number | null) => (v === null ? "—" : fmt(v)),
  };
  if (s.style === "points") {
    return {
      ...base,
      paths: () => null,
      points: { show: true, size: s.pointSize ?? 6, width: 0, fill: s.color, stroke: s.color },
    };
  }
  if (s.style === "bars") {
    return {
      ...base,
      fill: s.color + "99",
      paths: uPlot.paths.bars!({ size: [0.9, 80] }),
      points: { show: false },
    };
  }
  // Markers only where a line alone would hide the data: a series with few points (an eval
  // metric logged once looks empty as a line).
  const sparse = (u: uPlot, i: number) => {
    let n = 0;
    const d = u.data[i] as ArrayLike<number | null | undefined>;
    for (let j = 0; j < d.length; j++) if (d[j] != null) n++;
    return n <= 12;
  };
  return { ...base, points: { show: sparse, size: 5, fill: s.color } };
}

/** Width of the y axis: enough for its longest tick label. */
function axisWidth(_u: uPlot, values: string[] | null): number {
  const longest = Math.max(3, ...(values ?? []).map((v) => v.length));
  return 18 + longest * 7;
}

/** Tick labels short enough for a narrow axis: 300k rather than 300,000. */
function ticks(_u: uPlot, splits: number[]): string[] {
  return splits.map((v) => {
    const a = Math.abs(v);
    if (a >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
    if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
    return String(+v.toFixed(4));
  });
}

/** A scale range that also covers the reference lines, so a threshold is always visible. */
function rangeWith(lines: RefLine[] | undefined, fromZero = false): uPlot.Range.Function {
  return (_u, min, max) => {
    let lo = fromZero ? Math.min(0, min) : min, hi = fromZero ? Math.max(0, max) : max;
    for (const l of lines ?? []) {
      lo = Math.min(lo, l.value);
      hi = Math.max(hi, l.value);
    }
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
    if (lo === hi) return [lo - 1, hi + 1];
    const pad = (hi - lo) * 0.05;
    return [fromZero && lo === 0 ? 0 : lo - pad, hi + pad];
  };
}

function drawRefLines(u: uPlot, vlines: RefLine[], hlines: RefLine[]): void {
  const ctx = u.ctx;
  const { left, top, width, height } = u.bbox;
  const px = devicePixelRatio || 1;
  ctx.save();
  ctx.lineWidth = 1.5 * px;
  ctx.setLineDash([6 * px, 4 * px]);
  ctx.font = `${11 * px}px system-ui, sans-serif`;
  ctx.textBaseline = "alphabetic";
  // Labels are stacked so that a threshold and a mean close together stay readable.
  ctx.textAlign = "left";
  vlines.forEach((l, i) => {
    const x = u.valToPos(l.value, "x", true);
    ctx.strokeStyle = ctx.fillStyle = l.color;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
    // Near the right edge the label goes on the line's left, so it is not cut off.
    const room = left + width - x > ctx.measureText(l.label).width + 8 * px;
    ctx.textAlign = room ? "left" : "right";
    ctx.fillText(l.label, x + (room ? 4 : -4) * px, top + (12 + 13 * i) * px);
  });
  ctx.textAlign = "right";
  for (const l of hlines) {
    const y = u.valToPos(l.value, "y", true);
    ctx.strokeStyle = ctx.fillStyle = l.color;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(left + width, y);
    ctx.stroke();
    ctx.fillText(l.label, left + width - 4 * px, y - 4 * px);
  }
  ctx.restore();
}

/** A compact number for legends and labels. */
export function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return a >= 100 ? v.toFixed(1) : v.toFixed(3);
}

/** The mean of the last `window` non-null values at each index (null until one is seen). */
export function rollingMean(values: (number | null)[], window: number): (number | null)[] {
  const out: (number | null)[] = [];
  const buf: number[] = [];
  let sum = 0;
  for (const v of values) {
    if (v !== null) {
      buf.push(v);
      sum += v;
      if (buf.length > window) sum -= buf.shift()!;
    }
    out.push(v === null || buf.length === 0 ? null : sum / buf.length);
  }
  return out;
}

/** Bin centres and counts of `values`: one bar per value when there are few distinct values. */
export function histogram(values: number[], maxBins = 20): [number[], number[]] {
  if (values.length === 0) return [[], []];
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  if (distinct.length <= 12) {
    return [distinct, distinct.map((d) => values.filter((v) => v === d).length)];
  }
  const lo = distinct[0], hi = distinct[distinct.length - 1];
  const integers = values.every(Number.isInteger);
  let bins = Math.min(maxBins, distinct.length);
  if (integers) bins = Math.min(bins, hi - lo + 1);
  const w = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++;
  return [counts.map((_, i) => lo + (i + 0.5) * w), counts];
}

/** A message shown in place of a chart. */
export function note(parent: HTMLElement, text: string): HTMLElement {
  const p = document.createElement("p");
  p.className = "placeholder";
  p.textContent = text;
  parent.append(p);
  return p;
}
