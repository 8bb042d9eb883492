/**
 * Sweeps end to end with real trial processes on CartPole: `sweep.ts` trains every
 * configuration × seed as a run folder, evaluates them on the same episode seeds, ranks them,
 * promotes the best and trains `--final`; Ctrl-C stops every trial resumably and `--resume`
 * finishes them; a trial below the median is pruned; a bad sweep file stops before anything.
 */
import assert from "node:assert/strict";
import { RunFolder } from "../core/run_folder.ts";
import { openSqlDriver } from "../sweeps/sql_driver.ts";
import { SweepStudy, thisWorker } from "../sweeps/study.ts";
import { runWorker } from "../sweeps/runner.ts";
import { SweepFolder } from "../sweeps/sweep_folder.ts";
import { parseSweepFile } from "../sweeps/sweep_file.ts";
import type { SweepSummary } from "../sweeps/summary.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const dec = new TextDecoder();

/** A sweep small enough for CI: 2 configurations × 2 seeds of 2,000 DQN steps. */
function tinySweep(name: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    algo: "dqn",
    env: "CartPole-v1",
    steps: 2000,
    seeds: [1, 2],
    device: "cpu",
    hyperparameters: {
      learningStarts: 200,
      trainFreq: 64,
      gradientSteps: 16,
      evalEvery: 1000,
      evalEpisodes: 2,
    },
    experiments: { slow: { description: "Tiny steps", learningRate: 1e-6 } },
    evaluation: { episodes: 4, seed: 7 },
    ...extra,
  };
}

async function writeSweep(dir: string, json: unknown): Promise<string> {
  const path = `${dir}/sweep.json`;
  await Deno.writeTextFile(path, JSON.stringify(json));
  return path;
}

