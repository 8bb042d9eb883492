/**
 * The dashboard in headless Chromium (Debian's `/usr/bin/chromium`, driven by playwright-core)
 * over small real runs: the return curve shows every training episode and its window control
 * moves the mean line, the evaluate panel runs an evaluation with live progress and shows its
 * KPIs, donut, action bars and table (and again after a reload), the replay shows the env's own
 * frames (the lunar terrain is not flat: the frame equals the env's render), a diverged run is
 * marked, progress videos play, a running run's curves grow, and the API docs forms work.
 * Saves screenshots under /tmp; skips, saying why, only when Chromium is absent.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { CHROMIUM, hasChromium, openPage } from "./_browser_testing.ts";
import type { StoredEvaluation } from "../dashboard/islands/protocol.ts";
import { serveDashboard } from "../dashboard/app.ts";
import { fmt, pct } from "../dashboard/components/format.ts";
import { trainRun } from "../dashboard/_testing.ts";
import { evaluationPath } from "../dashboard/evaluations.ts";
import { envSpec, make } from "../envs/registry.ts";
import { writeGif } from "../render/gif.ts";
import { ffmpegAvailable, writeMp4 } from "../render/mp4.ts";

if (!hasChromium) {
  console.log(`dashboard browser test skipped: ${CHROMIUM} is missing (apt-get install chromium)`);
}

/** Painted pixels of the uPlot canvas inside `selector`, and a hash of those close to `rgb`. */
function canvasColour(page: Page, selector: string, rgb: [number, number, number]) {
  return page.$eval(selector, (root, rgb) => {
    const c = root.querySelector("canvas")!;
    const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    let painted = 0, matching = 0, hash = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] === 0) continue;
      painted++;
      if (
        Math.abs(d[i] - rgb[0]) + Math.abs(d[i + 1] - rgb[1]) + Math.abs(d[i + 2] - rgb[2]) < 60
      ) {
        matching++;
        hash = (hash * 31 + i) % 1_000_000_007;
      }
    }
    return { painted, matching, hash };
  }, rgb);
}

