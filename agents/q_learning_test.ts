import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { loadQTable, QTable, saveQTable } from "./q_learning.ts";

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
