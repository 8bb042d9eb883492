import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import { initActorCriticParams, initMlpParams } from "../kernels/init.ts";
import type { ActorCriticShape } from "../kernels/layout.ts";
import type { MlpSpec } from "../kernels/types.ts";
import {
  type Architecture,
  CheckpointError,
  decodeSafetensors,
  encodeSafetensors,
  loadNetworkCheckpoint,
  loadTrainingState,
  networkTensors,
  saveNetworkCheckpoint,
  saveSafetensors,
  saveTrainingState,
} from "./checkpoint.ts";

const qSpec: MlpSpec = { sizes: [4, 5, 3, 2], hidden: "relu" };
const qArch: Architecture = { kind: "q", spec: qSpec };
const qParams = initMlpParams(qSpec, new Rng(1), "torch-default");
const acShape: ActorCriticShape = {
  obsSize: 3,
  action: { kind: "continuous", dim: 2, initLogStd: -0.5 },
  hidden: [4],
  activation: "tanh",
};
const acArch: Architecture = { kind: "actor-critic", shape: acShape };
const acParams = initActorCriticParams(acShape, new Rng(2));
const info = { algo: "dqn", env: "CartPole-v1", globalStep: 1234 };

Deno.test("safetensors bytes follow the format: u64 LE header length, JSON, aligned F32 data", () => {
  const bytes = encodeSafetensors([
    ["a", { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }],
    ["b", { shape: [1], data: Float32Array.of(-0.5) }],
  ], { note: "hi" });
  const view = new DataView(bytes.buffer);
  const n = Number(view.getBigUint64(0, true));
  assert.equal((8 + n) % 8, 0, "data starts 8-byte aligned");
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assert.deepEqual(header.__metadata__, { note: "hi" });
  assert.deepEqual(header.a, { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] });
  assert.deepEqual(header.b, { dtype: "F32", shape: [1], data_offsets: [24, 28] });
  assert.equal(bytes.length, 8 + n + 28);
  assert.equal(view.getFloat32(8 + n + 4 * 5, true), 6);
  assert.equal(view.getFloat32(8 + n + 24, true), -0.5);
  const back = decodeSafetensors(bytes, "mem");
  assert.deepEqual([...back.tensors.keys()], ["a", "b"]);
  assert.deepEqual(back.tensors.get("a")!.data, Float32Array.of(1, 2, 3, 4, 5, 6));
  assert.deepEqual(back.metadata, { note: "hi" });
});

Deno.test("network tensors are PyTorch-named and transposed to [out, in]", () => {
  const t = new Map(networkTensors(qArch, qParams));
  assert.deepEqual([...t.keys()], [
    "q.0.weight",
    "q.0.bias",
    "q.2.weight",
    "q.2.bias",
    "q.4.weight",
    "q.4.bias",
  ]);
  const w0 = t.get("q.0.weight")!;
  assert.deepEqual(w0.shape, [5, 4]);
  // Our layout W[i * out + j] (input i, output j) is PyTorch's weight[j][i].
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 5; j++) assert.equal(w0.data[j * 4 + i], qParams[i * 5 + j]);
  }
  assert.deepEqual(t.get("q.0.bias")!.data, qParams.slice(20, 25));
  const ac = new Map(networkTensors(acArch, acParams));
  assert.deepEqual(ac.get("actor_logstd")!.shape, [1, 2]);
  assert.deepEqual(ac.get("actor_logstd")!.data, Float32Array.of(-0.5, -0.5));
  assert.deepEqual(ac.get("critic.2.weight")!.shape, [1, 4]);
});

