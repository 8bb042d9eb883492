import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { Box, Discrete } from "../spaces.ts";
import { makeVec } from "../vector.ts";
import { SimpleSpread } from "./simple_spread.ts";
import type { AnyParallelEnv } from "./types.ts";
import { ParallelVectorEnv, writeSlotObservation } from "./vector.ts";

const AGENTS = ["agent_0", "agent_1", "agent_2"];

/** Random discrete actions for every slot, from a fixed stream. */
function randomActions(rng: Rng, slots: number): Int32Array {
  return Int32Array.from({ length: slots }, () => Math.floor(rng.random() * 5));
}

Deno.test("ParallelVectorEnv slots follow hand-stepped SimpleSpread copies through autoreset", () => {
  const M = 2, A = 3, seed = 7;
  const envs = new ParallelVectorEnv({ id: "simple_spread_v3", numCopies: M, options: {} }, {
    autoreset: "same-step",
  });
  assert.equal(envs.numEnvs, M * A);
  assert.equal(envs.numCopies, M);
  assert.deepEqual(envs.agents, AGENTS);
  assert.equal(envs.obsSize, 18);
  assert.equal(envs.actionSize, 1);
  assert.ok(envs.singleActionSpace instanceof Discrete);
  const hand = Array.from({ length: M }, () => new SimpleSpread());
  const first = envs.reset({ seed });
  hand.forEach((env, c) => {
    const { obs } = env.reset({ seed: seed + c });
    AGENTS.forEach((a, i) => {
      assert.deepEqual(first.slice((c * A + i) * 18, (c * A + i + 1) * 18), obs[a]);
    });
  });
  const rng = new Rng(3);
  const returns = new Float64Array(M * A);
  let ended = 0;
  // 60 steps cross two truncations (maxCycles 25) of each copy.
  for (let t = 0; t < 60; t++) {
    const actions = randomActions(rng, M * A);
    const r = envs.step(actions);
    for (let c = 0; c < M; c++) {
      const env = hand[c];
      const step = env.step(Object.fromEntries(AGENTS.map((a, i) => [a, actions[c * A + i]])));
      const done = env.agents.length === 0;
      const next = done ? env.reset().obs : step.obs;
      let team = 0;
      AGENTS.forEach((a, i) => {
        const s = c * A + i;
        assert.equal(r.rewards[s], step.rewards[a], `reward of slot ${s} at step ${t}`);
        assert.equal(r.truncated[s], step.truncations[a] ? 1 : 0);
        assert.equal(r.terminated[s], 0);
        assert.deepEqual(r.obs.slice(s * 18, (s + 1) * 18), next[a], `obs of slot ${s}`);
        returns[s] += step.rewards[a];
        team += returns[s];
        if (done) {
          assert.deepEqual(r.finalObs.slice(s * 18, (s + 1) * 18), step.obs[a]);
          assert.equal(r.episodeReturn[s], returns[s]);
          assert.equal(r.episodeLength[s], 25);
        } else {
          assert.ok(r.finalObs.slice(s * 18, (s + 1) * 18).every((x) => x === 0));
          assert.equal(r.episodeReturn[s], 0);
          assert.equal(r.episodeLength[s], 0);
        }
      });
      if (done) {
        assert.ok(Math.abs(envs.teamReturn[c] - team) < 1e-9, "team return: sum of agents'");
        assert.ok(envs.teamReturn[c] < 0);
        returns.fill(0, c * A, (c + 1) * A);
        ended++;
      } else assert.equal(envs.teamReturn[c], 0);
    }
  }
  assert.equal(ended, 2 * M);
  envs.close();
  envs.close();
  assert.throws(() => envs.step(new Int32Array(M * A)), /closed/);
});

