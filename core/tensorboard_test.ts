/**
 * The event files the writer leaves on disk, read back by a decoder written here from the
 * protos' field numbers (event.proto: Event.wall_time = 1 double, step = 2 int64,
 * file_version = 3 string, summary = 5 message; summary.proto: Summary.value = 1 repeated
 * message, Value.tag = 1 string, Value.simple_value = 2 float), sharing no code with the
 * encoder; byte-exact against payloads serialized by TensorBoard's own protobuf classes; and,
 * where python3 can import tensorboard, through TensorBoard's EventAccumulator.
 */
import assert from "node:assert/strict";
import { EVENT_FILE_PREFIX, EVENT_FILE_VERSION, TensorBoardWriter } from "./tensorboard.ts";
import { decodeEvent, readEvents, readRecords } from "./_tfevents_testing.ts";

const hex = (b: Uint8Array): string =>
  Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "eagle_tb_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const NOW_MS = 1_700_000_000_250;
const fixedClock = (): number => NOW_MS;

// ---- Tests ----------------------------------------------------------------------------------

Deno.test("the event file is named after the clock and host and starts with file_version", async () => {
  await withTempDir(async (dir) => {
    const tb = await TensorBoardWriter.open(dir, { hostname: "box", now: fixedClock });
    tb.close();
    assert.equal(tb.path, `${dir}/events.out.tfevents.1700000000.box`);
    assert.ok(TensorBoardWriter.fileName(1700000000, "box").startsWith(EVENT_FILE_PREFIX));
    const events = await readEvents(tb.path);
    assert.deepEqual(events, [
      { wallTime: 1700000000.25, step: 0n, fileVersion: "brain.Event:2" },
    ]);
    assert.equal(EVENT_FILE_VERSION, "brain.Event:2");
  });
});

Deno.test("scalars round-trip: tags, int64 steps, double wall times, float32 values", async () => {
  await withTempDir(async (dir) => {
    const tb = await TensorBoardWriter.open(dir, { hostname: "box", now: fixedClock });
    const calls: [number, number, Record<string, number>][] = [
      [0, 1700000000.5, { "charts/episodic_return": 21.5, "charts/epsilon": 0.1 }],
      [2 ** 32 + 1, 1700000001.123456789, { "losses/td_loss": 1 / 3, "charts/sps": 1e39 }],
      [2 ** 40 + 3, 1700000002, { "losses/entropy": NaN, "a/inf": Infinity, "a/-inf": -Infinity }],
      [Number.MAX_SAFE_INTEGER, 3.25, { "eval/mean_return": -123.456, "π/ünïcode": 1e-45 }],
      [-1, 4, { x: -0 }],
    ];
    for (const [step, wall, scalars] of calls) tb.addScalars(step, wall, scalars);
    tb.close();

    const [first, ...rest] = await readEvents(tb.path);
    assert.equal(first.fileVersion, EVENT_FILE_VERSION);
    assert.equal(rest.length, calls.length, "one Event per call");
    for (const [i, [step, wall, scalars]] of calls.entries()) {
      const ev = rest[i];
      assert.equal(ev.step, BigInt(step), `step of call ${i}`);
      assert.equal(ev.wallTime, wall, `wall_time of call ${i} is the exact double`);
      assert.equal(ev.fileVersion, undefined);
      const expected = Object.entries(scalars).map(([tag, v]) => ({ tag, value: Math.fround(v) }));
      assert.deepEqual(ev.values, expected, `values of call ${i}`);
    }
    // float32 rounding is real, not an exact copy of the double.
    assert.notEqual(rest[1].values?.[0].value, 1 / 3);
    assert.equal(rest[1].values?.[1].value, Infinity, "1e39 overflows float32");
    assert.ok(Number.isNaN(rest[2].values?.[0].value));
    assert.ok(Object.is(rest[4].values?.[0].value, -0));
  });
});

