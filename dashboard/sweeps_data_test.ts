/**
 * The sweep pages' data on real studies (SQLite, no training): sweep folders read from their
 * `summary.json` (a sweep still starting, a silent one marked stale, links only to trial
 * folders that exist, no symbolic links followed), studies read from a database as they run
 * and finish, and the routes answering for both.
 */
import assert from "node:assert/strict";
import { hostname } from "node:os";
import { join } from "node:path";
import { openSqlDriver } from "../sweeps/sql_driver.ts";
import { SweepStudy, type WorkerId } from "../sweeps/study.ts";
import { trialResult } from "../sweeps/_study_testing.ts";
import { parseSweepFile, type SweepFile } from "../sweeps/sweep_file.ts";
import { buildSummary, type SweepSummary } from "../sweeps/summary.ts";
import { SweepFolder } from "../sweeps/sweep_folder.ts";
import { sortRows, sweepFigures, sweepTable } from "./components/sweep_view.ts";
import { createApp } from "./app.ts";
import { RunStore } from "./runs.ts";
import { SweepStore } from "./sweeps_data.ts";
import { HttpError } from "./validate.ts";

function sweepFile(name: string): SweepFile {
  return parseSweepFile({
    name,
    algo: "dqn",
    env: "CartPole-v1",
    steps: 1000,
    seeds: [1],
    experiments: { fast: { learningRate: 1e-2 }, slow: { learningRate: 1e-5, gamma: 0.9 } },
    evaluation: { episodes: 3 },
  });
}

const WORKER: WorkerId = { id: "w", host: hostname(), pid: Deno.pid };

/** Runs every trial of `study` to completion with `scores` by configuration name. */
async function finishAll(study: SweepStudy, scores: Record<string, number>): Promise<void> {
  for (let t = await study.claim(WORKER, 60_000); t; t = await study.claim(WORKER, 60_000)) {
    await study.report(t.id, 500, scores[t.configName] / 2);
    await study.finish(
      t,
      WORKER,
      "complete",
      scores[t.configName],
      trialResult(scores[t.configName]),
      1000,
    );
  }
}

async function fakeTrial(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    join(dir, "config.json"),
    JSON.stringify({ algo: "dqn", env: "CartPole-v1", seed: 1, totalSteps: 1000 }),
  );
}

/** A sweep folder `name` in `root` whose summary is `summary` (none: still starting). */
async function sweepFolder(root: string, name: string, summary?: SweepSummary) {
  const folder = SweepFolder.of(root, name);
  await folder.create(sweepFile(name));
  if (summary) await folder.writeSummary(summary);
  return folder;
}

