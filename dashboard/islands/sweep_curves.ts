/**
 * The sweep page's learning curves: every trial's curve on one chart, coloured by its
 * configuration (seeds of one configuration share a colour, with their own dashes), each
 * toggled on or off by its chip, which shows the value under the cursor. Two curves to choose
 * from: the greedy periodic evaluations the pruner sees (`eval/mean_return`, from the
 * summary), or the training episodes' rolling mean (each trial's `episodes.json` feed, read
 * incrementally, for the trials whose run folders are here).
 * @module
 */
import type uPlot from "uplot";
import { fmtScore, type SweepView } from "../components/sweep_view.ts";
import type { TrialSummary } from "../../sweeps/summary.ts";
import { GOOD, PALETTE, plotIn, type RefLine, type SeriesSpec } from "./charts.ts";
import type { EpisodeFeed } from "./protocol.ts";

/** Which curve is drawn. */
export type CurveMetric = "eval" | "train";

/** Episodes of the training curve's rolling mean. */
const TRAIN_WINDOW = 20;
/** Points per training curve: the curves are sampled on a shared grid of steps. */
const GRID = 240;
/** Dash patterns of successive seeds. */
const DASHES: (number[] | undefined)[] = [undefined, [8, 4], [2, 3], [12, 3, 2, 3]];

/** One trial's curve. */
interface Trace {
  /** Trial run name. */
  key: string;
  label: string;
  title: string;
  color: string;
  dash?: number[];
  width: number;
  xs: number[];
  ys: number[];
}

/** The parsed part of one trial's episode feed. */
interface Feed {
  epoch: string;
  next: number;
  state: string;
  step: number[];
  ret: number[];
}

/** The live learning-curves card inside `el`. */
export class SweepCurves {
  readonly #el: HTMLElement;
  readonly #box: HTMLElement;
  readonly #chips: HTMLElement;
  readonly #note: HTMLElement;
  readonly #metricButtons: HTMLButtonElement[] = [];
  #metric: CurveMetric = "eval";
  #hidden = new Set<string>();
  #feeds = new Map<string, Feed>();
  #plot: uPlot | null = null;
  #traces: Trace[] = [];
  #data: uPlot.AlignedData = [[]];
  #signature = "";
  #view: SweepView | null = null;

