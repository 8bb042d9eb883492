import assert from "node:assert/strict";
import { CartPole } from "../envs/cartpole.ts";
import { make, register } from "../envs/registry.ts";
import { LunarLander } from "../envs/lunar_lander/env.ts";
import { lunarLanderHeuristic } from "../envs/lunar_lander/heuristic.ts";
import type { Policy } from "./algorithm.ts";
import {
  episodeVideoName,
  openVideo,
  recordEpisode,
  recordEpisodes,
  videoFormatOf,
} from "./record.ts";
import {
  decodeFrame,
  ffprobe,
  gifFrames,
  listNames,
  needsFfmpeg,
} from "../render/_video_testing.ts";

const withFfmpeg = needsFfmpeg("agents/record_test.ts");

const lander = new LunarLander();
const heuristic: Policy = {
  decide: (obs) => ({ action: lunarLanderHeuristic(lander, obs as Float32Array) }),
};
/** Always pushes the cart left: the pole falls within about ten steps, never a success. */
const pushLeft: Policy = { decide: () => ({ action: 0 }) };

/** The return of one greedy episode, played without any recording code. */
function episodeReturn(policy: Policy, envId: string, seed: number): number {
  const env = make(envId);
  let { obs } = env.reset({ seed });
  let total = 0, done = false;
  while (!done) {
    const r = env.step(policy.decide(obs).action as number);
    total += r.reward;
    obs = r.obs;
    done = r.terminated || r.truncated;
  }
  env.close();
  return total;
}

Deno.test("videoFormatOf reads the format from the extension and refuses others", () => {
  assert.equal(videoFormatOf("runs/a/episode.mp4"), "mp4");
  assert.equal(videoFormatOf("/tmp/LANDING.GIF"), "gif");
  assert.throws(() => videoFormatOf("clip.webm"), /must end in \.mp4 or \.gif, got "clip\.webm"/);
  assert.throws(() => videoFormatOf("mp4"), RangeError);
});

