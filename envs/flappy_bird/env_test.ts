import assert from "node:assert/strict";
import type { RandomSource } from "../../core/rng.ts";
import { checkEnv } from "../check_env.ts";
import { envSpec, isSuccess, make, successRule } from "../registry.ts";
import { SyncVectorEnv } from "../vector.ts";
import { Discrete } from "../spaces.ts";
import { PIPE_HEIGHT, PLAYER_X, SCREEN_HEIGHT, SCREEN_WIDTH } from "./constants.ts";
import { FlappyBird, type FlappyBirdOptions } from "./env.ts";

/** Logs every draw and answers `integers(0, 8)` with a fixed gap index. */
class CountingSource implements RandomSource {
  readonly calls: string[] = [];
  uniform(low: number, high: number): number {
    this.calls.push(`uniform(${low}, ${high})`);
    return low;
  }
  integers(low: number, high: number): number {
    this.calls.push(`integers(${low}, ${high})`);
    return 3;
  }
}

/** Flaps when the bird is below the middle of the next gap (the reference's scripted policy). */
function scripted(env: FlappyBird): number {
  const s = env.state();
  const next = s.pipes.filter((p) => p.x + 52 > PLAYER_X).sort((a, b) => a.x - b.x)[0];
  return s.playerY + 24 > (next.upperY + PIPE_HEIGHT + next.lowerY) / 2 + 20 ? 1 : 0;
}

Deno.test("FlappyBird spaces follow the upstream env", () => {
  const cases: [FlappyBirdOptions, number, number, number][] = [
    [{}, 180, 0, 1],
    [{ normalizeObs: false }, 180, 0, Infinity],
    [{ useLidar: false }, 12, -1, 1],
    [{ useLidar: false, normalizeObs: false }, 12, -Infinity, Infinity],
  ];
  for (const [options, size, low, high] of cases) {
    const env = new FlappyBird(options);
    assert.ok(env.actionSpace instanceof Discrete);
    assert.equal(env.actionSpace.n, 2);
    assert.deepEqual(env.observationSpace.shape, [size]);
    const { obs, info } = env.reset({ seed: 0 });
    assert.ok(obs instanceof Float64Array && obs.length === size);
    assert.deepEqual(info, { score: 0 });
    assert.ok(env.observationSpace.contains(new Float64Array(size).fill(low)), `low ${low}`);
    assert.ok(env.observationSpace.contains(new Float64Array(size).fill(high)), `high ${high}`);
    assert.equal(env.observationSpace.dtype, "float64");
    assert.equal(env.observationSpace.contains(new Float64Array(size + 1)), false);
    assert.equal(env.observationSpace.contains(new Float64Array(size).fill(NaN)), false);
    const sample = env.observationSpace.sample();
    assert.ok(sample instanceof Float64Array && env.observationSpace.contains(sample));
  }
});

Deno.test("FlappyBird rejects bad options, naming the value", () => {
  const bad: [FlappyBirdOptions, ErrorConstructor, RegExp][] = [
    [{ useLidar: "yes" as unknown as boolean }, TypeError, /useLidar must be a boolean, got "yes"/],
    [{ normalizeObs: 1 as unknown as boolean }, TypeError, /normalizeObs must be a boolean, got 1/],
    [{ pipeGap: 0 }, RangeError, /pipeGap must be a positive integer, got 0/],
    [{ pipeGap: 99.5 }, RangeError, /pipeGap must be a positive integer, got 99.5/],
    [{ pipeGap: "100" as unknown as number }, RangeError, /pipeGap .* got 100/],
    [{ scoreLimit: 0 }, RangeError, /scoreLimit must be a positive integer or null, got 0/],
    [{ scoreLimit: 2.5 }, RangeError, /scoreLimit .* got 2.5/],
    [{ scoreLimit: NaN }, RangeError, /scoreLimit .* got NaN/],
  ];
  for (const [options, type, message] of bad) {
    assert.throws(() => new FlappyBird(options), (e: unknown) => {
      assert.ok(e instanceof type, `${JSON.stringify(options)}: ${e}`);
      assert.match((e as Error).message, message);
      return true;
    });
  }
  assert.equal(new FlappyBird({ scoreLimit: null }).scoreLimit, null);
});

