/**
 * Test helpers for recorded videos: what `ffprobe` says of an MP4, its frames decoded by
 * ffmpeg, and the frame count of a GIF read from its blocks.
 * @module
 */
import assert from "node:assert/strict";
import { ffmpegAvailable } from "./mp4.ts";

/** Whether `name -version` runs. */
async function runs(name: string): Promise<boolean> {
  try {
    const out = await new Deno.Command(name, {
      args: ["-version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** Whether ffmpeg with libx264 and ffprobe are installed (the MP4 tests need both). */
export const HAVE_FFMPEG: boolean = (await ffmpegAvailable()) && (await runs("ffprobe"));

/**
 * `Deno.test` options of a test that needs ffmpeg: ignored without it, saying so once for the
 * test file `file`.
 */
export function needsFfmpeg(file: string): { ignore: boolean } {
  if (!HAVE_FFMPEG) {
    console.log(
      `${file}: ffmpeg or ffprobe not found; SKIPPING the MP4 tests ` +
        "(install with `sudo apt-get install ffmpeg`)",
    );
  }
  return { ignore: !HAVE_FFMPEG };
}

/** What ffprobe reports of a video's first stream (frames counted by decoding). */
export interface VideoProbe {
  /** Codec, e.g. `h264`. */
  codec_name: string;
  /** Pixel format, e.g. `yuv420p`. */
  pix_fmt: string;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Frames decoded. */
  frames: number;
  /** Stream duration in seconds. */
  duration: number;
  /** Frame rate as frames per second. */
  fps: number;
  /** Colour space tag, e.g. `bt709`, if any. */
  color_space?: string;
}

/** Runs ffprobe on `path`, counting its frames by decoding them. */
export async function ffprobe(path: string): Promise<VideoProbe> {
  const out = await new Deno.Command("ffprobe", {
    args: [
      "-v",
      "error",
      "-count_frames",
      "-select_streams",
      "v:0",
      "-show_entries",
      "stream=codec_name,pix_fmt,width,height,nb_read_frames,duration,r_frame_rate,color_space",
      "-of",
      "json",
      path,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const s = JSON.parse(new TextDecoder().decode(out.stdout)).streams[0];
  const [num, den] = String(s.r_frame_rate).split("/").map(Number);
  return {
    codec_name: s.codec_name,
    pix_fmt: s.pix_fmt,
    width: s.width,
    height: s.height,
    frames: Number(s.nb_read_frames),
    duration: Number(s.duration),
    fps: num / den,
    color_space: s.color_space,
  };
}

/** Frame `index` of a video, decoded to RGB24 by ffmpeg. */
export async function decodeFrame(path: string, index: number): Promise<Uint8Array> {
  const out = await new Deno.Command("ffmpeg", {
    args: [
      "-v",
      "error",
      "-i",
      path,
      "-vf",
      `select=eq(n\\,${index})`,
      "-frames:v",
      "1",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgb24",
      "pipe:1",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return out.stdout;
}

/** Counts a GIF's image descriptors by walking its blocks (checking the structure on the way). */
export function gifFrames(bytes: Uint8Array): number {
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

/** The names in `dir` (empty when it does not exist). */
export async function listNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) names.push(e.name);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return names.sort();
}
