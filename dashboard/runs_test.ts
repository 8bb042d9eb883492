/**
 * Unit tests of the run-folder reader, the request validators and state parsing, on hand-made
 * run folders (no training needed).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runIdProblem, RunStore } from "./runs.ts";
import { parseState } from "./policies.ts";
import { HttpError, readJsonObject } from "./validate.ts";
import { sceneOf } from "./app.ts";

async function fakeRun(root: string, id: string, lines: string): Promise<string> {
  const dir = join(root, id);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    join(dir, "config.json"),
    JSON.stringify({
      algo: "dqn",
      env: "LunarLander-v3",
      seed: 3,
      totalSteps: 1000,
      hyperparameters: {},
      envOptions: {},
      eagleVersion: "0",
      createdAt: "2026-01-01T00:00:00Z",
    }),
  );
  await Deno.writeTextFile(join(dir, "metrics.jsonl"), lines);
  return dir;
}

Deno.test("runIdProblem accepts folder names and refuses paths", () => {
  for (const ok of ["fl", "LunarLander-v3__ppo__1__20260101-120000", "a b", "%2e%2e", "x.y"]) {
    assert.equal(runIdProblem(ok), null, ok);
  }
  for (
    const bad of [
      "",
      ".",
      "..",
      "../x",
      "a/b",
      "a\\b",
      "/etc",
      "C:x",
      ".hidden",
      "a\u0000",
      "x".repeat(256),
    ]
  ) {
    assert.notEqual(runIdProblem(bad), null, JSON.stringify(bad));
  }
});

Deno.test("RunStore reads metrics incrementally, skipping corrupt and partial lines", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = await fakeRun(root, "r", '{"global_step":1,"wall_time":0,"x":1}\nnot json\n\n');
    const store = new RunStore(root);
    assert.deepEqual((await store.metrics("r")).records, [{ global_step: 1, wall_time: 0, x: 1 }]);
    const path = join(dir, "metrics.jsonl");
    // A line being written: absent until it parses, then present once.
    await Deno.writeTextFile(path, '{"global_step":2,"wall_time":1,"x":', { append: true });
    assert.equal((await store.metrics("r")).records.length, 1);
    await Deno.writeTextFile(path, '2,"y":NaN}\n{"global_step":3,"wall_time":2,"x":3}', {
      append: true,
    });
    // NaN is not JSON: that line is skipped; the final line without newline parses already.
    let m = await store.metrics("r");
    assert.deepEqual(m.records.map((r) => r.global_step), [1, 3]);
    await Deno.writeTextFile(path, "\n", { append: true });
    m = await store.metrics("r");
    assert.deepEqual(m.records.map((r) => r.global_step), [1, 3]);
    assert.deepEqual(m.keys, ["global_step", "wall_time", "x"]);
    // Non-numeric values are dropped, records without global_step skipped.
    await Deno.writeTextFile(path, '{"global_step":4,"wall_time":3,"s":"str"}\n{"x":1}\n[1]\n', {
      append: true,
    });
    assert.deepEqual((await store.metrics("r")).records.at(-1), { global_step: 4, wall_time: 3 });
    // A truncated (rewritten) file is read again from the start.
    await Deno.writeTextFile(path, '{"global_step":9,"wall_time":0}\n');
    assert.deepEqual((await store.metrics("r")).records, [{ global_step: 9, wall_time: 0 }]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("RunStore summaries fall back when status.json is missing", async () => {
  const root = await Deno.makeTempDir();
  try {
    await fakeRun(root, "r", '{"global_step":700,"wall_time":1}\n');
    await Deno.mkdir(join(root, "not-a-run"));
    await Deno.writeTextFile(join(root, "file.txt"), "x");
    const store = new RunStore(root);
    assert.deepEqual(await store.ids(), ["r"]);
    const list = await store.list();
    assert.equal(list.length, 1);
    const s = list[0];
    assert.equal(s.state, "unknown");
    assert.equal(s.globalStep, 700);
    assert.equal(s.totalSteps, 1000);
    assert.equal(s.hasCheckpoint, false);
    await Deno.writeTextFile(join(root, "r", "best.safetensors"), "x");
    assert.equal((await store.summary("r")).hasCheckpoint, true);
    await assert.rejects(
      () => store.summary("not-a-run"),
      (e) => e instanceof HttpError && e.status === 404,
    );
    assert.deepEqual(await new RunStore(join(root, "missing")).list(), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("parseState checks vector states (LunarLander's 8 numbers)", () => {
  const box = { kind: "box", size: 8 } as const;
  const ok = parseState([0, 1.4, 0, 0, 0, 0, 1, 1], box);
  assert.ok(ok instanceof Float32Array);
  assert.equal((ok as Float32Array)[1], Math.fround(1.4));
  const bad: [unknown, string][] = [
    [[0, 1], "state"],
    [[0, 0, 0, 0, 0, 0, 0, 0, 0], "state"],
    ["0,0,0,0,0,0,0,0", "state"],
    [null, "state"],
    [[0, 0, 0, "NaN", 0, 0, 0, 0], "state[3]"],
    [[0, 0, 0, 0, 0, 0, 0, null], "state[7]"],
    [[0, 0, 0, 0, 0, 0, [0], 0], "state[6]"],
    [[true, 0, 0, 0, 0, 0, 0, 0], "state[0]"],
    [[Infinity, 0, 0, 0, 0, 0, 0, 0], "state[0]"],
    [[NaN, 0, 0, 0, 0, 0, 0, 0], "state[0]"],
    [[1e7, 0, 0, 0, 0, 0, 0, 0], "state[0]"],
  ];
  for (const [value, field] of bad) {
    assert.throws(
      () => parseState(value, box),
      (e) =>
        e instanceof HttpError && e.status === 400 && e.field === field &&
        e.message.includes("8 finite numbers"),
      JSON.stringify(value),
    );
  }
  assert.equal(parseState([3], { kind: "discrete", n: 16, start: 0 }), 3);
  assert.equal(parseState(3, { kind: "discrete", n: 16, start: 0 }), 3);
});

Deno.test("readJsonObject enforces the size limit and JSON objects", async () => {
  const req = (body: string, headers: Record<string, string> = {}) =>
    new Request("http://x/", { method: "POST", body, headers });
  assert.deepEqual(await readJsonObject(req('{"a":1}')), { a: 1 });
  await assert.rejects(
    () => readJsonObject(req("x".repeat(101)), 100),
    (e) => e instanceof HttpError && e.status === 413,
  );
  await assert.rejects(
    () => readJsonObject(req("[]")),
    (e) => e instanceof HttpError && e.status === 400,
  );
  await assert.rejects(
    () => readJsonObject(req("{}", { "content-type": "image/png" })),
    (e) => e instanceof HttpError && e.status === 415,
  );
});

Deno.test("sceneOf picks the replay drawing for each env", () => {
  assert.deepEqual(sceneOf("FrozenLake-v1"), {
    kind: "grid",
    desc: ["SFFF", "FHFH", "FFFH", "HFFG"],
  });
  assert.equal(sceneOf("FrozenLake-v1", { mapName: "8x8" }).kind, "grid");
  assert.equal(sceneOf("CartPole-v1").kind, "cartpole");
  assert.equal(sceneOf("LunarLander-v3").kind, "lunar");
  assert.equal(sceneOf("Nope-v0").kind, "generic");
});
