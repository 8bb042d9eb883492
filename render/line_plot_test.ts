import assert from "node:assert/strict";
import type { RgbaFrame } from "../envs/types.ts";
import {
  formatTicks,
  layoutReturnsPlot,
  niceTicks,
  PLOT_COLORS,
  plotReturns,
  type PlotReturnsOptions,
  rollingMean,
} from "./line_plot.ts";
import { encodePng } from "./png.ts";

function pixel(f: RgbaFrame, x: number, y: number): number[] {
  const i = (y * f.width + x) * 4;
  return [f.data[i], f.data[i + 1], f.data[i + 2]];
}

const is = (p: number[], c: readonly number[]) => p[0] === c[0] && p[1] === c[1] && p[2] === c[2];

/** Rows holding a pixel of exactly `color` in column `x`. */
function rowsOf(f: RgbaFrame, x: number, color: readonly number[]): number[] {
  const rows: number[] = [];
  for (let y = 0; y < f.height; y++) if (is(pixel(f, x, y), color)) rows.push(y);
  return rows;
}

/** A learning curve: returns rising from about 20 to about 480, with noise. */
function curve(n: number): number[] {
  return Array.from({ length: n }, (_, i) =>
    20 + 460 / (1 + Math.exp(-(i - n / 2) / (n / 10))) +
    25 * Math.sin(i * 1.7));
}

Deno.test("plotReturns draws a frame of the asked size", () => {
  const f = plotReturns({ episodes: curve(300) });
  assert.equal(f.width, 800);
  assert.equal(f.height, 500);
  assert.equal(f.data.length, 800 * 500 * 4);
  assert.deepEqual(pixel(f, 2, 2), [...PLOT_COLORS.background]);
  const small = plotReturns({ episodes: curve(50), width: 400, height: 260 });
  assert.equal(small.width, 400);
  assert.equal(small.height, 260);
});

Deno.test("plotReturns draws the threshold dashed on the row of its value", () => {
  // Returns in 0..20 and a threshold of 100: nothing else is drawn near the threshold's row.
  const episodes = Array.from({ length: 200 }, (_, i) => 10 + 10 * Math.sin(i));
  const options: PlotReturnsOptions = { episodes, threshold: 100 };
  const f = plotReturns(options);
  const L = layoutReturnsPlot(options);
  const row = Math.round(L.yToPx(100));
  // The dashes are two pixels thick, on the rows either side of the value's height.
  const x = L.left + 3;
  assert.deepEqual(rowsOf(f, x, PLOT_COLORS.threshold), [row - 1, row]);
  // Dashed: along the row, threshold and background alternate.
  let runs = 0;
  for (let px = L.left; px < L.left + 220; px++) {
    const a = is(pixel(f, px, row), PLOT_COLORS.threshold);
    const b = is(pixel(f, px + 1, row), PLOT_COLORS.threshold);
    if (a && !b) runs++;
  }
  assert.equal(runs, 10, `7 on, 4 off at text scale 2: 10 dashes in 220 px`);
  // Without a threshold there is no threshold colour anywhere.
  const none = plotReturns({ episodes });
  for (let y = 0; y < none.height; y += 2) {
    for (let px = 0; px < none.width; px += 2) {
      assert.ok(!is(pixel(none, px, y), PLOT_COLORS.threshold), `threshold colour at ${px},${y}`);
    }
  }
});

Deno.test("plotReturns places the threshold linearly in the data's range", () => {
  // The first two episodes fix the range to 0..100; the threshold moves within it.
  const episodes = [0, 100, ...Array.from({ length: 98 }, () => 50)];
  const rowAt = (threshold: number) => {
    const f = plotReturns({ episodes, threshold, window: 10 });
    const x = layoutReturnsPlot({ episodes, threshold }).left + 2;
    const rows = rowsOf(f, x, PLOT_COLORS.threshold);
    assert.equal(rows.length, 2, `threshold ${threshold}: rows ${rows}`);
    return rows[0];
  };
  const r20 = rowAt(20), r40 = rowAt(40), r60 = rowAt(60), r80 = rowAt(80);
  assert.ok(r20 > r40 && r40 > r60 && r60 > r80, "higher returns are higher up");
  assert.ok(Math.abs((r20 - r40) - (r60 - r80)) <= 1, `even spacing: ${[r20, r40, r60, r80]}`);
  assert.ok(r20 - r80 > 200, "the range fills the plot's height");
});