Deno.test("FlappyBird rejects bad actions and steps outside an episode", () => {
  const env = new FlappyBird({ useLidar: false });
  assert.throws(() => env.step(0), /before reset\(\)/);
  assert.throws(() => env.state(), /before reset\(\)/);
  assert.throws(() => env.render(), /before reset\(\)/);
  env.reset({ seed: 1 });
  assert.throws(() => env.step(2), RangeError);
  assert.throws(() => env.step(-1), RangeError);
  assert.throws(() => env.step(0.5), RangeError);
  assert.throws(() => env.step("1" as unknown as number), TypeError);
  assert.throws(() => env.step([1] as unknown as number), /got \[1\]/);
  let t = 0;
  while (!env.step(0).terminated) t++;
  assert.ok(t > 0 && t < 100, `falling takes ${t} steps`);
  assert.throws(() => env.step(0), /has ended .* call reset\(\) before step\(\)/);
  env.reset();
  env.step(1); // a new episode steps again
});

Deno.test("FlappyBird draws integers(0, 8) three times per reset and once per recycled pipe", () => {
  const rng = new CountingSource();
  const env = new FlappyBird({ rng, useLidar: false });
  env.reset();
  assert.deepEqual(rng.calls, Array(3).fill("integers(0, 8)"));
  // Gap index 3 → gap top 50 + 80 = 130: upper pipes at 130 − 320, lower ones at 130 + 100.
  assert.deepEqual(env.state().pipes, [
    { x: 288, upperY: -190, lowerY: 230 },
    { x: 432, upperY: -190, lowerY: 230 },
    { x: 576, upperY: -190, lowerY: 230 },
  ]);
  rng.calls.length = 0;
  // The first pipe leaves the screen (x < −52) on step 86: 288 − 4·86 = −56.
  for (let t = 0; t < 86; t++) {
    const r = env.step(scripted(env));
    assert.ok(!r.terminated, `step ${t}`);
    assert.equal(rng.calls.length, t === 85 ? 1 : 0, `draws at step ${t}`);
  }
  assert.equal(env.state().pipes[0].x, 397.6);
});

Deno.test("FlappyBird rewards: +0.1 alive, +1 per pipe, −1 on a crash; LIDAR adds −0.5 near pipes", () => {
  for (const useLidar of [false, true]) {
    const env = new FlappyBird({ useLidar });
    env.reset({ seed: 12 });
    const seen = new Set<number>();
    let score = 0, r;
    do {
      r = env.step(scripted(env));
      seen.add(r.reward);
      if (r.reward === 1) assert.equal(r.info.score, ++score);
      assert.equal(r.info.score, score);
    } while (!r.terminated);
    assert.equal(r.reward, -1);
    assert.ok(score >= 5, `the scripted policy passes pipes (score ${score})`);
    assert.deepEqual([...seen].sort((a, b) => a - b), useLidar ? [-1, -0.5, 0.1, 1] : [-1, 0.1, 1]);
  }
});

Deno.test("FlappyBird truncates when the score reaches scoreLimit", () => {
  const env = new FlappyBird({ scoreLimit: 2 });
  env.reset({ seed: 12 });
  let r;
  do r = env.step(scripted(env)); while (!r.truncated && !r.terminated);
  assert.deepEqual([r.truncated, r.terminated, r.info.score, r.reward], [true, false, 2, 1]);
  assert.throws(() => env.step(0), /has ended/);
});

