import assert from "node:assert/strict";
import { RunFolder } from "../core/run_folder.ts";
import { trainRun } from "./_testing.ts";
import { EvaluationJobs, type EvaluationRequest } from "./evaluate_jobs.ts";
import { evaluationPath, listEvaluations, readEvaluation } from "./evaluations.ts";
import type { EvaluationEvent } from "./islands/protocol.ts";
import { HttpError } from "./validate.ts";

const runsDir = await Deno.makeTempDir({ prefix: "eagle-eval-jobs-" });
const runDir = await trainRun(runsDir, "fl", { steps: 5000, evalEpisodes: 0 });
const config = await new RunFolder(runDir).readConfig();

function request(episodes: number, seed = 0): EvaluationRequest {
  return { runDir, config, checkpoint: "best", episodes, seed, checkpointTime: "t0" };
}

/** Subscribes and collects events until a result or an error. */
function collect(jobs: EvaluationJobs, req: EvaluationRequest): Promise<EvaluationEvent[]> {
  return new Promise((resolve) => {
    const events: EvaluationEvent[] = [];
    jobs.subscribe(req, (e) => {
      events.push(e);
      if (e.type === "result" || e.type === "error") resolve(events);
    });
  });
}

Deno.test("an evaluation job reports every episode, counts actions per episode and stores its result", async () => {
  const jobs = new EvaluationJobs();
  try {
    const events = await collect(jobs, request(30, 5));
    const progress = events.filter((e) => e.type === "progress");
    assert.deepEqual(progress.map((e) => e.done), Array.from({ length: 30 }, (_, i) => i + 1));
    const last = events.at(-1)!;
    assert.equal(last.type, "result");
    if (last.type !== "result") return;
    const ev = last.evaluation;
    assert.equal(ev.report.episodes, 30);
    assert.equal(ev.report.seed, 5);
    assert.deepEqual(
      ev.report.per_episode.map((e) => e.seed),
      Array.from({ length: 30 }, (_, i) => 5 + i),
    );
    assert.deepEqual(ev.action_names, ["Left", "Down", "Right", "Up"]);
    assert.equal(ev.actions!.length, 30);
    ev.actions!.forEach((counts, i) =>
      assert.equal(counts.reduce((a, b) => a + b, 0), ev.report.per_episode[i].steps)
    );
    // The per-episode counts add up to evaluatePolicy's own totals.
    for (const [a, name] of ev.action_names!.entries()) {
      const total = ev.actions!.reduce((s, c) => s + c[a], 0);
      assert.equal(total, ev.report.action_counts[name] ?? 0, name);
    }
    assert.equal(ev.checkpoint_time, "t0");
    const lastProgress = progress.at(-1)!;
    assert.ok(lastProgress.type === "progress");
    assert.ok(Math.abs(lastProgress.mean - ev.report.mean_reward) < 1e-9);
    assert.deepEqual(await readEvaluation(runDir, ev), ev);
    assert.deepEqual(
      (await listEvaluations(runDir)).map((
        { checkpoint, episodes, seed },
      ) => [checkpoint, episodes, seed]),
      [["best", 30, 5]],
    );
    assert.equal(jobs.running, 0);
  } finally {
    jobs.close();
  }
});

Deno.test("visitors asking for the same evaluation share one job; others wait their turn", async () => {
  const jobs = new EvaluationJobs({ maxRunning: 1, maxQueued: 1 });
  try {
    const a = collect(jobs, request(40, 100));
    const b = collect(jobs, request(40, 100));
    assert.equal(jobs.running, 1);
    const c = collect(jobs, request(20, 200));
    assert.equal(jobs.queued, 1);
    // A third distinct evaluation finds the queue full.
    assert.throws(
      () => jobs.subscribe(request(10, 300), () => {}),
      (e) => e instanceof HttpError && e.status === 503,
    );
    const [ea, eb, ec] = await Promise.all([a, b, c]);
    assert.deepEqual(ea.at(-1), eb.at(-1));
    assert.deepEqual(ec[0], { type: "queued", ahead: 1 });
    assert.equal(ec.at(-1)!.type, "result");
  } finally {
    jobs.close();
  }
});

Deno.test("an evaluation nobody watches any more is cancelled and never stored", async () => {
  const jobs = new EvaluationJobs();
  try {
    const key = request(1000, 7);
    const events: EvaluationEvent[] = [];
    // The visitor leaves as soon as the first episode is reported.
    const left = Promise.withResolvers<void>();
    const leave = jobs.subscribe(key, (e) => {
      events.push(e);
      if (e.type === "progress") {
        leave();
        left.resolve();
      }
    });
    await left.promise;
    assert.equal(jobs.running, 0);
    const seen = events.length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(events.length, seen, "events kept coming after the visitor left");
    assert.equal(events.some((e) => e.type === "result"), false);
    await assert.rejects(Deno.stat(evaluationPath(runDir, key)), Deno.errors.NotFound);
  } finally {
    jobs.close();
  }
});

Deno.test("a checkpoint that cannot be loaded ends the job with an error event", async () => {
  const jobs = new EvaluationJobs();
  try {
    const events = await collect(jobs, { ...request(10), runDir: `${runsDir}/missing` });
    const last = events.at(-1)!;
    assert.equal(last.type, "error");
    assert.match(last.type === "error" ? last.message : "", /^Evaluation failed: /);
    assert.equal(jobs.running, 0);
  } finally {
    jobs.close();
  }
});

Deno.test({
  name: "remove the evaluation jobs' run folder",
  sanitizeResources: false,
  fn: () => Deno.remove(runsDir, { recursive: true }),
});