function spawnSweep(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "sweep.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

async function sweep(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await spawnSweep(args).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function readSummary(folder: SweepFolder): Promise<SweepSummary> {
  const s = await folder.readSummary();
  assert.ok(s, `${folder.path("summary")} exists`);
  return s;
}

Deno.test("a sweep trains, evaluates on paired seeds, ranks, promotes the best and trains --final", async () => {
  const out = await Deno.makeTempDir({ prefix: "eagle_sweep_" });
  try {
    const file = await writeSweep(
      out,
      tinySweep("tiny", {
        experiments: {
          slow: { description: "Tiny steps", learningRate: 1e-6 },
          boom: { description: "Diverges", learningRate: 1e30 },
        },
      }),
    );
    const r = await sweep([file, "--out", out, "--parallel", "2", "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    const folder = SweepFolder.of(out, "tiny");
    const full = await readSummary(folder);
    assert.equal(full.state, "finished");
    assert.deepEqual(full.configurations.map((c) => c.state), ["complete", "complete", "diverged"]);
    // The diverged configuration is reported as such and ranks last.
    const boom = full.configurations[2];
    assert.equal(boom.name, "boom");
    assert.equal(boom.best, false);
    for (const t of boom.trials) {
      assert.equal(t.state, "diverged");
      assert.match(t.error!, /NaN|Infinity|beyond float32/);
      assert.equal((await new RunFolder(folder.runDir(t.run)).readStatus())?.state, "diverged");
    }
    assert.match(r.stdout, /^\s+3\s+boom\s.*diverged/m);
    const summary = { ...full, configurations: full.configurations.slice(0, 2) };
    assert.match(r.stdout, /\*\*\* BEST \*\*\*/);
    assert.match(r.stdout, new RegExp(`^\\s*1\\s+${summary.best!.configuration}\\s`, "m"));
    // Every trial is an ordinary run folder, evaluated on the same episode seeds.
    const seeds: number[][] = [];
    for (const c of summary.configurations) {
      assert.equal(c.trials.length, 2);
      for (const t of c.trials) {
        const run = new RunFolder(folder.runDir(t.run));
        assert.equal((await run.readStatus())?.state, "finished");
        assert.equal((await run.readConfig()).seed, t.seed);
        const ev = (await run.readEval())!;
        assert.equal(ev.mean_reward, t.score);
        seeds.push(ev.per_episode.map((e) => e.seed));
        assert.ok(t.intermediate.length >= 2, "eval/mean_return reached the study");
      }
      const mean = c.trials.reduce((a, t) => a + t.score!, 0) / 2;
      assert.ok(Math.abs(c.score.mean! - mean) < 1e-9);
    }
    for (const s of seeds) assert.deepEqual(s, [7, 8, 9, 10]);
    // best/ is a copy (not a link) of the best trial's run folder.
    const best = await Deno.lstat(folder.path("best"));
    assert.ok(best.isDirectory && !best.isSymlink);
    const bestEval = await new RunFolder(folder.path("best")).readEval();
    const bestTrial = summary.configurations[0].trials.find((t) => t.run === summary.best!.run)!;
    assert.equal(bestEval?.mean_reward, bestTrial.score);
    assert.match(await Deno.readTextFile(folder.path("summaryMarkdown")), /\\\*\\\*\\\* BEST/);

    // Again without --resume: refused, nothing trained.
    const again = await sweep([file, "--out", out, "--quiet"]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already holds this sweep; pass --resume/);
    // --resume on a finished sweep keeps every trial.
    const resumed = await sweep([file, "--out", out, "--resume"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.doesNotMatch(resumed.stderr, /▶/);
    // --final trains the winner as its own run beside the sweep.
    const fin = await sweep([file, "--out", out, "--final", "3000", "--quiet"]);
    assert.equal(fin.code, 0, fin.stderr);
    const finalRun = new RunFolder(folder.finalDir());
    assert.equal(finalRun.dir, `${out}/tiny__final`);
    const config = await finalRun.readConfig();
    assert.equal(config.totalSteps, 3000);
    const winner = summary.configurations[0];
    assert.deepEqual(config.hyperparameters, winner.hyperparameters);
    const after = await readSummary(folder);
    assert.equal(after.final?.state, "complete");
    assert.equal(after.final?.run, "tiny__final");
    assert.equal(after.final?.score, (await finalRun.readEval())?.mean_reward);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("Ctrl-C stops every trial resumably; --resume finishes them from their checkpoints", async () => {
  const out = await Deno.makeTempDir({ prefix: "eagle_sweep_int_" });
  try {
    const file = await writeSweep(
      out,
      tinySweep("int", {
        steps: 60_000,
        seeds: [1],
        hyperparameters: { evalEvery: 2000, evalEpisodes: 1 },
      }),
    );
    const child = spawnSweep([file, "--out", out, "--parallel", "2", "--quiet"]);
    const stderrText = new Response(child.stderr).text();
    const stdoutText = new Response(child.stdout).text();
    const folder = SweepFolder.of(out, "int");
    const runs = ["baseline__s1", "slow__s1"].map((n) => new RunFolder(folder.runDir(n)));
    // Interrupt once both trials have saved some progress.
    const t0 = performance.now();
    while (true) {
      const st = await Promise.all(runs.map((r) => r.readStatus()));
      if (st.every((s) => s?.state === "running" && s.globalStep >= 2000)) break;
      assert.ok(performance.now() - t0 < 60_000, "both trials started");
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGINT");
    const [status, stderr] = await Promise.all([child.status, stderrText, stdoutText]);
    assert.equal(status.code, 130, stderr);
    const stopped = await Promise.all(runs.map((r) => r.readStatus()));
    for (const s of stopped) {
      assert.equal(s?.state, "stopped");
      assert.ok(s!.globalStep >= 2000 && s!.globalStep < 60_000);
    }
    const partial = await readSummary(folder);
    assert.equal(partial.state, "stopped");

    const r = await sweep([file, "--out", out, "--parallel", "2", "--resume", "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /attempt 2: resuming/);
    const summary = await readSummary(folder);
    assert.equal(summary.state, "finished");
    for (const [i, run] of runs.entries()) {
      const st = await run.readStatus();
      assert.equal(st?.state, "finished");
      assert.equal(st?.globalStep, 60_000);
      // Each step is logged once: the resume continued from the saved state.
      const steps = (await run.readMetrics()).map((m) => m.global_step);
      assert.equal(new Set(steps).size, steps.length);
      assert.ok(steps[0] < stopped[i]!.globalStep, "the lines before the stop were kept");
    }
    assert.ok(summary.configurations.every((c) => c.trials[0].attempts === 2));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a trial below the median of complete trials is pruned and stopped", async () => {
  const out = await Deno.makeTempDir({ prefix: "eagle_sweep_prune_" });
  const db = await openSqlDriver(`${out}/study.sqlite`);
  try {
    const file = parseSweepFile(
      tinySweep("prune", {
        steps: 50_000,
        seeds: [1],
        pruner: { median: { startup_trials: 1, warmup_steps: 0 } },
      }),
    );
    const study = await SweepStudy.create(db, file);
    // The baseline "completes" with a value nothing real reaches at any step.
    const me = thisWorker();
    const base = (await study.claim(me, 60_000))!;
    for (let s = 1000; s <= 50_000; s += 1000) await study.report(base.id, s, 1e9);
    await study.finish(base, me, "complete", 1e9, {}, 50_000);

    const folder = SweepFolder.of(out, "prune");
    await folder.create(file);
    const lines: string[] = [];
    const report = await runWorker({
      study,
      folder,
      parallel: 1,
      leaseMs: 30_000,
      signal: new AbortController().signal,
      log: (l) => lines.push(l),
      pollMs: 200,
    });
    assert.equal(report.ended, 1, lines.join("\n"));
    const snap = await study.snapshot();
    const slow = snap.trials.find((t) => t.runName === "slow__s1")!;
    assert.equal(slow.state, "pruned");
    assert.ok(slow.result!.prunedAtStep! >= 1000 && slow.result!.prunedAtStep! < 50_000);
    assert.equal(snap.configs.find((c) => c.name === "slow")?.state, "pruned");
    const st = await new RunFolder(folder.runDir("slow__s1")).readStatus();
    assert.equal(st?.state, "stopped", "SIGTERM stopped the trial process");
    assert.ok(st!.globalStep < 50_000);
    assert.ok(lines.some((l) => l.includes("slow__s1 pruned")));
  } finally {
    await db.close();
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a bad sweep file stops before any folder is made", async () => {
  const out = await Deno.makeTempDir({ prefix: "eagle_sweep_bad_" });
  try {
    const file = await writeSweep(
      out,
      tinySweep("bad", { experiments: { exp1: { learningRate: "fast" } } }),
    );
    const r = await sweep([file, "--out", out]);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /^error: Hyperparameter learningRate="fast" in experiment "exp1" of .*sweep\.json is not a finite number; accepted: a number in \(0, ∞\)/,
    );
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.equal(await SweepFolder.of(out, "bad").isSweep(), false);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
