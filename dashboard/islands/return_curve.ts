/**
 * The `return-curve` island: every training episode's return as a light point, with a rolling
 * mean over a window the visitor picks (10, 50, 100 or any other) and an x axis of episodes or
 * env steps. Polls `/runs/:id/episodes.json?since=N` while the run trains, so new episodes
 * appear live; shows the periodic evaluation means, the env's threshold and a marker where
 * the run diverged.
 * @module
 */
import type uPlot from "uplot";
import type { MetricEvent } from "../../core/run_log.ts";
import {
  BAD,
  GOOD,
  PALETTE,
  plotIn,
  type RefLine,
  rollingMean,
  type SeriesSpec,
} from "./charts.ts";
import type { ReturnCurveProps } from "./props.ts";
import type { EpisodeFeed } from "./protocol.ts";

/** Windows offered as buttons; any other can be typed. */
const WINDOWS = [10, 50, 100];
/** Points up to which markers are drawn larger. */
const FEW = 400;

/** Mounts the island on `el`. */
export function mountReturnCurve(el: HTMLElement, props: ReturnCurveProps): void {
  const episode: number[] = [], step: number[] = [], ret: number[] = [];
  let evals: EpisodeFeed["evals"] = { step: [], mean: [] };
  let events: MetricEvent[] = [];
  let source: EpisodeFeed["source"] = "episodes";
  let next = 0, epoch = "";
  let state = props.state;
  let window = props.window;
  let axis: "episode" | "step" = "episode";
  let plot: uPlot | null = null;

  el.replaceChildren();
  const card = document.createElement("section");
  card.className = "card chart";
  const head = document.createElement("div");
  head.className = "curve-head";
  const title = document.createElement("h3");
  title.textContent = "Episode returns";
  const live = document.createElement("span");
  live.className = "live";
  head.append(title, live);

  const toolbar = document.createElement("div");
  toolbar.className = "curve-toolbar";
  const axisGroup = segmented("x axis", [["episode", "Episode"], ["step", "Env step"]], (v) => {
    axis = v as typeof axis;
    draw();
  });
  const windowInput = document.createElement("input");
  windowInput.type = "number";
  windowInput.min = "1";
  windowInput.max = "100000";
  windowInput.value = String(window);
  windowInput.title = "rolling mean window (episodes)";
  windowInput.setAttribute("aria-label", "rolling mean window");
  const windowGroup = segmented(
    "rolling mean",
    WINDOWS.map((w) => [String(w), String(w)]),
    (v) => setWindow(Number(v)),
  );
  windowGroup.append(windowInput, text(" episodes"));
  windowInput.onchange = () => setWindow(Math.floor(Number(windowInput.value)));
  toolbar.append(axisGroup, windowGroup);
  const box = document.createElement("div");
  const foot = document.createElement("p");
  foot.className = "curve-note";
  card.append(head, toolbar, box, foot);
  el.append(card);

  const setWindow = (w: number) => {
    if (!Number.isInteger(w) || w < 1) {
      windowInput.value = String(window);
      return;
    }
    window = w;
    windowInput.value = String(w);
    draw();
  };

  const draw = () => {
    mark(axisGroup, axis);
    mark(windowGroup, String(window));
    el.dataset.window = String(window);
    el.dataset.axis = axis;
    el.dataset.episodes = String(ret.length);
    el.dataset.source = source;
    plot?.destroy();
    plot = null;
    box.replaceChildren();
    if (ret.length === 0) {
      const p = document.createElement("p");
      p.className = "placeholder";
      p.textContent = state === "running"
        ? "No episode has finished yet; waiting for the first one…"
        : "No training episodes recorded.";
      box.append(p);
      return;
    }
    const x = axis === "episode" ? episode : step;
    // Evaluations are drawn at the first episode that ended at or after their step (at the
    // last one for an evaluation after the last episode).
    const evalCol: (number | null)[] = new Array(ret.length).fill(null);
    evals.step.forEach((s, i) => {
      evalCol[Math.min(ret.length - 1, firstAtOrAfter(step, s))] = evals.mean[i];
    });
    const series: SeriesSpec[] = [
      {
        label: "episode return",
        color: "#93c5fd",
        style: "points",
        pointSize: ret.length > FEW ? 3 : 5,
      },
      { label: `mean of last ${window}`, color: PALETTE[0], width: 2.5 },
    ];
    const data: (number | null)[][] = [ret, rollingMean(ret, window)];
    if (evals.mean.length) {
      series.push({ label: "eval mean return", color: PALETTE[3], style: "points" });
      data.push(evalCol);
    }
    const hlines: RefLine[] = props.threshold === null
      ? []
      : [{ value: props.threshold, label: `solved ≥ ${props.threshold}`, color: GOOD }];
    const vlines: RefLine[] = events.filter((e) => e.event === "diverged").map((e) => ({
      value: axis === "step"
        ? e.global_step
        : episode[Math.max(0, lastAtOrBefore(step, e.global_step))],
      label: `diverged at step ${e.global_step.toLocaleString("en-US")}`,
      color: BAD,
    }));
    plot = plotIn(box, [x, ...data] as uPlot.AlignedData, series, {
      title: "",
      xLabel: axis === "episode" ? "episode" : "env step",
      hlines,
      vlines,
      height: 300,
    });
    const last = rollingMean(ret, window).at(-1);
    foot.textContent = `${ret.length.toLocaleString("en-US")} episodes` +
      (last === null || last === undefined
        ? ""
        : ` · mean of the last ${Math.min(window, ret.length)}: ${last.toFixed(2)}`) +
      (source === "metrics"
        ? " · from metrics.jsonl (this run has no episodes.jsonl: only the logged returns)"
        : "");
  };

  const poll = async (): Promise<void> => {
    try {
      const res = await fetch(
        `/runs/${encodeURIComponent(props.run)}/episodes.json?since=${next}`,
      );
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const feed: EpisodeFeed = await res.json();
      if (epoch && feed.epoch !== epoch) {
        // The log was rewritten (a resume): start over.
        epoch = "";
        next = 0;
        episode.length = step.length = ret.length = 0;
        return poll();
      }
      const grew = feed.return.length > 0 || feed.events.length !== events.length ||
        feed.evals.mean.length !== evals.mean.length || plot === null;
      epoch = feed.epoch;
      source = feed.source;
      // Loops rather than push(...xs): a long run sends more values than a call takes.
      for (let i = 0; i < feed.return.length; i++) {
        episode.push(feed.episode[i]);
        step.push(feed.step[i]);
        ret.push(feed.return[i]);
      }
      evals = feed.evals;
      events = feed.events;
      next = feed.next;
      state = feed.state;
      if (grew) draw();
      live.textContent = state === "running" ? "● live" : "";
    } catch (err) {
      live.textContent = `episodes unavailable (${
        err instanceof Error ? err.message : err
      }); retrying`;
    }
    if (state === "running") setTimeout(poll, props.pollSeconds * 1000);
  };
  void poll();
}

/** A row of toggle buttons; `onPick` gets the picked value. */
function segmented(
  label: string,
  options: string[][],
  onPick: (value: string) => void,
): HTMLElement {
  const group = document.createElement("span");
  group.className = "segmented";
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", label);
  group.append(text(`${label}: `));
  for (const [value, name] of options) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.value = value;
    b.textContent = name;
    b.onclick = () => onPick(value);
    group.append(b);
  }
  return group;
}

/** Marks the button of `value` in a segmented group as pressed. */
function mark(group: HTMLElement, value: string): void {
  for (const b of group.querySelectorAll<HTMLButtonElement>("button")) {
    b.setAttribute("aria-pressed", String(b.dataset.value === value));
  }
}

function text(s: string): Text {
  return document.createTextNode(s);
}

/** Index of the first value ≥ `v` in ascending `xs` (`xs.length` when none). */
function firstAtOrAfter(xs: number[], v: number): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the last value ≤ `v` in ascending `xs` (-1 when none). */
function lastAtOrBefore(xs: number[], v: number): number {
  return firstAtOrAfter(xs, v + 1e-9) - 1;
}
