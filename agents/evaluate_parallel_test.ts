import assert from "node:assert/strict";
import { SimpleSpread } from "../envs/multi_agent/simple_spread.ts";
import type { Observation } from "../envs/types.ts";
import type { Policy } from "./algorithm.ts";
import { evaluatePolicy } from "./evaluate.ts";
import { evaluateParallel, returnStats } from "./evaluate_parallel.ts";
import { isSharedPolicy, sharedPolicy } from "./shared_policy.ts";

const AGENTS = ["agent_0", "agent_1", "agent_2"];

/** Moves along the larger offset to landmark 0 (observation entries 4 and 5). */
function towardsFirstLandmark(obs: ArrayLike<number>): number {
  const dx = obs[4], dy = obs[5];
  return Math.abs(dx) > Math.abs(dy) ? (dx < 0 ? 1 : 2) : (dy < 0 ? 3 : 4);
}

const actor: Policy = {
  decide: (obs: Observation) => ({ action: towardsFirstLandmark(obs as Float32Array) }),
};

Deno.test("evaluateParallel reports the team and per-agent returns of hand-played episodes", () => {
  const policy = sharedPolicy(actor, { agents: AGENTS, agentIdOneHot: false, inputSize: 18 });
  const report = evaluateParallel(policy, "simple_spread_v3", { episodes: 4, seed: 30, algo: "x" });
  const teams: number[] = [];
  const perAgent: number[][] = AGENTS.map(() => []);
  for (let i = 0; i < 4; i++) {
    const env = new SimpleSpread();
    let { obs } = env.reset({ seed: 30 + i });
    const returns = [0, 0, 0];
    while (env.agents.length > 0) {
      const step = env.step(
        Object.fromEntries(AGENTS.map((a) => [a, towardsFirstLandmark(obs[a])])),
      );
      AGENTS.forEach((a, k) => (returns[k] += step.rewards[a]));
      obs = step.obs;
    }
    teams.push(returns[0] + returns[1] + returns[2]);
    returns.forEach((r, k) => perAgent[k].push(r));
    const ep = report.per_episode[i];
    assert.equal(ep.seed, 30 + i);
    assert.equal(ep.steps, 25);
    assert.deepEqual(ep.agent_rewards, Object.fromEntries(AGENTS.map((a, k) => [a, returns[k]])));
    assert.equal(ep.reward, teams[i]);
  }
  const team = returnStats(teams);
  assert.equal(report.mean_reward, team.mean);
  assert.equal(report.std_reward, team.std);
  assert.equal(report.min_reward, team.min);
  assert.equal(report.max_reward, team.max);
  AGENTS.forEach((a, k) => assert.deepEqual(report.per_agent[a], returnStats(perAgent[k])));
  assert.deepEqual(report.agents, AGENTS);
  assert.equal(report.env, "simple_spread_v3");
  assert.equal(report.algo, "x");
  assert.equal(report.episodes, 4);
  assert.equal(report.mean_steps, 25);
  assert.equal(report.reward_threshold, null);
  assert.equal(report.success_rate, 0);
  const counted = Object.values(report.action_counts).reduce((a, b) => a + b, 0);
  assert.equal(counted, 4 * 25 * 3, "every agent's every action is counted");
  assert.ok(Object.keys(report.action_counts).every((k) => k.startsWith("move_")));
  // evaluatePolicy hands a shared policy to the multi-agent evaluation.
  assert.ok(isSharedPolicy(policy) && !isSharedPolicy(actor));
  const same = evaluatePolicy(policy, "simple_spread_v3", { episodes: 4, seed: 30 });
  assert.equal(same.mean_reward, report.mean_reward);
});

Deno.test("A shared policy gives each agent its one-hot index and checks its inputs", () => {
  const inputs: number[][] = [];
  const byIndex: Policy = {
    decide: (obs: Observation) => {
      const x = Array.from(obs as Float32Array);
      inputs.push(x);
      return { action: 1 + x.slice(18).indexOf(1) };
    },
  };
  const policy = sharedPolicy(byIndex, { agents: AGENTS, agentIdOneHot: true, inputSize: 21 });
  assert.equal(policy.agentObsSize, 18);
  const obs = new SimpleSpread().reset({ seed: 4 }).obs;
  const decisions = policy.decideAgents({ agent_2: obs.agent_2, agent_0: obs.agent_0 });
  assert.deepEqual(Object.keys(decisions), ["agent_2", "agent_0"]);
  assert.equal(decisions.agent_2.action, 3);
  assert.equal(decisions.agent_0.action, 1);
  assert.deepEqual(inputs[0], [...obs.agent_2, 0, 0, 1]);
  // Each agent plays its own action throughout: as stepping the env with actions 1, 2, 3.
  const report = evaluateParallel(policy, "simple_spread_v3", { episodes: 2, seed: 8 });
  const env = new SimpleSpread();
  env.reset({ seed: 9 });
  const returns = [0, 0, 0];
  while (env.agents.length > 0) {
    const r = env.step({ agent_0: 1, agent_1: 2, agent_2: 3 });
    AGENTS.forEach((a, k) => (returns[k] += r.rewards[a]));
  }
  assert.equal(report.per_episode[1].reward, returns[0] + returns[1] + returns[2]);
  assert.deepEqual(report.action_counts, { move_left: 50, move_right: 50, move_down: 50 });
  assert.throws(
    () => policy.decideAgents({ agent_3: obs.agent_0 }),
    /Unknown agent "agent_3"; the policy acts for agent_0, agent_1, agent_2/,
  );
  assert.throws(
    () => policy.decideAgents({ agent_1: obs.agent_1.subarray(1) }),
    /observation of agent_1 must hold 18 values, got 17/,
  );
  assert.throws(
    () => sharedPolicy(byIndex, { agents: AGENTS, agentIdOneHot: true, inputSize: 3 }),
    /more than 3 floats; got 3 agents and inputSize 3/,
  );
});

Deno.test("evaluateParallel rejects bad requests, naming the value", () => {
  const policy = sharedPolicy(actor, { agents: AGENTS, agentIdOneHot: false, inputSize: 18 });
  assert.throws(
    () => evaluateParallel(policy, "simple_spread_v3", { episodes: 0 }),
    /episodes must be a positive integer, got 0/,
  );
  assert.throws(
    () => evaluateParallel(policy, "simple_spread_v3", { envOptions: { N: 2 } }),
    /acts for agent_0, agent_1, agent_2; the env has agent_0, agent_1/,
  );
  assert.throws(
    () => evaluateParallel(policy, "CartPole-v1"),
    /Unknown parallel env "CartPole-v1"/,
  );
  assert.throws(() => returnStats([]), /at least one value/);
});
