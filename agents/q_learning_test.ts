import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { RunFolder } from "../core/run_folder.ts";
import type { RunConfig } from "../core/run_log.ts";
import { make } from "../envs/registry.ts";
import { DiscretizeObservation } from "../envs/wrappers/discretize_observation.ts";
import type { Hyperparameters, TrainResult } from "./algorithm.ts";
import { evaluatePolicy } from "./evaluate.ts";
import { resolveHyperparameters } from "./hyperparameters.ts";
import { loadQTable, qLearning, QTable, saveQTable, TabularReplay } from "./q_learning.ts";
import { createRunFolder, runTraining } from "./training_run.ts";

interface Run {
  dir: string;
  config: RunConfig;
  result: TrainResult;
}

/** Trains Q-learning through the shared run lifecycle, as `train.ts` does. */
async function trainRun(
  env: string,
  steps: number,
  seed: number,
  overrides: Hyperparameters = {},
  opts: { dir?: string; resume?: boolean; abortAtStatus?: number } = {},
): Promise<Run> {
  const dir = opts.dir ?? await Deno.makeTempDir({ prefix: "eagle_qlearning_" });
  const config = opts.resume ? await new RunFolder(dir).readConfig() : await createRunFolder(dir, {
    algo: "qlearning",
    env,
    seed,
    totalSteps: steps,
    hyperparameters: resolveHyperparameters(qLearning.schema, { envId: env, totalSteps: steps }, [
      { source: "test", values: overrides },
    ]),
  });
  const controller = new AbortController();
  let statuses = 0;
  const result = await runTraining(dir, config, {
    resume: opts.resume,
    quiet: true,
    signal: controller.signal,
    // Simulates Ctrl-C right after the n-th save.
    onStatus: () => {
      if (++statuses === opts.abortAtStatus) controller.abort();
    },
  });
  return { dir, config, result };
}

Deno.test("QTable: Bellman update by hand", () => {
  const t = new QTable(3, 2);
  t.q.set([0, 0, 0, 0, 2, 5]); // Q(2,·) = [2, 5]
  const td = t.update(0, 1, 1, 2, false, 0.5, 0.9);
  // target = 1 + 0.9·5 = 5.5; Q(0,1) = 0 + 0.5·5.5
  assert.equal(td, 5.5);
  assert.equal(t.q[1], 2.75);
  t.update(0, 1, 1, 2, true, 0.5, 0.9); // terminal: target = 1
  assert.equal(t.q[1], 2.75 + 0.5 * (1 - 2.75));
  assert.equal(t.greedy(0), 1);
  assert.equal(new QTable(1, 3).greedy(0), 0, "ties go to the lowest index");
});

Deno.test("QTable: epsilon-greedy explores at rate epsilon", () => {
  const t = new QTable(1, 4);
  t.q.set([0, 0, 1, 0]);
  const rng = new Rng(3);
  let greedy = 0;
  for (let i = 0; i < 4000; i++) if (t.epsilonGreedy(0, 0.4, rng) === 2) greedy++;
  // P(action 2) = 0.6 + 0.4/4 = 0.7
  assert.ok(Math.abs(greedy / 4000 - 0.7) < 0.03, `${greedy}`);
  for (let i = 0; i < 100; i++) assert.equal(t.epsilonGreedy(0, 0, rng), 2);
});