  /** The card, drawn into `el` (its placeholder is replaced). */
  constructor(el: HTMLElement) {
    this.#el = el;
    const card = document.createElement("section");
    card.className = "card chart sweep-curves";
    const toolbar = document.createElement("div");
    toolbar.className = "curve-toolbar";
    const metric = document.createElement("span");
    metric.className = "segmented";
    metric.append("Curve");
    for (
      const [value, label] of [
        ["eval", "greedy evaluations"],
        ["train", `training return (mean of ${TRAIN_WINDOW})`],
      ] as const
    ) {
      const b = button(label, () => this.#setMetric(value));
      b.dataset.value = value;
      this.#metricButtons.push(b);
      metric.append(b);
    }
    const show = document.createElement("span");
    show.className = "segmented";
    show.append(
      "Show",
      button("all", () => this.#showOnly(() => true)),
      button("best 5", () => this.#showOnly((_t, rank) => rank < 5)),
      button("none", () => this.#showOnly(() => false)),
    );
    toolbar.append(metric, show);
    this.#box = document.createElement("div");
    this.#box.className = "plot-box";
    this.#chips = document.createElement("div");
    this.#chips.className = "trial-toggles";
    this.#note = document.createElement("p");
    this.#note.className = "curve-note";
    card.append(toolbar, this.#box, this.#chips, this.#note);
    el.replaceChildren(card);
    this.#markMetric();
  }

  /** Redraws from `view` (fetching new training episodes first when those are shown). */
  async update(view: SweepView): Promise<void> {
    this.#view = view;
    if (this.#metric === "train") await this.#fetchFeeds(view);
    this.#draw();
  }

  #setMetric(m: CurveMetric): void {
    if (m === this.#metric) return;
    this.#metric = m;
    this.#markMetric();
    if (this.#view) void this.update(this.#view);
  }

  #markMetric(): void {
    for (const b of this.#metricButtons) {
      b.setAttribute("aria-pressed", String(b.dataset.value === this.#metric));
    }
    this.#el.dataset.metric = this.#metric;
  }

  /** Shows the trials `keep` says, by their configuration's rank (0 = best). */
  #showOnly(keep: (t: TrialSummary, rank: number) => boolean): void {
    const s = this.#view?.summary;
    if (!s) return;
    this.#hidden.clear();
    s.configurations.forEach((c, rank) => {
      for (const t of c.trials) if (!keep(t, rank)) this.#hidden.add(t.run);
    });
    this.#traces.forEach((t, i) =>
      this.#plot?.setSeries(i + 1, { show: !this.#hidden.has(t.key) })
    );
    this.#syncChips();
  }

  #toggle(key: string, show: boolean): void {
    if (show) this.#hidden.delete(key);
    else this.#hidden.add(key);
    const i = this.#traces.findIndex((t) => t.key === key);
    if (i >= 0) this.#plot?.setSeries(i + 1, { show });
    this.#syncChips();
  }

  /** Fetches the new episodes of every trial that is here and may still have some. */
  async #fetchFeeds(view: SweepView): Promise<void> {
    const wanted = (view.summary?.configurations ?? []).flatMap((c) => c.trials)
      .filter((t) => view.trialRuns[t.run] && t.state !== "waiting")
      .filter((t) => {
        const f = this.#feeds.get(t.run);
        return !f || f.state === "running" || t.state === "running";
      });
    // A few at a time: a search may have hundreds of trials.
    for (let i = 0; i < wanted.length; i += 4) {
      await Promise.all(wanted.slice(i, i + 4).map((t) => this.#fetchFeed(t.run, view)));
    }
  }

  async #fetchFeed(run: string, view: SweepView): Promise<void> {
    const id = view.trialRuns[run]!;
    const old = this.#feeds.get(run);
    const since = old?.next ?? 0;
    try {
      const res = await fetch(`/runs/${encodeURIComponent(id)}/episodes.json?since=${since}`);
      if (!res.ok) return;
      const feed: EpisodeFeed = await res.json();
      const fresh = !old || old.epoch !== feed.epoch;
      if (fresh && since > 0) {
        // The log was rewritten (a resumed trial): read it again from the start.
        this.#feeds.delete(run);
        return await this.#fetchFeed(run, view);
      }
      const f: Feed = fresh ? { epoch: feed.epoch, next: 0, state: "", step: [], ret: [] } : old;
      f.step.push(...feed.step);
      f.ret.push(...feed.return);
      f.next = feed.next;
      f.state = feed.state;
      this.#feeds.set(run, f);
    } catch { /* the next poll retries */ }
  }

  /** Every trial's curve for the metric shown, best configuration first. */
  #tracesOf(view: SweepView): Trace[] {
    const s = view.summary;
    if (!s) return [];
    const single = s.seeds.length === 1;
    const out: Trace[] = [];
    s.configurations.forEach((c, rank) => {
      c.trials.forEach((t, seedIndex) => {
        let xs: number[] = [], ys: number[] = [];
        if (this.#metric === "eval") {
          xs = t.intermediate.map(([step]) => step);
          ys = t.intermediate.map(([, v]) => v);
        } else {
          const f = this.#feeds.get(t.run);
          if (f) [xs, ys] = [f.step, rollingMeanOf(f.ret, TRAIN_WINDOW)];
        }
        if (xs.length === 0) return;
        out.push({
          key: t.run,
          label: single ? c.name : `${c.name} s${t.seed}`,
          title: `${t.run}: ${t.state}${t.score !== null ? `, score ${fmtScore(t.score)}` : ""}`,
          color: configColor(rank),
          dash: DASHES[seedIndex % DASHES.length],
          width: c.best ? 2.5 : 1.5,
          xs,
          ys,
        });
      });
    });
    return out;
  }

  #draw(): void {
    const view = this.#view;
    if (!view) return;
    const traces = this.#tracesOf(view);
    const data = this.#metric === "eval" ? joinExact(traces) : joinOnGrid(traces, GRID);
    const signature = JSON.stringify([this.#metric, traces.map((t) => t.key), data]);
    this.#note.textContent = this.#noteText(view, traces.length);
    if (signature === this.#signature) return;
    this.#signature = signature;
    this.#traces = traces;
    this.#data = data;
    this.#plot?.destroy();
    this.#plot = null;
    this.#box.replaceChildren();
    this.#el.dataset.series = String(traces.length);
    if (traces.length === 0) {
      const p = document.createElement("p");
      p.className = "placeholder";
      p.textContent = this.#metric === "eval"
        ? "No periodic evaluation yet: the curves start at the trials' first evaluation."
        : "No training episode here yet (trials run on another machine are not shown).";
      this.#box.append(p);
      this.#drawChips();
      return;
    }
    const series: SeriesSpec[] = traces.map((t) => ({
      label: t.label,
      color: t.color,
      dash: t.dash,
      width: t.width,
    }));
    // The solved line only once some curve is within reach of it: stretching the axis to a
    // far-off threshold would flatten the differences between trials that this chart is for.
    const top = Math.max(...traces.flatMap((t) => t.ys));
    const hlines: RefLine[] = view.threshold === null || top < view.threshold / 2
      ? []
      : [{ value: view.threshold, label: `solved ≥ ${view.threshold}`, color: GOOD }];
    this.#plot = plotIn(this.#box, data, series, {
      title: "",
      xLabel: "env step",
      height: 340,
      hlines,
    });
    traces.forEach((t, i) => {
      if (this.#hidden.has(t.key)) this.#plot!.setSeries(i + 1, { show: false });
    });
    const over = this.#plot.over;
    let frame = 0;
    over.addEventListener("mousemove", () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => this.#showValues(this.#plot?.cursor.idx ?? null));
    });
    over.addEventListener("mouseleave", () => {
      cancelAnimationFrame(frame);
      this.#showValues(null);
    });
    this.#drawChips();
  }

  /** The toggles, one chip per curve (its colour, its name, its value). */
  #drawChips(): void {
    const chips = this.#traces.map((t) => {
      const label = document.createElement("label");
      label.className = "trial-toggle";
      label.dataset.trial = t.key;
      label.title = t.title;
      label.style.setProperty("--swatch", t.color);
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = !this.#hidden.has(t.key);
      box.onchange = () => this.#toggle(t.key, box.checked);
      const name = document.createElement("span");
      name.className = "swatch";
      name.textContent = t.label;
      const value = document.createElement("span");
      value.className = "value";
      label.append(box, name, value);
      return label;
    });
    this.#chips.replaceChildren(...chips);
    this.#syncChips();
    this.#showValues(null);
  }

  /** The chips' checkboxes as the hidden set says. */
  #syncChips(): void {
    for (const label of this.#chips.querySelectorAll<HTMLElement>("label[data-trial]")) {
      const on = !this.#hidden.has(label.dataset.trial!);
      label.querySelector("input")!.checked = on;
      label.classList.toggle("off", !on);
    }
    this.#el.dataset.shown = String(this.#traces.filter((t) => !this.#hidden.has(t.key)).length);
  }

