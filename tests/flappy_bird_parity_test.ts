/**
 * Parity of FlappyBird with the real flappy-bird-gymnasium 0.4.0, using the episodes recorded
 * in `tests/fixtures/flappy_bird_v0` (format: `shared/reference/README.md`). Every episode is
 * replayed open loop from its recorded draws and actions, and must reproduce every reward,
 * flag, score and internal state exactly, the 12-feature observations bit for bit, and the
 * LIDAR rows bit for bit: the stored full rows value by value and every row by its SHA-256.
 * Seeds are checked against numpy's generator, and the trigonometry table against the file.
 * @module
 */
import assert from "node:assert/strict";
import { type RandomSource, Rng } from "../core/rng.ts";
import { FlappyBird, type FlappyBirdOptions } from "../envs/flappy_bird/env.ts";
import type { FlappyBirdState } from "../envs/flappy_bird/state.ts";
import { COS_DEG, SIN_DEG, TRIG_MAX_DEG, TRIG_MIN_DEG } from "../envs/flappy_bird/trig_table.ts";

interface RngCall {
  t: number;
  method: string;
  args: number[];
  kwargs: Record<string, unknown>;
  result: number;
}

interface ReferenceEpisode {
  name: string;
  seed: number;
  use_lidar: boolean;
  env_kwargs: Record<string, unknown>;
  rng_init_state: { state: { state: string; inc: string }; has_uint32: number };
  rng_calls: RngCall[];
  actions: number[];
  obs: (number[] | null)[];
  obs_sha256: string[];
  /** Indices of the LIDAR rows stored in full, or "all" (12-feature episodes). */
  obs_full_rows: number[] | "all";
  rewards: number[];
  terminated: boolean[];
  truncated: boolean[];
  infos: { score: number }[];
  state_fields: string[];
  state: number[][];
  return: number;
  length: number;
  end: string;
  final_score: number;
}

interface Reference {
  lidar_trig_table: { columns: string[]; rows: number[][] };
  render_frames: { frames: { episode: string; step: number; shape: number[]; state: number[] }[] };
  episodes: ReferenceEpisode[];
}

const reference: Reference = JSON.parse(
  Deno.readTextFileSync(new URL("./fixtures/flappy_bird_v0/flappy_bird_v0.json", import.meta.url)),
);

const STATE_FIELDS = [
  "player_y",
  "player_vel_y",
  "player_rot",
  "score",
  "pipe0_x",
  "upper_pipe0_y",
  "pipe1_x",
  "upper_pipe1_y",
  "pipe2_x",
  "upper_pipe2_y",
  "ground_x",
  "player_idx",
  "loop_iter",
];

/** The recorded state row of our env, in the fixture's `state_fields` order. */
function stateRow(s: FlappyBirdState): number[] {
  return [
    s.playerY,
    s.playerVelY,
    s.playerRot,
    s.score,
    ...s.pipes.flatMap((p) => [p.x, p.upperY]),
    s.groundX,
    s.playerIdx,
    s.loopIter,
  ];
}

/** The upstream keyword arguments of an episode as our options. */
function optionsOf(e: ReferenceEpisode): FlappyBirdOptions {
  const names: Record<string, keyof FlappyBirdOptions> = {
    use_lidar: "useLidar",
    normalize_obs: "normalizeObs",
    pipe_gap: "pipeGap",
    score_limit: "scoreLimit",
  };
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(e.env_kwargs)) {
    assert.ok(key in names, `${e.name}: env kwarg ${key} has no option`);
    options[names[key]] = value;
  }
  return options as FlappyBirdOptions;
}

/**
 * A RandomSource that returns the recorded results in order and checks each call's method,
 * arguments and step index (`t`, set by the replay: −1 in reset, k in the (k+1)-th step).
 */
class ReplaySource implements RandomSource {
  t = -1;
  #next = 0;
  constructor(readonly episode: ReferenceEpisode) {}

