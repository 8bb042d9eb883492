/**
 * The `eval-charts` island: reward histogram (threshold and mean lines), reward per episode
 * coloured by success, and the steps histogram of the latest evaluation.
 * @module
 */
import type uPlot from "uplot";
import { BAD, chartCard, fmt, GOOD, histogram, PALETTE, type RefLine } from "./charts.ts";
import type { EvalChartsProps } from "./props.ts";

/** Mounts the island on `el`. */
export function mountEvalCharts(el: HTMLElement, props: EvalChartsProps): void {
  el.replaceChildren();
  const eps = props.episodes;
  const rewards = eps.map((e) => e.reward);
  const lines: RefLine[] = [{
    value: props.mean,
    label: `mean ${fmt(props.mean)}`,
    color: PALETTE[0],
  }];
  if (props.threshold !== null) {
    lines.push({ value: props.threshold, label: `threshold ${props.threshold}`, color: GOOD });
  }

  const [rx, rc] = histogram(rewards);
  chartCard(el, [rx, rc], [{ label: "episodes", color: PALETTE[4], style: "bars" }], {
    title: "Reward distribution",
    xLabel: "reward",
    vlines: lines,
    yFromZero: true,
  });

  const x = eps.map((e) => e.episode);
  const wins = eps.map((e) => (e.success ? e.reward : null));
  const losses = eps.map((e) => (e.success ? null : e.reward));
  chartCard(
    el,
    [x, wins, losses] as uPlot.AlignedData,
    [
      { label: "win", color: GOOD, style: "points" },
      { label: "loss", color: BAD, style: "points" },
    ],
    {
      title: "Reward per episode",
      xLabel: "episode",
      hlines: props.threshold === null
        ? []
        : [{ value: props.threshold, label: "threshold", color: GOOD }],
    },
  );

  const [sx, sc] = histogram(eps.map((e) => e.steps));
  const meanSteps = eps.reduce((a, e) => a + e.steps, 0) / Math.max(1, eps.length);
  chartCard(el, [sx, sc], [{ label: "episodes", color: PALETTE[5], style: "bars" }], {
    title: "Episode length distribution",
    xLabel: "steps",
    yFromZero: true,
    vlines: [{ value: meanSteps, label: `mean ${meanSteps.toFixed(1)}`, color: PALETTE[0] }],
  });
}
