/**
 * The `train-charts` island: the training curves of one run other than its returns (losses,
 * exploration, learning rate, speed) from `/api/runs/:id/metrics`, polled with `since=N` while
 * the run trains so new points appear without a reload.
 * @module
 */
import type uPlot from "uplot";
import type { MetricRecord } from "../../core/run_log.ts";
import { chartCard, note, PALETTE, type SeriesSpec } from "./charts.ts";
import type { TrainChartsProps } from "./props.ts";

/** Answer of `GET /api/runs/:id/metrics`. */
interface MetricsAnswer {
  state: string;
  next: number;
  records: MetricRecord[];
}

/** One chart: which metric keys it draws and how. */
interface ChartPlan {
  title: string;
  /** Builds the series values from the records (x is always `global_step`). */
  build(records: MetricRecord[]): (number | null)[][];
  series: SeriesSpec[];
}

/** Keys that are bookkeeping, or drawn by the return curve. */
const SKIP = new Set([
  "global_step",
  "wall_time",
  "charts/episodes",
  "charts/episodic_return",
  "eval/mean_return",
]);

/** Mounts the island on `el`. */
export function mountTrainCharts(el: HTMLElement, props: TrainChartsProps): void {
  const records: MetricRecord[] = [];
  let next = 0;
  let keys = "";
  let plots: { plan: ChartPlan; plot: uPlot }[] = [];
  const live = document.createElement("span");
  live.className = "live";

  const render = () => {
    const seen = new Set<string>();
    for (const r of records) for (const k of Object.keys(r)) seen.add(k);
    const signature = [...seen].sort().join(",");
    if (signature === keys && plots.length) {
      // Same charts: only new data.
      const x = records.map((r) => r.global_step);
      for (const { plan, plot } of plots) {
        plot.setData([x, ...plan.build(records)] as uPlot.AlignedData);
      }
      return;
    }
    keys = signature;
    for (const { plot } of plots) plot.destroy();
    el.replaceChildren(live);
    plots = [];
    if (records.length === 0) {
      note(
        el,
        props.state === "running"
          ? "No metrics yet; waiting for the first line…"
          : "No metrics recorded.",
      );
      return;
    }
    const x = records.map((r) => r.global_step);
    for (const plan of plansFor(seen)) {
      const data = [x, ...plan.build(records)] as uPlot.AlignedData;
      plots.push({
        plan,
        plot: chartCard(el, data, plan.series, { title: plan.title, xLabel: "step" }),
      });
    }
  };

  let state = props.state;
  const poll = async (): Promise<void> => {
    try {
      const res = await fetch(`/api/runs/${encodeURIComponent(props.run)}/metrics?since=${next}`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const answer: MetricsAnswer = await res.json();
      if (answer.next < next) {
        // metrics.jsonl was replaced: start over.
        records.length = 0;
        next = 0;
        return poll();
      }
      const grew = answer.records.length > 0;
      records.push(...answer.records);
      next = answer.next;
      state = answer.state;
      if (grew || plots.length === 0) render();
      const step = document.querySelector("[data-live=step]");
      if (step && records.length) {
        step.textContent = records[records.length - 1].global_step.toLocaleString("en-US");
      }
      live.textContent = state === "running" ? `● live, ${records.length} points` : "";
      el.dataset.points = String(records.length);
    } catch (err) {
      live.textContent = `metrics unavailable (${
        err instanceof Error ? err.message : err
      }); retrying`;
    }
    if (state === "running") setTimeout(poll, props.pollSeconds * 1000);
  };
  void poll();
}

/** The charts for the metric keys present (returns are drawn by the `return-curve` island). */
function plansFor(keys: Set<string>): ChartPlan[] {
  const plans: ChartPlan[] = [];
  const used = new Set<string>(SKIP);
  const col = (k: string) => (rs: MetricRecord[]) => rs.map((r) => r[k] ?? null);
  const single = (key: string, title: string, color: string) => {
    if (!keys.has(key) || used.has(key)) return;
    plans.push({ title, series: [{ label: key, color }], build: (rs) => [col(key)(rs)] });
    used.add(key);
  };
  single("charts/episodic_length", "Episode length", PALETTE[2]);
  for (
    const k of [...keys].filter((k) => k.startsWith("losses/") && k !== "losses/entropy").sort()
  ) {
    single(k, `Loss: ${k.slice(7)}`, PALETTE[1]);
  }
  single("charts/epsilon", "Exploration: epsilon", PALETTE[4]);
  single("losses/entropy", "Exploration: policy entropy", PALETTE[4]);
  single("charts/entropy", "Exploration: policy entropy", PALETTE[4]);
  single("charts/learning_rate", "Learning rate", PALETTE[6]);
  single("charts/sps", "Steps per second", PALETTE[5]);
  single("charts/SPS", "Steps per second", PALETTE[5]);
  let i = 0;
  for (const k of [...keys].sort()) single(k, k, PALETTE[i++ % PALETTE.length]);
  return plans;
}