Deno.test("Q-table JSON round-trips and rejects bad files", async () => {
  const dir = await Deno.makeTempDir();
  const t = new QTable(2, 2, [1, 2, 3, 4]);
  await saveQTable(`${dir}/q.json`, t, { env: "FrozenLake-v1", globalStep: 10, episodes: 2 });
  const { table, file } = await loadQTable(`${dir}/q.json`);
  assert.deepEqual(Array.from(table.q), [1, 2, 3, 4]);
  assert.equal(file.globalStep, 10);
  await Deno.writeTextFile(`${dir}/bad.json`, '{"format":"eagle-qtable/1","q":[[1]],"nStates":2}');
  await assert.rejects(() => loadQTable(`${dir}/bad.json`), /nStates × nActions/);
  await Deno.writeTextFile(`${dir}/trunc.json`, '{"format":');
  await assert.rejects(() => loadQTable(`${dir}/trunc.json`), /not a valid Q-table JSON/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Q-learning on slippery FrozenLake learns the optimal policy (value iteration oracle)", async () => {
  const { make } = await import("../envs/registry.ts");
  const { FrozenLake } = await import("../envs/frozen_lake.ts");
  const lake = new FrozenLake();
  // Independent oracle: finite-horizon value iteration of the success probability.
  const term = (s: number) => "GH".includes(lake.cell(s));
  const move = (s: number, m: number) => {
    let r = Math.floor(s / 4), c = s % 4;
    if (m === 0) c = Math.max(c - 1, 0);
    else if (m === 1) r = Math.min(r + 1, 3);
    else if (m === 2) c = Math.min(c + 1, 3);
    else r = Math.max(r - 1, 0);
    return r * 4 + c;
  };
  let v = new Array(16).fill(0);
  const optimal = new Array(16).fill(0);
  for (let h = 0; h < 100; h++) {
    const nv = new Array(16).fill(0);
    for (let s = 0; s < 16; s++) {
      if (term(s)) {
        nv[s] = lake.cell(s) === "G" ? 1 : 0;
        continue;
      }
      let best = -1;
      for (let a = 0; a < 4; a++) {
        let q = 0;
        for (const d of [3, 0, 1]) {
          const s2 = move(s, (a + d) % 4);
          q += (term(s2) ? (lake.cell(s2) === "G" ? 1 : 0) : v[s2]) / 3;
        }
        if (q > best + 1e-12) [best, optimal[s]] = [q, a];
      }
      nv[s] = best;
    }
    v = nv;
  }
  assert.ok(Math.abs(v[0] - 0.744) < 1e-3, `optimal success ${v[0]}`);

  const env = make("FrozenLake-v1");
  const table = new QTable(16, 4);
  const rng = new Rng(1);
  let s = env.reset({ seed: 1 }).obs, episode = 0;
  for (let step = 0; step < 400_000; step++) {
    const eps = 0.05 + 0.95 * Math.exp(-0.0003 * episode);
    const a = table.epsilonGreedy(s, eps, rng);
    const r = env.step(a);
    table.update(s, a, r.reward, r.obs, r.terminated, 0.05, 0.99);
    s = r.obs;
    if (r.terminated || r.truncated) [s, episode] = [env.reset().obs, episode + 1];
  }
  for (let st = 0; st < 16; st++) {
    if (!term(st)) assert.equal(table.greedy(st), optimal[st], `state ${st}`);
  }
});

Deno.test("Q-learning trained through train() with the defaults is the plain algorithm (FrozenLake)", async () => {
  // The options (bins, replay, learning-rate decay, per-step epsilon) are off by default: the
  // run's table must equal a hand-written loop of the textbook algorithm, value for value.
  const run = await trainRun("FrozenLake-v1", 20_000, 3);
  try {
    const env = make("FrozenLake-v1");
    const table = new QTable(16, 4);
    const rng = new Rng(3);
    let s = env.reset({ seed: 3 }).obs, episode = 0;
    for (let step = 0; step < 20_000; step++) {
      const eps = 0.05 + 0.95 * Math.exp(-0.0003 * episode);
      const a = table.epsilonGreedy(s, eps, rng);
      const r = env.step(a);
      table.update(s, a, r.reward, r.obs, r.terminated, 0.05, 0.99);
      s = r.obs;
      if (r.terminated || r.truncated) [s, episode] = [env.reset().obs, episode + 1];
    }
    const saved = await loadQTable(new RunFolder(run.dir).checkpoint("latest", "qtable"));
    assert.deepEqual(Array.from(saved.table.q), Array.from(table.q));
    assert.equal(saved.file.episodes, episode);
    assert.equal(saved.file.replay, undefined, "no replay memory without replayBuffer");
  } finally {
    await Deno.remove(run.dir, { recursive: true });
  }
});

Deno.test("TabularReplay keeps the newest transitions, oldest first, and replays them", () => {
  const m = new TabularReplay(3);
  for (let i = 0; i < 5; i++) m.push(i, i % 2, i / 2, i + 1, i === 4);
  assert.equal(m.size, 3);
  assert.deepEqual(m.transitions(), {
    states: [2, 3, 4],
    actions: [0, 1, 0],
    rewards: [1, 1.5, 2],
    nextStates: [3, 4, 5],
    terminated: [0, 0, 1],
  });
  // Restoring into a smaller memory keeps the newest.
  assert.deepEqual(TabularReplay.from(2, m.transitions()).transitions().states, [3, 4]);
  assert.throws(() => new TabularReplay(0), /positive integer, got 0/);
  // Replaying the one stored transition applies the Bellman update to it `count` times.
  const one = new TabularReplay(4);
  one.push(0, 1, 1, 1, true);
  const t = new QTable(2, 2);
  one.replay(t, 3, 0.5, 0.9, new Rng(0));
  assert.equal(t.q[1], 1 - 0.5 ** 3);
});

Deno.test("Q-learning accepts Box observations with discrete actions and refuses continuous actions", () => {
  assert.equal(qLearning.unsupported("CartPole-v1"), null);
  assert.equal(qLearning.unsupported("FrozenLake-v1"), null);
  assert.match(
    qLearning.unsupported("LunarLanderContinuous-v3")!,
    /needs a discrete action space, but this env's actions are continuous \(Box/,
  );
  const resolve = (envId: string, values: Record<string, unknown>) =>
    resolveHyperparameters(qLearning.schema, { envId, totalSteps: 1000 }, [
      { source: "--set", values },
    ]);
  assert.deepEqual(resolve("CartPole-v1", {}).bins, [6, 6, 12, 12], "CartPole's preset bins it");
  assert.deepEqual(resolve("FrozenLake-v1", {}).bins, []);
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ["CartPole-v1", { bins: [] }, /CartPole-v1 has Box observations of 4 dimensions: set bins/],
    ["CartPole-v1", { bins: [6, 6] }, /bins=\[6,6\] must give one count per dimension .* \(4\)/],
    ["FrozenLake-v1", { bins: [4] }, /already discrete \(Discrete\(16\)\): leave bins empty/],
    ["CartPole-v1", { bins: [4096, 4096, 2, 2] }, /table of 134217728 entries; at most/],
    [
      "CartPole-v1",
      { replayBatch: 20_000 },
      /replayBatch=20000 must not exceed replayBuffer=10000/,
    ],
    ["FrozenLake-v1", { learningRateEnd: 0.1, learningRateDecay: 1 }, /learningRateEnd=0.1 must/],
    ["FrozenLake-v1", { epsilonSchedule: "update" }, /epsilonSchedule="update" .*episode \| step/],
  ];
  for (const [env, values, want] of bad) assert.throws(() => resolve(env, values), want);
  // Without decay the floor is unused, so it may sit above the rate.
  assert.equal(resolve("FrozenLake-v1", { learningRateEnd: 0.1 }).learningRateEnd, 0.1);
});

