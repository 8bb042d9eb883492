import assert from "node:assert/strict";
import { type CommandSpec, parseFlags, UsageError } from "../core/cli.ts";
import { RunFolder } from "../core/run_folder.ts";
import type { Policy } from "./algorithm.ts";
import {
  parseRecordSchedule,
  PROGRESS_VIDEO_FLAGS,
  progressVideoName,
  recordProgressVideo,
  RecordSchedule,
} from "./progress_video.ts";
import { ffprobe, gifFrames, listNames, needsFfmpeg } from "../render/_video_testing.ts";

const withFfmpeg = needsFfmpeg("agents/progress_video_test.ts");

const spec: CommandSpec = { usage: "train", description: "t", flags: PROGRESS_VIDEO_FLAGS };

/** The schedule train.ts would build from `args`. */
function scheduleOf(...args: string[]): RecordSchedule | null {
  return parseRecordSchedule(parseFlags(spec, args)!.flags);
}

function recorded(schedule: RecordSchedule, upTo: number): number[] {
  return Array.from({ length: upTo }, (_, i) => i + 1).filter((e) => schedule.shouldRecord(e));
}

Deno.test("no --record-every or --record-at: no schedule", () => {
  assert.equal(scheduleOf(), null);
});

Deno.test("--record-every N records after every N-th episode, from episode N", () => {
  const s = scheduleOf("--record-every", "250")!;
  assert.deepEqual(recorded(s, 1000), [250, 500, 750, 1000]);
  assert.equal(s.shouldRecord(0), false);
  assert.equal(s.describe(), "every 250 episodes");
  assert.deepEqual(s.toJSON(), { every: 250, at: [] });
});

Deno.test("--record-at records after exactly the listed episodes, sorted and distinct", () => {
  const s = scheduleOf("--record-at", "500, 1,300,300")!;
  assert.deepEqual(recorded(s, 2000), [1, 300, 500]);
  assert.deepEqual(s.at, [1, 300, 500]);
  assert.equal(s.describe(), "after episodes 1, 300, 500");
  const both = scheduleOf("--record-every=400", "--record-at=1,300")!;
  assert.deepEqual(recorded(both, 1000), [1, 300, 400, 800]);
  assert.deepEqual(new RecordSchedule(both.toJSON()).toJSON(), both.toJSON());
});

Deno.test("bad schedules are UsageErrors naming the flag and the value", () => {
  const cases: [string[], RegExp][] = [
    [["--record-every", "0"], /--record-every must be an integer in 1\.\.100000000, got 0/],
    [["--record-every", "-5"], /--record-every must be an integer in 1\.\.100000000, got -5/],
    [["--record-every", "2.5"], /--record-every must be an integer, got "2\.5"/],
    [["--record-at", "1,,3"], /--record-at takes episode numbers .*got "" in "1,,3"/],
    [["--record-at", "0,10"], /got "0" in "0,10"/],
    [["--record-at", "1.5"], /got "1\.5" in "1\.5"/],
    [["--record-at", "ten"], /e\.g\. 1,300,500\); got "ten"/],
    [["--record-at", "-3"], /got "-3"/],
    [["--record-at", ""], /got "" in ""/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => scheduleOf(...args), (err: unknown) => {
      assert.ok(err instanceof UsageError, `${args.join(" ")}: ${err}`);
      assert.match(err.message, message);
      return true;
    });
  }
  assert.throws(() => new RecordSchedule({ every: null, at: [0] }), RangeError);
});

Deno.test("progress video names zero-pad the episode, so names sort in episode order", () => {
  assert.equal(progressVideoName(300, "mp4"), "progress_episode_000300.mp4");
  assert.equal(progressVideoName(12_345_678, "gif"), "progress_episode_12345678.gif");
  const names = [1000, 2, 300, 51].map((e) => progressVideoName(e, "mp4"));
  assert.deepEqual(names.sort(), [2, 51, 300, 1000].map((e) => progressVideoName(e, "mp4")));
  assert.throws(
    () => progressVideoName(0, "mp4"),
    /episode must be an integer in 1\.\.100000000, got 0/,
  );
  // @ts-expect-error: not a video format
  assert.throws(() => progressVideoName(5, "webm"), /format must be mp4 or gif, got "webm"/);
});

/** Balances CartPole for a few dozen steps by pushing towards the pole's lean. */
const lean: Policy = {
  decide: (obs) => ({ action: (obs as Float32Array)[2] > 0 ? 1 : 0 }),
};
/** Always pushes left: the pole falls within about ten steps. */
const pushLeft: Policy = { decide: () => ({ action: 0 }) };

Deno.test("recordProgressVideo writes one greedy episode per call into videos/", async () => {
  const run = new RunFolder(await Deno.makeTempDir());
  const late = await recordProgressVideo(run, lean, "CartPole-v1", 300, { format: "gif" });
  const early = await recordProgressVideo(run, pushLeft, "CartPole-v1", 1, { format: "gif" });
  assert.equal(early.path, `${run.dir}/videos/progress_episode_000001.gif`);
  assert.equal(late.path, `${run.dir}/videos/progress_episode_000300.gif`);
  assert.deepEqual([early.episode, late.episode], [1, 300]);
  assert.deepEqual([early.seed, late.seed], [0, 0], "every progress video plays seed 0 by default");
  assert.ok(late.steps > early.steps, `${late.steps} > ${early.steps}: the better policy lasts`);
  for (const r of [early, late]) {
    assert.equal(gifFrames(await Deno.readFile(r.path)), r.steps + 1);
  }
  assert.deepEqual(await listNames(`${run.dir}/videos`), [
    "progress_episode_000001.gif",
    "progress_episode_000300.gif",
  ], "nothing else, no temporary file");
  const seeded = await recordProgressVideo(run, lean, "CartPole-v1", 2, { format: "gif", seed: 7 });
  assert.equal(seeded.seed, 7);
  await Deno.remove(run.dir, { recursive: true });
});

Deno.test("progress videos are MP4 by default when ffmpeg is installed", withFfmpeg, async () => {
  const run = new RunFolder(await Deno.makeTempDir());
  const r = await recordProgressVideo(run, lean, "CartPole-v1", 50);
  assert.equal(r.format, "mp4");
  assert.equal(r.path, `${run.dir}/videos/progress_episode_000050.mp4`);
  const probe = await ffprobe(r.path);
  assert.equal(probe.codec_name, "h264");
  assert.equal(probe.pix_fmt, "yuv420p");
  assert.equal(probe.frames, r.steps + 1);
  assert.ok(Math.abs(probe.duration - (r.steps + 1) / 50) < 1e-6, `${probe.duration} s`);
  assert.deepEqual(await listNames(`${run.dir}/videos`), ["progress_episode_000050.mp4"]);
  await Deno.remove(run.dir, { recursive: true });
});
