/**
 * The API on a multi-agent run (parameter-shared PPO on simple_spread_v3, trained by the CLI):
 * `/health` gives the agents' state shape, `/predict` takes each agent's observation and
 * answers each agent's action as the run's policy decides, `/play` and `/evaluate` report the
 * team return and each agent's, and a single-agent `state` is refused naming `states`.
 */
import assert from "node:assert/strict";
import { getAlgorithm } from "../agents/algorithms.ts";
import type { SharedPolicy } from "../agents/shared_policy.ts";
import { RunFolder } from "../core/run_folder.ts";
import { SimpleSpread } from "../envs/multi_agent/simple_spread.ts";
import { serveDashboard } from "./app.ts";
import { trainRun } from "./_testing.ts";

async function call(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("the API serves a multi-agent run: per-agent states in, per-agent actions out", async () => {
  const runsDir = await Deno.makeTempDir({ prefix: "eagle-dash-ma-" });
  const dir = await trainRun(runsDir, "spread", {
    algo: "ppo",
    env: "simple_spread_v3",
    steps: 4000,
    evalEpisodes: 0,
    extra: ["--device", "cpu"],
  });
  const server = serveDashboard({ runsDir, port: 0, recheckMs: 0 });
  try {
    const health = await call(server.url, "GET", "/api/health");
    assert.equal(health.status, 200);
    assert.equal(health.body.env, "simple_spread_v3");
    const agents = ["agent_0", "agent_1", "agent_2"];
    assert.deepEqual(health.body.state_shape, { kind: "agents", agents, size: 18 });

    const run = new RunFolder(dir);
    const policy = await getAlgorithm("ppo").loadPolicy(
      run,
      await run.readConfig(),
    ) as SharedPolicy;
    const obs = new SimpleSpread().reset({ seed: 3 }).obs;
    const states = { agent_0: Array.from(obs.agent_0), agent_2: Array.from(obs.agent_2) };
    const predict = await call(server.url, "POST", "/api/predict", { states });
    assert.equal(predict.status, 200);
    const want = policy.decideAgents({ agent_0: obs.agent_0, agent_2: obs.agent_2 });
    assert.deepEqual(predict.body.actions, {
      agent_0: want.agent_0.action,
      agent_2: want.agent_2.action,
    });
    const names = predict.body.action_names as Record<string, string>;
    assert.ok(names.agent_0.startsWith("move_") || names.agent_0 === "no_action");
    assert.equal((predict.body.probs as Record<string, number[]>).agent_2.length, 5);

    const single = await call(server.url, "POST", "/api/predict", { state: states.agent_0 });
    assert.equal(single.status, 422);
    assert.match(single.body.error.message, /states is required: each agent's observation of 18/);
    const unknown = await call(server.url, "POST", "/api/predict", { states: { agent_7: [0] } });
    assert.equal(unknown.status, 422);
    assert.equal(unknown.body.error.field, "states.agent_7");
    const short = await call(server.url, "POST", "/api/predict", { states: { agent_1: [0, 1] } });
    assert.equal(short.status, 422);
    assert.match(short.body.error.message, /18 numbers .* got a list of 2/);

    const play = await call(server.url, "POST", "/api/play", { seed: 5 });
    assert.equal(play.status, 200);
    assert.equal(play.body.steps, 25);
    assert.deepEqual(play.body.agents, agents);
    const agentRewards = play.body.agent_rewards as Record<string, number>;
    const sum = agents.reduce((s, a) => s + agentRewards[a], 0);
    assert.ok(Math.abs(sum - play.body.total_reward) < 0.02, "team return = sum of the agents'");
    assert.deepEqual(Object.keys(play.body.actions_taken[0]), agents);
    assert.equal(play.body.states_visited.length, 26);
    assert.equal(play.body.states_visited[0].agent_1.length, 18);

    const evaluate = await call(server.url, "POST", "/api/evaluate", { episodes: 5, seed: 0 });
    assert.equal(evaluate.status, 200);
    assert.deepEqual(Object.keys(evaluate.body.per_agent), agents);
  } finally {
    server.close();
    await Deno.remove(runsDir, { recursive: true });
  }
});