/** The replay canvas: its size, the SHA-256 of its RGBA pixels, and its terrain profile. */
function replayCanvas(page: Page) {
  return page.$eval(".replay canvas", async (c) => {
    const canvas = c as HTMLCanvasElement;
    const { width, height } = canvas;
    const d = canvas.getContext("2d")!.getImageData(0, 0, width, height).data;
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", d));
    // For each column, the lowest row of sky (black) above the moon: the terrain's height.
    const terrain: number[] = [];
    for (let x = 0; x < width; x++) {
      let y = height - 1;
      const at = (yy: number) => (yy * width + x) * 4;
      while (y > 0 && !(d[at(y)] < 20 && d[at(y) + 1] < 20 && d[at(y) + 2] < 20)) y--;
      terrain.push(y);
    }
    return {
      width,
      height,
      sha256: [...digest].map((b) => b.toString(16).padStart(2, "0")).join(""),
      terrain,
    };
  });
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const lines = async (path: string) =>
  (await Deno.readTextFile(path)).split("\n").filter((l) => l.trim()).length;

Deno.test({
  name: "dashboard pages in headless Chromium",
  ignore: !hasChromium,
  async fn() {
    const runsDir = await Deno.makeTempDir({ prefix: "eagle-dash-browser-" });
    const profile = await Deno.makeTempDir({ prefix: "eagle-chromium-" });
    // FrozenLake: thousands of training episodes; LunarLander: terrain, a network, four actions.
    const fl = await trainRun(runsDir, "fl", { steps: 50_000, evalEpisodes: 50 });
    const ll = await trainRun(runsDir, "ll", {
      algo: "dqn",
      env: "LunarLander-v3",
      steps: 3000,
      evalEpisodes: 0,
      extra: ["--device", "cpu"],
    });
    // Progress videos, written as the recorder names them: two GIFs and, with ffmpeg, an MP4.
    await Deno.mkdir(join(ll, "videos"));
    const frames = (seed: number, n: number) => {
      const env = make("LunarLander-v3");
      env.reset({ seed });
      const out = [env.render!()];
      for (let i = 0; i < n; i++) {
        env.step(2);
        out.push(env.render!());
      }
      return out;
    };
    const palette = envSpec("LunarLander-v3").palette;
    await writeGif(join(ll, "videos", "progress_episode_000010.gif"), frames(1, 20), { palette });
    await writeGif(join(ll, "videos", "progress_episode_000001.gif"), frames(2, 20), { palette });
    const mp4 = await ffmpegAvailable();
    if (mp4) await writeMp4(join(ll, "videos", "progress_episode_000005.mp4"), frames(3, 30));
    else console.log("dashboard browser test: ffmpeg missing, no MP4 progress video checked");

    // A run that says it is still training, and one that diverged.
    const copyRun = async (name: string, state: Record<string, unknown>) => {
      const dir = join(runsDir, name);
      await Deno.mkdir(dir);
      for (const f of ["config.json", "metrics.jsonl", "episodes.jsonl", "qtable.json"]) {
        await Deno.copyFile(join(fl, f), join(dir, f));
      }
      const status = JSON.parse(await Deno.readTextFile(join(fl, "status.json")));
      await Deno.writeTextFile(join(dir, "status.json"), JSON.stringify({ ...status, ...state }));
      return dir;
    };
    const live = await copyRun("live", { state: "running" });
    const message = "losses/td_loss was NaN at step 40000";
    const diverged = await copyRun("div", { state: "diverged", error: message });
    await Deno.writeTextFile(
      join(diverged, "metrics.jsonl"),
      JSON.stringify({
        global_step: 40_000,
        wall_time: 1,
        event: "diverged",
        message,
        metric: "losses/td_loss",
        value: "NaN",
      }) + "\n",
      { append: true },
    );

    const server = serveDashboard({ runsDir, port: 0 });
    const { context, page, pageErrors } = await openPage(profile);
    try {
      // Return curve: one point per line of episodes.jsonl, and the window moves the mean.
      await page.goto(`${server.url}/runs/fl`);
      const curve = "[data-island=return-curve]";
      const episodes = await lines(join(fl, "episodes.jsonl"));
      assert.ok(episodes > 1000, `only ${episodes} training episodes`);
      await page.waitForSelector(`${curve}[data-episodes='${episodes}'] .uplot canvas`);
      assert.equal(await page.getAttribute(curve, "data-window"), "100");
      const points = await canvasColour(page, curve, [147, 197, 253]);
      const mean100 = await canvasColour(page, curve, [37, 99, 235]);
      assert.ok(points.matching > 2000, `episode points not drawn (${points.matching} px)`);
      assert.ok(mean100.matching > 300, `mean line not drawn (${mean100.matching} px)`);
      await page.click(`${curve} button[data-value='10']`);
      await page.waitForSelector(`${curve}[data-window='10'] .uplot canvas`);
      const mean10 = await canvasColour(page, curve, [37, 99, 235]);
      assert.notEqual(mean10.hash, mean100.hash, "the mean line did not change with the window");
      assert.ok(mean10.matching > mean100.matching, "a 10-episode mean should wiggle more");
      await page.fill(`${curve} input[type=number]`, "500");
      await page.press(`${curve} input[type=number]`, "Enter");
      await page.waitForSelector(`${curve}[data-window='500']`);
      await page.click(`${curve} button[data-value='step']`);
      await page.waitForSelector(`${curve}[data-axis='step'] .uplot canvas`);
      await page.click(`${curve} button[data-value='100']`);
      const titles = await page.$$eval(
        "section.card.chart h3",
        (hs) => hs.map((h) => h.textContent),
      );
      for (const t of ["Exploration: epsilon", "Steps per second"]) {
        assert.ok(titles.includes(t), `no chart "${t}" in ${titles}`);
      }
      // eval.json (deno task eval) opens the panel until the dashboard stores an evaluation.
      const report = JSON.parse(await Deno.readTextFile(join(fl, "eval.json")));
      await page.waitForSelector("[data-island=evaluate][data-mounted] [data-kpi=mean]");
      assert.equal(await page.textContent("[data-kpi=mean] .kpi-value"), fmt(report.mean_reward));
      await page.screenshot({ path: "/tmp/dashboard_run_fl.png", fullPage: true });

      // Evaluate panel on the LunarLander run: slider at 20, progress, then the results.
      await page.goto(`${server.url}/runs/ll`);
      await page.waitForSelector("[data-island=evaluate][data-mounted]");
      assert.equal(await page.inputValue("input[name=episodes]"), "100");
      await page.fill("input[name=episodes]", "20");
      assert.equal(await page.textContent("output[name=episodes-shown]"), "20");
      // Every progress text shown, recorded as it changes.
      await page.evaluate(() => {
        const seen: string[] = [];
        (globalThis as unknown as { progressSeen: string[] }).progressSeen = seen;
        const target = document.querySelector(".eval-progress-text")!;
        new MutationObserver(() => seen.push(target.textContent ?? "")).observe(target, {
          childList: true,
          characterData: true,
          subtree: true,
        });
      });
      await page.click("form.eval-form button[type=submit]");
      await page.waitForSelector("[data-island=evaluate][data-shown='best_20_0'] .donut-box");
      const seen: string[] = await page.evaluate(() =>
        (globalThis as unknown as { progressSeen: string[] }).progressSeen
      );
      assert.ok(seen.some((t) => /^\d+ \/ 20 episodes/.test(t)), `no progress shown: ${seen}`);
      assert.equal(await page.getAttribute(".eval-progress", "data-done"), "20");
      const stored: StoredEvaluation = JSON.parse(
        await Deno.readTextFile(evaluationPath(ll, { checkpoint: "best", episodes: 20, seed: 0 })),
      );
      const r = stored.report;
      assert.equal(r.episodes, 20);
      const checkKpis = async () => {
        const kpi = (id: string) => page.textContent(`[data-kpi=${id}] .kpi-value`);
        assert.equal(await kpi("mean"), fmt(r.mean_reward));
        assert.equal(await kpi("std"), fmt(r.std_reward));
        assert.equal(await kpi("win"), pct(r.success_rate));
        assert.equal(await kpi("steps"), fmt(r.mean_steps, 1));
      };
      await checkKpis();
      const wins = r.per_episode.filter((e) => e.success).length;
      assert.equal(await page.getAttribute(".donut-box", "data-wins"), String(wins));
      assert.equal(await page.getAttribute(".donut-box", "data-losses"), String(20 - wins));
      assert.ok(await page.locator(".donut circle.losses").count() === (wins < 20 ? 1 : 0));
      // One bar per action, named as the registry names them.
      const names = envSpec("LunarLander-v3").actionNames!;
      assert.deepEqual(
        await page.$$eval(
          ".bars.actions .bar-row",
          (rows) => rows.map((r) => r.getAttribute("data-action")),
        ),
        [...names],
      );
      for (
        const t of ["Reward distribution", "Reward per episode", "Episode length distribution"]
      ) {
        assert.ok(
          (await canvasColour(page, `section.card.chart:has(h3:text-is("${t}"))`, [0, 0, 0]))
            .painted >
            2000,
          `chart "${t}" is blank`,
        );
      }
      // The table appears on request: 20 rows, one share column per action summing to 100 %.
      assert.equal(await page.locator("table.episodes").count(), 0);
      await page.click("details.eval-details summary");
      await page.waitForSelector("table.episodes tbody tr");
      assert.equal(await page.locator("table.episodes tbody tr").count(), 20);
      const heads = await page.$$eval("table.episodes th", (th) => th.map((h) => h.textContent));
      assert.deepEqual(heads.slice(5), names.map((n) => `% ${n}`));
      const shares = await page.$$eval(
        "table.episodes tbody tr",
        (trs) =>
          trs.map((tr) =>
            [...tr.querySelectorAll("td")].slice(5).map((td) => Number(td.textContent))
          ),
      );
      for (const row of shares) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 100) < 0.5);
      assert.equal(await page.locator("table.episodes tr.win").count(), wins);
      await page.screenshot({ path: "/tmp/dashboard_run_ll.png", fullPage: true });
      // A reload shows the stored result at once, with the settings it was run with.
      await page.reload();
      await page.waitForSelector("[data-island=evaluate][data-shown='best_20_0'] [data-kpi=mean]");
      assert.equal(await page.inputValue("input[name=episodes]"), "20");
      await checkKpis();

      // Progress videos, in episode order, playable.
      const videoNames = await page.$$eval(
        "figure.video",
        (fs) => fs.map((f) => f.getAttribute("data-video")),
      );
      assert.deepEqual(videoNames, [
        "progress_episode_000001.gif",
        ...(mp4 ? ["progress_episode_000005.mp4"] : []),
        "progress_episode_000010.gif",
      ]);
      await page.locator("figure.video img").first().scrollIntoViewIfNeeded();
      await page.waitForFunction(() =>
        [...document.querySelectorAll<HTMLImageElement>("figure.video img")].every((i) =>
          i.complete && i.naturalWidth === 600
        )
      );
      if (mp4) {
        const played = await page.$eval("figure.video video", async (v) => {
          const video = v as HTMLVideoElement;
          await video.play();
          await new Promise((r) => setTimeout(r, 300));
          return { width: video.videoWidth, time: video.currentTime };
        });
        assert.equal(played.width, 600, "the MP4 did not decode");
      }

      // Replay: the frames are the env's own render (terrain, flags), and the player steps.
      const seed = 3;
      await page.goto(`${server.url}/runs/ll/replay?seed=${seed}`);
      await page.waitForSelector("[data-island=replay][data-loaded]", { timeout: 30_000 });
      if (await page.getAttribute("[data-island=replay]", "data-playing") === "true") {
        await page.click("[data-island=replay] button.primary"); // pause
      }
      await page.click("[data-island=replay] button[title^='Back to the first']");
      await page.waitForSelector("[data-island=replay][data-frame='0']");
      const first = await replayCanvas(page);
      const env = make("LunarLander-v3");
      env.reset({ seed });
      const expected = env.render!();
      assert.equal(first.width, expected.width);
      assert.equal(first.height, expected.height);
      assert.equal(
        first.sha256,
        await sha256(
          new Uint8Array(
            expected.data.buffer as ArrayBuffer,
            expected.data.byteOffset,
            expected.data.byteLength,
          ),
        ),
        "the replay's first frame is not the env's render of it",
      );
      // The old player drew flat ground at one height; the env's moon has hills.
      const heights = new Set(first.terrain);
      assert.ok(heights.size > 20, `the terrain looks flat: ${heights.size} distinct heights`);
      const relief = Math.max(...first.terrain) - Math.min(...first.terrain);
      assert.ok(relief > 10, `the terrain has no relief (${relief} px)`);
      await page.click("[data-island=replay] button[title^='One step forward']");
      await page.waitForSelector("[data-island=replay][data-frame='1']");
      const action = await page.textContent(".replay-stat:nth-child(2) .replay-stat-value");
      assert.ok(names.includes(action ?? ""), `step 1's action "${action}" is not an action name`);
      assert.match(
        await page.textContent(".replay-stat:nth-child(3) .replay-stat-value") ?? "",
        /^[+-]\d/,
      );
      const max = Number(await page.getAttribute(".replay input.scrubber", "max"));
      assert.ok(max > 10, `an episode of ${max} steps`);
      await page.fill(".replay input.scrubber", String(max));
      await page.waitForSelector(`[data-island=replay][data-frame='${max}']`);
      const last = await replayCanvas(page);
      assert.notEqual(last.sha256, first.sha256, "the lander did not move");
      assert.match(await page.textContent(".replay-info") ?? "", /return -?\d+\.\d\d in \d+ steps/);
      await page.screenshot({ path: "/tmp/dashboard_replay.png", fullPage: true });

      // A diverged run says so, and its return curve marks where.
      await page.goto(`${server.url}/runs/div`);
      assert.match(await page.textContent(".alert.diverged") ?? "", /diverged at step 40,000/i);
      await page.waitForSelector(`${curve}[data-episodes] .uplot canvas`);
      const red = await canvasColour(page, curve, [220, 38, 38]);
      assert.ok(red.matching > 100, `no divergence marker (${red.matching} px)`);
      await page.screenshot({ path: "/tmp/dashboard_diverged.png" });

      // Live: a running run's curves grow when training appends lines.
      await page.goto(`${server.url}/runs/live`);
      await page.waitForSelector(`${curve}[data-episodes='${episodes}']`);
      await page.waitForSelector("[data-island=train-charts][data-points]");
      const before = Number(await page.getAttribute("[data-island=train-charts]", "data-points"));
      await Deno.writeTextFile(
        join(live, "metrics.jsonl"),
        JSON.stringify({ global_step: 60_000, wall_time: 99, "charts/epsilon": 0.05 }) + "\n",
        { append: true },
      );
      await Deno.writeTextFile(
        join(live, "episodes.jsonl"),
        JSON.stringify({
          global_step: 60_000,
          episode: episodes + 1,
          return: 1,
          length: 9,
          success: true,
          env_index: 0,
          wall_time: 99,
        }) + "\n",
        { append: true },
      );
      await page.waitForSelector(`${curve}[data-episodes='${episodes + 1}']`, { timeout: 15_000 });
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
      assert.equal(await page.locator("tr[data-run]").count(), 4);
      await page.screenshot({ path: "/tmp/dashboard_runs.png" });
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
