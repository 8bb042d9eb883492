/**
 * The REST API against the real server (ephemeral loopback port) over a temp runs folder with a
 * Q-learning run trained and evaluated by the CLI: answers match the library and the CLI, the
 * metrics update live, policies reload when their checkpoint changes, the OpenAPI document
 * comes from the route schemas, and the pages still answer.
 */
import assert from "node:assert/strict";
import { RunFolder } from "../core/run_folder.ts";
import { join } from "node:path";
import type { EvalReport, MetricRecord, RunConfig } from "../core/run_log.ts";
import { getAlgorithm } from "../agents/algorithms.ts";
import { evaluatePolicy } from "../agents/evaluate.ts";
import { serveDashboard } from "./app.ts";
import { runScript, trainRun } from "./_testing.ts";

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("dashboard API serves a real run", async (t) => {
  const runsDir = await Deno.makeTempDir({ prefix: "eagle-dash-api-" });
  const dir = await trainRun(runsDir, "fl", { evalEpisodes: 20 });
  const config: RunConfig = JSON.parse(await Deno.readTextFile(join(dir, "config.json")));
  // recheckMs 0: every request re-checks the checkpoint, so the reload test needs no sleep.
  const server = serveDashboard({ runsDir, port: 0, recheckMs: 0 });
  const get = (path: string) => call(server.url, "GET", path);
  const post = (path: string, body: unknown) => call(server.url, "POST", path, body);
  try {
    await t.step("health names the default model", async () => {
      const { status, body } = await get("/api/health");
      assert.equal(status, 200);
      assert.equal(body.status, "healthy");
      assert.equal(body.model_loaded, true);
      assert.equal(body.model, "fl");
      assert.equal(body.model_pinned, false);
      // Relative to the runs folder's parent: the server's absolute paths are never shown.
      assert.equal(body.model_path, `${runsDir.split("/").at(-1)}/fl`);
      assert.equal(body.checkpoint, "qtable_best.json");
      assert.equal(body.env, "FrozenLake-v1");
      assert.equal(body.algo, "qlearning");
      assert.deepEqual(body.state_shape, { kind: "discrete", n: 16, start: 0 });
      assert.deepEqual(body.action_names, ["Left", "Down", "Right", "Up"]);
      assert.equal(typeof body.uptime_s, "number");
      assert.ok(server.url.startsWith("http://127.0.0.1:"));
      // The root route is the same handler.
      const { uptime_s: _, ...rest } = body;
      const { uptime_s: __, ...root } = (await get("/health")).body;
      assert.deepEqual(root, rest);
    });

    await t.step("runs list and one run", async () => {
      const { body } = await get("/api/runs");
      const runs = body.runs as Record<string, unknown>[];
      assert.equal(runs.length, 1);
      const r = runs[0];
      assert.equal(r.id, "fl");
      assert.equal(r.state, "finished");
      assert.equal(r.env, "FrozenLake-v1");
      assert.equal(r.algo, "qlearning");
      assert.equal(r.globalStep, 20_000);
      assert.equal(r.hasCheckpoint, true);
      const report: EvalReport = JSON.parse(await Deno.readTextFile(join(dir, "eval.json")));
      assert.equal(r.evalMeanReward, report.mean_reward);
      const one = await get("/api/runs/fl");
      assert.deepEqual((one.body.config as RunConfig).hyperparameters, config.hyperparameters);
      assert.equal((one.body.eval as EvalReport).per_episode.length, 20);
    });

    await t.step("metrics, whole and since=N", async () => {
      const all = await get("/api/runs/fl/metrics");
      const records = all.body.records as MetricRecord[];
      assert.ok(records.length > 3);
      assert.equal(all.body.next, records.length);
      assert.ok((all.body.keys as string[]).includes("charts/episodic_return"));
      const tail = await get(`/api/runs/fl/metrics?since=${records.length - 2}`);
      assert.deepEqual(tail.body.records, records.slice(-2));
      const none = await get(`/api/runs/fl/metrics?since=${records.length + 5}`);
      assert.deepEqual(none.body.records, []);
    });

    const policy = await getAlgorithm("qlearning").loadPolicy(new RunFolder(dir), config);
    await t.step("predict agrees with the library's policy in every state", async () => {
      for (let s = 0; s < 16; s++) {
        const { status, body } = await post("/api/predict", { state: [s] });
        assert.equal(status, 200);
        const want = policy.decide(s);
        assert.equal(body.action, want.action);
        assert.equal(body.action_name, ["Left", "Down", "Right", "Up"][want.action as number]);
        assert.deepEqual(body.q_values, want.qValues);
        assert.equal(body.run, "fl");
        assert.equal("probs" in body, false);
      }
      // The root route is the same handler; an explicit run is accepted.
      const root = await post("/predict", { state: [5], run: "fl" });
      assert.equal(root.status, 200);
      assert.equal(root.body.action, policy.decide(5).action);
    });

    await t.step("play returns a consistent, reproducible episode", async () => {
      const a = await post("/api/play", { seed: 3 });
      assert.equal(a.status, 200);
      const steps = a.body.steps as number;
      assert.equal((a.body.actions_taken as number[]).length, steps);
      assert.equal((a.body.states_visited as number[]).length, steps + 1);
      const rewards = a.body.rewards_per_step as number[];
      assert.equal(rewards.reduce((x, y) => x + y, 0), a.body.total_reward);
      assert.deepEqual(a.body.action_names, ["Left", "Down", "Right", "Up"]);
      assert.equal(a.body.seed, 3);
      const b = await post("/play", { seed: 3, run: "fl" });
      assert.deepEqual(b.body, a.body);
      // The same episode as the library's evaluation of seed 3.
      const lib = evaluatePolicy(policy, "FrozenLake-v1", { episodes: 1, seed: 3 });
      assert.equal(a.body.total_reward, lib.per_episode[0].reward);
      assert.equal(steps, lib.per_episode[0].steps);
      assert.equal(a.body.success, lib.per_episode[0].success);
      // No body at all: a random seed, said in the answer.
      const res = await fetch(server.url + "/play", { method: "POST" });
      const random = await res.json();
      assert.equal(res.status, 200);
      assert.ok(Number.isInteger(random.seed));
      assert.equal(random.states_visited.length, random.steps + 1);
    });

    await t.step("evaluate equals the CLI's eval JSON", async () => {
      const api = await post("/api/evaluate", { episodes: 30, seed: 7 });
      assert.equal(api.status, 200);
      const cli = JSON.parse(
        await runScript("eval.ts", [dir, "--episodes", "30", "--seed", "7", "--json", "--quiet"]),
      );
      const strip = (o: Record<string, unknown>) => {
        const { evaluated_at: _, run: __, ...rest } = o;
        return rest;
      };
      assert.deepEqual(strip(api.body), strip(cli));
      assert.equal("per_episode" in api.body, false);
      const full = await post("/api/evaluate", { episodes: 5, per_episode: true, run: "fl" });
      assert.equal((full.body.per_episode as unknown[]).length, 5);
      // The GET form: the tutorial's summary of the same evaluation.
      const summary = await get("/evaluate?n_episodes=30&seed=7");
      assert.equal(summary.status, 200);
      assert.deepEqual(summary.body, {
        run: "fl",
        seed: 7,
        n_episodes: 30,
        mean_reward: Math.round(cli.mean_reward * 100) / 100,
        std_reward: Math.round(cli.std_reward * 100) / 100,
        min_reward: cli.min_reward,
        max_reward: cli.max_reward,
        win_rate: Math.round(cli.success_rate * 1000) / 10,
        avg_steps: Math.round(cli.mean_steps * 10) / 10,
      });
      assert.deepEqual((await get("/api/evaluate?n_episodes=30&seed=7")).body, summary.body);
    });

    await t.step("live: appended metrics lines and a status change show up", async () => {
      const before = await get("/api/runs/fl/metrics");
      const next = before.body.next as number;
      await Deno.writeTextFile(
        join(dir, "metrics.jsonl"),
        JSON.stringify({ global_step: 20_500, wall_time: 9, "charts/episodic_return": 0.5 }) + "\n",
        { append: true },
      );
      const status = JSON.parse(await Deno.readTextFile(join(dir, "status.json")));
      await Deno.writeTextFile(
        join(dir, "status.json"),
        JSON.stringify({ ...status, state: "running" }),
      );
      const after = await get(`/api/runs/fl/metrics?since=${next}`);
      assert.equal(after.body.state, "running");
      assert.deepEqual(after.body.records, [
        { global_step: 20_500, wall_time: 9, "charts/episodic_return": 0.5 },
      ]);
      await Deno.writeTextFile(join(dir, "status.json"), JSON.stringify(status));
    });

    await t.step("corrupt and half-written metrics lines are skipped", async () => {
      const path = join(dir, "metrics.jsonl");
      const n = (await get("/api/runs/fl/metrics")).body.next as number;
      await Deno.writeTextFile(path, '{"global_step": oops}\n{"global_st', { append: true });
      const mid = await get(`/api/runs/fl/metrics?since=${n}`);
      assert.equal(mid.status, 200);
      assert.deepEqual(mid.body.records, []);
      // The writer finishes its line: the record appears.
      await Deno.writeTextFile(path, 'ep": 20600, "wall_time": 10}\n', { append: true });
      const done = await get(`/api/runs/fl/metrics?since=${n}`);
      assert.deepEqual(done.body.records, [{ global_step: 20600, wall_time: 10 }]);
    });

    await t.step("a rewritten checkpoint is reloaded", async () => {
      const path = join(dir, "qtable_best.json");
      const original = await Deno.readTextFile(path);
      // Rows of Q-values per state (agents/q_learning.ts); make action 2 best in state 0.
      const ckpt = JSON.parse(original) as { q: number[][] };
      ckpt.q[0] = [0, 0, 5, 0];
      await Deno.writeTextFile(path, JSON.stringify(ckpt));
      const { body } = await post("/api/predict", { state: [0] });
      assert.equal(body.action, 2);
      assert.equal((body.q_values as number[])[2], 5);
      await Deno.writeTextFile(path, original);
    });

    await t.step(
      "OpenAPI document (from the route schemas) and docs page cover every route",
      async () => {
        const { status, body } = await get("/api/openapi.json");
        assert.equal(status, 200);
        assert.equal(body.openapi, "3.1.0");
        type Op = {
          requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
          parameters?: { name: string; in: string; schema: Record<string, unknown> }[];
          responses: Record<string, unknown>;
        };
        const paths = body.paths as Record<string, Record<string, Op>>;
        const ops = Object.entries(paths).flatMap(([p, item]) =>
          Object.keys(item).map((m) => `${m} ${p}`)
        );
        assert.deepEqual(ops, [
          "get /api/health",
          "post /api/predict",
          "post /api/play",
          "get /api/evaluate",
          "post /api/evaluate",
          "get /api/runs",
          "get /api/runs/{id}",
          "get /api/runs/{id}/metrics",
        ]);
        // The schemas that validate requests are the ones documented.
        const predict = paths["/api/predict"].post.requestBody!.content["application/json"].schema;
        // state for single-agent runs, states for multi-agent ones: neither is always required.
        assert.equal(predict.required, undefined);
        assert.deepEqual(Object.keys(predict.properties!), ["state", "states", "run"]);
        assert.equal(predict.additionalProperties, false);
        const n = paths["/api/evaluate"].get.parameters!.find((p) => p.name === "n_episodes")!;
        assert.deepEqual([n.in, n.schema.minimum, n.schema.maximum, n.schema.default], [
          "query",
          1,
          1000,
          10,
        ]);
        assert.ok(paths["/api/play"].post.responses["503"]);
        const res = await fetch(server.url + "/api/docs");
        const html = await res.text();
        assert.equal(res.status, 200);
        assert.equal(html.match(/<form /g)?.length, ops.length);
        assert.ok(!/https?:\/\/(?!127\.0\.0\.1)[a-z]/i.test(html.replace(/xmlns="[^"]*"/g, "")));
        const docs = await fetch(server.url + "/docs", { redirect: "manual" });
        assert.equal(docs.headers.get("location"), "/api/docs");
        await docs.body?.cancel();
      },
    );

    // The pages' content is tested with the pages; here: the app still mounts and serves them.
    await t.step("pages render", async () => {
      const page = async (path: string) => {
        const res = await fetch(server.url + path);
        return { status: res.status, html: await res.text() };
      };
      const list = await page("/");
      assert.equal(list.status, 200);
      assert.match(list.html, /href="\/runs\/fl"/);
      const run = await page("/runs/fl");
      assert.equal(run.status, 200);
      assert.match(run.html, /<title>[^<]*fl<\/title>/);
      assert.equal((await page("/runs/fl/replay?seed=4")).status, 200);
      assert.equal((await page("/compare?run=fl")).status, 200);
      const missing = await page("/runs/nope");
      assert.equal(missing.status, 404);
      assert.match(missing.html, /No run &quot;nope&quot;/);
      const js = await fetch(server.url + "/static/islands.js");
      assert.equal(js.status, 200);
      assert.ok((await js.text()).length > 10_000);
    });
  } finally {
    await server.shutdown();
    await Deno.remove(runsDir, { recursive: true });
  }
});
