import assert from "node:assert/strict";
import type { RgbaFrame } from "../envs/types.ts";
import { ffprobe, needsFfmpeg } from "./_video_testing.ts";
import {
  evenSize,
  ffmpegAvailable,
  FfmpegError,
  Mp4Writer,
  VideoToolMissing,
  writeMp4,
} from "./mp4.ts";
import { Canvas } from "./raster.ts";

const withFfmpeg = needsFfmpeg("render/mp4_test.ts");

const BACKGROUND = [30, 60, 200] as const;
const SQUARE = [255, 255, 255] as const;
const SIDE = 8;

/** Frame `k`: a white square whose left edge is at `2k`, on a blue background. */
function movingSquare(width: number, height: number, k: number): RgbaFrame {
  const c = new Canvas(width, height);
  c.fill(BACKGROUND);
  const x = 2 * k, y = 10;
  c.fillPolygon([[x, y], [x + SIDE, y], [x + SIDE, y + SIDE], [x, y + SIDE]], SQUARE);
  return c.toFrame();
}

/** Every frame of the video decoded to RGB, by ffmpeg itself. */
async function decodeRgb(path: string, width: number, height: number): Promise<Uint8Array[]> {
  const out = await new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const size = width * height * 3;
  assert.equal(out.stdout.length % size, 0);
  const frames: Uint8Array[] = [];
  for (let i = 0; i < out.stdout.length; i += size) frames.push(out.stdout.subarray(i, i + size));
  return frames;
}

function assertNear(
  actual: ArrayLike<number>,
  expected: readonly [number, number, number],
  tol: number,
  what: string,
): void {
  for (let c = 0; c < 3; c++) {
    assert.ok(
      Math.abs(actual[c] - expected[c]) <= tol,
      `${what}: got [${Array.from(actual)}], expected ≈ [${expected.slice(0, 3)}] ± ${tol}`,
    );
  }
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

Deno.test({
  name: "Mp4Writer writes H.264 yuv420p with every frame, the right duration and colours",
  ...withFfmpeg,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/clip.mp4`;
    const n = 30, fps = 25, w = 64, h = 48;
    const video = await Mp4Writer.open(path, { width: w, height: h, fps });
    for (let k = 0; k < n; k++) await video.addFrame(movingSquare(w, h, k));
    const result = await video.close();
    assert.deepEqual(result, {
      path,
      frames: n,
      bytes: (await Deno.stat(path)).size,
      width: w,
      height: h,
    });
    const probe = await ffprobe(path);
    assert.equal(probe.codec_name, "h264");
    assert.equal(probe.pix_fmt, "yuv420p");
    assert.equal(probe.color_space, "bt709");
    assert.equal(probe.width, w);
    assert.equal(probe.height, h);
    assert.equal(probe.frames, n);
    assert.ok(Math.abs(probe.duration - n / fps) < 1e-3, `duration ${probe.duration}`);
    // The decoded frames are the ones sent, in order: the square's centre moves 2 px a frame.
    const decoded = await decodeRgb(path, w, h);
    assert.equal(decoded.length, n);
    for (const k of [0, 7, n - 1]) {
      const at = (x: number, y: number) =>
        decoded[k].subarray((y * w + x) * 3, (y * w + x) * 3 + 3);
      assertNear(at(2 * k + SIDE / 2, 10 + SIDE / 2), SQUARE, 8, `square centre, frame ${k}`);
      assertNear(at(2 * k + SIDE / 2, 30), BACKGROUND, 8, `background below, frame ${k}`);
    }
    // The moov atom comes before mdat (faststart).
    const head = new TextDecoder("latin1").decode((await Deno.readFile(path)).subarray(0, 4096));
    assert.ok(head.indexOf("moov") >= 0 && head.indexOf("moov") < head.indexOf("mdat"));
    assert.deepEqual(await listDir(dir), ["clip.mp4"], "no temporary file is left");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "Mp4Writer pads odd sizes to even by repeating the edge",
  ...withFfmpeg,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const w = 65, h = 49;
    const frames = [0, 1, 2, 3, 4].map((k) => {
      const f = movingSquare(w, h, k);
      // A red last column and a green last row, to see them repeated.
      const c = new Canvas(w, h, f.data);
      c.fillPolygon([[w - 1, 0], [w, 0], [w, h], [w - 1, h]], [220, 30, 30]);
      c.fillPolygon([[0, h - 1], [w - 1, h - 1], [w - 1, h], [0, h]], [30, 200, 30]);
      return f;
    });
    const result = await writeMp4(`${dir}/odd.mp4`, frames, { fps: 10 });
    assert.deepEqual(evenSize(w, h), { width: 66, height: 50 });
    assert.equal(result.width, 66);
    assert.equal(result.height, 50);
    const probe = await ffprobe(result.path);
    assert.equal(probe.width, 66);
    assert.equal(probe.height, 50);
    assert.equal(probe.frames, 5);
    assert.ok(Math.abs(probe.duration - 0.5) < 1e-3, `duration ${probe.duration}`);
    const [first] = await decodeRgb(result.path, 66, 50);
    const at = (x: number, y: number) => first.subarray((y * 66 + x) * 3, (y * 66 + x) * 3 + 3);
    assertNear(at(65, 20), [220, 30, 30], 24, "padded column repeats the red edge");
    assertNear(at(30, 49), [30, 200, 30], 24, "padded row repeats the green edge");
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "Mp4Writer publishes the file only on close, and abort leaves nothing",
  ...withFfmpeg,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/late.mp4`;
    const video = await Mp4Writer.open(path, { width: 16, height: 16, fps: 50 });
    await video.addFrame(movingSquare(16, 16, 0));
    await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);
    // ffmpeg may not have created its output yet (x264 holds frames back); what exists is the
    // temporary file.
    for (const name of await listDir(dir)) assert.match(name, /^late\.mp4\.[0-9a-f]{8}\.tmp$/);
    await video.abort();
    assert.deepEqual(await listDir(dir), []);
    await assert.rejects(() => video.addFrame(movingSquare(16, 16, 1)), /failed/);

    const empty = await Mp4Writer.open(path, { width: 16, height: 16 });
    await assert.rejects(() => empty.close(), (e: unknown) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, /at least one frame/);
      return true;
    });
    await assert.rejects(() => writeMp4(path, []), /at least one frame/);
    assert.deepEqual(await listDir(dir), []);

    // A frame source that throws aborts the video and the error comes through.
    async function* broken(): AsyncGenerator<RgbaFrame> {
      yield movingSquare(16, 16, 0);
      throw new Error("the episode broke");
    }
    await assert.rejects(() => writeMp4(path, broken()), /the episode broke/);
    assert.deepEqual(await listDir(dir), []);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "Mp4Writer rejects bad options and frames with clear errors",
  ...withFfmpeg,
  fn: async () => {
    const open = (o: Partial<Parameters<typeof Mp4Writer.open>[1]>) =>
      Mp4Writer.open("/tmp/never.mp4", { width: 16, height: 16, ...o });
    await assert.rejects(() => open({ fps: 0 }), /fps must be a number in \(0, 1000\], got 0/);
    await assert.rejects(() => open({ width: 10.5 }), /width must be an integer .* got 10.5/);
    await assert.rejects(() => open({ height: 0 }), RangeError);
    await assert.rejects(() => open({ crf: 60 }), /crf must be an integer in 0..51, got 60/);
    // @ts-expect-error: not a preset
    await assert.rejects(() => open({ preset: "warp" }), /preset must be one of .*"warp"/);
    const dir = await Deno.makeTempDir();
    const video = await Mp4Writer.open(`${dir}/x.mp4`, { width: 16, height: 16 });
    await assert.rejects(
      () => video.addFrame(movingSquare(18, 16, 0)),
      /MP4 frames must all be 16 × 16, got 18 × 16/,
    );
    await assert.rejects(
      () => video.addFrame({ width: 16, height: 16, data: new Uint8ClampedArray(10) }),
      /must hold 1024 bytes/,
    );
    await video.abort();
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("Mp4Writer without ffmpeg throws a one-line VideoToolMissing naming the fix", async () => {
  const err = await Mp4Writer.open("/tmp/never.mp4", {
    width: 16,
    height: 16,
    ffmpeg: "/nonexistent/ffmpeg",
  }).then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof VideoToolMissing, `got ${err}`);
  assert.ok(err instanceof Error);
  assert.equal(err.name, "VideoToolMissing");
  assert.match(err.message, /sudo apt-get install ffmpeg/);
  assert.match(err.message, /\/nonexistent\/ffmpeg was not found/);
  assert.ok(!err.message.includes("\n"), "one line");
  assert.equal(await ffmpegAvailable("/nonexistent/ffmpeg"), false);
});