Deno.test("recordEpisode finds a successful episode and writes one GIF frame per step + 1", async () => {
  const dir = await Deno.makeTempDir();
  const r = await recordEpisode(heuristic, "LunarLander-v3", `${dir}/ep.gif`);
  assert.equal(r.reachedTarget, true);
  assert.equal(r.format, "gif");
  assert.equal(r.fps, 50, "LunarLander's render fps");
  assert.ok(r.reward >= 200, `${r.reward}`);
  assert.equal(r.frames, r.steps + 1);
  const bytes = await Deno.readFile(r.path);
  assert.equal(bytes.length, r.bytes);
  assert.equal(gifFrames(bytes), r.frames);
  const again = await recordEpisode(heuristic, "LunarLander-v3", `${dir}/same.gif`, {
    seed: r.seed,
  });
  assert.equal(again.reward, r.reward, "the recorded seed replays the same episode");
  assert.equal(again.tried, 1);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("without a success in `tries` episodes, the best one is recorded", async () => {
  const dir = await Deno.makeTempDir();
  const returns = Array.from({ length: 10 }, (_, s) => episodeReturn(pushLeft, "CartPole-v1", s));
  const best = returns.indexOf(Math.max(...returns));
  const r = await recordEpisode(pushLeft, "CartPole-v1", `${dir}/ep.gif`);
  assert.equal(r.reachedTarget, false);
  assert.equal(r.tried, 10);
  assert.equal(r.seed, best);
  assert.equal(r.reward, returns[best]);
  assert.equal(gifFrames(await Deno.readFile(r.path)), r.steps + 1);

  // With a lower bar, the first seed that reaches it is kept.
  const bar = [...returns].sort((a, b) => a - b)[5];
  const first = returns.findIndex((v) => v >= bar);
  const kept = await recordEpisode(pushLeft, "CartPole-v1", `${dir}/bar.gif`, { minReturn: bar });
  assert.equal(kept.seed, first);
  assert.equal(kept.tried, first + 1);
  assert.equal(kept.reachedTarget, true);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("recordEpisode writes an H.264 yuv420p MP4 with steps + 1 frames at the env's fps", {
  ...withFfmpeg,
}, async () => {
  const dir = await Deno.makeTempDir();
  const r = await recordEpisode(heuristic, "LunarLander-v3", `${dir}/landing.mp4`, { seed: 0 });
  assert.equal(r.format, "mp4");
  const probe = await ffprobe(r.path);
  assert.equal(probe.codec_name, "h264");
  assert.equal(probe.pix_fmt, "yuv420p");
  assert.deepEqual([probe.width, probe.height], [600, 400]);
  assert.equal(probe.frames, r.steps + 1);
  assert.equal(probe.fps, 50);
  assert.ok(Math.abs(probe.duration - (r.steps + 1) / 50) < 1e-6, `${probe.duration} s`);
  assert.equal((await Deno.stat(r.path)).size, r.bytes);

  // The first frame is the reset frame of that seed (up to the lossy YUV round trip).
  const env = make("LunarLander-v3");
  env.reset({ seed: 0 });
  const want = env.render!();
  const got = await decodeFrame(r.path, 0);
  let diff = 0;
  for (let p = 0, q = 0; p < got.length; p += 3, q += 4) {
    for (let c = 0; c < 3; c++) diff += Math.abs(got[p + c] - want.data[q + c]);
  }
  assert.ok(diff / got.length < 2, `mean channel error ${diff / got.length}`);
  assert.deepEqual(await listNames(dir), ["landing.mp4"], "no temporary file is left");
  await Deno.remove(dir, { recursive: true });
});

Deno.test(
  "FrozenLake records at its 4 fps: the MP4 lasts frames / 4 seconds",
  withFfmpeg,
  async () => {
    const dir = await Deno.makeTempDir();
    const right: Policy = { decide: () => ({ action: 2 }) };
    const r = await recordEpisode(right, "FrozenLake-v1", `${dir}/lake.mp4`, { seed: 3 });
    const probe = await ffprobe(r.path);
    assert.equal(probe.frames, r.steps + 1);
    assert.equal(probe.fps, 4);
    assert.ok(Math.abs(probe.duration - (r.steps + 1) / 4) < 1e-6, `${probe.duration} s`);
    await Deno.remove(dir, { recursive: true });
  },
);

Deno.test("recordEpisodes writes one video per seed, named by episodeVideoName", async () => {
  const dir = await Deno.makeTempDir();
  const results = await recordEpisodes(pushLeft, "CartPole-v1", dir, 3, "gif", { firstSeed: 5 });
  assert.deepEqual(results.map((r) => r.seed), [5, 6, 7]);
  assert.deepEqual(await listNames(dir), [5, 6, 7].map((s) => episodeVideoName(s, "gif")));
  for (const r of results) {
    assert.equal(r.reward, episodeReturn(pushLeft, "CartPole-v1", r.seed));
    assert.equal(gifFrames(await Deno.readFile(r.path)), r.steps + 1);
  }
  await assert.rejects(
    () => recordEpisodes(pushLeft, "CartPole-v1", dir, 0, "gif"),
    /episodes must be an integer ≥ 1, got 0/,
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("an aborted MP4 leaves no file behind", withFfmpeg, async () => {
  const dir = await Deno.makeTempDir();
  const video = await openVideo(`${dir}/x.mp4`, { width: 8, height: 6 }, { fps: 10 });
  await video.addFrame({ width: 8, height: 6, data: new Uint8ClampedArray(8 * 6 * 4) });
  await video.abort();
  assert.deepEqual(await listNames(dir), []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("recordEpisode refuses envs that cannot render", async () => {
  // Every built-in env renders: register one that cannot.
  register({
    id: "NoRender-v0",
    maxEpisodeSteps: 10,
    optionNames: [],
    description: "CartPole without render()",
    create: () => {
      const env = new CartPole();
      return {
        observationSpace: env.observationSpace,
        actionSpace: env.actionSpace,
        reset: (o) => env.reset(o),
        step: (a: number) => env.step(a),
        close: () => env.close(),
      };
    },
  });
  await assert.rejects(
    () => recordEpisode(pushLeft, "NoRender-v0", "/tmp/x.gif"),
    /NoRender-v0 cannot render frames/,
  );
});
