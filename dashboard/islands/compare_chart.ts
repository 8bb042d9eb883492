/**
 * The `compare-chart` island: one metric of several runs on a shared step axis, with optional
 * smoothing; polls while any of the runs trains.
 * @module
 */
import uPlot from "uplot";
import type { MetricRecord } from "../../core/run_log.ts";
import { chartCard, note, PALETTE, rollingMean } from "./charts.ts";
import type { CompareProps } from "./props.ts";

interface RunSeries {
  id: string;
  state: string;
  records: MetricRecord[];
}

/** Mounts the island on `el`. */
export function mountCompareChart(el: HTMLElement, props: CompareProps): void {
  let smoothing = 10;
  let runs: RunSeries[] = [];
  let plot: uPlot | null = null;

  const toolbar = document.createElement("label");
  toolbar.className = "toolbar";
  toolbar.textContent = "Smoothing ";
  const select = document.createElement("select");
  for (const w of [1, 5, 10, 25, 50]) {
    const o = document.createElement("option");
    o.value = String(w);
    o.textContent = w === 1 ? "none" : `rolling mean of ${w}`;
    o.selected = w === smoothing;
    select.append(o);
  }
  select.onchange = () => {
    smoothing = Number(select.value);
    draw();
  };
  toolbar.append(select);

  const draw = () => {
    plot?.destroy();
    el.replaceChildren();
    const withData = runs.filter((r) => r.records.some((rec) => props.metric in rec));
    if (withData.length === 0) {
      note(el, `None of the runs records ${props.metric}.`);
      return;
    }
    const tables = withData.map((r) => {
      const recs = r.records.filter((rec) => props.metric in rec);
      const ys = rollingMean(recs.map((rec) => rec[props.metric]), smoothing);
      return [recs.map((rec) => rec.global_step), ys] as uPlot.AlignedData;
    });
    const data = uPlot.join(tables);
    plot = chartCard(
      el,
      data,
      withData.map((r, i) => ({ label: r.id, color: PALETTE[i % PALETTE.length], width: 2 })),
      {
        title: props.metric,
        xLabel: "step",
        height: 380,
        toolbar,
        hlines: props.threshold === null
          ? []
          : [{ value: props.threshold, label: `threshold ${props.threshold}`, color: "#16a34a" }],
      },
    );
    el.dataset.series = String(withData.length);
  };

  const load = async () => {
    runs = await Promise.all(props.runs.map(async (id) => {
      const res = await fetch(`/api/runs/${encodeURIComponent(id)}/metrics`);
      if (!res.ok) return { id, state: "unknown", records: [] };
      const a: { state: string; records: MetricRecord[] } = await res.json();
      return { id, state: a.state, records: a.records };
    }));
    draw();
    if (runs.some((r) => r.state === "running")) setTimeout(load, 5000);
  };
  void load();
}
