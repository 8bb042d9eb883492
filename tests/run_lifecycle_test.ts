/**
 * The run lifecycle end to end, with real processes and real signals: `kill -9` at random
 * moments then `--resume` until the run finishes (each step logged once, nothing truncated,
 * at most one save interval lost), SIGTERM and the liveness lock, divergence, and the
 * "solved" stop.
 */
import assert from "node:assert/strict";
import { RunFolder } from "../core/run_folder.ts";
import { readLock } from "../core/run_lock.ts";
import { Rng } from "../core/rng.ts";
import { loadNetworkCheckpoint } from "../agents/checkpoint.ts";
import { serveDashboard } from "../dashboard/app.ts";
import { EVENT_FILE_PREFIX } from "../core/tensorboard.ts";
import { readEvents } from "../core/_tfevents_testing.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const dec = new TextDecoder();

function spawnTrain(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "train.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

async function runTrain(args: string[]): Promise<{ code: number; stderr: string }> {
  const out = await spawnTrain(args).output();
  return { code: out.code, stderr: dec.decode(out.stderr) };
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const t0 = performance.now();
  while (!(await ok())) {
    if (performance.now() - t0 > ms) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every line of a JSONL file parses (nothing half-written is left behind). */
async function jsonl(path: string): Promise<Record<string, unknown>[]> {
  const text = await Deno.readTextFile(path);
  assert.ok(text.endsWith("\n"), `${path} ends with a whole line`);
  return text.trimEnd().split("\n").map((l) => JSON.parse(l));
}

// PPO on CartPole: 512 steps per update, a save every 2,048 steps.
const SAVE_EVERY = 2048;
const PPO_CARTPOLE = [
  "--algo",
  "ppo",
  "--env",
  "CartPole-v1",
  "--set",
  `evalEvery=${SAVE_EVERY}`,
  "--set",
  "evalEpisodes=2",
  "--device",
  "cpu",
  "--quiet",
];

Deno.test("kill -9 at random moments, then --resume, until the run finishes", async () => {
  const out = await Deno.makeTempDir({ prefix: "eagle_kill_" });
  const run = new RunFolder(`${out}/k`);
  const total = 245_760;
  const rng = new Rng(7);
  const lost: number[] = [];
  try {
    const args = [...PPO_CARTPOLE, "--steps", String(total), "--out", out, "--name", "k"];
    for (let kill = 0; kill < 6; kill++) {
      const child = spawnTrain(kill === 0 ? args : ["--resume", run.dir, "--quiet"]);
      // Random moments: some before the first save, most between saves.
      const delay = 400 + rng.random() * 1600;
      await new Promise((r) => setTimeout(r, delay));
      try {
        child.kill("SIGKILL");
      } catch { /* it already finished */ }
      await child.output();
      const status = await run.readStatus();
      if (status?.state === "finished") break;
      const reached = Math.max(0, ...(await run.readMetrics()).map((r) => r.global_step));
      lost.push(Math.max(0, reached - (status?.globalStep ?? 0)));
    }
    assert.ok(lost.length >= 5, `killed ${lost.length} times`);
    console.log(`${lost.length} kills; steps lost per kill: ${lost.join(", ")}`);
    if ((await run.readStatus())?.state !== "finished") {
      const last = await runTrain(["--resume", run.dir, "--quiet"]);
      assert.equal(last.code, 0, last.stderr);
    }
    const status = await run.readStatus();
    assert.deepEqual([status?.state, status?.globalStep], ["finished", total]);
    assert.equal(await readLock(run.path("lock")), null, "the lock is released");

    // Each step logged once; the episode counter never goes back or skips.
    const metrics = (await jsonl(run.path("metrics"))).filter((r) => !("event" in r));
    const steps = metrics.map((r) => r.global_step as number);
    assert.deepEqual(steps, [...new Set(steps)].sort((a, b) => a - b), "each step once, in order");
    assert.equal(steps.at(-1), total);
    const episodes = await jsonl(run.path("episodes"));
    assert.deepEqual(episodes.map((e) => e.episode), episodes.map((_, i) => i + 1));
    for (let i = 1; i < episodes.length; i++) {
      assert.ok((episodes[i].global_step as number) >= (episodes[i - 1].global_step as number));
    }
    // Nothing truncated: the JSON files parse and the checkpoints load.
    await run.readConfig();
    for (const which of ["best", "latest"] as const) {
      await loadNetworkCheckpoint(run.checkpoint(which, "safetensors"));
    }
    // A kill loses at most what was trained since the last save.
    for (const l of lost) assert.ok(l <= SAVE_EVERY + 512, `lost ${l} steps`);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("SIGTERM stops a run resumably; a second process on a live run is refused", async () => {
  const out = await Deno.makeTempDir({ prefix: "eagle_term_" });
  const run = new RunFolder(`${out}/t`);
  try {
    const child = spawnTrain([...PPO_CARTPOLE, "--steps", "10000000", "--out", out, "--name", "t"]);
    await waitFor("the first save", async () => ((await run.readStatus())?.globalStep ?? 0) > 0);
    const second = await runTrain(["--resume", run.dir]);
    assert.equal(second.code, 2);
    assert.match(second.stderr, new RegExp(`is being trained by pid ${child.pid}`));
    child.kill("SIGTERM");
    const res = await child.output();
    assert.equal(res.code, 0, dec.decode(res.stderr));
    assert.match(dec.decode(res.stderr), /Terminated: stopping/);
    const status = await run.readStatus();
    assert.equal(status?.state, "stopped");
    assert.ok((status?.globalStep ?? 0) > 0);
    assert.equal(await readLock(run.path("lock")), null);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a stale lock (dead pid) is taken over with one line", async () => {
  const out = await Deno.makeTempDir({ prefix: "eagle_stale_" });
  const run = new RunFolder(`${out}/s`);
  try {
    const first = await runTrain([...PPO_CARTPOLE, "--steps", "2048", "--out", out, "--name", "s"]);
    assert.equal(first.code, 0, first.stderr);
    // A lock left by a process that no longer exists, as after kill -9.
    const dead = new Deno.Command("true").spawn();
    await dead.status;
    const now = new Date().toISOString();
    await Deno.writeTextFile(
      run.path("lock"),
      JSON.stringify({
        pid: dead.pid,
        hostname: Deno.hostname(),
        startedAt: now,
        heartbeatAt: now,
      }),
    );
    const r = await runTrain(["--resume", run.dir, "--steps", "4096"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`Taking over .*: its owner \\(pid ${dead.pid}\\) is no longer`),
    );
    assert.equal((await run.readStatus())?.globalStep, 4096);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

for (const algo of ["ppo", "dqn"]) {
  Deno.test(`${algo} with learningRate=1e30 ends "diverged" and leaves only finite checkpoints`, async () => {
    const out = await Deno.makeTempDir({ prefix: `eagle_div_${algo}_` });
    const run = new RunFolder(`${out}/d`);
    try {
      const extra = algo === "dqn" ? ["--set", "learningStarts=100", "--set", "evalEvery=500"] : [];
      const r = await runTrain([
        ...PPO_CARTPOLE.map((a) => a === "ppo" ? algo : a),
        ...extra,
        "--set",
        "learningRate=1e30",
        "--steps",
        "20000",
        "--out",
        out,
        "--name",
        "d",
      ]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /Diverged: \S+ became (NaN|-?Infinity|\S+ \(beyond float32\)) at step [\d,]+; learningRate=1e\+30/,
      );
      const status = await run.readStatus();
      assert.equal(status?.state, "diverged");
      // config.json records the backend decision (here: asked for cpu, got cpu).
      const decision = (await run.readConfig()).deviceDecision;
      assert.deepEqual([decision?.preference, decision?.chosen], ["cpu", "cpu"]);
      assert.match(status?.error ?? "", /learningRate=1e\+30 is likely too large/);
      const events = await run.readMetricEvents();
      assert.ok(events.some((e) => e.event === "diverged" && e.metric && e.value));
      // Every checkpoint left behind holds finite parameters (loading checks each value).
      let checkpoints = 0;
      for (const which of ["best", "latest"] as const) {
        try {
          await Deno.stat(run.checkpoint(which, "safetensors"));
        } catch {
          continue;
        }
        await loadNetworkCheckpoint(run.checkpoint(which, "safetensors"));
        checkpoints++;
      }
      assert.ok(checkpoints > 0, "the last finite parameters were kept");
      // The API answers with finite numbers, never 200 with nulls.
      const server = serveDashboard({ runsDir: out, port: 0 });
      try {
        const res = await fetch(`http://127.0.0.1:${server.port}/api/predict`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ run: "d", state: [0.01, 0.02, 0.03, 0.04] }),
        });
        const text = await res.text();
        const body = JSON.parse(text);
        if (res.status === 200) {
          // Policy models answer q_values: null with their probabilities, as the tutorial's API.
          const values = body.q_values ?? body.probs;
          assert.ok(Array.isArray(values) && values.length > 0, text);
          for (const v of values) assert.ok(Number.isFinite(v), text);
        } else {
          assert.ok(res.status === 409 || res.status === 503, text);
          assert.doesNotMatch(text, /null/, text);
        }
      } finally {
        await server.shutdown();
      }
      const again = await runTrain(["--resume", run.dir]);
      assert.equal(again.code, 2);
      assert.match(again.stderr, /diverged .* start a new run/);
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  });
}

/** PPO on CartPole into `out/s` with `--stop-at 100` (of at most 400k steps), plus `extra`. */
function trainToStopAt(
  out: string,
  extra: string[] = [],
): Promise<{ code: number; stderr: string }> {
  return runTrain([
    ...PPO_CARTPOLE,
    ...extra,
    "--stop-at",
    "100",
    "--steps",
    "400000",
    "--out",
    out,
    "--name",
    "s",
  ]);
}

Deno.test("--stop-at stops when the 100-episode training mean reaches it", async () => {
  const out = await Deno.makeTempDir({ prefix: "eagle_solved_" });
  const run = new RunFolder(`${out}/s`);
  try {
    const r = await trainToStopAt(out);
    assert.equal(r.code, 0, r.stderr);
    const m = r.stderr.match(
      /Solved at episode ([\d,]+) \(step ([\d,]+)\): 100-episode mean ([\d.]+)/,
    );
    assert.ok(m, r.stderr);
    const status = await run.readStatus();
    assert.equal(status?.state, "finished");
    assert.ok(status!.solved!.mean >= 100);
    assert.equal(status!.solved!.episode, Number(m[1].replaceAll(",", "")));
    assert.ok(status!.globalStep < 400_000, "stopped early");
    // The solved mean is the mean of the last 100 logged episodes at that point.
    const episodes = (await run.readEpisodes()).filter((e) => e.episode <= status!.solved!.episode);
    const last = episodes.slice(-100).map((e) => e.return);
    assert.ok(Math.abs(last.reduce((a, b) => a + b, 0) / 100 - status!.solved!.mean) < 1e-9);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a run stopped by --stop-at ends with its final selection, as a finished run does", async () => {
  const out = await Deno.makeTempDir({ prefix: "eagle_solved_final_" });
  const run = new RunFolder(`${out}/s`);
  try {
    const r = await trainToStopAt(out, ["--set", "finalists=2", "--set", "finalEpisodes=3"]);
    assert.equal(r.code, 0, r.stderr);
    const status = await run.readStatus();
    assert.ok(status!.solved, "solved");
    assert.ok(status!.globalStep < 400_000, "stopped early");
    const events = (await run.readMetricEvents()).filter((e) => e.event === "final_selection");
    assert.equal(events.length, 1);
    assert.equal(Number(events[0].value), status!.bestEvalReturn);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a run's TensorBoard file holds the same scalars as its metrics.jsonl", async () => {
  const out = await Deno.makeTempDir({ prefix: "eagle_tb_" });
  const run = new RunFolder(`${out}/tb`);
  try {
    const r = await runTrain([...PPO_CARTPOLE, "--steps", "4096", "--out", out, "--name", "tb"]);
    assert.equal(r.code, 0, r.stderr);
    const files = [...Deno.readDirSync(run.dir)].map((e) => e.name)
      .filter((n) => n.startsWith(EVENT_FILE_PREFIX));
    assert.equal(files.length, 1, files.join(", "));
    const events = await readEvents(`${run.dir}/${files[0]}`);
    assert.equal(events[0].fileVersion, "brain.Event:2");
    const fromTb = events.slice(1).flatMap((e) =>
      (e.values ?? []).map((v) => `${e.step}:${v.tag}:${Math.fround(v.value)}`)
    );
    const fromJsonl = (await run.readMetrics()).flatMap((m) =>
      Object.entries(m).filter(([k]) => k !== "global_step" && k !== "wall_time")
        .map(([k, v]) => `${m.global_step}:${k}:${Math.fround(v)}`)
    );
    assert.deepEqual(fromTb, fromJsonl);
    assert.ok(fromTb.some((s) => s.includes(":eval/mean_return:")));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("--stop-when-solved on CartPole stops at the env's threshold with the tutorials' line", async () => {
  const out = await Deno.makeTempDir({ prefix: "eagle_solved_" });
  const run = new RunFolder(`${out}/w`);
  try {
    const r = await runTrain([
      ...PPO_CARTPOLE,
      "--stop-when-solved",
      ...["--steps", "400000", "--out", out, "--name", "w"],
    ]);
    assert.equal(r.code, 0, r.stderr);
    // Seeds 1–4 solve between 95k and 120k steps: 475 is CartPole-v1's threshold.
    assert.match(r.stderr, /Solved at episode [\d,]+ \(step [\d,]+\): 100-episode mean 47\d\.\d/);
    const status = await run.readStatus();
    assert.equal(status?.state, "finished");
    assert.ok(status!.solved!.mean >= 475 && status!.globalStep < 400_000);
    assert.equal((await run.readConfig()).stopAt, 475);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