Deno.test("plotReturns draws the rolling mean thick over the episodes", () => {
  const episodes = curve(400);
  const options = { episodes, window: 50 };
  const f = plotReturns(options);
  const L = layoutReturnsPlot(options);
  const mean = rollingMean(episodes, 50);
  for (const i of [60, 200, 390]) {
    const x = Math.round(L.xToPx(i + 1) - 0.5);
    const rows = rowsOf(f, x, PLOT_COLORS.mean);
    assert.ok(rows.length >= 2, `thick mean line at episode ${i + 1}: ${rows.length} rows`);
    const centre = (rows[0] + rows[rows.length - 1] + 1) / 2;
    assert.ok(Math.abs(centre - L.yToPx(mean[i])) < 1.5, `episode ${i + 1}: ${centre}`);
  }
});

Deno.test("plotReturns uses global steps for the x axis when given", () => {
  const episodes = curve(100);
  let t = 0;
  const steps = episodes.map((r) => (t += Math.round(r)));
  const L = layoutReturnsPlot({ episodes, steps });
  assert.deepEqual(L.xs, steps);
  assert.equal(L.xRange[1], steps[steps.length - 1]);
  assert.ok(L.xTicks.every((v) => v % 1000 === 0), `round step ticks: ${L.xTicks}`);
  assert.equal(layoutReturnsPlot({ episodes, steps, xAxis: "episode" }).xs[99], 100);
  plotReturns({ episodes, steps, threshold: 475 });
});

Deno.test("plotReturns rejects empty input, NaN and bad options with clear errors", () => {
  assert.throws(() => plotReturns({ episodes: [] }), (e: unknown) => {
    assert.ok(e instanceof RangeError);
    assert.match(e.message, /at least one episode return; episodes is empty/);
    return true;
  });
  assert.throws(
    () => plotReturns({ episodes: [1, 2, NaN, 4] }),
    /episodes\[2\] must be a finite number, got NaN/,
  );
  assert.throws(() => plotReturns({ episodes: [1, Infinity] }), /episodes\[1\] .* got Infinity/);
  assert.throws(() => plotReturns({ episodes: [1, 2], steps: [5] }), /one step per episode \(2\)/);
  assert.throws(
    () => plotReturns({ episodes: [1, 2], steps: [5, 3] }),
    /non-decreasing; steps\[1\] is 3 after 5/,
  );
  assert.throws(() => plotReturns({ episodes: [1], xAxis: "step" }), /needs steps/);
  assert.throws(() => plotReturns({ episodes: [1], window: 0 }), /window .* got 0/);
  assert.throws(() => plotReturns({ episodes: [1], threshold: NaN }), /threshold .* got NaN/);
  assert.throws(() => plotReturns({ episodes: [1], width: 50 }), /width .* 200..8192, got 50/);
});

Deno.test("plotReturns handles a single episode and a flat curve", () => {
  for (const episodes of [[42], [7, 7, 7]]) {
    const L = layoutReturnsPlot({ episodes });
    assert.ok(L.yRange[0] < episodes[0] && episodes[0] < L.yRange[1], `${L.yRange}`);
    assert.ok(L.xRange[1] > L.xRange[0]);
    plotReturns({ episodes, threshold: 10 });
  }
});

Deno.test("rollingMean, niceTicks and formatTicks", () => {
  assert.deepEqual([...rollingMean([1, 2, 3, 4], 2)], [1, 1.5, 2.5, 3.5]);
  assert.deepEqual([...rollingMean([4, 2, 6], 100)], [4, 3, 4]);
  assert.throws(() => rollingMean([1], 1.5), /window must be a positive integer, got 1.5/);
  assert.deepEqual(niceTicks(0, 500, 5), [0, 100, 200, 300, 400, 500]);
  assert.deepEqual(niceTicks(-0.05, 1.05, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(-263, 312, 6), [-200, -100, 0, 100, 200, 300]);
  assert.deepEqual(niceTicks(0, 3, 10, 1), [0, 1, 2, 3]);
  assert.deepEqual(formatTicks([0, 50000, 100000]), ["0", "50k", "100k"]);
  assert.deepEqual(formatTicks([0, 500000, 1000000, 1500000]), ["0", "0.5M", "1.0M", "1.5M"]);
  assert.deepEqual(formatTicks([0, 0.2, 0.4]), ["0.0", "0.2", "0.4"]);
  assert.deepEqual(formatTicks([-200, 0, 200]), ["-200", "0", "200"]);
});

Deno.test("example learning curve as PNG (LINE_PLOT_PNG=path to keep it)", async () => {
  const episodes = curve(600);
  const png = encodePng(plotReturns({ episodes, threshold: 475, title: "CartPole-v1 DQN" }));
  assert.deepEqual([...png.subarray(1, 4)], [80, 78, 71]);
  const path = Deno.env.get("LINE_PLOT_PNG");
  if (path) await Deno.writeFile(path, png);
});
