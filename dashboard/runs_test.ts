/**
 * Unit tests of the run-folder reader (incremental metrics, symbolic links refused, relative
 * paths), the body reader and state checks, on hand-made run folders (no training needed).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { folderNameProblem, runIdProblem, RunStore } from "./runs.ts";
import { parseState } from "./policies.ts";
import { ClientGone, HttpError, readBodyText } from "./validate.ts";

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

Deno.test("runIdProblem accepts folder names and <sweep>/<run>, and refuses paths", () => {
  for (
    const ok of ["fl", "LunarLander-v3__ppo__1__20260101-120000", "a b", "%2e%2e", "x.y", "a/b"]
  ) {
    assert.equal(runIdProblem(ok), null, ok);
  }
  for (
    const bad of [
      "",
      ".",
      "..",
      "../x",
      "a/b/c",
      "a/",
      "/a",
      "a//b",
      "a/..",
      "a/.hidden",
      "sweep/../x",
      "C:x/b",
      "a/C:x",
      "a/b\u0000",
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

Deno.test("RunStore refuses symbolic links in run folders and shows no absolute paths", async () => {
  const root = await Deno.makeTempDir();
  const outside = await Deno.makeTempDir();
  try {
    await fakeRun(root, "r", '{"global_step":1,"wall_time":0}\n');
    await Deno.writeTextFile(
      join(outside, "secret.json"),
      '{"state":"finished","bestEvalReturn":1}',
    );
    await Deno.writeTextFile(join(outside, "secret.jsonl"), '{"global_step":5,"wall_time":0}\n');
    const store = new RunStore(root);
    const name = root.split("/").at(-1);
    assert.equal(store.displayPath("r", "config.json"), `${name}/r/config.json`);
    assert.equal(
      store.relative(`No checkpoint in ${root}/r: x; see ${root}`),
      `No checkpoint in ${name}/r: x; see ${name}`,
    );
    // Optional files behind links read as absent; the metrics and checkpoints are refused.
    for (const f of ["status.json", "eval.json"]) {
      await Deno.symlink(join(outside, "secret.json"), join(root, "r", f));
    }
    const s = await store.summary("r");
    assert.equal(s.state, "unknown");
    assert.equal(s.bestEvalReturn, null);
    assert.equal(await store.status("r"), null);
    assert.equal(await store.evalReport("r"), null);
    await Deno.remove(join(root, "r", "metrics.jsonl"));
    await Deno.symlink(join(outside, "secret.jsonl"), join(root, "r", "metrics.jsonl"));
    await assert.rejects(() => store.metrics("r"), (e) => {
      assert.ok(e instanceof HttpError && e.status === 409);
      assert.equal(
        e.message,
        `${name}/r/metrics.jsonl is a symbolic link; run files are never read through links`,
      );
      return true;
    });
    await Deno.symlink(join(outside, "secret.json"), join(root, "r", "best.safetensors"));
    await assert.rejects(() => store.checkpointSignature("r", "run"), (e) => {
      assert.ok(e instanceof HttpError && e.status === 409 && e.field === "run");
      assert.match(e.message, /best\.safetensors is a symbolic link/);
      assert.ok(!e.message.includes(root) && !e.message.includes(outside));
      return true;
    });
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("folderNameProblem allows one folder name only", () => {
  assert.equal(folderNameProblem("lr"), null);
  for (const bad of ["", "a/b", "..", ".x", "a\\b", "C:x", "x".repeat(256)]) {
    assert.notEqual(folderNameProblem(bad), null, JSON.stringify(bad));
  }
});

Deno.test("RunStore reads a sweep's trials as <sweep>/<run>, never through links", async () => {
  const root = await Deno.makeTempDir();
  const outside = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(root, "lr"));
    await Deno.writeTextFile(join(root, "lr", "sweep.json"), "{}");
    await fakeRun(join(root, "lr"), "fast__s1", '{"global_step":7,"wall_time":0,"x":2}\n');
    const store = new RunStore(root);
    assert.equal(await store.runDir("lr/fast__s1"), join(root, "lr", "fast__s1"));
    const s = await store.summary("lr/fast__s1");
    assert.equal(s.id, "lr/fast__s1");
    assert.equal(s.globalStep, 7);
    assert.deepEqual((await store.metrics("lr/fast__s1")).records.map((r) => r.x), [2]);
    assert.equal(
      store.displayPath("lr/fast__s1", "config.json"),
      `${store.displayPath("lr")}/fast__s1/config.json`,
    );
    // Trials live one level down: the runs list shows top-level runs only.
    assert.deepEqual(await store.ids(), []);

    const notFound = async (id: string) =>
      await assert.rejects(() => store.runDir(id), (e) => {
        assert.ok(e instanceof HttpError && e.status === 404, `${id}: ${e}`);
        assert.ok(!e.message.includes(root) && !e.message.includes(outside), e.message);
        return true;
      }, id);
    await notFound("lr/nope__s1");
    await notFound("nope/fast__s1");
    // A folder without sweep.json is not a sweep, even if it holds run folders.
    await fakeRun(join(root, "plain"), "r", "");
    await notFound("plain/r");
    // A symlinked sweep folder, a symlinked trial, and a sweep.json that is a link.
    await Deno.mkdir(join(outside, "sw"));
    await Deno.writeTextFile(join(outside, "sw", "sweep.json"), "{}");
    await fakeRun(join(outside, "sw"), "t__s1", "");
    await Deno.symlink(join(outside, "sw"), join(root, "linked"));
    await notFound("linked/t__s1");
    await Deno.symlink(join(outside, "sw", "t__s1"), join(root, "lr", "escape__s1"));
    await notFound("lr/escape__s1");
    await Deno.mkdir(join(root, "linkspec"));
    await Deno.symlink(join(outside, "sw", "sweep.json"), join(root, "linkspec", "sweep.json"));
    await fakeRun(join(root, "linkspec"), "t__s1", "");
    await notFound("linkspec/t__s1");
    for (const bad of ["lr/../lr/fast__s1", "lr/fast__s1/x", "lr/.", "../lr/fast__s1"]) {
      await assert.rejects(
        () => store.runDir(bad),
        (e) => e instanceof HttpError && e.status === 422,
        bad,
      );
    }
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("RunStore `only` shows one run; finishedAt comes from a finished status", async () => {
  const root = await Deno.makeTempDir();
  try {
    await fakeRun(root, "a", "");
    await fakeRun(root, "b", "");
    await Deno.writeTextFile(
      join(root, "b", "status.json"),
      JSON.stringify({
        state: "finished",
        globalStep: 1,
        totalSteps: 1,
        updatedAt: "2026-02-03T00:00:00Z",
      }),
    );
    const one = new RunStore(root, { only: "b" });
    assert.deepEqual(await one.ids(), ["b"]);
    assert.equal((await one.summary("b")).finishedAt, "2026-02-03T00:00:00Z");
    await assert.rejects(() => one.summary("a"), (e) => e instanceof HttpError && e.status === 404);
    assert.equal((await new RunStore(root).summary("a")).finishedAt, null);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("parseState checks a state's length and kind against the observation space", () => {
  const box = { kind: "box", size: 8 } as const;
  const ok = parseState([0, 1.4, 0, 0, 0, 0, 1, 1], box);
  assert.ok(ok instanceof Float32Array);
  assert.equal((ok as Float32Array)[1], Math.fround(1.4));
  const discrete = { kind: "discrete", n: 16, start: 0 } as const;
  assert.equal(parseState([3], discrete), 3);
  const bad: [number[], typeof box | typeof discrete, string, RegExp][] = [
    [[0, 1], box, "state", /list of 8 numbers .*got a list of 2/],
    [[0, 0, 0, 0, 0, 0, 0, 0, 0], box, "state", /got a list of 9/],
    [[], discrete, "state", /state index from 0 to 15.*got a list of 0/],
    [[1, 2], discrete, "state", /got a list of 2/],
    [[16], discrete, "state[0]", /state\[0\] is 16/],
    [[1.5], discrete, "state[0]", /state\[0\] is 1\.5/],
    [[-1], discrete, "state[0]", /state\[0\] is -1/],
  ];
  for (const [value, shape, field, message] of bad) {
    assert.throws(
      () => parseState(value, shape),
      (e) =>
        e instanceof HttpError && e.status === 422 && e.field === field && message.test(e.message),
      JSON.stringify(value),
    );
  }
});

Deno.test("readBodyText enforces the size limit, declared or streamed", async () => {
  const req = (body: BodyInit, headers: Record<string, string> = {}) =>
    new Request("http://x/", { method: "POST", body, headers });
  assert.equal(await readBodyText(req('{"a":1}')), '{"a":1}');
  await assert.rejects(
    () => readBodyText(req("x".repeat(101)), 100),
    (e) => e instanceof HttpError && e.status === 413 && e.field === "body",
  );
  const stream = ReadableStream.from([
    new TextEncoder().encode("y".repeat(60)),
    new TextEncoder().encode("y".repeat(60)),
  ]);
  await assert.rejects(
    () => readBodyText(req(stream), 100),
    (e) => e instanceof HttpError && e.status === 413,
  );
  // A body that fails while streaming is the client leaving, not a server error.
  const broken = new ReadableStream({ pull: (c) => c.error(new Error("reset")) });
  await assert.rejects(() => readBodyText(req(broken)), ClientGone);
});

Deno.test("RunStore.metrics: concurrent first reads of a file return each record once", async () => {
  const root = await Deno.makeTempDir();
  const lines = Array.from({ length: 500 }, (_, k) => JSON.stringify({ global_step: k, x: k }))
    .join("\n") + "\n";
  await fakeRun(root, "r", lines);
  const store = new RunStore(root);
  const all = await Promise.all(Array.from({ length: 8 }, () => store.metrics("r")));
  for (const m of all) {
    assert.deepEqual(m.records.map((r) => r.global_step), [...Array(500).keys()]);
  }
  await Deno.remove(root, { recursive: true });
});