  uniform(low: number, high: number): number {
    return this.#draw("uniform", low, high);
  }

  integers(low: number, high: number): number {
    return this.#draw("integers", low, high);
  }

  /** Recorded calls not made yet. */
  get remaining(): number {
    return this.episode.rng_calls.length - this.#next;
  }

  #draw(method: string, low: number, high: number): number {
    const i = this.#next++;
    const want = this.episode.rng_calls[i];
    const where = `${this.episode.name}: draw #${i} ${method}(${low}, ${high}) at t=${this.t}`;
    assert.ok(want, `${where} is beyond the recorded draws`);
    assert.deepEqual(
      { method, args: [low, high], kwargs: {}, t: this.t },
      { method: want.method, args: want.args, kwargs: want.kwargs, t: want.t },
      `${where} differs from the recording`,
    );
    return want.result;
  }
}

/**
 * SHA-256 (hex) of a row's float64 bytes, as the recorder hashed them: little-endian, which is
 * the byte order of typed arrays on every platform Deno runs on.
 */
async function sha256(row: Float64Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Float64Array(row)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Totals over the replayed episodes. */
interface Tally {
  episodes: number;
  steps: number;
  hashedRows: number;
  fullLidarRows: number;
  featureRows: number;
  maxObsDiff: number;
  maxRewardDiff: number;
}

/** Asserts that `obs` equals the recorded row `t` (bits and hash) and counts it. */
async function checkObs(
  e: ReferenceEpisode,
  t: number,
  obs: Float64Array,
  tally: Tally,
): Promise<void> {
  const row = e.obs[t];
  const stored = e.obs_full_rows === "all" || e.obs_full_rows.includes(t);
  assert.equal(stored, row !== null, `${e.name}: obs_full_rows at ${t}`);
  assert.ok(e.use_lidar || stored, `${e.name}: feature rows are all stored`);
  if (row !== null) {
    assert.equal(obs.length, row.length, `${e.name} obs ${t}: length`);
    for (let i = 0; i < row.length; i++) {
      tally.maxObsDiff = Math.max(tally.maxObsDiff, Math.abs(obs[i] - row[i]));
      assert.ok(Object.is(obs[i], row[i]), `${e.name} obs ${t}[${i}]: ${obs[i]} vs ${row[i]}`);
    }
    if (e.use_lidar) tally.fullLidarRows++;
    else tally.featureRows++;
  }
  assert.equal(await sha256(obs), e.obs_sha256[t], `${e.name} obs ${t}: SHA-256`);
  tally.hashedRows++;
}

/** Replays `e` from `env` (reset with `reset`), asserting parity at every step. */
async function replay(
  e: ReferenceEpisode,
  env: FlappyBird,
  reset: () => Float64Array,
  rng: ReplaySource | null,
  tally: Tally,
): Promise<void> {
  assert.deepEqual(e.state_fields, STATE_FIELDS);
  const obs0 = reset();
  assert.deepEqual(stateRow(env.state()), e.state[0], `${e.name}: state after reset`);
  await checkObs(e, 0, obs0, tally);
  let total = 0;
  for (let t = 0; t < e.length; t++) {
    if (rng) rng.t = t;
    const r = env.step(e.actions[t]);
    total += r.reward;
    tally.maxRewardDiff = Math.max(tally.maxRewardDiff, Math.abs(r.reward - e.rewards[t]));
    assert.deepEqual(
      [r.reward, r.terminated, r.truncated, r.info],
      [e.rewards[t], e.terminated[t], e.truncated[t], e.infos[t + 1]],
      `${e.name} step ${t}: reward, flags or info`,
    );
    assert.deepEqual(stateRow(env.state()), e.state[t + 1], `${e.name} step ${t}: state`);
    await checkObs(e, t + 1, r.obs, tally);
    tally.steps++;
  }
  assert.equal(total, e.return, `${e.name}: return`);
  assert.equal(env.state().score, e.final_score, `${e.name}: final score`);
  assert.equal(e.end, "terminated");
  assert.throws(() => env.step(0), /has ended/, `${e.name}: the episode is over`);
  if (rng) assert.equal(rng.remaining, 0, `${e.name}: recorded draws left unused`);
  tally.episodes++;
}

const newTally = (): Tally => ({
  episodes: 0,
  steps: 0,
  hashedRows: 0,
  fullLidarRows: 0,
  featureRows: 0,
  maxObsDiff: 0,
  maxRewardDiff: 0,
});

function report(label: string, tally: Tally): void {
  console.log(
    `${label}: ${tally.episodes} episodes, ${tally.steps} steps, ${tally.hashedRows} rows by ` +
      `SHA-256, ${tally.fullLidarRows} full LIDAR rows and ${tally.featureRows} feature rows ` +
      `bit for bit; max |Δobs| ${tally.maxObsDiff}, max |Δreward| ${tally.maxRewardDiff}`,
  );
}

Deno.test("FlappyBird replays the recorded episodes from their draws bit for bit", async (t) => {
  const tally = newTally();
  for (const e of reference.episodes) {
    await t.step(e.name, async () => {
      const rng = new ReplaySource(e);
      const env = new FlappyBird({ ...optionsOf(e), rng });
      await replay(e, env, () => env.reset().obs, rng, tally);
    });
  }
  report("replay", tally);
  assert.equal(tally.episodes, reference.episodes.length);
  assert.equal(tally.hashedRows, reference.episodes.reduce((n, e) => n + e.length + 1, 0));
});

Deno.test("FlappyBird reset({ seed }) draws what numpy's default_rng(seed) drew", async (t) => {
  const tally = newTally();
  for (const e of reference.episodes) {
    await t.step(e.name, async () => {
      const rng = new Rng(e.seed);
      const { state, inc } = rng.getState();
      assert.deepEqual(
        { state: state.toString(), inc: inc.toString() },
        e.rng_init_state.state,
        `${e.name}: PCG64 state of seed ${e.seed}`,
      );
      assert.deepEqual(
        e.rng_calls.map(() => rng.integers(0, 8)),
        e.rng_calls.map((c) => c.result),
        `${e.name}: integers(0, 8) draws of seed ${e.seed}`,
      );
      const env = new FlappyBird(optionsOf(e));
      await replay(e, env, () => env.reset({ seed: e.seed }).obs, null, tally);
    });
  }
  report("seeded", tally);
});

Deno.test("FlappyBird's trigonometry table is the recording's numpy cos/sin", () => {
  const { columns, rows } = reference.lidar_trig_table;
  const [k, cos, sin] = ["k_deg", "np_cos", "np_sin"].map((c) => columns.indexOf(c));
  assert.deepEqual([TRIG_MIN_DEG, TRIG_MAX_DEG], [rows[0][k], rows[rows.length - 1][k]]);
  assert.equal(COS_DEG.length, rows.length);
  rows.forEach((row, i) => {
    assert.equal(row[k], TRIG_MIN_DEG + i);
    assert.ok(Object.is(COS_DEG[i], row[cos]), `cos ${row[k]}°`);
    assert.ok(Object.is(SIN_DEG[i], row[sin]), `sin ${row[k]}°`);
  });
});

Deno.test("FlappyBird renders the recorded frames' states at the recorded frame size", () => {
  for (const f of reference.render_frames.frames) {
    const e = reference.episodes.find((e) => e.name === f.episode)!;
    const env = new FlappyBird(optionsOf(e));
    env.reset({ seed: e.seed });
    for (let t = 0; t < f.step; t++) env.step(e.actions[t]);
    assert.deepEqual(stateRow(env.state()), f.state, `${f.episode} step ${f.step}`);
    const frame = env.render();
    // The recording is (height, width, RGB); our frames are RGBA of the same size.
    assert.deepEqual([frame.height, frame.width, 3], f.shape);
  }
});
