import assert from "node:assert/strict";
import { SimpleSpread } from "../envs/multi_agent/simple_spread.ts";
import type { Observation } from "../envs/types.ts";
import { sharedPolicy } from "./shared_policy.ts";
import { TeamEpisode } from "./team_episode.ts";

const AGENTS = ["agent_0", "agent_1", "agent_2"];

Deno.test("TeamEpisode steps every live agent greedily and keeps each agent's return", () => {
  // Agent k moves in direction k + 1, read from its one-hot index.
  const policy = sharedPolicy({
    decide: (obs: Observation) => {
      const x = obs as Float32Array;
      return { action: 1 + Array.from(x.subarray(18)).indexOf(1), probs: [1] };
    },
  }, { agents: AGENTS, agentIdOneHot: true, inputSize: 21 });
  const env = new SimpleSpread({ maxCycles: 4 });
  const episode = new TeamEpisode(policy, env, 12);
  const hand = new SimpleSpread({ maxCycles: 4 });
  assert.deepEqual(episode.obs, hand.reset({ seed: 12 }).obs);
  const returns = [0, 0, 0];
  for (let t = 1; t <= 4; t++) {
    const step = episode.step();
    const r = hand.step({ agent_0: 1, agent_1: 2, agent_2: 3 });
    assert.deepEqual(step.obs, r.obs);
    assert.deepEqual(step.rewards, r.rewards);
    assert.equal(step.decisions.agent_2.action, 3);
    assert.deepEqual(step.decisions.agent_1.probs, [1]);
    assert.equal(step.done, t === 4);
    assert.equal(step.terminated, false);
    AGENTS.forEach((a, k) => (returns[k] += r.rewards[a]));
  }
  assert.equal(episode.steps, 4);
  assert.deepEqual(episode.agentReturns, {
    agent_0: returns[0],
    agent_1: returns[1],
    agent_2: returns[2],
  });
  assert.equal(episode.teamReturn, returns[0] + returns[1] + returns[2]);
  assert.equal(episode.terminated, false);
  assert.throws(() => episode.step(), /episode is over/);
  assert.throws(
    () => new TeamEpisode(policy, new SimpleSpread({ N: 2 }), 0),
    /acts for agent_0, agent_1, agent_2; the env has agent_0, agent_1$/,
  );
});