Deno.test("SweepStore reads sweep folders: summaries, starting and silent sweeps, trial links", async () => {
  const root = await Deno.makeTempDir({ prefix: "eagle_sweeps_" });
  const outside = await Deno.makeTempDir({ prefix: "eagle_sweeps_out_" });
  const db = await openSqlDriver(join(outside, "study.sqlite"));
  try {
    const study = await SweepStudy.create(db, sweepFile("lr"));
    await finishAll(study, { baseline: 40, fast: 120, slow: 9 });
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    const summary = buildSummary(await study.snapshot(), {
      storage: { kind: "sqlite", location: "x" },
      now: t0,
    });
    await sweepFolder(root, "lr", summary);
    await fakeTrial(join(root, "lr", "fast__s1"));
    await fakeTrial(join(root, "lr", "best"));
    await sweepFolder(root, "new");
    await sweepFolder(root, "live", { ...summary, name: "live", state: "running" });
    // Not sweeps: a plain run, a linked sweep folder; and a summary behind a link.
    await fakeTrial(join(root, "plain"));
    await sweepFolder(outside, "away", summary);
    await Deno.symlink(join(outside, "away"), join(root, "linked"));
    const hidden = await sweepFolder(root, "hidden");
    await Deno.symlink(join(outside, "away", "summary.json"), hidden.path("summary"));

    let now = t0 + 10_000;
    const store = new SweepStore(new RunStore(root), { now: () => now });
    const { sweeps, storage } = await store.list();
    assert.equal(storage, null);
    assert.deepEqual(sweeps.map((s) => s.name).sort(), ["hidden", "live", "lr", "new"]);
    const by = Object.fromEntries(sweeps.map((s) => [s.name, s]));
    assert.equal(by.new.state, "starting");
    assert.equal(by.new.summary, null);
    assert.equal(by.new.algo, "dqn");
    assert.equal(by.hidden.summary, null, "a linked summary.json is not read");
    assert.equal(by.lr.state, "finished");
    assert.equal(by.live.stale, false);
    now = t0 + 61_000;
    assert.equal((await store.view("live")).stale, true, "running, but silent for over a minute");
    assert.equal((await store.view("lr")).stale, false, "a finished sweep is never stale");

    const view = await store.view("lr");
    assert.equal(view.source, "folder");
    assert.equal(view.threshold, 475);
    assert.deepEqual(view.trialRuns, {
      baseline__s1: null,
      fast__s1: "lr/fast__s1",
      slow__s1: null,
    });
    assert.equal(view.bestRun, "lr/best");
    assert.equal(view.summary?.best?.configuration, "fast");

    // The table: ranked, BEST on the winner, changes and links from the view.
    const { columns, rows } = sweepTable(view);
    assert.deepEqual(rows.map((r) => r.key), ["fast", "baseline", "slow"]);
    assert.deepEqual(rows.map((r) => r.best), [true, false, false]);
    const text = (row: number, col: string) =>
      rows[row].cells[columns.findIndex((c) => c.key === col)].parts.map((p) => p.text);
    assert.deepEqual(text(0, "name"), ["fast", "BEST"]);
    assert.deepEqual(text(0, "changes"), ["learningRate = 0.01"]);
    assert.deepEqual(text(2, "changes"), ["learningRate = 0.00001", "gamma = 0.9"]);
    assert.deepEqual(text(0, "score"), ["120.0"]);
    const trials = rows.map((r) => r.cells.at(-1)!.parts[0]);
    assert.equal(trials[0].href, "/runs/lr%2Ffast__s1");
    assert.equal(trials[1].href, undefined, "no link to a folder that is not here");
    const score = columns.findIndex((c) => c.key === "score");
    assert.deepEqual(sortRows(rows, score, "asc").map((r) => r.key), ["slow", "baseline", "fast"]);
    const figures = sweepFigures(view, t0);
    assert.equal(figures.trials, "3 / 3");
    assert.equal(figures.best, "120.0");
    assert.equal(figures.eta, "done");

    // The pages of a sweep still starting, of a finished one, and the list.
    const dash = createApp({ runsDir: root });
    try {
      const html = async (p: string) => {
        const res = await dash.app.fetch(
          new Request(`http://127.0.0.1${p}`, { headers: { host: "127.0.0.1" } }),
        );
        assert.equal(res.status, 200, p);
        return await res.text();
      };
      assert.match(await html("/sweeps/new"), /Waiting for the sweep&#39;s first summary/);
      assert.match(await html("/sweeps/lr"), /class="badge best"/);
      assert.match(await html("/sweeps"), /data-sweep="hidden"/);
    } finally {
      dash.close();
    }

    for (
      const [name, status] of [["..", 422], ["a/b", 422], ["nope", 404], ["linked", 404], [
        "plain",
        404,
      ]] as const
    ) {
      await assert.rejects(() => store.view(name), (e) => {
        assert.ok(e instanceof HttpError && e.status === status, `${name}: ${e}`);
        assert.ok(!e.message.includes(root), e.message);
        return true;
      }, name);
    }
  } finally {
    await db.close();
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("SweepStore shows a study from its database as it runs, and the routes serve it", async () => {
  const root = await Deno.makeTempDir({ prefix: "eagle_sweeps_db_" });
  const path = join(root, "studies.sqlite");
  const db = await openSqlDriver(path);
  const runsDir = join(root, "runs");
  await Deno.mkdir(runsDir);
  const dash = createApp({ runsDir, sweepStorage: path });
  const get = (p: string) =>
    dash.app.fetch(new Request(`http://127.0.0.1${p}`, { headers: { host: "127.0.0.1" } }));
  try {
    const study = await SweepStudy.create(db, sweepFile("db"));
    const store = dash.sweeps;
    let { sweeps, storage } = await store.list();
    assert.deepEqual(storage, { location: path, error: null });
    assert.equal(sweeps.length, 1);
    assert.equal(sweeps[0].source, "database");
    assert.equal(sweeps[0].state, "stopped", "nobody works on it");

    const ticket = (await study.claim(WORKER, 60_000))!;
    await study.report(ticket.id, 500, 21);
    const running = await store.view("db");
    assert.equal(running.state, "running");
    const first = running.summary!.configurations.find((c) => c.name === ticket.configName)!;
    assert.equal(first.trials[0].state, "running");
    assert.deepEqual(first.trials[0].intermediate, [[500, 21]]);
    assert.equal(running.summary!.best, null);
    await study.finish(ticket, WORKER, "complete", 50, trialResult(50), 1000);
    const fast = (await study.claim(WORKER, 60_000))!;
    await study.finish(fast, WORKER, "complete", 200, trialResult(200), 1000);
    const slow = (await study.claim(WORKER, 60_000))!;
    await study.report(slow.id, 500, 4);
    await study.prune(slow, WORKER, 500, {});
    let view = await store.view("db");
    assert.equal(view.state, "finished");
    assert.equal(view.summary!.best?.configuration, "fast");
    // A pruned configuration ranks after the complete ones, at its best periodic evaluation.
    const { columns, rows } = sweepTable(view);
    assert.deepEqual(rows.map((r) => r.key), ["fast", "baseline", "slow"]);
    const cell = (col: string) =>
      rows[2].cells[columns.findIndex((c) => c.key === col)].parts.map((p) => p.text);
    assert.deepEqual(cell("status"), ["pruned at 500"]);
    assert.deepEqual(cell("score"), ["≤ 4.00"]);
    assert.deepEqual(Object.values(view.trialRuns), [null, null, null], "no folders here");

    // A sweep folder of the same name links its trials and tells the final run; the figures
    // still come from the database.
    const local = buildSummary(await study.snapshot(), {
      storage: { kind: "sqlite", location: path },
    });
    const final = {
      run: "db__final",
      configuration: "fast",
      seed: 1,
      steps: 5000,
      state: "complete",
      score: 300,
      successRate: 0,
    };
    await sweepFolder(runsDir, "db", { ...local, configurations: [], final });
    await fakeTrial(join(runsDir, "db", "fast__s1"));
    await fakeTrial(join(runsDir, "db__final"));
    view = await store.view("db");
    assert.equal(view.source, "database");
    assert.equal(view.summary!.configurations.length, 3);
    assert.deepEqual(view.summary!.final, final);
    assert.equal(view.trialRuns.fast__s1, "db/fast__s1");
    assert.equal(view.finalRun, "db__final");
    ({ sweeps } = await store.list());
    assert.deepEqual(sweeps.map((s) => [s.name, s.source]), [["db", "database"]]);
    ({ sweeps, storage } = await store.list({ folders: true }));
    assert.deepEqual(sweeps.map((s) => [s.name, s.source]), [["db", "folder"]]);
    assert.equal(storage, null);

    assert.match(await (await get("/")).text(), /class="links sweeps-strip".*href="\/sweeps\/db"/);
    const list = await get("/sweeps");
    assert.equal(list.status, 200);
    const html = await list.text();
    assert.match(html, /href="\/sweeps\/db"/);
    assert.match(html, /\(database\)/);
    const page = await get("/sweeps/db");
    assert.equal(page.status, 200);
    assert.match(await page.text(), /class="badge best"/);
    const data = await get("/sweeps/db/data.json");
    assert.equal(data.status, 200);
    assert.equal(data.headers.get("cache-control"), "no-store");
    assert.equal(((await data.json()) as { state: string }).state, "finished");
    const missing = await get("/sweeps/nope/data.json");
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { field: string } }).error.field, "name");
    assert.equal((await get("/sweeps/nope")).status, 404);
    assert.equal((await get("/sweeps/%2e%2e%2fx")).status, 422);
    const trial = await get("/runs/db%2Ffast__s1");
    assert.equal(trial.status, 200);
    assert.match(await trial.text(), /db\/fast__s1/);

    // A storage that is not there is said, not created; folders still show.
    const gone = join(root, "missing.sqlite");
    const broken = new SweepStore(new RunStore(runsDir), { storage: gone });
    ({ sweeps, storage } = await broken.list());
    assert.match(storage!.error!, /^No SQLite study storage at .*missing\.sqlite/);
    assert.deepEqual(sweeps.map((s) => [s.name, s.source]), [["db", "folder"]]);
    await assert.rejects(
      () => broken.view("other"),
      (e) => e instanceof HttpError && e.status === 503,
    );
    assert.equal(await Deno.stat(gone).catch(() => null), null);
    await broken.close();
  } finally {
    dash.close();
    await dash.sweeps.close();
    await db.close();
    await Deno.remove(root, { recursive: true });
  }
});