Deno.test("ParallelVectorEnv appends the agent's one-hot index when asked", () => {
  const envs = new ParallelVectorEnv({ id: "simple_spread_v3", numCopies: 2 }, {
    agentIdOneHot: true,
  });
  assert.equal(envs.obsSize, 21);
  const space = envs.singleObservationSpace as Box;
  assert.deepEqual(space.shape, [21]);
  assert.equal(space.low[17], -Infinity);
  assert.deepEqual(Array.from(space.low.subarray(18)), [0, 0, 0]);
  assert.deepEqual(Array.from(space.high.subarray(18)), [1, 1, 1]);
  const obs = envs.reset({ seed: 1 });
  const plain = new SimpleSpread().reset({ seed: 2 }).obs;
  for (let s = 0; s < 6; s++) {
    const row = obs.subarray(s * 21, (s + 1) * 21);
    assert.deepEqual(Array.from(row.subarray(18)), [0, 1, 2].map((k) => (k === s % 3 ? 1 : 0)));
    if (s >= 3) assert.deepEqual(row.slice(0, 18), plain[AGENTS[s - 3]]);
  }
  const r = envs.step(new Int32Array(6).fill(2));
  assert.deepEqual(Array.from(r.obs.subarray(4 * 21 + 18, 5 * 21)), [0, 1, 0]);
  const dst = new Float32Array(6).fill(9);
  writeSlotObservation(dst, 1, [5, 6], 1, 3, false);
  assert.deepEqual(Array.from(dst), [9, 5, 6, 9, 9, 9]);
  writeSlotObservation(dst, 0, [5], 2, 3, true);
  assert.deepEqual(Array.from(dst), [5, 0, 0, 1, 9, 9]);
});

Deno.test("ParallelVectorEnv next-step autoreset restarts a copy on the step after it ended", () => {
  const envs = new ParallelVectorEnv({
    id: "simple_spread_v3",
    numCopies: 1,
    options: { maxCycles: 2 },
  });
  assert.equal(envs.autoreset, "next-step");
  const hand = new SimpleSpread({ maxCycles: 2 });
  hand.reset({ seed: 5 });
  envs.reset({ seed: 5 });
  const act = new Int32Array(3).fill(1);
  envs.step(act);
  hand.step(Object.fromEntries(AGENTS.map((a) => [a, 1])));
  const end = envs.step(act);
  const last = hand.step(Object.fromEntries(AGENTS.map((a) => [a, 1])));
  assert.deepEqual(Array.from(end.truncated), [1, 1, 1]);
  assert.deepEqual(end.obs.slice(0, 18), last.obs.agent_0, "next-step keeps the final obs");
  assert.deepEqual(end.finalObs.slice(18, 36), last.obs.agent_1);
  const team = envs.teamReturn[0];
  assert.ok(team < 0);
  const restart = envs.step(new Int32Array(3).fill(4));
  assert.deepEqual(Array.from(restart.rewards), [0, 0, 0]);
  assert.deepEqual(Array.from(restart.truncated), [0, 0, 0]);
  assert.deepEqual(Array.from(restart.episodeReturn), [0, 0, 0]);
  assert.equal(envs.teamReturn[0], 0);
  assert.ok(restart.finalObs.every((x) => x === 0));
  assert.deepEqual(restart.obs.slice(36, 54), hand.reset().obs.agent_2);
});

Deno.test("ParallelVectorEnv passes continuous slot actions as float32 vectors", () => {
  const options = { continuousActions: true };
  const envs = new ParallelVectorEnv({ id: "simple_spread_v3", numCopies: 1, options });
  assert.equal(envs.actionSize, 5);
  assert.ok(envs.singleActionSpace instanceof Box);
  const hand = new SimpleSpread(options);
  hand.reset({ seed: 9 });
  envs.reset({ seed: 9 });
  const rng = new Rng(1);
  const actions = Float32Array.from({ length: 15 }, () => rng.random());
  const r = envs.step(actions);
  const step = hand.step(
    Object.fromEntries(AGENTS.map((a, i) => [a, actions.slice(i * 5, (i + 1) * 5)])),
  );
  AGENTS.forEach((a, i) => {
    assert.deepEqual(r.obs.slice(i * 18, (i + 1) * 18), step.obs[a]);
    assert.equal(r.rewards[i], step.rewards[a]);
  });
});

