/**
 * The sweep pages in headless Chromium (Debian's `/usr/bin/chromium`, driven by
 * playwright-core) over a real quick sweep: `sweep.ts` trains three CartPole configurations ×
 * one seed; the sweeps list links it; its page shows the ranked table with the best marked,
 * sorts by a column, overlays the trials' learning curves (a toggled curve leaves the chart),
 * switches them to the training return, plots each swept parameter against the score (the
 * learning rate on a log axis), and each trial links to its run page. A second sweep, written
 * as running, turns finished on the open page without a reload. Saves screenshots under /tmp;
 * skips, saying why, only when Chromium is absent.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { CHROMIUM, hasChromium, openPage } from "./_browser_testing.ts";
import { serveDashboard } from "../dashboard/app.ts";
import { runScript } from "../dashboard/_testing.ts";
import { PALETTE } from "../dashboard/islands/charts.ts";
import { SweepFolder } from "../sweeps/sweep_folder.ts";
import { parseSweepFile } from "../sweeps/sweep_file.ts";
import type { SweepSummary } from "../sweeps/summary.ts";

if (!hasChromium) {
  console.log(
    `sweep pages browser test skipped: ${CHROMIUM} is missing (apt-get install chromium)`,
  );
}

/** A quick sweep: three learning rates (log-spread) and a gamma; 1 seed × 3,000 steps each. */
const SWEEP = {
  name: "lr",
  description: "How fast should DQN learn on CartPole?",
  algo: "dqn",
  env: "CartPole-v1",
  steps: 3000,
  seeds: [1],
  device: "cpu",
  hyperparameters: {
    learningStarts: 200,
    trainFreq: 64,
    gradientSteps: 16,
    evalEvery: 500,
    evalEpisodes: 2,
  },
  experiments: {
    fast: { description: "A larger step size", learningRate: 1e-2 },
    slow: { description: "Tiny steps, shorter horizon", learningRate: 1e-5, gamma: 0.95 },
  },
  evaluation: { episodes: 4, seed: 7 },
};

/** Pixels of the canvas inside `selector` close to colour `hex`. */
function pixels(page: Page, selector: string, hex: string) {
  const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return page.$eval(selector, (root, rgb) => {
    const c = root.querySelector("canvas")!;
    const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      const diff = Math.abs(d[i] - rgb[0]) + Math.abs(d[i + 1] - rgb[1]) +
        Math.abs(d[i + 2] - rgb[2]);
      if (d[i + 3] > 0 && diff < 60) n++;
    }
    return n;
  }, rgb);
}

/** The configuration names of the ranked table, top to bottom. */
const tableOrder = (page: Page) =>
  page.$$eval(
    "[data-part=table] tbody tr",
    (rows) => rows.map((r) => (r as HTMLElement).dataset.config),
  );