Deno.test("FlappyBird pipeGap sets the lower pipes; normalizeObs only rescales", () => {
  const wide = new FlappyBird({ pipeGap: 150, useLidar: false });
  wide.reset({ seed: 3 });
  for (const p of wide.state().pipes) assert.equal(p.lowerY - (p.upperY + PIPE_HEIGHT), 150);

  const runs = [true, false].map((normalizeObs) => {
    const env = new FlappyBird({ normalizeObs });
    const obs = [env.reset({ seed: 5 }).obs];
    for (let t = 0; t < 40; t++) obs.push(env.step(t % 6 === 0 ? 1 : 0).obs);
    return obs;
  });
  for (let t = 0; t < runs[0].length; t++) {
    assert.deepEqual(runs[0][t], runs[1][t].map((v) => v / 196), `LIDAR row ${t}`);
  }
  const [f, raw] = [true, false].map((normalizeObs) =>
    new FlappyBird({ normalizeObs, useLidar: false }).reset({ seed: 5 }).obs
  );
  const scale = [288, 512, 512, 288, 512, 512, 288, 512, 512, 512, 10, 90];
  assert.deepEqual(f, raw.map((v, i) => v / scale[i]));
});

Deno.test("FlappyBird keeps the ground scroll and wing cycle across resets, as upstream", () => {
  const env = new FlappyBird({ useLidar: false });
  env.reset({ seed: 0 });
  // The wing frame advances every 3 steps through 0, 1, 2, 1; 7 steps use the first two.
  for (let t = 0; t < 7; t++) env.step(t % 3 === 0 ? 1 : 0);
  assert.equal(env.state().groundX, -28);
  env.reset({ seed: 0 });
  const after = env.state();
  assert.deepEqual([after.groundX, after.playerIdx, after.loopIter], [-28, 0, 0]);
  for (let t = 0; t < 3; t++) env.step(0);
  assert.equal(env.state().playerIdx, 2); // a fresh env shows frame 0 here
  const fresh = new FlappyBird({ useLidar: false });
  fresh.reset({ seed: 0 });
  for (let t = 0; t < 3; t++) fresh.step(0);
  assert.equal(fresh.state().playerIdx, 0);
});

Deno.test("FlappyBird passes checkEnv with features and unnormalised LIDAR", () => {
  for (const options of [{ useLidar: false }, { useLidar: false, normalizeObs: false }]) {
    const report = checkEnv(() => new FlappyBird(options), { steps: 500 });
    assert.deepEqual(report, { warnings: [], outOfBounds: null });
  }
  checkEnv(() => new FlappyBird({ normalizeObs: false }), { steps: 300 });
});

Deno.test("FlappyBird's default LIDAR leaves its declared Box(0, 1) by under 1 %, as upstream's", () => {
  // A ray that hits nothing measures 196 · (1 ± 1 ulp): 1.0000000000000002 after normalising;
  // one ending inside a pipe pixel is measured to that pixel, at most √2 px past 196.
  const { obs } = new FlappyBird().reset({ seed: 0 });
  assert.ok(Math.max(...obs) > 1);
  assert.throws(
    () => checkEnv(() => new FlappyBird(), { steps: 10 }),
    /reset returned an observation outside the observation space/,
  );
  const report = checkEnv(() => new FlappyBird(), { steps: 300, outOfBounds: "warn" });
  const oob = report.outOfBounds!;
  assert.equal(report.warnings.length, 1);
  assert.match(report.warnings[0], /observations left the bounds of Box\(0, 1, \(180\), float64\)/);
  assert.ok(oob.count > 0 && oob.count <= oob.checked, `${oob.count} of ${oob.checked}`);
  assert.equal(oob.bound, 1);
  assert.ok(oob.value > 1 && oob.value <= 1 + Math.SQRT2 / 196, `worst ${oob.value}`);
});

