import assert from "node:assert/strict";
import { CartPole } from "../envs/cartpole.ts";
import { register } from "../envs/registry.ts";
import { LunarLander } from "../envs/lunar_lander/env.ts";
import { lunarLanderHeuristic } from "../envs/lunar_lander/heuristic.ts";
import { LANDER_PALETTE } from "../envs/lunar_lander/render.ts";
import type { Policy } from "./algorithm.ts";
import { recordEpisode } from "./record.ts";

const lander = new LunarLander();
const heuristic: Policy = {
  decide: (obs) => ({ action: lunarLanderHeuristic(lander, obs as Float32Array) }),
};

/** Counts image descriptors (0x2c after a block boundary) by walking the GIF's blocks. */
function gifFrames(bytes: Uint8Array): number {
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 6)), "GIF89a");
  let p = 13;
  if (bytes[10] & 0x80) p += 3 * (1 << ((bytes[10] & 7) + 1));
  let frames = 0;
  const skipSubBlocks = () => {
    while (bytes[p] !== 0) p += bytes[p] + 1;
    p++;
  };
  while (bytes[p] !== 0x3b) {
    if (bytes[p] === 0x21) {
      p += 2;
      skipSubBlocks();
    } else if (bytes[p] === 0x2c) {
      frames++;
      const flags = bytes[p + 9];
      p += 10;
      if (flags & 0x80) p += 3 * (1 << ((flags & 7) + 1));
      p++; // LZW minimum code size
      skipSubBlocks();
    } else throw new Error(`bad GIF block 0x${bytes[p].toString(16)} at ${p}`);
  }
  return frames;
}

Deno.test("recordEpisode finds a successful episode and writes one frame per step", async () => {
  const dir = await Deno.makeTempDir();
  const r = await recordEpisode(heuristic, "LunarLander-v3", `${dir}/ep.gif`, {
    gif: { palette: LANDER_PALETTE },
  });
  assert.equal(r.reachedTarget, true);
  assert.ok(r.reward >= 200, `${r.reward}`);
  assert.equal(r.frames, r.steps + 1);
  const bytes = await Deno.readFile(r.path);
  assert.equal(bytes.length, r.bytes);
  assert.equal(gifFrames(bytes), r.frames);
  const again = await recordEpisode(heuristic, "LunarLander-v3", `${dir}/same.gif`, {
    seed: r.seed,
    gif: { palette: LANDER_PALETTE },
  });
  assert.equal(again.reward, r.reward, "the recorded seed replays the same episode");
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
    () => recordEpisode({ decide: () => ({ action: 0 }) }, "NoRender-v0", "/tmp/x.gif"),
    /NoRender-v0 cannot render frames/,
  );
});