Deno.test({
  name: "sweep pages in headless Chromium",
  ignore: !hasChromium,
  async fn() {
    const runsDir = await Deno.makeTempDir({ prefix: "eagle-sweep-browser-" });
    const profile = await Deno.makeTempDir({ prefix: "eagle-chromium-" });
    const file = join(runsDir, "lr.json");
    await Deno.writeTextFile(file, JSON.stringify(SWEEP));
    await runScript("sweep.ts", [file, "--out", runsDir, "--parallel", "2", "--quiet"]);
    const folder = SweepFolder.of(runsDir, "lr");
    const summary = (await folder.readSummary())!;
    assert.equal(summary.state, "finished");
    const ranked = summary.configurations.map((c) => c.name);
    const best = summary.configurations[0];
    assert.ok(best.best, "the sweep found a best configuration");

    // "live": the same sweep caught while running (the best trial halfway, no best yet).
    const live = SweepFolder.of(runsDir, "live");
    await live.create(parseSweepFile({ ...SWEEP, name: "live" }));
    const running: SweepSummary = {
      ...summary,
      name: "live",
      state: "running",
      updatedAt: new Date().toISOString(),
      best: null,
      progress: { ...summary.progress, ended: 2, running: 1, etaSeconds: 30 },
      configurations: summary.configurations.map((c) =>
        c.name !== best.name ? c : {
          ...c,
          best: false,
          state: "running",
          score: { mean: null, std: null, min: null, max: null, n: 0 },
          successRate: null,
          trials: c.trials.map((t) => ({
            ...t,
            state: "running",
            score: null,
            globalStep: 1500,
            intermediate: t.intermediate.slice(0, 3),
          })),
        }
      ),
    };
    await live.writeSummary(running);

    const server = serveDashboard({ runsDir, port: 0 });
    const { context, page, pageErrors } = await openPage(profile);
    try {
      // The runs list and the nav link the sweeps; the list links each sweep.
      await page.goto(server.url);
      assert.equal(
        await page.getAttribute(".sweeps-strip a[href='/sweeps/lr']", "href"),
        "/sweeps/lr",
      );
      await page.click("header nav a[href='/sweeps']");
      await page.waitForSelector("table.sweeps tr[data-sweep=lr]");
      assert.equal(await page.textContent("header nav a.current"), "Sweeps");
      assert.deepEqual(
        (await page.$$eval("table.sweeps tbody tr", (rs) => rs.map((r) => r.dataset.sweep))).sort(),
        ["live", "lr"],
      );
      assert.match(await page.textContent("tr[data-sweep=lr]") ?? "", new RegExp(best.name));
      await page.screenshot({ path: "/tmp/dashboard_sweeps_list.png", fullPage: true });
      await page.click("tr[data-sweep=lr] a[href='/sweeps/lr']");

      // The ranked table: the sweep's order, the best marked, the changes from the baseline.
      await page.waitForSelector("[data-island=sweep][data-updates] [data-part=table] table");
      assert.deepEqual(await tableOrder(page), ranked);
      const top = `[data-part=table] tr[data-config='${best.name}']`;
      assert.equal(await page.textContent(`${top} .badge.best`), "BEST");
      assert.equal(await page.$$eval("[data-part=table] .badge.best", (b) => b.length), 1);
      const fast = await page.textContent("[data-part=table] tr[data-config=fast]");
      assert.match(fast ?? "", /learningRate = 0\.01/);
      assert.match(await page.textContent("[data-kpi=best] .kpi-value") ?? "", /\d/);

      // Sorting: by score, lowest first on a second click; by name; the ranking again.
      const byScore = [...summary.configurations].sort((a, b) => b.score.mean! - a.score.mean!)
        .map((c) => c.name);
      await page.click("[data-part=table] th[data-col=score]");
      assert.deepEqual(await tableOrder(page), byScore);
      const lowest = [...summary.configurations].sort((a, b) => a.score.mean! - b.score.mean!)
        .map((c) => c.name);
      await page.click("[data-part=table] th[data-col=score]");
      assert.deepEqual(await tableOrder(page), lowest);
      assert.equal(
        await page.getAttribute("[data-part=table] th[data-col=score]", "data-dir"),
        "asc",
      );
      await page.click("[data-part=table] th[data-col=name]");
      assert.deepEqual(await tableOrder(page), [...ranked].sort());
      await page.click("[data-part=table] th[data-col=rank]");
      assert.deepEqual(await tableOrder(page), ranked);

      // Learning curves: one per trial; the best one's colour leaves the chart when toggled off.
      const curves = "[data-part=curves]";
      await page.waitForSelector(`${curves}[data-series='3'] .uplot canvas`);
      const colour = PALETTE[0];
      const on = await pixels(page, curves, colour);
      assert.ok(on > 150, `the best trial's curve is not drawn (${on} px)`);
      const chip = `${curves} label[data-trial='${best.trials[0].run}'] input`;
      await page.uncheck(chip);
      await page.waitForSelector(`${curves}[data-shown='2']`);
      const off = await pixels(page, curves, colour);
      assert.ok(off < on / 10, `the toggled curve is still drawn (${off} of ${on} px)`);
      await page.check(chip);
      await page.waitForSelector(`${curves}[data-shown='3']`);
      assert.ok(await pixels(page, curves, colour) > on * 0.9);

      // Scatter: the learning rate on a log axis, gamma on a linear one, a point per trial.
      const lr = ".sweep-scatter[data-param=learningRate]";
      await page.waitForSelector(`${lr} .uplot canvas`);
      assert.equal(await page.getAttribute(lr, "data-scale"), "log");
      assert.equal(await page.getAttribute(lr, "data-points"), "3");
      assert.equal(
        await page.getAttribute(".sweep-scatter[data-param=gamma]", "data-scale"),
        "linear",
      );
      await page.screenshot({ path: "/tmp/dashboard_sweep.png", fullPage: true });
      assert.ok(await pixels(page, lr, "#16a34a") > 20, "the best configuration's point is drawn");

      // The training return instead: every trial's episodes, read from its run folder.
      await page.click(`${curves} button[data-value=train]`);
      await page.waitForSelector(`${curves}[data-metric=train][data-series='3'] .uplot canvas`);
      assert.ok(await pixels(page, curves, colour) > 150);
      await page.screenshot({ path: "/tmp/dashboard_sweep_train.png" });

      // Each trial links to its run page, which works inside the sweep folder.
      await page.click(`${top} a.trial`);
      await page.waitForURL(/\/runs\/lr%2F/);
      assert.equal(
        decodeURIComponent(new URL(page.url()).pathname),
        `/runs/lr/${best.trials[0].run}`,
      );
      assert.match(await page.textContent("h1") ?? "", new RegExp(`lr/${best.trials[0].run}`));
      await page.waitForSelector("[data-island=return-curve][data-episodes] .uplot canvas");
      await page.waitForSelector("[data-island=train-charts] .uplot canvas");
      await page.screenshot({ path: "/tmp/dashboard_sweep_trial.png", fullPage: true });

      // Live: the running sweep's page turns finished when its summary does, without a reload.
      await page.goto(`${server.url}/sweeps/live`);
      await page.waitForSelector("[data-island=sweep][data-updates][data-state=running]");
      assert.equal(await page.$$eval("[data-part=table] .badge.best", (b) => b.length), 0);
      assert.match(
        await page.textContent(`[data-part=table] tr[data-config='${best.name}']`) ?? "",
        /running 50%/,
      );
      assert.equal(await page.textContent("[data-live=state] .badge"), "running");
      await page.screenshot({ path: "/tmp/dashboard_sweep_live.png", fullPage: true });
      await live.writeSummary({ ...summary, name: "live", updatedAt: new Date().toISOString() });
      await page.waitForSelector("[data-island=sweep][data-state=finished]", { timeout: 15_000 });
      await page.waitForSelector(`[data-part=table] tr[data-config='${best.name}'] .badge.best`);
      assert.equal(await page.textContent("[data-live=state] .badge"), "finished");
      assert.equal(await page.textContent("[data-kpi=trials] .kpi-value"), "3 / 3");

      assert.deepEqual(pageErrors, []);
    } finally {
      await context.close();
      await server.shutdown();
      await Deno.remove(runsDir, { recursive: true });
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    }
  },
});
