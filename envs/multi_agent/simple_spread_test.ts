import assert from "node:assert/strict";
import { encodePng, PNG_SIGNATURE } from "../../render/png.ts";
import { catalogEntry } from "../catalog.ts";
import { Box, Discrete } from "../spaces.ts";
import { listParallelEnvs, makeParallel, parallelEnvSpec } from "./registry.ts";
import { renderMpeScene } from "./render.ts";
import { SIMPLE_SPREAD_ACTIONS, SimpleSpread } from "./simple_spread.ts";

const all = (env: SimpleSpread, action: number | number[] | Float32Array) =>
  Object.fromEntries(env.agents.map((a) => [a, action]));

Deno.test("SimpleSpread spaces follow MPE2", () => {
  const env = new SimpleSpread();
  assert.deepEqual(env.possibleAgents, ["agent_0", "agent_1", "agent_2"]);
  assert.deepEqual(env.agents, [], "no agent is live before reset");
  for (const agent of env.possibleAgents) {
    const obs = env.observationSpace(agent);
    assert.ok(obs instanceof Box);
    assert.deepEqual(obs.shape, [18]);
    assert.equal(obs.low[0], -Infinity);
    const act = env.actionSpace(agent);
    assert.ok(act instanceof Discrete);
    assert.equal(act.n, 5);
  }
  assert.deepEqual(env.stateSpace.shape, [54]);
  const cont = new SimpleSpread({ continuousActions: true });
  const box = cont.actionSpace("agent_1");
  assert.ok(box instanceof Box);
  assert.equal(box.toString(), "Box(0, 1, (5))");
  assert.throws(() => env.actionSpace("agent_3"), /Unknown agent "agent_3".*agent_0, agent_1/);
  assert.throws(() => env.observationSpace("landmark 0"), RangeError);
});

Deno.test("SimpleSpread sizes follow N", () => {
  for (const N of [1, 2, 5]) {
    const env = new SimpleSpread({ N });
    const { obs } = env.reset({ seed: N });
    assert.equal(env.possibleAgents.length, N);
    assert.equal(obs[`agent_${N - 1}`].length, 6 * N);
    assert.equal(env.state().length, 6 * N * N);
    assert.equal(env.worldState().length, 6 * N);
    const step = env.step(all(env, 4));
    assert.equal(Object.keys(step.rewards).length, N);
  }
});

Deno.test("SimpleSpread observations and state are laid out as MPE2's", () => {
  const env = new SimpleSpread();
  const { obs } = env.reset({ seed: 11 });
  const w = env.worldState();
  const pos = (k: number) => [w[4 * k], w[4 * k + 1]];
  const lm = (k: number) => [w[12 + 2 * k], w[12 + 2 * k + 1]];
  const o = obs.agent_1;
  assert.deepEqual(Array.from(o.subarray(0, 4)), [0, 0, ...pos(1).map(Math.fround)]);
  assert.equal(o[4], Math.fround(lm(0)[0] - pos(1)[0]));
  assert.equal(o[9], Math.fround(lm(2)[1] - pos(1)[1]));
  assert.equal(o[10], Math.fround(pos(0)[0] - pos(1)[0]), "first other agent: agent_0");
  assert.equal(o[13], Math.fround(pos(2)[1] - pos(1)[1]), "second other agent: agent_2");
  assert.deepEqual(Array.from(o.subarray(14)), [0, 0, 0, 0], "silent agents' comm");
  const state = env.state();
  assert.deepEqual(state, Float32Array.from([...obs.agent_0, ...obs.agent_1, ...obs.agent_2]));
  assert.ok(env.stateSpace.contains(state));
});

Deno.test("SimpleSpread rewards mix the global and the collision reward", () => {
  const env = new SimpleSpread({ localRatio: 0.25 });
  env.reset({ seed: 0 });
  const w = env.worldState();
  const dist = (a: number, l: number) =>
    Math.hypot(w[4 * a] - w[12 + 2 * l], w[4 * a + 1] - w[12 + 2 * l + 1]);
  const step = env.step(all(env, 0));
  // With no action the agents stay put (they start at rest); nobody overlaps at seed 0.
  let global = 0;
  for (let l = 0; l < 3; l++) global -= Math.min(dist(0, l), dist(1, l), dist(2, l));
  for (const a of env.possibleAgents) assert.ok(Math.abs(step.rewards[a] - 0.75 * global) < 1e-12);
});