// Expected payloads serialized by tensorboard 2.21.0's event_pb2 / summary_pb2 (protobuf 6):
//   Event(wall_time=1.5, file_version="brain.Event:2")
//   Event(wall_time=1700000000.25, step=2**40+3, summary=Summary(value=[
//     Value(tag="charts/episodic_return", simple_value=0.1),
//     Value(tag="losses/td_loss", simple_value=float("nan"))]))
//   Event(wall_time=2.0, step=-1, summary=Summary(value=[Value(tag="a", simple_value=-inf)]))
Deno.test("payloads are byte-identical to TensorBoard's protobuf serialization", async () => {
  await withTempDir(async (dir) => {
    const tb = await TensorBoardWriter.open(dir, { hostname: "h", now: () => 1500 });
    tb.addScalars(2 ** 40 + 3, 1700000000.25, {
      "charts/episodic_return": 0.1,
      "losses/td_loss": NaN,
    });
    tb.addScalars(-1, 2.0, { a: -Infinity });
    tb.close();
    const { payloads } = readRecords(await Deno.readFile(tb.path));
    assert.deepEqual(payloads.map(hex), [
      "09000000000000f83f1a0d627261696e2e4576656e743a32",
      "0900001040fc54d941108380808080202a360a1d0a166368617274732f657069736f6469635f72657475726e" +
      "15cdcccc3d0a150a0e6c6f737365732f74645f6c6f7373150000c07f",
      "09000000000000004010ffffffffffffffffff012a0a0a080a016115000080ff",
    ]);
    // The framing of the 24-byte first record, as every TensorFlow event file begins.
    const head = (await Deno.readFile(tb.path)).subarray(0, 12);
    assert.equal(hex(head), "1800000000000000a37f4b22");
  });
});

Deno.test("each call leaves whole records on disk; a cut record is detected", async () => {
  await withTempDir(async (dir) => {
    const tb = await TensorBoardWriter.open(dir, { hostname: "box", now: fixedClock });
    for (let i = 1; i <= 3; i++) {
      tb.addScalars(i * 100, 1700000000 + i, { "charts/episodic_return": i });
      // Read while the writer is still open: the record is already there, whole.
      const { payloads, truncated } = readRecords(await Deno.readFile(tb.path));
      assert.equal(truncated, false);
      assert.equal(payloads.length, 1 + i);
    }
    tb.flush();
    tb.close();

    const bytes = await Deno.readFile(tb.path);
    const whole = readRecords(bytes).payloads;
    const lastLen = whole[3].length + 16;
    for (const keep of [1, 8, 11, 12, lastLen - 5, lastLen - 1]) {
      const cut = bytes.subarray(0, bytes.length - lastLen + keep);
      const { payloads, truncated } = readRecords(cut);
      assert.equal(truncated, true, `cut ${keep} bytes into the last record`);
      assert.deepEqual(payloads.map(decodeEvent), whole.slice(0, 3).map(decodeEvent));
    }

    const flipped = bytes.slice();
    flipped[bytes.length - 6] ^= 0x01; // a byte of the last payload
    assert.throws(() => readRecords(flipped), /payload CRC mismatch/);
    const badLen = bytes.slice();
    badLen[bytes.length - lastLen] ^= 0x01; // the last record's length
    assert.throws(() => readRecords(badLen), /length CRC mismatch/);
  });
});

Deno.test("opening again in the same folder creates a new file, never touching the old", async () => {
  await withTempDir(async (dir) => {
    const a = await TensorBoardWriter.open(dir, { hostname: "box", now: fixedClock });
    a.addScalars(10, 1, { x: 1 });
    a.close();
    const before = await Deno.readFile(a.path);
    const b = await TensorBoardWriter.open(dir, { hostname: "box", now: fixedClock });
    b.addScalars(20, 2, { x: 2 });
    b.close();
    const c = await TensorBoardWriter.open(dir, { hostname: "box", now: () => NOW_MS + 5000 });
    c.close();
    assert.equal(b.path, `${dir}/events.out.tfevents.1700000000.box.1`);
    assert.equal(c.path, `${dir}/events.out.tfevents.1700000005.box`);
    assert.deepEqual(await Deno.readFile(a.path), before);
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names.sort(), [a.path, b.path, c.path].map((p) => p.slice(dir.length + 1)));
    assert.deepEqual((await readEvents(b.path)).map((e) => e.step), [0n, 20n]);
  });
});

Deno.test("host names are made safe for a file name; the default host is used", async () => {
  assert.equal(TensorBoardWriter.fileName(12, "my host/x:1"), "events.out.tfevents.12.my_host_x_1");
  assert.equal(TensorBoardWriter.fileName(12, ""), "events.out.tfevents.12.localhost");
  assert.equal(TensorBoardWriter.fileName(12, "h", 3), "events.out.tfevents.12.h.3");
  await withTempDir(async (dir) => {
    const tb = await TensorBoardWriter.open(dir);
    tb.close();
    const name = tb.path.slice(dir.length + 1);
    const secs = Math.floor(Date.now() / 1000);
    const m = /^events\.out\.tfevents\.(\d+)\.([A-Za-z0-9._-]+)$/.exec(name);
    assert.ok(m, name);
    assert.ok(Math.abs(Number(m[1]) - secs) <= 2, name);
    assert.equal(
      m[2],
      TensorBoardWriter.fileName(0, Deno.hostname()).split(".").slice(4).join("."),
    );
  });
});