/** A stand-in ffmpeg that lists libx264 but fails to encode, with `stderr` as its complaint. */
async function fakeFfmpeg(dir: string, body: string): Promise<string> {
  const path = `${dir}/fake_ffmpeg.sh`;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\ncase "$*" in *-encoders*) echo " V....D libx264  H.264"; exit 0;; esac\n${body}\n`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

Deno.test({
  name: "Mp4Writer reports ffmpeg's exit code and stderr when it fails, leaving no file",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    // Fails at once: the first write (or the close) finds the pipe closed.
    const early = await fakeFfmpeg(dir, 'echo "Unknown encoder libx264x" >&2; exit 3');
    const path = `${dir}/out.mp4`;
    const video = await Mp4Writer.open(path, { width: 16, height: 16, ffmpeg: early });
    const err = await (async () => {
      // The pipe buffers a few frames before the closed end is noticed; keep writing until then.
      for (let k = 0; k < 1000; k++) await video.addFrame(movingSquare(16, 16, k % 4));
      await video.close();
    })().then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof FfmpegError, `got ${err}`);
    assert.equal(err.code, 3);
    assert.equal(err.stderr, "Unknown encoder libx264x");
    assert.match(
      err.message,
      /ffmpeg exited with code 3 while writing .*out\.mp4: Unknown encoder/,
    );

    // Reads everything, then fails at the end (as a muxer error would).
    const late = await fakeFfmpeg(dir, 'cat >/dev/null; echo "moov write failed" >&2; exit 1');
    const v2 = await Mp4Writer.open(path, { width: 16, height: 16, ffmpeg: late });
    await v2.addFrame(movingSquare(16, 16, 0));
    await assert.rejects(() => v2.close(), /code 1 .*: moov write failed/);
    const left = (await listDir(dir)).filter((n) => n !== "fake_ffmpeg.sh");
    assert.deepEqual(left, [], "neither the video nor its temporary file remains");
    await Deno.remove(dir, { recursive: true });
  },
});