Deno.test("Q-learning on binned CartPole learns; the loaded policy bins raw observations", async (t) => {
  // The CartPole preset (bins, replay, decaying α, per-step ε) for a fifth of its steps.
  // Greedy 20-episode means (seeds 0..19) of the best checkpoint at 100k steps were 201–500
  // over training seeds 0–7 (500 for this one); a random policy averages about 22.
  const run = await trainRun("CartPole-v1", 100_000, 1);
  const folder = new RunFolder(run.dir);
  try {
    const policy = await qLearning.loadPolicy(folder, run.config, "best");
    await t.step("greedy mean of the best checkpoint ≥ 150", () => {
      const mean = evaluatePolicy(policy, "CartPole-v1", { episodes: 20, seed: 0 }).mean_reward;
      assert.ok(mean >= 150, `greedy 20-episode mean ${mean}`);
    });

    await t.step("decide(raw observation) is the table lookup of its binned state", async () => {
      const { table } = await loadQTable(folder.checkpoint("best", "qtable"));
      const bins = new DiscretizeObservation(make("CartPole-v1"), { bins: [6, 6, 12, 12] });
      const env = make("CartPole-v1");
      const rng = new Rng(5);
      const seen = new Set<number>();
      let obs = env.reset({ seed: 5 }).obs;
      const probes = [obs, Float32Array.of(9, -9, 1, -7), Float32Array.of(-4.8, 3, 0.2, 3.5)];
      for (let i = 0; i < 300; i++) {
        const r = env.step(rng.integers(0, 2));
        obs = r.terminated || r.truncated ? env.reset().obs : r.obs;
        probes.push(obs);
      }
      for (const o of probes) {
        const s = bins.stateOf(o);
        seen.add(s);
        const d = policy.decide(o);
        assert.deepEqual(d.qValues, table.row(s));
        assert.equal(d.action, table.greedy(s));
      }
      assert.ok(seen.size > 20, `the probes visit many table rows (${seen.size})`);
      assert.ok(probes.some((o) => policy.decide(o).action === 1), "not a constant policy");
      assert.ok(probes.some((o) => policy.decide(o).action === 0), "not a constant policy");
    });

    await t.step(
      "metrics follow the per-step ε and per-episode α schedules, with TD error",
      async () => {
        const lines = (await folder.readMetrics()).filter((r) => r["charts/epsilon"] !== undefined);
        assert.ok(lines.length > 10, `${lines.length} metrics lines`);
        for (const r of lines) {
          // The ε of the next action, after global_step steps; the α of the next episode.
          assert.equal(r["charts/epsilon"], 0.01 + (1 - 0.01) * Math.exp(-1e-5 * r.global_step));
          const alpha = 0.01 + (0.1 - 0.01) * Math.exp(-0.001 * r["charts/episodes"]);
          assert.equal(r["charts/learning_rate"], alpha);
          const td = r["losses/td_error"];
          assert.ok(Number.isFinite(td) && td > 0, `td_error ${td}`);
        }
      },
    );
  } finally {
    await Deno.remove(run.dir, { recursive: true });
  }
});

