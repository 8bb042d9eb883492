/**
 * The learning curve as an image, like the `*_scores.png` the course notebooks save: every
 * episode's return as a thin light line, their rolling mean as a thick line, the success
 * threshold as a dashed horizontal line, with gridlines, tick labels, a title, axis labels and a
 * legend. Drawn with `render/raster.ts` and the bitmap font of `render/font.ts`, so it needs no
 * plotting library; encode the frame with `render/png.ts`.
 *
 * @example
 * ```ts
 * import { plotReturns } from "./line_plot.ts";
 * import { encodePng } from "./png.ts";
 * const episodes = Array.from({ length: 300 }, (_, i) => 500 * (1 - Math.exp(-i / 80)));
 * const frame = plotReturns({ episodes, window: 100, threshold: 475, title: "CartPole-v1" });
 * const png = encodePng(frame); // 800 × 500
 * ```
 * @module
 */
import type { RgbaFrame } from "../envs/types.ts";
import { drawText, measureText } from "./font.ts";
import { Canvas, type Color, type Vec2 } from "./raster.ts";

/** Options of `plotReturns`. */
export interface PlotReturnsOptions {
  /** Every episode's return, in the order the episodes ended (at least one, all finite). */
  episodes: readonly number[];
  /** The global environment step at which each episode ended (non-decreasing, ≥ 0). */
  steps?: readonly number[];
  /** What the x axis counts: `episode` (default without `steps`) or `step` (needs `steps`). */
  xAxis?: "episode" | "step";
  /** Episodes in the rolling mean, a positive integer (default 100). */
  window?: number;
  /** The return at which the task counts as solved, drawn dashed; omitted or `null`: none. */
  threshold?: number | null;
  /** Title above the plot (default "Episode returns"). */
  title?: string;
  /** Image width in pixels, 200..8192 (default 800). */
  width?: number;
  /** Image height in pixels, 150..8192 (default 500). */
  height?: number;
}

/** Where `plotReturns` puts things: the plot box and the data → pixel maps. */
export interface ReturnsPlotLayout {
  /** Image width. */
  width: number;
  /** Image height. */
  height: number;
  /** The plot box's left edge (a pixel boundary). */
  left: number;
  /** Its top edge. */
  top: number;
  /** Its right edge. */
  right: number;
  /** Its bottom edge. */
  bottom: number;
  /** Data range shown on the x axis. */
  xRange: [number, number];
  /** Data range shown on the y axis. */
  yRange: [number, number];
  /** Tick values on the x axis. */
  xTicks: number[];
  /** Tick values on the y axis. */
  yTicks: number[];
  /** Text scale of tick labels, legend and axis labels (the title is one larger). */
  textScale: number;
  /** The x of each episode (its number from 1, or its step). */
  xs: number[];
  /** x data value → image x. */
  xToPx(x: number): number;
  /** y data value → image y. */
  yToPx(y: number): number;
}

/** The plot's colours. */
export const PLOT_COLORS = {
  /** Background. */
  background: [255, 255, 255],
  /** Gridlines. */
  grid: [232, 234, 238],
  /** The plot frame and tick marks. */
  frame: [120, 124, 130],
  /** Labels. */
  text: [40, 42, 48],
  /** Each episode's return (drawn translucent). */
  episode: [110, 160, 215, 150],
  /** The rolling mean. */
  mean: [22, 82, 158],
  /** The success threshold. */
  threshold: [34, 150, 70],
  /** Behind the legend. */
  legend: [255, 255, 255, 225],
  /** The legend's border. */
  legendBorder: [205, 208, 214],
} as const satisfies Record<string, Color>;

const MIN_SIZE: Vec2 = [200, 150];
const MAX_SIZE = 8192;

/**
 * The mean of each value and up to `window − 1` before it (a trailing mean that starts from
 * the first value, as pandas' `rolling(window, min_periods=1).mean()`).
 */
export function rollingMean(values: readonly number[], window: number): Float64Array {
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`Rolling window must be a positive integer, got ${window}`);
  }
  const out = new Float64Array(values.length);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    out[i] = sum / Math.min(i + 1, window);
  }
  return out;
}

/**
 * Round tick values (multiples of 1, 2 or 5 × 10ᵏ) covering `[lo, hi]` with about `target`
 * intervals; `minStep` bounds the spacing from below (1 for whole numbers).
 */
export function niceTicks(lo: number, hi: number, target: number, minStep = 0): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo)) {
    throw new RangeError(`Tick range must be finite with hi > lo, got [${lo}, ${hi}]`);
  }
  const raw = (hi - lo) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  let step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  if (step < minStep) step = minStep;
  const ticks: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  for (let k = first; k * step <= hi + step * 1e-9; k++) {
    // k × step, rounded to the step's precision so 0.1 × 3 prints as 0.3.
    ticks.push(Number((k * step).toPrecision(12)));
  }
  return ticks;
}

