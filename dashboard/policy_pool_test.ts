/**
 * The policy workers on a real (barely trained) LunarLander DQN run: a played episode and an
 * evaluation equal the library's; a full queue is a 503 with Retry-After; and abandoned jobs,
 * queued or running, are dropped so that a small job behind them is not kept waiting (each
 * abandoned one would take about half a minute).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { RunFolder } from "../core/run_folder.ts";
import type { RunConfig } from "../core/run_log.ts";
import { getAlgorithm } from "../agents/algorithms.ts";
import { evaluatePolicy } from "../agents/evaluate.ts";
import { PolicyPool, type PolicyRef } from "./policy_pool.ts";
import { RunStore } from "./runs.ts";
import { ClientGone, HttpError } from "./validate.ts";
import { trainRun } from "./_testing.ts";

Deno.test("policy pool: plays and evaluates off the main thread, bounded and cancellable", async (t) => {
  const runsDir = await Deno.makeTempDir({ prefix: "eagle-pool-" });
  const dir = await trainRun(runsDir, "ll", {
    algo: "dqn",
    env: "LunarLander-v3",
    steps: 1000,
    evalEpisodes: 0,
    extra: ["--device", "cpu"],
  });
  const config: RunConfig = JSON.parse(await Deno.readTextFile(join(dir, "config.json")));
  const ref: PolicyRef = {
    runId: "ll",
    runDir: dir,
    config,
    signature: await new RunStore(runsDir).checkpointSignature("ll"),
  };
  const policy = await getAlgorithm("dqn").loadPolicy(new RunFolder(dir), config);
  const pool = new PolicyPool({ workers: 1, queueLimit: 2 });
  try {
    await t.step("a play and an evaluation equal the library's", async () => {
      const lib = evaluatePolicy(policy, "LunarLander-v3", { episodes: 3, seed: 5 });
      const ep = await pool.play(ref, 5);
      assert.equal(ep.steps, lib.per_episode[0].steps);
      assert.equal(ep.total_reward, Math.round(lib.per_episode[0].reward * 100) / 100);
      assert.equal(ep.states_visited.length, ep.steps + 1);
      assert.equal(ep.action_names?.[2], "Fire Main Engine");
      const report = await pool.evaluate(ref, 3, 5);
      assert.equal(report.mean_reward, lib.mean_reward);
      assert.deepEqual(report.action_counts, lib.action_counts);
    });

    await t.step("a full queue is a 503 with Retry-After", () => {
      const abort = new AbortController();
      const jobs = [0, 1, 2].map((i) => pool.evaluate(ref, 1000, i, abort.signal));
      assert.deepEqual(pool.status(), {
        size: 1,
        running: 1,
        queued: 2,
        queue_limit: 2,
        cancelled: 0,
      });
      assert.throws(() => pool.evaluate(ref, 1, 0), (err: unknown) => {
        assert.ok(err instanceof HttpError);
        assert.equal(err.status, 503);
        assert.ok(err.retryAfter! >= 1 && err.retryAfter! <= 60, String(err.retryAfter));
        assert.match(err.message, /busy: 2 requests are waiting for 1 worker/);
        return true;
      });
      abort.abort();
      return Promise.allSettled(jobs).then((settled) => {
        for (const s of settled) {
          assert.equal(s.status, "rejected");
          assert.ok((s as PromiseRejectedResult).reason instanceof ClientGone);
        }
      });
    });

    await t.step("abandoned jobs are dropped: a small job behind them runs at once", async () => {
      assert.deepEqual(pool.status(), {
        size: 1,
        running: 0,
        queued: 0,
        queue_limit: 2,
        cancelled: 3,
      });
      // Abandoned while running (its worker is stopped) and while queued.
      const clients = [new AbortController(), new AbortController()];
      const long = clients.map((c, i) => pool.evaluate(ref, 1000, i, c.signal));
      await new Promise((r) => setTimeout(r, 300));
      for (const c of clients) c.abort();
      await Promise.allSettled(long);
      const t0 = performance.now();
      const one = await pool.evaluate(ref, 1, 0);
      const ms = performance.now() - t0;
      assert.equal(one.episodes, 1);
      // 2 × 1000 LunarLander episodes take about a minute; a fresh worker and 1 episode, ~1 s.
      assert.ok(ms < 20_000, `the 1-episode job waited ${ms} ms`);
      assert.equal(pool.status().cancelled, 5);
      // An already-aborted client is refused before queueing.
      assert.throws(() => pool.play(ref, 0, AbortSignal.abort()), ClientGone);
    });
  } finally {
    pool.close();
    await Deno.remove(runsDir, { recursive: true });
  }
});