Deno.test("SimpleSpread counts -1 per overlapping agent in the local reward", () => {
  // Put agents 0 and 1 on top of each other by replaying chosen starting positions.
  const draws = [0, 0, 0.1, 0, 0.9, 0.9, 0.5, 0.5, -0.5, -0.5, 0.5, -0.5];
  let k = 0;
  const rng = { uniform: () => draws[k++ % draws.length], integers: () => 0 };
  const env = new SimpleSpread({ localRatio: 1, rng });
  env.reset();
  const step = env.step(all(env, 0));
  assert.deepEqual(step.rewards, { agent_0: -1, agent_1: -1, agent_2: 0 });
  assert.deepEqual(env.scene().discs.map((d) => d.colliding), [
    true,
    true,
    false,
    false,
    false,
    false,
  ]);
});

Deno.test("SimpleSpread maps actions to forces with MPE2's signs and sensitivity", () => {
  const env = new SimpleSpread();
  const velocities = SIMPLE_SPREAD_ACTIONS.map((_, action) => {
    env.reset({ seed: 5 });
    env.step({ agent_0: action, agent_1: 0, agent_2: 0 });
    const w = env.worldState();
    return [w[2], w[3]];
  });
  // The force is ±5, so the first step's velocity is ±0.5 (agents start far apart at seed 5).
  assert.deepEqual(velocities, [[0, 0], [-0.5, 0], [0.5, 0], [0, -0.5], [0, 0.5]]);
  assert.deepEqual(SIMPLE_SPREAD_ACTIONS, [
    "no_action",
    "move_left",
    "move_right",
    "move_down",
    "move_up",
  ]);
});

Deno.test("SimpleSpread continuous actions: difference in the action's precision, clipped", () => {
  const env = new SimpleSpread({ continuousActions: true });
  const vx = (action: number[] | Float32Array) => {
    env.reset({ seed: 5 });
    env.step({ agent_0: action, agent_1: [0, 0, 0, 0, 0], agent_2: [0, 0, 0, 0, 0] });
    return env.worldState()[2];
  };
  const tiny = 2 ** -30; // a float32 whose difference from 1 is not a float32
  assert.equal(vx(Float32Array.from([0, tiny, 1, 0, 0])), 5 * 1 * 0.1);
  assert.equal(vx([0, tiny, 1, 0, 0]), (1 - tiny) * 5 * 0.1);
  // Out of [0, 1] is clipped, as PettingZoo's ClipOutOfBoundsWrapper does.
  assert.equal(vx([0, -3, 7, 0, 0]), vx([0, 0, 1, 0, 0]));
  assert.equal(vx(Float32Array.from([0, 0, 2, 0, 0])), 0.5);
});