/** Formats tick values of one axis alike: as many decimals as the step needs, k/M when large. */
export function formatTicks(ticks: readonly number[]): string[] {
  if (ticks.length === 0) return [];
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(ticks[0]) || 1;
  const big = Math.max(...ticks.map(Math.abs));
  const [div, suffix] = big >= 1e6 ? [1e6, "M"] : big >= 1e4 ? [1e3, "k"] : [1, ""];
  const decimals = Math.max(0, Math.min(6, Math.ceil(-Math.log10(step / div) - 1e-9)));
  return ticks.map((t) => {
    if (t === 0 && div > 1) return "0";
    const text = (t / div).toFixed(decimals);
    // toFixed keeps the sign of a tiny negative that rounds to zero.
    return (/^-0(\.0*)?$/.test(text) ? text.slice(1) : text) + suffix;
  });
}

/** Checks `options` and computes where `plotReturns` will draw (exported for tests and overlays). */
export function layoutReturnsPlot(options: PlotReturnsOptions): ReturnsPlotLayout {
  const { episodes, steps } = options;
  if (!Array.isArray(episodes)) {
    throw new TypeError(`plotReturns episodes must be an array of returns, got ${typeof episodes}`);
  }
  if (episodes.length === 0) {
    throw new RangeError("plotReturns needs at least one episode return; episodes is empty");
  }
  episodes.forEach((v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new RangeError(`plotReturns episodes[${i}] must be a finite number, got ${v}`);
    }
  });
  const xAxis = options.xAxis ?? (steps ? "step" : "episode");
  if (xAxis !== "episode" && xAxis !== "step") {
    throw new RangeError(`plotReturns xAxis must be "episode" or "step", got ${xAxis}`);
  }
  if (steps !== undefined) {
    if (!Array.isArray(steps) || steps.length !== episodes.length) {
      throw new RangeError(
        `plotReturns steps must hold one step per episode (${episodes.length}), got ${
          Array.isArray(steps) ? steps.length : typeof steps
        }`,
      );
    }
    steps.forEach((v, i) => {
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (i > 0 && v < steps[i - 1])) {
        throw new RangeError(
          `plotReturns steps must be finite, ≥ 0 and non-decreasing; steps[${i}] is ${v}` +
            (i > 0 ? ` after ${steps[i - 1]}` : ""),
        );
      }
    });
  } else if (xAxis === "step") {
    throw new TypeError('plotReturns xAxis "step" needs steps, the global step of each episode');
  }
  const threshold = options.threshold ?? null;
  if (threshold !== null && (typeof threshold !== "number" || !Number.isFinite(threshold))) {
    throw new RangeError(`plotReturns threshold must be a finite number or null, got ${threshold}`);
  }
  const window = options.window ?? 100;
  if (!Number.isInteger(window) || window < 1) {
    throw new RangeError(`plotReturns window must be a positive integer, got ${window}`);
  }
  const width = options.width ?? 800, height = options.height ?? 500;
  for (const [name, v, min] of [["width", width, MIN_SIZE[0]], ["height", height, MIN_SIZE[1]]]) {
    if (!Number.isInteger(v) || (v as number) < (min as number) || (v as number) > MAX_SIZE) {
      throw new RangeError(
        `plotReturns ${name} must be an integer in ${min}..${MAX_SIZE}, got ${v}`,
      );
    }
  }

  const xs = xAxis === "step" ? [...steps!] : episodes.map((_, i) => i + 1);
  const xHi = Math.max(xs[xs.length - 1], 1);
  const xRange: [number, number] = [0, xHi];
  let yLo = Math.min(...episodes), yHi = Math.max(...episodes);
  if (threshold !== null) {
    yLo = Math.min(yLo, threshold);
    yHi = Math.max(yHi, threshold);
  }
  const span = yHi > yLo ? yHi - yLo : Math.max(1, Math.abs(yHi) * 0.2);
  const margin = yHi > yLo ? span * 0.05 : span / 2;
  const yRange: [number, number] = [yLo - margin, yHi + margin];

  const s = width >= 560 && height >= 360 ? 2 : 1;
  const pad = 8 * s;
  const tickLen = 4 * s;
  const capH = 7 * s;
  const top = pad + 7 * (s + 1) + pad;
  const bottom = height - (pad + capH + pad + capH + 2 * tickLen);
  const yTicks = niceTicks(
    yRange[0],
    yRange[1],
    Math.max(2, Math.round((bottom - top) / (45 * s))),
  );
  const yLabelW = Math.max(...formatTicks(yTicks).map((t) => measureText(t, s).width));
  const left = pad + capH + pad + yLabelW + 2 * tickLen;
  const right = width - 3 * pad;
  // About one x tick per six label widths keeps the labels well apart.
  const sample = formatTicks([xHi]).map((t) => measureText(t, s).width)[0];
  const xTarget = Math.max(2, Math.min(10, Math.floor((right - left) / (sample * 2 + 40 * s))));
  const xTicks = niceTicks(xRange[0], xRange[1], xTarget, 1);
  const xToPx = (x: number): number =>
    left + ((x - xRange[0]) / (xRange[1] - xRange[0])) * (right - left);
  const yToPx = (y: number): number =>
    bottom - ((y - yRange[0]) / (yRange[1] - yRange[0])) * (bottom - top);
  return {
    width,
    height,
    left,
    top,
    right,
    bottom,
    xRange,
    yRange,
    xTicks,
    yTicks,
    textScale: s,
    xs,
    xToPx,
    yToPx,
  };
}

