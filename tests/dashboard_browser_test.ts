/**
 * The dashboard in headless Chromium (Debian's `/usr/bin/chromium`, driven by playwright-core)
 * over a small real run: KPIs match eval.json, the uPlot charts drew, the table sorts, the
 * replay animates, a running run's chart grows when a metrics line is appended, and the API
 * docs forms work. Saves screenshots; skips, saying why, only when Chromium is absent.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import type { EvalReport } from "../core/run_log.ts";
import { serveDashboard } from "../dashboard/app.ts";
import { fmt, pct } from "../dashboard/components/format.ts";
import { trainRun } from "../dashboard/_testing.ts";

const CHROMIUM = "/usr/bin/chromium";
const hasChromium = await Deno.stat(CHROMIUM).then((s) => s.isFile, () => false);
if (!hasChromium) {
  console.log(`dashboard browser test skipped: ${CHROMIUM} is missing (apt-get install chromium)`);
}

/** Painted pixels of each uPlot canvas on the page, and those close to `rgb` in the first one matching `title`. */
function canvasStats(page: Page, title: string, rgb: [number, number, number]) {
  return page.evaluate(([title, rgb]) => {
    const count = (c: HTMLCanvasElement, match?: [number, number, number]) => {
      const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] === 0) continue;
        if (
          !match ||
          Math.abs(d[i] - match[0]) + Math.abs(d[i + 1] - match[1]) +
                Math.abs(d[i + 2] - match[2]) < 60
        ) n++;
      }
      return n;
    };
    const cards = [...document.querySelectorAll("section.card.chart")];
    const painted = cards.map((card) => count(card.querySelector("canvas")!));
    const target = cards.find((c) => c.querySelector("h3")?.textContent === title);
    return { painted, colour: target ? count(target.querySelector("canvas")!, rgb) : -1 };
  }, [title, rgb] as const);
}

Deno.test({
  name: "dashboard pages in headless Chromium",
  ignore: !hasChromium,
  async fn() {
    const runsDir = await Deno.makeTempDir({ prefix: "eagle-dash-browser-" });
    const profile = await Deno.makeTempDir({ prefix: "eagle-chromium-" });
    const dir = await trainRun(runsDir, "fl", { steps: 50_000, evalEpisodes: 50 });
    const report: EvalReport = JSON.parse(await Deno.readTextFile(join(dir, "eval.json")));
    // A second run that says it is still training.
    const live = join(runsDir, "live");
    await Deno.mkdir(live);
    for (const f of ["config.json", "metrics.jsonl", "qtable.json"]) {
      await Deno.copyFile(join(dir, f), join(live, f));
    }
    const status = JSON.parse(await Deno.readTextFile(join(dir, "status.json")));
    await Deno.writeTextFile(
      join(live, "status.json"),
      JSON.stringify({ ...status, state: "running" }),
    );

    const server = serveDashboard({ runsDir, port: 0 });
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1400, height: 900 },
    });
    const pageErrors: string[] = [];
    try {
      const page = context.pages()[0] ?? await context.newPage();
      page.on("pageerror", (e) => pageErrors.push(e.message));
      page.on("console", (m) => m.type() === "error" && pageErrors.push(m.text()));

      // Run page: KPIs, charts, table.
      await page.goto(`${server.url}/runs/fl`);
      await page.waitForSelector("[data-island=train-charts][data-points] .uplot canvas");
      await page.waitForSelector("[data-island=eval-charts][data-mounted] .uplot canvas");
      const kpi = (id: string) => page.textContent(`[data-kpi=${id}] .kpi-value`);
      assert.equal(await kpi("mean"), fmt(report.mean_reward));
      assert.equal(await kpi("win"), pct(report.success_rate));
      assert.equal(await kpi("steps"), fmt(report.mean_steps, 1));
      const titles = await page.$$eval(
        "section.card.chart h3",
        (hs) => hs.map((h) => h.textContent),
      );
      for (
        const t of [
          "Episodic return",
          "Exploration: epsilon",
          "Steps per second",
          "Reward distribution",
          "Reward per episode",
          "Episode length distribution",
        ]
      ) {
        assert.ok(titles.includes(t), `no chart "${t}" in ${titles}`);
      }
      // Every chart painted its canvas, and the rolling mean (#2563eb) is drawn.
      const stats = await canvasStats(page, "Episodic return", [37, 99, 235]);
      assert.ok(stats.painted.every((n) => n > 2000), `blank canvas: ${stats.painted}`);
      assert.ok(stats.colour > 100, `rolling mean line not drawn (${stats.colour} px)`);
      const wins = await canvasStats(page, "Reward per episode", [22, 163, 74]);
      assert.equal(wins.colour > 20, report.success_rate > 0, `win points: ${wins.colour} px`);
      // Sorting the episodes table by reward, descending on the second click.
      const reward = page.locator("table.episodes th", { hasText: "Reward" });
      await reward.click();
      await reward.click();
      const rewards = await page.$$eval(
        "table.episodes tbody tr td:nth-child(3)",
        (tds) => tds.map((td) => Number((td as HTMLElement).dataset.value)),
      );
      assert.deepEqual(rewards, [...rewards].sort((a, b) => b - a));
      assert.equal(rewards.length, 50);
      const shot = join(dir, "screenshot.png");
      await page.screenshot({ path: shot, fullPage: true });
      await Deno.copyFile(shot, "/tmp/dashboard_run.png");

      // Replay: an episode is fetched from /api/play and animated.
      await page.goto(`${server.url}/runs/fl/replay?seed=1`);
      await page.waitForSelector("[data-island=replay][data-loaded]");
      await page.waitForFunction(() =>
        Number(document.querySelector<HTMLElement>("[data-island=replay]")!.dataset.frame) > 0
      );
      const painted = await page.$eval(".replay canvas", (c) => {
        const canvas = c as HTMLCanvasElement;
        const d = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
        return d.some((v, i) => i % 4 === 3 && v > 0);
      });
      assert.ok(painted, "replay canvas is blank");
      await page.screenshot({ path: join(runsDir, "replay.png") });

      // Live: a running run's chart grows when training appends a line.
      await page.goto(`${server.url}/runs/live`);
      await page.waitForSelector("[data-island=train-charts][data-points]");
      const before = Number(await page.getAttribute("[data-island=train-charts]", "data-points"));
      await Deno.writeTextFile(
        join(live, "metrics.jsonl"),
        JSON.stringify({ global_step: 60_000, wall_time: 99, "charts/episodic_return": 1 }) + "\n",
        { append: true },
      );
      await page.waitForFunction(
        (n) =>
          Number(
            document.querySelector<HTMLElement>("[data-island=train-charts]")!.dataset.points,
          ) > n,
        before,
        { timeout: 15_000 },
      );
      assert.equal(await page.textContent("[data-live=step]"), "60,000");

      // Runs list and the API docs forms.
      await page.goto(server.url);
      assert.equal(await page.locator("tr[data-run]").count(), 2);
      await page.goto(`${server.url}/api/docs`);
      await page.click("form[data-op='post /api/predict'] button");
      await page.waitForSelector("form[data-op='post /api/predict'] pre[data-status='200']");
      assert.match(
        await page.textContent("form[data-op='post /api/predict'] pre") ?? "",
        /"action_name"/,
      );

      assert.deepEqual(pageErrors, []);
    } finally {
      await context.close();
      await server.shutdown();
      await Deno.remove(runsDir, { recursive: true });
      await Deno.remove(profile, { recursive: true });
    }
  },
});