/** A two-agent env whose agents differ (`wide`) or end at different steps (`staggered`). */
function fakeEnv(kind: "wide" | "staggered"): AnyParallelEnv {
  const names = ["a", "b"];
  let t = 0;
  const obs = () => ({ a: new Float32Array(2), b: new Float32Array(2) });
  return {
    possibleAgents: names,
    get agents() {
      return [...names];
    },
    stateSpace: new Box(-1, 1, [4]),
    observationSpace: (agent) => new Box(-1, 1, [kind === "wide" && agent === "b" ? 3 : 2]),
    actionSpace: () => new Discrete(2),
    state: () => new Float32Array(4),
    reset: () => {
      t = 0;
      return { obs: obs(), infos: { a: {}, b: {} } };
    },
    step: () => {
      t++;
      return {
        obs: obs(),
        rewards: { a: 1, b: 1 },
        terminations: { a: t >= 2, b: false },
        truncations: { a: false, b: t >= 3 },
        infos: { a: {}, b: {} },
      };
    },
    close: () => {},
  };
}

Deno.test("ParallelVectorEnv rejects what parameter sharing cannot step, naming it", () => {
  assert.throws(
    () => new ParallelVectorEnv([() => fakeEnv("wide")]),
    /share its spaces: a has observation \[2\] and action Discrete\(2\), b of copy 0 has \[3\]/,
  );
  assert.throws(
    () =>
      new ParallelVectorEnv([
        () => new SimpleSpread({ N: 3 }),
        () => new SimpleSpread({ N: 2 }),
      ]),
    /same agents: copy 0 has agent_0, agent_1, agent_2, copy 1 agent_0, agent_1/,
  );
  assert.throws(() => new ParallelVectorEnv([]), /at least one copy, got 0/);
  assert.throws(
    () => new ParallelVectorEnv({ id: "simple_spread_v3", numCopies: 0 }),
    /numEnvs must be a positive integer, got 0/,
  );
  assert.throws(
    () => new ParallelVectorEnv({ id: "simple_spread_v4", numCopies: 1 }),
    /Unknown parallel env "simple_spread_v4"/,
  );
  assert.throws(
    // @ts-expect-error: an invalid mode, as a JavaScript caller could pass it
    () => new ParallelVectorEnv({ id: "simple_spread_v3", numCopies: 1 }, { autoreset: "never" }),
    /autoreset must be "next-step" or "same-step", got "never"/,
  );
  const staggered = new ParallelVectorEnv([() => fakeEnv("staggered")]);
  assert.throws(() => staggered.step(new Int32Array(2)), /called before reset/);
  staggered.reset();
  assert.throws(() => staggered.step(new Int32Array(3)), /must hold numEnvs × actionSize = 2/);
  staggered.step(new Int32Array(2));
  assert.throws(
    () => staggered.step(new Int32Array(2)),
    /end on the same step; in copy 0 a ended and b did not/,
  );
});

Deno.test("makeVec builds a ParallelVectorEnv for a parallel env id", async () => {
  const envs = await makeVec("simple_spread_v3", 4, {
    autoreset: "same-step",
    agentIdOneHot: true,
    options: { N: 2 },
  });
  assert.ok(envs instanceof ParallelVectorEnv);
  assert.equal(envs.numEnvs, 8);
  assert.equal(envs.obsSize, 12 + 2);
  assert.equal(envs.autoreset, "same-step");
  assert.equal(envs.parallelSpec?.id, "simple_spread_v3");
  envs.close();
  await assert.rejects(
    () => makeVec("simple_spread_v3", 2, { workers: 1 }),
    /workers must be 0 for the parallel env simple_spread_v3 .*got 1/,
  );
  await assert.rejects(
    () => makeVec("CartPole-v1", 2, { agentIdOneHot: true }),
    /agentIdOneHot applies to parallel \(multi-agent\) envs only; CartPole-v1 is single-agent/,
  );
});