/**
 * Draws the learning curve of `options.episodes` (see `PlotReturnsOptions`). Throws a
 * `RangeError` for no episodes, a non-finite return, or another bad option.
 */
export function plotReturns(options: PlotReturnsOptions): RgbaFrame {
  const L = layoutReturnsPlot(options);
  const { episodes } = options;
  const window = options.window ?? 100;
  const threshold = options.threshold ?? null;
  const s = L.textScale;
  const canvas = new Canvas(L.width, L.height);
  canvas.fill(PLOT_COLORS.background);
  const rect = (x0: number, y0: number, x1: number, y1: number, color: Color) =>
    canvas.fillPolygon([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], color);

  // Gridlines, one pixel on whole pixels so they stay crisp.
  for (const t of L.yTicks) {
    const y = Math.round(L.yToPx(t));
    rect(L.left, y, L.right, y + 1, PLOT_COLORS.grid);
  }
  for (const t of L.xTicks) {
    const x = Math.round(L.xToPx(t));
    rect(x, L.top, x + 1, L.bottom, PLOT_COLORS.grid);
  }

  const points: Vec2[] = episodes.map((r, i) => [L.xToPx(L.xs[i]), L.yToPx(r)]);
  canvas.strokePolyline(points, 1, PLOT_COLORS.episode);
  // Dots only while they stay apart; a dense series reads better as the band of its line.
  if (points.length * 4 <= L.right - L.left) {
    for (const [x, y] of points) canvas.fillCircle(x, y, 1.5 * s, PLOT_COLORS.episode);
  }

  if (threshold !== null) {
    // Dashes two pixels thick, on whole rows either side of the threshold's height.
    const y = Math.round(L.yToPx(threshold));
    const on = 7 * s, off = 4 * s;
    for (let x = L.left; x < L.right; x += on + off) {
      rect(x, y - 1, Math.min(x + on, L.right), y + 1, PLOT_COLORS.threshold);
    }
  }

  const mean = rollingMean(episodes, window);
  const meanPoints: Vec2[] = points.map(([x], i) => [x, L.yToPx(mean[i])]);
  canvas.strokePolyline(meanPoints, 1.5 + s, PLOT_COLORS.mean);

  // Frame, ticks and tick labels.
  const tickLen = 4 * s;
  rect(L.left - 1, L.top - 1, L.right + 1, L.top, PLOT_COLORS.frame);
  rect(L.left - 1, L.bottom, L.right + 1, L.bottom + 1, PLOT_COLORS.frame);
  rect(L.left - 1, L.top, L.left, L.bottom, PLOT_COLORS.frame);
  rect(L.right, L.top, L.right + 1, L.bottom, PLOT_COLORS.frame);
  const capH = 7 * s;
  const text = (t: string, x: number, y: number, align: "left" | "center" | "right") =>
    drawText(canvas, t, Math.round(x), Math.round(y), {
      scale: s,
      color: PLOT_COLORS.text,
      align,
    });
  formatTicks(L.yTicks).forEach((label, k) => {
    const y = Math.round(L.yToPx(L.yTicks[k]));
    rect(L.left - 1 - tickLen, y, L.left - 1, y + 1, PLOT_COLORS.frame);
    text(label, L.left - 1 - 2 * tickLen, y - Math.floor(capH / 2), "right");
  });
  formatTicks(L.xTicks).forEach((label, k) => {
    const x = Math.round(L.xToPx(L.xTicks[k]));
    rect(x, L.bottom + 1, x + 1, L.bottom + 1 + tickLen, PLOT_COLORS.frame);
    // Keep the end labels inside the image.
    const half = measureText(label, s).width / 2;
    const cx = Math.min(Math.max(x + 0.5, half + 2), L.width - half - 2);
    text(label, cx, L.bottom + 1 + 2 * tickLen, "center");
  });

  // Title and axis labels.
  const title = options.title ?? "Episode returns";
  drawText(canvas, title, Math.round((L.left + L.right) / 2), 8 * s, {
    scale: s + 1,
    color: PLOT_COLORS.text,
    align: "center",
  });
  const stepAxis = (options.xAxis ?? (options.steps ? "step" : "episode")) === "step";
  text(
    stepAxis ? "Environment steps" : "Episode",
    (L.left + L.right) / 2,
    L.height - 8 * s - capH,
    "center",
  );
  drawText(canvas, "Return", 8 * s, Math.round((L.top + L.bottom) / 2), {
    scale: s,
    color: PLOT_COLORS.text,
    align: "center",
    vertical: true,
  });

  drawLegend(canvas, L, points, meanPoints, threshold === null ? null : L.yToPx(threshold), [
    { label: "Episode return", kind: "episode" },
    { label: `Mean of last ${window}`, kind: "mean" },
    ...(threshold !== null
      ? [{ label: `Solved at ${formatValue(threshold)}`, kind: "threshold" as const }]
      : []),
  ]);
  return canvas.toFrame();
}