  /** Each chip's value at data index `at`, or its curve's last value. */
  #showValues(at: number | null): void {
    const values = this.#chips.querySelectorAll<HTMLElement>(".value");
    this.#traces.forEach((_t, i) => {
      const ys = this.#data[i + 1] as (number | null)[];
      let v: number | null = null;
      if (at !== null) v = ys[at] ?? null;
      else for (let j = ys.length - 1; j >= 0 && v === null; j--) v = ys[j] ?? null;
      if (values[i]) values[i].textContent = fmtScore(v);
    });
    const step = at === null ? undefined : (this.#data[0] as number[])[at];
    if (step === undefined) delete this.#chips.dataset.at;
    else this.#chips.dataset.at = String(step);
  }

  #noteText(view: SweepView, drawn: number): string {
    const trials = (view.summary?.configurations ?? []).reduce((a, c) => a + c.trials.length, 0);
    const missing = trials - drawn;
    const base = this.#metric === "eval"
      ? "Mean return of the periodic greedy evaluations during training (eval/mean_return, " +
        "what the pruner compares)."
      : `Rolling mean of the last ${TRAIN_WINDOW} training episodes' returns (with exploration).`;
    const solved = view.threshold === null ? "" : ` Solved at ${view.threshold}.`;
    return missing > 0
      ? `${base}${solved} ${missing} of ${trials} trials have no curve yet.`
      : base + solved;
  }
}

/** The colour of the configuration ranked `rank` (0 = best): the palette, then distinct hues. */
function configColor(rank: number): string {
  if (rank < PALETTE.length) return PALETTE[rank];
  // Golden-angle steps keep later hues apart from each other.
  return `hsl(${Math.round((rank * 137.508) % 360)} 55% 45%)`;
}

function button(label: string, onclick: () => void): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.onclick = onclick;
  return b;
}

/** The mean of the last `window` values at each index. */
function rollingMeanOf(values: readonly number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  values.forEach((v, i) => {
    sum += v;
    if (i >= window) sum -= values[i - window];
    out.push(sum / Math.min(i + 1, window));
  });
  return out;
}

/** The traces on the union of their steps (evaluations share their steps: few points). */
function joinExact(traces: readonly Trace[]): uPlot.AlignedData {
  const xs = [...new Set(traces.flatMap((t) => t.xs))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const cols = traces.map((t) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    t.xs.forEach((x, i) => col[at.get(x)!] = t.ys[i]);
    return col;
  });
  return [xs, ...cols] as uPlot.AlignedData;
}

/**
 * The traces sampled on `n` evenly spaced steps: each one's latest value at or before a step,
 * nothing before its first point or after its last (a running trial's line ends where it is).
 */
function joinOnGrid(traces: readonly Trace[], n: number): uPlot.AlignedData {
  const lo = Math.min(...traces.map((t) => t.xs[0]));
  const hi = Math.max(...traces.map((t) => t.xs[t.xs.length - 1]));
  if (!Number.isFinite(lo)) return [[]];
  const count = hi > lo ? n : 1;
  const xs = Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / Math.max(1, n - 1));
  xs[count - 1] = hi; // exactly: the longest curves keep their last point
  const cols = traces.map((t) => {
    const col: (number | null)[] = [];
    let j = -1;
    for (const x of xs) {
      while (j + 1 < t.xs.length && t.xs[j + 1] <= x) j++;
      col.push(j < 0 || x > t.xs[t.xs.length - 1] ? null : t.ys[j]);
    }
    return col;
  });
  return [xs, ...cols] as uPlot.AlignedData;
}