Deno.test("a stopped CartPole run resumes with its replay memory", async () => {
  const hyper = { evalEvery: 3000, evalEpisodes: 2 };
  const stopped = await trainRun("CartPole-v1", 8000, 2, hyper, { abortAtStatus: 1 });
  const folder = new RunFolder(stopped.dir);
  try {
    assert.equal(stopped.result.stopped, true);
    assert.equal(stopped.result.globalStep, 3000);
    const before = (await loadQTable(folder.checkpoint("latest", "qtable"))).file.replay!;
    assert.equal(before.states.length, 3000, "the memory holds every step so far");
    const resumed = await trainRun("CartPole-v1", 8000, 2, hyper, {
      dir: stopped.dir,
      resume: true,
    });
    assert.equal(resumed.result.globalStep, 8000);
    const after = (await loadQTable(folder.checkpoint("latest", "qtable"))).file.replay!;
    // Refilled from scratch it would hold 5000; restored, the first 3000 are the saved ones.
    assert.equal(after.states.length, 8000);
    for (const k of ["states", "actions", "rewards", "nextStates", "terminated"] as const) {
      assert.deepEqual(after[k].slice(0, 3000), before[k], k);
    }
    assert.equal((await folder.readStatus())?.state, "finished");
  } finally {
    await Deno.remove(stopped.dir, { recursive: true });
  }
});