interface LegendEntry {
  label: string;
  kind: "episode" | "mean" | "threshold";
}

/**
 * The legend in the plot corner that hides the least: the fewest data points, the threshold
 * line counting as a point every 2 px (lower right on ties).
 */
function drawLegend(
  canvas: Canvas,
  L: ReturnsPlotLayout,
  points: readonly Vec2[],
  meanPoints: readonly Vec2[],
  thresholdY: number | null,
  entries: readonly LegendEntry[],
): void {
  const s = L.textScale;
  const pad = 6 * s, swatch = 16 * s, gap = 5 * s, row = 12 * s;
  const textW = Math.max(...entries.map((e) => measureText(e.label, s).width));
  const w = pad + swatch + gap + textW + pad;
  const h = pad + entries.length * row - (row - 7 * s) + pad;
  const inset = 6 * s;
  const corners: Vec2[] = [
    [L.right - inset - w, L.bottom - inset - h], // lower right
    [L.left + inset, L.bottom - inset - h], // lower left
    [L.right - inset - w, L.top + inset], // upper right
    [L.left + inset, L.top + inset], // upper left
  ];
  const under = ([x0, y0]: Vec2): number => {
    let n = thresholdY !== null && thresholdY >= y0 && thresholdY <= y0 + h ? w / 2 : 0;
    for (const list of [points, meanPoints]) {
      for (const [x, y] of list) if (x >= x0 && x <= x0 + w && y >= y0 && y <= y0 + h) n++;
    }
    return n;
  };
  let best = corners[0], fewest = under(best);
  for (const c of corners.slice(1)) {
    const n = under(c);
    if (n < fewest) [best, fewest] = [c, n];
  }
  const x0 = Math.round(best[0]), y0 = Math.round(best[1]);
  const rect = (a: number, b: number, c: number, d: number, color: Color) =>
    canvas.fillPolygon([[a, b], [c, b], [c, d], [a, d]], color);
  rect(x0, y0, x0 + w, y0 + h, PLOT_COLORS.legend);
  canvas.strokePolyline(
    [[x0 + 0.5, y0 + 0.5], [x0 + w - 0.5, y0 + 0.5], [x0 + w - 0.5, y0 + h - 0.5], [
      x0 + 0.5,
      y0 + h - 0.5,
    ]],
    1,
    PLOT_COLORS.legendBorder,
    true,
  );
  entries.forEach((e, i) => {
    const ty = y0 + pad + i * row;
    const cy = ty + (7 * s) / 2;
    const sx = x0 + pad;
    if (e.kind === "episode") {
      canvas.strokePolyline([[sx, cy], [sx + swatch, cy]], 1, PLOT_COLORS.episode);
      canvas.fillCircle(sx + swatch / 2, cy, 1.5 * s, PLOT_COLORS.episode);
    } else if (e.kind === "mean") {
      canvas.strokePolyline([[sx, cy], [sx + swatch, cy]], 1.5 + s, PLOT_COLORS.mean);
    } else {
      const y = Math.round(cy);
      const dash = Math.floor((swatch - 2 * s) / 2);
      rect(sx, y - 1, sx + dash, y + 1, PLOT_COLORS.threshold);
      rect(sx + swatch - dash, y - 1, sx + swatch, y + 1, PLOT_COLORS.threshold);
    }
    drawText(canvas, e.label, sx + swatch + gap, ty, { scale: s, color: PLOT_COLORS.text });
  });
}

/** A value for a label: whole numbers plainly, others to at most 2 decimals. */
function formatValue(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(2)));
}
