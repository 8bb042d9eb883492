/**
 * Parameter-shared PPO on simple_spread_v3 (3 agents, 25-step episodes) with the cpu backend:
 * one actor-critic for every agent over vectorised copies, through the same PPO code as the
 * single-agent envs. The uniform random policy scores a team return of about −82 on seeds
 * 0–99; a short run must beat it clearly, log team and per-agent metrics, and save a policy
 * that acts as it did in training.
 */
import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { RunFolder } from "../core/run_folder.ts";
import { getAlgorithm } from "../agents/algorithms.ts";
import { evaluatePolicy } from "../agents/evaluate.ts";
import type { ParallelEvalReport } from "../agents/evaluate_parallel.ts";
import { resolveHyperparameters } from "../agents/hyperparameters.ts";
import { EVAL_SEED } from "../agents/run_monitor.ts";
import { sharedPolicy } from "../agents/shared_policy.ts";
import { createRunFolder, runTraining } from "../agents/training_run.ts";

const ENV = "simple_spread_v3";
const AGENTS = ["agent_0", "agent_1", "agent_2"];

/** Trains PPO on simple_spread_v3 into a fresh temp folder. */
async function train(steps: number, seed: number, overrides: Record<string, unknown>) {
  const ppo = getAlgorithm("ppo");
  const dir = await Deno.makeTempDir({ prefix: "eagle_ppo_spread_" });
  const config = await createRunFolder(dir, {
    algo: "ppo",
    env: ENV,
    seed,
    totalSteps: steps,
    hyperparameters: resolveHyperparameters(ppo.schema, { envId: ENV, totalSteps: steps }, [
      { source: "test", values: overrides },
    ]),
    device: "cpu",
  });
  const result = await runTraining(dir, config, { quiet: true });
  return { dir, config, result, run: new RunFolder(dir) };
}

/** The uniform random policy's team return on seeds 0–99 (the same episodes as the bar). */
function randomTeamMean(): number {
  const rng = new Rng(0);
  const random = sharedPolicy(
    { decide: () => ({ action: Math.floor(rng.random() * 5) }) },
    { agents: AGENTS, agentIdOneHot: false, inputSize: 18 },
  );
  return evaluatePolicy(random, ENV, { episodes: 100, seed: 0 }).mean_reward;
}

Deno.test("parameter-shared PPO beats the random policy on simple_spread_v3 in seconds", async () => {
  const steps = 32_000;
  // The preset (16 copies, agent-id one-hot), with evaluations halfway and at the end.
  const { dir, config, result, run } = await train(steps, 2, {
    evalEvery: 16_000,
    evalEpisodes: 10,
  });
  assert.equal(config.hyperparameters.agentIdOneHot, true);
  try {
    assert.equal(result.globalStep, steps, "env steps count steps of the copies");
    const ppo = getAlgorithm("ppo");
    const report = evaluatePolicy(await ppo.loadPolicy(run, config, "best"), ENV, {
      episodes: 100,
      seed: 0,
    }) as ParallelEvalReport;
    const random = randomTeamMean();
    assert.ok(random < -75 && random > -90, `random team mean ${random}`);
    assert.ok(
      report.mean_reward > random + 10,
      `greedy team mean ${report.mean_reward} vs random ${random}`,
    );
    assert.deepEqual(Object.keys(report.per_agent), AGENTS);
    const agentSum = AGENTS.reduce((s, a) => s + report.per_agent[a].mean, 0);
    assert.ok(Math.abs(agentSum - report.mean_reward) < 1e-9, "team = sum of the agents");

    // The best checkpoint, loaded back, reproduces the periodic evaluation that chose it.
    const again = evaluatePolicy(await ppo.loadPolicy(run, config, "best"), ENV, {
      episodes: 10,
      seed: EVAL_SEED,
    });
    assert.equal(again.mean_reward, result.bestEvalReturn);

    const metrics = await run.readMetrics();
    const team = metrics.filter((m) => m["charts/team_return"] !== undefined);
    assert.ok(team.length >= 30, `team returns on ${team.length} of ${metrics.length} lines`);
    for (const m of team) {
      const sum = AGENTS.reduce((s, a) => s + m[`charts/${a}_return`], 0);
      assert.ok(Math.abs(sum - m["charts/team_return"]) < 1e-9, "team = sum of agent charts");
      assert.ok(
        Math.abs(m["charts/episodic_return"] * 3 - m["charts/team_return"]) < 1e-9,
        "episodic_return is the mean agent return",
      );
    }
    assert.ok(metrics.some((m) => m["eval/mean_return"] !== undefined));

    // One episodes.jsonl line per agent episode; env_index is the slot (copy × 3 + agent).
    const episodes = await run.readEpisodes();
    assert.equal(episodes.length, 3 * 16 * (steps / 16 / 25));
    assert.ok(episodes.every((e) => e.length === 25 && !e.success));
    const slots = new Set(episodes.map((e) => e.env_index));
    assert.deepEqual([...slots].sort((a, b) => a - b), Array.from({ length: 48 }, (_, i) => i));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PPO refuses agentIdOneHot on a single-agent env, naming it", async () => {
  const ppo = getAlgorithm("ppo");
  assert.equal(ppo.unsupported(ENV, {}), null);
  const dir = await Deno.makeTempDir({ prefix: "eagle_ppo_onehot_" });
  try {
    const config = await createRunFolder(dir, {
      algo: "ppo",
      env: "CartPole-v1",
      seed: 0,
      totalSteps: 512,
      hyperparameters: resolveHyperparameters(ppo.schema, {
        envId: "CartPole-v1",
        totalSteps: 512,
      }, [{ source: "test", values: { agentIdOneHot: true } }]),
      device: "cpu",
    });
    await assert.rejects(
      () => runTraining(dir, config, { quiet: true }),
      /agentIdOneHot applies to parallel \(multi-agent\) envs only; CartPole-v1 is single-agent/,
    );
    assert.equal((await new RunFolder(dir).readStatus())?.state, "failed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
