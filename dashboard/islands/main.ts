/**
 * Entry point of the browser bundle: mounts each island placeholder (`[data-island]`) with
 * its JSON props. An island that fails shows its error in place; the rest still mount.
 * @module
 */
import "uplot/dist/uPlot.min.css";
import { mountApiDocs } from "./api_docs.ts";
import { mountCompareChart } from "./compare_chart.ts";
import { mountEvaluate } from "./evaluate.ts";
import { mountReplay } from "./replay.ts";
import { mountReturnCurve } from "./return_curve.ts";
import { mountSortable } from "./sortable.ts";
import { mountSweep, type SweepProps } from "./sweep_page.ts";
import { mountTrainCharts } from "./train_charts.ts";
import type {
  CompareProps,
  EvaluateProps,
  ReplayProps,
  ReturnCurveProps,
  TrainChartsProps,
} from "./props.ts";

/** Island name → mount function; props are the placeholder's parsed `data-props`. */
const ISLANDS: Record<string, (el: HTMLElement, props: unknown) => void> = {
  "train-charts": (el, p) => mountTrainCharts(el, p as TrainChartsProps),
  "return-curve": (el, p) => mountReturnCurve(el, p as ReturnCurveProps),
  "evaluate": (el, p) => mountEvaluate(el, p as EvaluateProps),
  "compare-chart": (el, p) => mountCompareChart(el, p as CompareProps),
  "replay": (el, p) => mountReplay(el, p as ReplayProps),
  "sortable": (el) => mountSortable(el),
  "sweep": (el, p) => mountSweep(el, p as SweepProps),
  "api-docs": (el) => mountApiDocs(el),
};

for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const name = el.dataset.island ?? "";
  try {
    const mount = ISLANDS[name];
    if (!mount) throw new Error(`unknown island "${name}"`);
    mount(el, JSON.parse(el.dataset.props ?? "{}"));
    el.dataset.mounted = "true";
  } catch (err) {
    console.error(err);
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = `This part of the page failed to load: ${
      err instanceof Error ? err.message : err
    }`;
    el.append(p);
  }
}
