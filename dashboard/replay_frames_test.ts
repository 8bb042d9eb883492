import assert from "node:assert/strict";
import type { Policy } from "../agents/algorithm.ts";
import { make } from "../envs/registry.ts";
import { encodePng } from "../render/png.ts";
import type { ReplayEnd, ReplayMeta, ReplayStep } from "./islands/protocol.ts";
import { ReplayDecoder } from "./islands/replay_stream.ts";
import { encodeRecord, replayStream } from "./replay_frames.ts";
import { HttpError } from "./validate.ts";

/** Always pushes the cart right: a short, deterministic CartPole episode. */
const right: Policy = { decide: () => ({ action: 1 }) };

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("replayStream sends the env's own render of every step, with actions and rewards", async () => {
  const bytes = await readAll(
    replayStream(right, { env: "CartPole-v1", seed: 7, checkpoint: "best" }),
  );
  // Fed in odd-sized chunks that split records anywhere, the decoder still finds each one.
  const decoder = new ReplayDecoder();
  const records = [];
  for (let i = 0; i < bytes.length; i += 997) {
    records.push(...decoder.push(bytes.subarray(i, i + 997)));
  }
  assert.equal(decoder.pending, 0);
  const meta = records[0].record as ReplayMeta;
  assert.deepEqual(
    { ...meta },
    {
      kind: "meta",
      env: "CartPole-v1",
      seed: 7,
      checkpoint: "best",
      fps: 50,
      width: 600,
      height: 400,
      action_names: ["Push Left", "Push Right"],
    },
  );
  const end = records.at(-1)!.record as ReplayEnd;
  assert.equal(end.kind, "end");
  assert.equal(records.at(-1)!.png, null);
  const steps = records.slice(1, -1).map((r) => r.record as ReplayStep);
  assert.equal(steps.length, end.steps);
  assert.ok(end.steps > 5 && end.steps < 50, `pushing right lasts ${end.steps} steps`);
  assert.ok(end.terminated);

  // Frame i is exactly the PNG of the env's render after i steps.
  const env = make("CartPole-v1");
  env.reset({ seed: 7 });
  assert.deepEqual(records[0].png, encodePng(env.render!()));
  let total = 0;
  for (let i = 0; i < steps.length; i++) {
    const r = env.step(1);
    total += r.reward;
    assert.deepEqual(steps[i], { kind: "step", step: i + 1, action: 1, reward: 1, return: total });
    assert.deepEqual(records[i + 1].png, encodePng(env.render!()), `frame ${i + 1}`);
  }
  assert.equal(end.total_reward, total);
  assert.equal(end.success, false);
});

Deno.test("replayStream cuts a long episode at stepCap and stops when cancelled", async () => {
  const bytes = await readAll(
    replayStream(right, { env: "CartPole-v1", seed: 1, checkpoint: "latest", stepCap: 3 }),
  );
  const records = new ReplayDecoder().push(bytes);
  assert.deepEqual(records.map((r) => r.record.kind), ["meta", "step", "step", "step", "end"]);
  assert.equal((records.at(-1)!.record as ReplayEnd).terminated, false);

  let decisions = 0;
  const counting: Policy = { decide: () => (decisions++, { action: 0 }) };
  const stream = replayStream(counting, { env: "LunarLander-v3", seed: 1, checkpoint: "best" });
  const reader = stream.getReader();
  await reader.read();
  await reader.read();
  await reader.cancel();
  const after = decisions;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(decisions, after, "the episode kept playing after the reader left");
  assert.ok(after <= 3, `${after} steps played for two reads`);
});

Deno.test("replayStream reports a failing policy in the stream and refuses unknown envs up front", async () => {
  const broken: Policy = {
    decide: () => {
      throw new RangeError("policy exploded");
    },
  };
  const records = new ReplayDecoder().push(
    await readAll(replayStream(broken, { env: "CartPole-v1", seed: 0, checkpoint: "best" })),
  );
  assert.deepEqual(records.map((r) => r.record), [
    records[0].record,
    { kind: "error", message: "policy exploded" },
  ]);
  assert.throws(
    () => replayStream(right, { env: "Nope-v0", seed: 0, checkpoint: "best" }),
    (e) => e instanceof HttpError && e.status === 409 && /Nope-v0/.test(e.message),
  );
});

Deno.test("encodeRecord frames JSON and PNG with big-endian lengths", () => {
  const png = new Uint8Array([1, 2, 3]);
  const bytes = encodeRecord({ kind: "error", message: "x" }, png);
  const json = new TextEncoder().encode(JSON.stringify({ kind: "error", message: "x" }));
  assert.deepEqual([...bytes.subarray(0, 4)], [0, 0, 0, json.length]);
  assert.deepEqual([...bytes.subarray(4 + json.length, 8 + json.length)], [0, 0, 0, 3]);
  assert.deepEqual([...bytes.subarray(8 + json.length)], [1, 2, 3]);
  const [decoded] = new ReplayDecoder().push(bytes);
  assert.deepEqual(decoded, { record: { kind: "error", message: "x" }, png });
});