Deno.test("bad input gets a clear error and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const tb = await TensorBoardWriter.open(dir, { hostname: "box", now: fixedClock });
    assert.throws(() => tb.addScalars(1.5, 1, { x: 1 }), RangeError);
    assert.throws(() => tb.addScalars(2 ** 53, 1, { x: 1 }), /safe integer/);
    assert.throws(() => tb.addScalars(1, NaN, { x: 1 }), /wallTime/);
    assert.throws(() => tb.addScalars(1, Infinity, { x: 1 }), RangeError);
    assert.throws(() => tb.addScalars(1, 1, { "": 1 }), /empty/);
    assert.throws(
      () => tb.addScalars(1, 1, { ok: 1, x: "2" as unknown as number }),
      (e: unknown) => e instanceof TypeError && /"x".*string/.test(e.message),
    );
    tb.addScalars(1, 1, {}); // nothing to write
    tb.close();
    tb.close(); // idempotent
    assert.throws(() => tb.addScalars(1, 1, { x: 1 }), /closed/);
    assert.throws(() => tb.flush(), /closed/);
    assert.equal((await readEvents(tb.path)).length, 1, "only the file_version record");
  });
  assert.throws(() => TensorBoardWriter.fileName(-1, "h"), RangeError);
  assert.throws(() => TensorBoardWriter.fileName(1.5, "h"), RangeError);
  await assert.rejects(
    TensorBoardWriter.open("/nonexistent/eagle", { now: () => NaN }),
    RangeError,
  );
  await assert.rejects(TensorBoardWriter.open("/nonexistent/eagle"), Deno.errors.NotFound);
});

// ---- TensorBoard itself, where it is installed ----------------------------------------------

const PY_READ = `
import json, math, sys
from tensorboard.backend.event_processing import event_accumulator as ea
acc = ea.EventAccumulator(sys.argv[1], size_guidance={ea.SCALARS: 0})
acc.Reload()
def num(v):
    if math.isnan(v): return "NaN"
    if math.isinf(v): return "Infinity" if v > 0 else "-Infinity"
    return repr(v)
tags = acc.Tags()["scalars"]
print(json.dumps({
    "file_version": acc.file_version,
    "scalars": {t: [[e.wall_time, e.step, num(e.value)] for e in acc.Scalars(t)] for t in tags},
}))
`;

function pythonHasTensorBoard(): boolean {
  try {
    return new Deno.Command("python3", {
      args: ["-c", "import tensorboard.backend.event_processing.event_accumulator"],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false; // no python3 at all
  }
}

const HAS_TENSORBOARD = pythonHasTensorBoard();
if (!HAS_TENSORBOARD) {
  console.log(
    "core/tensorboard_test.ts: skipping the EventAccumulator test: python3 cannot import " +
      "tensorboard (pip install tensorboard to run it)",
  );
}

Deno.test({
  name: "TensorBoard's EventAccumulator reads the scalars of every file in the folder",
  ignore: !HAS_TENSORBOARD,
  async fn() {
    await withTempDir(async (dir) => {
      const a = await TensorBoardWriter.open(dir, { hostname: "box", now: fixedClock });
      a.addScalars(1000, 1700000001.5, { "charts/episodic_return": 12.25, "losses/td_loss": NaN });
      a.addScalars(2 ** 40, 1700000002.75, { "charts/episodic_return": 1 / 3 });
      a.close();
      const b = await TensorBoardWriter.open(dir, { hostname: "box", now: fixedClock });
      b.addScalars(2 ** 40 + 500, 1700000003, { "charts/episodic_return": -Infinity });
      b.close();

      const out = await new Deno.Command("python3", { args: ["-c", PY_READ, dir] }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      const got = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.equal(got.file_version, 2);
      const rows = (tag: string) =>
        got.scalars[tag].map(([w, s, v]: [number, number, string]) => [w, s, Number(v)]);
      assert.deepEqual(rows("charts/episodic_return"), [
        [1700000001.5, 1000, 12.25],
        [1700000002.75, 2 ** 40, Math.fround(1 / 3)],
        [1700000003, 2 ** 40 + 500, -Infinity],
      ]);
      assert.deepEqual(rows("losses/td_loss"), [[1700000001.5, 1000, NaN]]);
    });
  },
});