Deno.test("FlappyBird-v0 is registered with the tutorial's success bar and action names", () => {
  const spec = envSpec("FlappyBird-v0");
  assert.equal(spec.rewardThreshold, 20);
  assert.equal(spec.maxEpisodeSteps, undefined);
  assert.deepEqual(spec.actionNames, ["Idle", "Flap"]);
  assert.equal(spec.renderFps, 30);
  assert.equal(successRule("FlappyBird-v0"), "return > 20");
  assert.equal(isSuccess("FlappyBird-v0", 20), false);
  assert.equal(isSuccess("FlappyBird-v0", 20.1), true);
  const env = make("FlappyBird-v0", { useLidar: false, scoreLimit: 1 });
  assert.ok(env instanceof FlappyBird, "no TimeLimit wrapper");
  assert.equal(env.spec?.id, "FlappyBird-v0");
  assert.deepEqual(env.observationSpace.shape, [12]);
  assert.throws(
    () => make("FlappyBird-v0", { pipe_gap: 90 } as never),
    /Unknown option "pipe_gap"/,
  );
  // Options pass through: a wide gap flown by the scripted policy reaches the score limit.
  const wide = make("FlappyBird-v0", { pipeGap: 150, scoreLimit: 2 }) as FlappyBird;
  wide.reset({ seed: 3 });
  let r;
  do r = wide.step(scripted(wide)); while (!r.terminated && !r.truncated);
  assert.deepEqual([r.truncated, r.info.score], [true, 2]);
});

Deno.test("SyncVectorEnv stores FlappyBird's float64 observations as float32", () => {
  const vec = new SyncVectorEnv({ id: "FlappyBird-v0", numEnvs: 2 });
  const solo = [0, 1].map(() => new FlappyBird());
  const expect = (obs: Float32Array, singles: Float64Array[]) => {
    assert.equal(obs.length, 2 * 180);
    singles.forEach((o, j) => {
      assert.deepEqual(
        Array.from(obs.subarray(j * 180, (j + 1) * 180)),
        Array.from(o, Math.fround),
      );
    });
  };
  expect(vec.reset({ seed: 5 }), solo.map((e, j) => e.reset({ seed: 5 + j }).obs));
  for (let t = 0; t < 20; t++) {
    const actions = Int32Array.of(t % 7 === 0 ? 1 : 0, t % 5 === 0 ? 1 : 0);
    const r = vec.step(actions);
    expect(r.obs, solo.map((e, j) => e.step(actions[j]).obs));
  }
  vec.close();
});

Deno.test("FlappyBird renders 288 × 512 RGBA with the bird, pipes, ground and score", () => {
  const env = new FlappyBird();
  env.reset({ seed: 12 });
  for (let t = 0; t < 30; t++) env.step(scripted(env));
  const frame = env.render();
  assert.deepEqual([frame.width, frame.height], [SCREEN_WIDTH, SCREEN_HEIGHT]);
  assert.equal(frame.data.length, SCREEN_WIDTH * SCREEN_HEIGHT * 4);
  const at = (x: number, y: number) => Array.from(frame.data.subarray(...span(x, y)));
  const span = (x: number, y: number): [number, number] => {
    const i = (y * SCREEN_WIDTH + x) * 4;
    return [i, i + 4];
  };
  const s = env.state();
  // Bird body at its centre, a pipe at the middle of the first one, the ground below 404.
  const bird = at(PLAYER_X + 17, Math.round(s.playerY) + 12);
  const pipe = at(Math.round(s.pipes[0].x) + 26, 10);
  const sky = at(5, 150);
  const ground = at(5, 480);
  for (const [name, px] of Object.entries({ bird, pipe, ground })) {
    assert.notDeepEqual(px, sky, `${name} differs from the sky`);
    assert.equal(px[3], 255, `${name} is opaque`);
  }
  // The score is drawn by default at a tenth of the height and can be hidden.
  const hidden = env.render({ showScore: false });
  let changed = 0;
  for (let y = 45; y < 90; y++) {
    for (let x = 120; x < 170; x++) {
      const i = (y * SCREEN_WIDTH + x) * 4;
      if (frame.data[i] !== hidden.data[i]) changed++;
    }
  }
  assert.ok(changed > 50, `${changed} score pixels`);
});