Deno.test("network checkpoints round-trip exactly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const [arch, params] of [[qArch, qParams], [acArch, acParams]] as const) {
      const path = `${dir}/net.safetensors`;
      await saveNetworkCheckpoint(path, arch, params, info);
      const back = await loadNetworkCheckpoint(path, { algo: "dqn", env: "CartPole-v1" });
      assert.deepEqual(back.params, params);
      assert.deepEqual(back.arch, JSON.parse(JSON.stringify(arch)));
      assert.equal(back.globalStep, 1234);
    }
    // No temporary files are left behind by the atomic write.
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(names, ["net.safetensors"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("training state round-trips, extra tensors included", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/state.safetensors`;
    const n = qParams.length;
    const learner = {
      params: qParams,
      target: qParams.map((v) => v * 2),
      adamM: new Float32Array(n).fill(0.25),
      adamV: new Float32Array(n).fill(0.5),
      adamStep: 77,
    };
    const extra = new Map([["obs", { shape: [3], data: Float32Array.of(1, 2, 3) }]]);
    await saveTrainingState(path, { learner, counters: { globalStep: 9, name: "x" }, extra });
    const back = await loadTrainingState<{ globalStep: number; name: string }>(path, n);
    assert.deepEqual(back.learner, learner);
    assert.deepEqual(back.counters, { globalStep: 9, name: "x" });
    assert.deepEqual(back.extra!.get("obs")!.data, Float32Array.of(1, 2, 3));
    await assert.rejects(
      () => loadTrainingState(path, n + 1),
      new RegExp(`state.safetensors has "params" of ${n} values, expected ${n + 1}`),
    );
    await assert.rejects(() => loadNetworkCheckpoint(path), /is not an eagle-checkpoint\/1 file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("corrupt, truncated and mismatched checkpoints fail naming the file and the fault", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/best.safetensors`;
    await saveNetworkCheckpoint(path, qArch, qParams, info);
    const good = await Deno.readFile(path);
    const write = (bytes: Uint8Array) => Deno.writeFile(path, bytes);
    const rejects = (re: RegExp, expect = {}) =>
      assert.rejects(() => loadNetworkCheckpoint(path, expect), (err: Error) => {
        assert.ok(err instanceof CheckpointError, `${err.name}: ${err.message}`);
        assert.ok(err.message.includes(path), `names the file: ${err.message}`);
        assert.match(err.message, re);
        return true;
      });

    await rejects(/was trained with env CartPole-v1, expected LunarLander-v3/, {
      env: "LunarLander-v3",
    });
    await write(good.subarray(0, 5));
    await rejects(/is truncated: 5 bytes/);
    await write(good.subarray(0, 40));
    await rejects(/is truncated or not a safetensors file: its header claims \d+ bytes/);
    await write(good.subarray(0, good.length - 4));
    await rejects(/is truncated: tensor "q.4.bias" ends at byte/);
    const junk = good.slice();
    junk[9] = 0x7b; // "{{" is not JSON
    await write(junk);
    await rejects(/has a corrupt header \(not JSON\)/);
    await write(new TextEncoder().encode("hello, this is not a checkpoint at all"));
    await rejects(/is truncated or not a safetensors file/);

    // A checkpoint whose tensors do not fit its recorded architecture.
    const t = networkTensors(qArch, qParams).filter(([name]) => name !== "q.2.bias");
    await saveSafetensors(path, t, {
      format: "eagle-checkpoint/1",
      architecture: JSON.stringify(qArch),
      algo: "dqn",
      env: "CartPole-v1",
    });
    await rejects(/lacks tensor "q.2.bias"/);
    const wide: Architecture = { kind: "q", spec: { ...qSpec, sizes: [4, 6, 3, 2] } };
    await saveSafetensors(path, networkTensors(qArch, qParams), {
      format: "eagle-checkpoint/1",
      architecture: JSON.stringify(wide),
    });
    await rejects(/has tensor "q.0.weight" of shape \[5,4\], expected \[6,4\]/);
    await saveSafetensors(path, networkTensors(qArch, qParams), {
      format: "eagle-checkpoint/1",
      architecture: "{nope",
    });
    await rejects(/has an invalid architecture entry/);
    const f16 = encodeSafetensors([["x", { shape: [1], data: Float32Array.of(1) }]]);
    const text = new TextDecoder().decode(f16).replace('"F32"', '"F16"');
    await write(new TextEncoder().encode(text));
    await rejects(/holds tensor "x" of dtype "F16"; only F32 is read/);
    await Deno.remove(path);
    await rejects(/does not exist/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
