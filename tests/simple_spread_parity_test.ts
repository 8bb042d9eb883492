/**
 * Parity of `SimpleSpread` with MPE2 1.1.0's `simple_spread_v3.parallel_env`, using the episodes
 * recorded from the real package in `tests/fixtures/simple_spread_v3` (see its README). Every
 * episode is replayed twice: seeded (`reset({ seed })`, which checks our numpy generator too) and
 * from the recorded draws alone (a replaying `RandomSource`, which checks each call's arguments).
 * Observations, rewards, the float64 world state, flags, infos and agent lists must be identical.
 * @module
 */
import assert from "node:assert/strict";
import { type RandomSource, Rng } from "../core/rng.ts";
import { SimpleSpread } from "../envs/multi_agent/simple_spread.ts";

interface RngCall {
  t: number;
  method: string;
  args: number[];
  result: number[];
}

interface ReferenceEpisode {
  name: string;
  seed: number;
  continuous_actions: boolean;
  agents: string[];
  rng_init_state: { state: { state: string; inc: string }; has_uint32: number; uinteger: number };
  rng_calls: RngCall[];
  actions: Record<string, number | number[]>[];
  obs: Record<string, number[]>[];
  rewards: Record<string, number>[];
  terminated: Record<string, boolean>[];
  truncated: Record<string, boolean>[];
  infos: Record<string, Record<string, never>>[];
  agents_after_step: string[][];
  state_fields: string[];
  state: number[][];
  return: Record<string, number>;
  length: number;
}

interface Reference {
  constants: { env_kwargs: { N: number; local_ratio: number; max_cycles: number } };
  construction_rng_calls: { calls: { method: string; args: number[] }[] };
  seeding_semantics: {
    first_reset_state: number[];
    second_reset_state: number[];
    second_reset_rng_calls: RngCall[];
  };
  episodes: ReferenceEpisode[];
}

const REFERENCE: Reference = JSON.parse(
  Deno.readTextFileSync(
    new URL("./fixtures/simple_spread_v3/simple_spread_v3.json", import.meta.url),
  ),
);

/** Asserts two float sequences are identical value for value (`Object.is`: -0 and NaN too). */
function assertExact(actual: ArrayLike<number>, expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      assert.fail(`${what}[${i}]: got ${actual[i]}, recorded ${expected[i]}`);
    }
  }
}

/**
 * Returns the recorded draws in order; numpy's `uniform(-1, 1, 2)` is replayed as two scalar
 * `uniform(-1, 1)` calls, and each call's method and bounds must match the recording.
 */
class ReplaySource implements RandomSource {
  readonly #draws: { method: string; low: number; high: number; value: number }[] = [];
  #next = 0;

  constructor(calls: readonly RngCall[]) {
    for (const c of calls) {
      assert.equal(c.method, "uniform");
      assert.deepEqual(c.args, [-1, 1, 2]);
      for (const value of c.result) {
        this.#draws.push({ method: c.method, low: c.args[0], high: c.args[1], value });
      }
    }
  }

  uniform(low: number, high: number): number {
    return this.#draw("uniform", low, high);
  }

  integers(low: number, high: number): number {
    return this.#draw("integers", low, high);
  }

  /** Recorded draws not used yet. */
  get remaining(): number {
    return this.#draws.length - this.#next;
  }

  #draw(method: string, low: number, high: number): number {
    const i = this.#next++;
    const want = this.#draws[i];
    assert.ok(want, `draw #${i} ${method}(${low}, ${high}) is beyond the recorded draws`);
    assert.deepEqual({ method, low, high }, {
      method: want.method,
      low: want.low,
      high: want.high,
    });
    return want.value;
  }
}

/** Counts draws while passing them to a real generator. */
class CountingSource implements RandomSource {
  readonly calls: string[] = [];
  readonly #rng: Rng;
  constructor(seed: number) {
    this.#rng = new Rng(seed);
  }
  uniform(low: number, high: number): number {
    this.calls.push(`uniform(${low}, ${high})`);
    return this.#rng.uniform(low, high);
  }
  integers(low: number, high: number): number {
    this.calls.push(`integers(${low}, ${high})`);
    return this.#rng.integers(low, high);
  }
}

/** The recorded action in the type MPE2 received: float32 arrays for continuous actions. */
function actionOf(a: number | number[]): number | Float32Array {
  if (typeof a === "number") return a;
  for (const v of a) assert.ok(Object.is(Math.fround(v), v), `${v} is not a float32`);
  return Float32Array.from(a);
}

