/**
 * The API over a network policy with vector observations (PPO on CartPole, trained by the
 * CLI): `state` must be a list of 4 finite numbers (a 422 names the field otherwise), answers
 * carry `probs` and `q_values: null`, and predict, play and evaluate agree with the library.
 * Ignored when PPO is not registered.
 */
import assert from "node:assert/strict";
import { RunFolder } from "../core/run_folder.ts";
import { join } from "node:path";
import type { RunConfig } from "../core/run_log.ts";
import { algorithmIds, getAlgorithm } from "../agents/algorithms.ts";
import { evaluatePolicy } from "../agents/evaluate.ts";
import { serveDashboard } from "./app.ts";
import { trainRun } from "./_testing.ts";

Deno.test({
  name: "dashboard API serves a PPO CartPole run (vector states)",
  ignore: !algorithmIds().includes("ppo"),
  async fn(t) {
    const runsDir = await Deno.makeTempDir({ prefix: "eagle-dash-vec-" });
    const dir = await trainRun(runsDir, "cp", {
      algo: "ppo",
      env: "CartPole-v1",
      steps: 2048,
      evalEpisodes: 5,
      extra: ["--device", "cpu"],
    });
    const config: RunConfig = JSON.parse(await Deno.readTextFile(join(dir, "config.json")));
    const policy = await getAlgorithm("ppo").loadPolicy(new RunFolder(dir), config);
    const server = serveDashboard({ runsDir, port: 0 });
    const post = async (path: string, body: unknown) => {
      const res = await fetch(server.url + path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    };
    try {
      await t.step("health gives the state shape", async () => {
        const res = await fetch(server.url + "/api/health");
        const body = await res.json();
        assert.equal(body.model, "cp");
        assert.deepEqual(body.state_shape, { kind: "box", size: 4 });
      });

      await t.step("predict agrees with the library", async () => {
        for (const s of [[0, 0, 0, 0], [0.1, -0.5, 0.05, 0.3], [-1, 1, -0.2, -1]]) {
          const { status, body } = await post("/api/predict", { state: s });
          assert.equal(status, 200);
          const want = policy.decide(new Float32Array(s));
          assert.equal(body.action, want.action);
          assert.equal(body.action_name, ["Push Left", "Push Right"][want.action as number]);
          assert.deepEqual(body.probs, want.probs);
          assert.equal(body.q_values, null);
          assert.ok(Math.abs(body.probs[0] + body.probs[1] - 1) < 1e-6);
        }
      });

      await t.step("vector states are validated", async () => {
        const cases: [unknown, string, RegExp][] = [
          [[0, 0, 0], "state", /list of 4 numbers .*got a list of 3/],
          [[0, 0, 0, 0, 0], "state", /list of 4 numbers .*got a list of 5/],
          [[0, "NaN", 0, 0], "state[1]", /finite number .*got the string "NaN"/],
          [[0, 0, null, 0], "state[2]", /finite number .*got null/],
          [[0, 0, 0, [0]], "state[3]", /finite number .*got a list of 1/],
          [[false, 0, 0, 0], "state[0]", /finite number .*got boolean false/],
          [[0, 0, 0, 2e6], "state[3]", /\|x\| ≤ 1000000; got 2000000/],
          [3, "state", /must be a list of numbers.*got 3/],
        ];
        for (const [state, field, message] of cases) {
          const { status, body } = await post("/api/predict", { state });
          assert.equal(status, 422, JSON.stringify(state));
          assert.equal(body.error.field, field);
          assert.match(body.error.message, message);
          assert.equal(body.detail[0].msg, body.error.message);
        }
        const inf = await fetch(server.url + "/api/predict", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: '{"state":[0,0,1e999,0]}',
        });
        assert.equal(inf.status, 422);
        const infBody = await inf.json();
        assert.equal(infBody.error.field, "state[2]");
        assert.deepEqual(infBody.detail[0].loc, ["body", "state", 2]);
      });

      await t.step("play and evaluate agree with the library", async () => {
        const { body: ep } = await post("/api/play", { seed: 11 });
        assert.equal(ep.states_visited.length, ep.steps + 1);
        assert.ok(ep.states_visited.every((s: number[]) => s.length === 4));
        assert.deepEqual(ep.action_names, ["Push Left", "Push Right"]);
        const lib = evaluatePolicy(policy, "CartPole-v1", { episodes: 4, seed: 11 });
        assert.equal(ep.total_reward, lib.per_episode[0].reward);
        const { status, body } = await post("/api/evaluate", { episodes: 4, seed: 11 });
        assert.equal(status, 200);
        assert.equal(body.mean_reward, lib.mean_reward);
        assert.deepEqual(body.action_counts, lib.action_counts);
      });
    } finally {
      await server.shutdown();
      await Deno.remove(runsDir, { recursive: true });
    }
  },
});