Deno.test("SimpleSpread rejects bad actions with clear errors", () => {
  const env = new SimpleSpread();
  assert.throws(() => env.step({ agent_0: 0, agent_1: 0, agent_2: 0 }), /call reset\(\) first/);
  env.reset({ seed: 0 });
  assert.throws(() => env.step({ agent_0: 0, agent_1: 0 }), /missing "agent_2"/);
  assert.throws(
    () => env.step({ agent_0: 0, agent_1: 0, agent_2: 0, agent_9: 1 }),
    /"agent_9", which is not a live agent/,
  );
  assert.throws(() => env.step({ agent_0: 5, agent_1: 0, agent_2: 0 }), /0\.\.4.*got 5/);
  assert.throws(() => env.step({ agent_0: 1.5, agent_1: 0, agent_2: 0 }), RangeError);
  assert.throws(() => env.step({ agent_0: [0, 0, 1, 0, 0], agent_1: 0, agent_2: 0 }), TypeError);
  assert.throws(() => env.step(null as unknown as Record<string, number>), TypeError);
  assert.equal(env.steps, 0, "a rejected step changes nothing");

  const cont = new SimpleSpread({ continuousActions: true });
  cont.reset({ seed: 0 });
  const ok = [0, 0, 0, 0, 0];
  assert.throws(() => cont.step({ agent_0: [0, 1], agent_1: ok, agent_2: ok }), /5 values, got 2/);
  assert.throws(
    () => cont.step({ agent_0: [0, NaN, 0, 0, 0], agent_1: ok, agent_2: ok }),
    /must hold numbers, got \[0, NaN/,
  );
  assert.throws(() => cont.step({ agent_0: 2, agent_1: ok, agent_2: ok }), TypeError);
});

Deno.test("SimpleSpread rejects bad options", () => {
  assert.throws(() => new SimpleSpread({ N: 0 }), /N must be an integer >= 1, got 0/);
  assert.throws(() => new SimpleSpread({ N: 2.5 }), RangeError);
  assert.throws(() => new SimpleSpread({ localRatio: 1.5 }), /localRatio.*\[0, 1\], got 1.5/);
  assert.throws(() => new SimpleSpread({ localRatio: NaN }), RangeError);
  assert.throws(() => new SimpleSpread({ maxCycles: 0 }), /maxCycles must be an integer >= 1/);
  assert.throws(
    () => new SimpleSpread({ continuousActions: "yes" as unknown as boolean }),
    TypeError,
  );
  assert.throws(() => new SimpleSpread().reset({ seed: -1 }), RangeError);
});

Deno.test("SimpleSpread truncates every agent at maxCycles and removes them", () => {
  const env = new SimpleSpread({ maxCycles: 3 });
  const { obs } = env.reset({ seed: 2 });
  assert.deepEqual(Object.keys(obs), ["agent_0", "agent_1", "agent_2"]);
  for (let t = 1; t <= 3; t++) {
    const step = env.step(all(env, t % 5));
    const last = t === 3;
    assert.deepEqual(Object.values(step.truncations), [last, last, last]);
    assert.deepEqual(Object.values(step.terminations), [false, false, false]);
    assert.equal(Object.keys(step.obs).length, 3, "the final step still observes every agent");
    assert.deepEqual(env.agents, last ? [] : ["agent_0", "agent_1", "agent_2"]);
  }
  assert.throws(() => env.step({}), /episode has ended/);
  env.reset();
  assert.equal(env.agents.length, 3);
  assert.equal(env.steps, 0);
  // `agents` is a copy: changing it does not change the env.
  env.agents.pop();
  assert.equal(env.agents.length, 3);
});

Deno.test("makeParallel builds simple_spread_v3 and rejects unknown ids and options", () => {
  const env = makeParallel("simple_spread_v3", { N: 4, maxCycles: 10 });
  assert.ok(env instanceof SimpleSpread);
  assert.equal(env.possibleAgents.length, 4);
  assert.deepEqual(env.spec, { id: "simple_spread_v3", maxCycles: 10, rewardThreshold: undefined });
  assert.equal(makeParallel("simple_spread_v3").spec?.maxCycles, 25);
  assert.throws(() => makeParallel("simple_tag_v3"), /Unknown parallel env.*simple_spread_v3/);
  assert.throws(
    () => makeParallel("simple_spread_v3", { n: 3 } as Record<string, unknown>),
    /Unknown option "n" for simple_spread_v3; accepted: N, localRatio, maxCycles, contin/,
  );
  assert.throws(
    () => makeParallel("simple_spread_v3", { rng: {} } as Record<string, unknown>),
    RangeError,
  );
  const entry = parallelEnvSpec("simple_spread_v3");
  assert.deepEqual(entry.actionNames, SIMPLE_SPREAD_ACTIONS);
  assert.equal(entry.rewardThreshold, undefined);
  // MPE2's metadata, which recorded videos play at.
  assert.equal(entry.renderFps, 10);
  assert.equal(catalogEntry("simple_spread_v3").renderFps, 10);
  assert.deepEqual(listParallelEnvs().map((e) => e.id), ["simple_spread_v3"]);
});

Deno.test("SimpleSpread renders agents and landmarks at MPE2's camera", () => {
  const env = new SimpleSpread();
  env.reset({ seed: 0 });
  const frame = env.render();
  assert.equal(frame.width, 700);
  assert.equal(frame.height, 700);
  assert.equal(frame.data.length, 700 * 700 * 4);
  const small = env.render({ width: 200, height: 120 });
  assert.deepEqual([small.width, small.height], [200, 120]);
  assert.throws(() => env.render({ width: 0 }), /width must be an integer in 16\.\.4096, got 0/);
  // The farthest coordinate lands at 90% of the half-width; a landmark's pixel is its colour.
  const scene = env.scene();
  const range = Math.max(...scene.discs.flatMap((d) => [Math.abs(d.x), Math.abs(d.y)]));
  const lm = scene.discs[3];
  const px = Math.floor(350 + lm.x / range * 0.9 * 350);
  const py = Math.floor(350 - lm.y / range * 0.9 * 350);
  const i = (py * 700 + px) * 4;
  assert.deepEqual(Array.from(frame.data.subarray(i, i + 3)), [52, 56, 64]);
  const corner = Array.from(frame.data.subarray(0, 3));
  assert.deepEqual(corner, [246, 245, 240], "background");
  const png = encodePng(frame);
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
  const out = Deno.env.get("SIMPLE_SPREAD_PNG");
  if (out) Deno.writeFileSync(out, png);
});

Deno.test("renderMpeScene draws an empty-range scene without dividing by zero", () => {
  const frame = renderMpeScene({
    discs: [{ x: 0, y: 0, size: 0.15, kind: "agent", index: 0, colliding: false }],
  }, { width: 64 });
  assert.equal(frame.width, 64);
});