/** Replays one episode on `env` after its first observation came from `reset`. */
function replay(env: SimpleSpread, e: ReferenceEpisode, first: Record<string, Float32Array>): void {
  assert.deepEqual(env.agents, e.agents);
  assert.deepEqual(Object.keys(first), e.agents);
  for (const agent of e.agents) {
    assertExact(first[agent], e.obs[0][agent], `${e.name} obs[0].${agent}`);
  }
  assertExact(env.worldState(), e.state[0], `${e.name} state[0]`);
  const ret: Record<string, number> = Object.fromEntries(e.agents.map((a) => [a, 0]));
  for (let t = 0; t < e.length; t++) {
    const actions = Object.fromEntries(
      Object.entries(e.actions[t]).map(([agent, a]) => [agent, actionOf(a)]),
    );
    const step = env.step(actions);
    const at = `${e.name} step ${t}`;
    assert.deepEqual(Object.keys(step.obs), Object.keys(e.obs[t + 1]), `${at}: obs keys`);
    for (const agent of Object.keys(e.obs[t + 1])) {
      assertExact(step.obs[agent], e.obs[t + 1][agent], `${at} obs.${agent}`);
    }
    assertExact(env.worldState(), e.state[t + 1], `${at} state`);
    assert.deepEqual(step.rewards, e.rewards[t], `${at}: rewards`);
    for (const agent of Object.keys(e.rewards[t])) {
      assert.ok(Object.is(step.rewards[agent], e.rewards[t][agent]), `${at}: reward ${agent}`);
      ret[agent] += step.rewards[agent];
    }
    assert.deepEqual(step.terminations, e.terminated[t], `${at}: terminations`);
    assert.deepEqual(step.truncations, e.truncated[t], `${at}: truncations`);
    assert.deepEqual(step.infos, e.infos[t + 1], `${at}: infos`);
    assert.deepEqual(env.agents, e.agents_after_step[t], `${at}: agents after the step`);
  }
  assert.deepEqual(ret, e.return, `${e.name}: return`);
  assert.deepEqual(env.agents, [], `${e.name}: no agent is live after truncation`);
}

Deno.test("the recording is the configuration SimpleSpread defaults to", () => {
  const { N, local_ratio, max_cycles } = REFERENCE.constants.env_kwargs;
  const env = new SimpleSpread();
  assert.deepEqual([env.N, env.localRatio, env.maxCycles], [N, local_ratio, max_cycles]);
  assert.equal(REFERENCE.episodes.length, 10);
  assert.deepEqual(
    REFERENCE.episodes.map((e) => e.continuous_actions).filter((c) => c).length,
    1,
    "one continuous episode",
  );
  assert.deepEqual(env.worldState().length, REFERENCE.episodes[0].state_fields.length);
});

for (const e of REFERENCE.episodes) {
  Deno.test(`${e.name}: seeded reset replays MPE2 bit for bit`, () => {
    const init = new Rng(e.seed).getState();
    assert.equal(init.state, BigInt(e.rng_init_state.state.state), "PCG64 state");
    assert.equal(init.inc, BigInt(e.rng_init_state.state.inc), "PCG64 increment");
    const env = new SimpleSpread({ continuousActions: e.continuous_actions });
    const { obs, infos } = env.reset({ seed: e.seed });
    assert.deepEqual(infos, e.infos[0]);
    replay(env, e, obs);
  });

  Deno.test(`${e.name}: the recorded draws alone reproduce it, with MPE2's calls`, () => {
    assert.ok(e.rng_calls.every((c) => c.t === -1), "draws happen in reset only");
    assert.equal(e.rng_calls.length, 6);
    // The constructor's own draws come from a separate source, as MPE2's OS-seeded generator.
    const source = new ReplaySource([
      ...REFERENCE.construction_rng_calls.calls.map((c) => ({ ...c, t: -2, result: [0, 0] })),
      ...e.rng_calls,
    ]);
    const env = new SimpleSpread({ continuousActions: e.continuous_actions, rng: source });
    assert.equal(source.remaining, 12, "construction drew MPE2's 6 uniform(-1, 1, 2)");
    const { obs } = env.reset();
    assert.equal(source.remaining, 0, "reset drew exactly the recorded calls");
    replay(env, e, obs);
    assert.equal(source.remaining, 0, "steps draw nothing");
  });
}

Deno.test("an unseeded reset keeps drawing from the seeded stream, as MPE2", () => {
  const s = REFERENCE.seeding_semantics;
  const env = new SimpleSpread();
  env.reset({ seed: 0 });
  assertExact(env.worldState(), s.first_reset_state, "first reset");
  env.step({ agent_0: 1, agent_1: 2, agent_2: 3 });
  env.reset();
  assertExact(env.worldState(), s.second_reset_state, "second reset");
  // The second reset's positions are the recorded calls' results, in call order.
  const draws = s.second_reset_rng_calls.flatMap((c) => c.result);
  const w = env.worldState();
  const positions = [0, 1, 4, 5, 8, 9, 12, 13, 14, 15, 16, 17].map((k) => w[k]);
  assertExact(positions, draws, "second reset draws");
  // And a fresh seeded reset starts the stream again.
  env.reset({ seed: 0 });
  assertExact(env.worldState(), s.first_reset_state, "reseeded reset");
});

Deno.test("construction draws one starting state; a seeded reset leaves that source alone", () => {
  const source = new CountingSource(7);
  const env = new SimpleSpread({ rng: source });
  const expected = REFERENCE.construction_rng_calls.calls.flatMap((c) =>
    Array(c.args[2]).fill(`uniform(${c.args[0]}, ${c.args[1]})`)
  );
  assert.deepEqual(source.calls, expected);
  env.reset({ seed: 3 });
  env.step({ agent_0: 0, agent_1: 0, agent_2: 0 });
  assert.equal(source.calls.length, expected.length, "seeded reset and step drew nothing");
  // Unseeded resets keep using the generator the seeded reset made: seed 3's stream, not `source`.
  env.reset();
  const rng = new Rng(3);
  const stream = Array.from({ length: 24 }, () => rng.uniform(-1, 1)).slice(12);
  const w = env.worldState();
  assertExact([0, 1, 4, 5, 8, 9, 12, 13, 14, 15, 16, 17].map((k) => w[k]), stream, "stream");
});
