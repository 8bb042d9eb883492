/**
 * MP4 video (H.264, yuv420p, fast start) through the system `ffmpeg` binary: frames are piped
 * to it as raw RGBA over stdin while the episode plays, so no image files are written and memory
 * stays bounded. The video is encoded to a temporary file beside the target and renamed over it
 * on `close()`, so a reader never sees half a video under the final name.
 *
 * yuv420p is the pixel format every player opens, and it needs even dimensions: an odd-sized
 * frame is padded by one column and/or row repeating its edge pixels.
 *
 * Without `ffmpeg` (or with one built without libx264) `Mp4Writer.open` throws a
 * `VideoToolMissing` saying how to install it; GIF output (`render/gif.ts`) does not need it.
 *
 * @example
 * ```ts ignore
 * import { Mp4Writer } from "./mp4.ts";
 * const video = await Mp4Writer.open("/tmp/episode.mp4", { width: 4, height: 4, fps: 50 });
 * const frame = { width: 4, height: 4, data: new Uint8ClampedArray(64).fill(255) };
 * await video.addFrame(frame);
 * await video.addFrame(frame);
 * await video.close();
 * ```
 * @module
 */
import type { RgbaFrame } from "../envs/types.ts";

/** Options of `Mp4Writer.open` and `writeMp4`. */
export interface Mp4Options {
  /** Frames per second, in (0, 1000] (default 50, LunarLander's and CartPole's `render_fps`). */
  fps?: number;
  /** x264 constant rate factor, an integer 0..51: lower is better and larger (default 18). */
  crf?: number;
  /** x264 speed/size preset (default `medium`). */
  preset?: Mp4Preset;
  /** The ffmpeg executable (default `ffmpeg`, looked up on `PATH`). */
  ffmpeg?: string;
}

/** Options of `Mp4Writer.open`: the frame size and the video options. */
export interface Mp4OpenOptions extends Mp4Options {
  /** Width of every frame in pixels. */
  width: number;
  /** Height of every frame in pixels. */
  height: number;
}

/** x264's presets, fastest (largest) first. */
export const MP4_PRESETS = [
  "ultrafast",
  "superfast",
  "veryfast",
  "faster",
  "fast",
  "medium",
  "slow",
  "slower",
  "veryslow",
] as const;

/** One of x264's presets. */
export type Mp4Preset = typeof MP4_PRESETS[number];

/** What `Mp4Writer.close` and `writeMp4` report. */
export interface Mp4Result {
  /** Where the video was written. */
  path: string;
  /** Frames in the video. */
  frames: number;
  /** File size in bytes. */
  bytes: number;
  /** Video width (the frame width rounded up to even). */
  width: number;
  /** Video height (the frame height rounded up to even). */
  height: number;
}

/** Thrown when `ffmpeg` (with libx264) is not installed; the message says how to get it. */
export class VideoToolMissing extends Error {
  /** Names the missing tool, and the fix in one line. */
  constructor(message: string) {
    super(message);
    this.name = "VideoToolMissing";
  }
}

/** Thrown when ffmpeg fails while encoding; carries its exit code and error output. */
export class FfmpegError extends Error {
  /** ffmpeg's exit code. */
  readonly code: number;
  /** What ffmpeg wrote to stderr (trimmed). */
  readonly stderr: string;

  /** Builds the error for an ffmpeg that exited with `code` while writing `path`. */
  constructor(path: string, code: number, stderr: string) {
    const detail = stderr.trim();
    super(`ffmpeg exited with code ${code} while writing ${path}` + (detail ? `: ${detail}` : ""));
    this.name = "FfmpegError";
    this.code = code;
    this.stderr = detail;
  }
}

type FfmpegStatus = "ok" | "missing" | "no-libx264";

/** Probes per executable, so one process asks each ffmpeg at most once. */
const probes = new Map<string, Promise<FfmpegStatus>>();

/** Whether `ffmpeg` (or the given executable) runs and can encode H.264 with libx264. */
export async function ffmpegAvailable(ffmpeg = "ffmpeg"): Promise<boolean> {
  return (await ffmpegStatus(ffmpeg)) === "ok";
}

function ffmpegStatus(ffmpeg: string): Promise<FfmpegStatus> {
  let probe = probes.get(ffmpeg);
  if (probe === undefined) {
    probe = (async (): Promise<FfmpegStatus> => {
      let out: Deno.CommandOutput;
      try {
        out = await new Deno.Command(ffmpeg, {
          args: ["-hide_banner", "-encoders"],
          stdin: "null",
          stdout: "piped",
          stderr: "null",
        }).output();
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) return "missing";
        throw err; // e.g. no --allow-run: not the same as a missing tool
      }
      if (!out.success) return "missing";
      return /\blibx264\b/.test(new TextDecoder().decode(out.stdout)) ? "ok" : "no-libx264";
    })();
    probes.set(ffmpeg, probe);
  }
  return probe;
}

function missingMessage(ffmpeg: string, status: FfmpegStatus): string {
  const what = status === "no-libx264"
    ? `${ffmpeg} was built without the libx264 H.264 encoder`
    : `${ffmpeg} was not found`;
  return `MP4 output needs ffmpeg with libx264, but ${what}: install it with ` +
    "`sudo apt-get install ffmpeg` (or write a .gif, which needs nothing)";
}

/**
 * Streams frames into an H.264 MP4 through ffmpeg. Open with `Mp4Writer.open`, add every frame
 * (awaiting each, which is what keeps memory bounded), then `close()` to publish the file, or
 * `abort()` to discard it.
 */
export class Mp4Writer {
  /** Where `close()` puts the video. */
  readonly path: string;
  /** Frame width in pixels. */
  readonly width: number;
  /** Frame height in pixels. */
  readonly height: number;
  /** Frames per second. */
  readonly fps: number;
  readonly #tmp: string;
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  /** ffmpeg's stderr, read as it comes so a chatty ffmpeg can never block on a full pipe. */
  readonly #stderr: Promise<string>;
  /** Scratch buffer of the padded frame, for odd sizes only. */
  readonly #padded: Uint8Array | undefined;
  #frames = 0;
  #state: "open" | "closed" | "failed" = "open";

  private constructor(
    path: string,
    tmp: string,
    width: number,
    height: number,
    fps: number,
    child: Deno.ChildProcess,
  ) {
    this.path = path;
    this.#tmp = tmp;
    this.width = width;
    this.height = height;
    this.fps = fps;
    this.#child = child;
    this.#stdin = child.stdin.getWriter();
    this.#stderr = new Response(child.stderr).text();
    const even = evenSize(width, height);
    this.#padded = even.width !== width || even.height !== height
      ? new Uint8Array(even.width * even.height * 4)
      : undefined;
  }

  /**
   * Starts ffmpeg writing an MP4 of `width × height` frames to a temporary file beside `path`.
   * Throws a `RangeError` on a bad option and a `VideoToolMissing` without ffmpeg/libx264.
   */
  static async open(path: string, options: Mp4OpenOptions): Promise<Mp4Writer> {
    const { width, height } = options;
    const fps = options.fps ?? 50;
    const crf = options.crf ?? 18;
    const preset = options.preset ?? "medium";
    const ffmpeg = options.ffmpeg ?? "ffmpeg";
    if (typeof path !== "string" || path === "") {
      throw new TypeError(`MP4 path must be a non-empty string, got ${JSON.stringify(path)}`);
    }
    if (!Number.isInteger(width) || width <= 0 || width > 16384) {
      throw new RangeError(`MP4 width must be an integer in 1..16384, got ${width}`);
    }
    if (!Number.isInteger(height) || height <= 0 || height > 16384) {
      throw new RangeError(`MP4 height must be an integer in 1..16384, got ${height}`);
    }
    if (!(typeof fps === "number" && fps > 0 && fps <= 1000)) {
      throw new RangeError(`MP4 fps must be a number in (0, 1000], got ${fps}`);
    }
    if (!Number.isInteger(crf) || crf < 0 || crf > 51) {
      throw new RangeError(`MP4 crf must be an integer in 0..51, got ${crf}`);
    }
    if (!MP4_PRESETS.includes(preset)) {
      throw new RangeError(
        `MP4 preset must be one of ${MP4_PRESETS.join(", ")}; got ${JSON.stringify(preset)}`,
      );
    }
    const status = await ffmpegStatus(ffmpeg);
    if (status !== "ok") throw new VideoToolMissing(missingMessage(ffmpeg, status));
    const even = evenSize(width, height);
    const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    const args = [
      "-hide_banner",
      "-loglevel",
      "error",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgba",
      "-video_size",
      `${even.width}x${even.height}`,
      "-framerate",
      String(fps),
      "-i",
      "pipe:0",
      "-an",
      // RGB → BT.709 limited-range YUV, and tagged so, so players convert it back the same way.
      "-vf",
      "scale=out_color_matrix=bt709:out_range=tv",
      "-c:v",
      "libx264",
      "-preset",
      preset,
      "-crf",
      String(crf),
      "-pix_fmt",
      "yuv420p",
      "-colorspace",
      "bt709",
      "-color_primaries",
      "bt709",
      "-color_trc",
      "bt709",
      "-color_range",
      "tv",
      // The index (moov) before the data, so a browser can start playing before the download ends.
      "-movflags",
      "+faststart",
      "-f",
      "mp4",
      "-y",
      tmp,
    ];
    const child = new Deno.Command(ffmpeg, {
      args,
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    return new Mp4Writer(path, tmp, width, height, fps, child);
  }

  /** Frames added so far. */
  get frameCount(): number {
    return this.#frames;
  }

  /**
   * Sends a frame to ffmpeg; the frame must be `width × height`. Once the promise resolves the
   * caller may reuse the frame's buffer. Rejects with an `FfmpegError` if ffmpeg has failed.
   */
  async addFrame(frame: RgbaFrame): Promise<void> {
    if (this.#state !== "open") {
      throw new TypeError(`Cannot add a frame to an MP4 writer that is ${this.#state}`);
    }
    const { width, height, data } = frame;
    if (width !== this.width || height !== this.height) {
      throw new RangeError(
        `MP4 frames must all be ${this.width} × ${this.height}, got ${width} × ${height}`,
      );
    }
    if (data.length !== width * height * 4) {
      throw new RangeError(
        `Frame data must hold ${
          width * height * 4
        } bytes for ${width} × ${height}, got ${data.length}`,
      );
    }
    const bytes = this.#padded === undefined
      ? new Uint8Array(data.buffer, data.byteOffset, data.length)
      : padToEven(data, width, height, this.#padded);
    try {
      await this.#stdin.write(bytes);
    } catch {
      // ffmpeg closed its input: it has failed, and its exit code and stderr say why.
      throw await this.#fail();
    }
    this.#frames++;
  }

  /**
   * Ends the video and renames it to `path`. Rejects with a `RangeError` when no frame was
   * added and with an `FfmpegError` when ffmpeg fails; in both cases no file is left behind.
   */
  async close(): Promise<Mp4Result> {
    if (this.#state !== "open") {
      throw new TypeError(`Cannot close an MP4 writer that is ${this.#state}`);
    }
    if (this.#frames === 0) {
      await this.abort();
      throw new RangeError(`An MP4 needs at least one frame; none was added for ${this.path}`);
    }
    try {
      await this.#stdin.close();
    } catch {
      throw await this.#fail();
    }
    const [status, stderr] = await Promise.all([this.#child.status, this.#stderr]);
    if (!status.success) {
      this.#state = "failed";
      await removeQuietly(this.#tmp);
      throw new FfmpegError(this.path, status.code, stderr);
    }
    try {
      await Deno.rename(this.#tmp, this.path);
    } catch (err) {
      this.#state = "failed";
      await removeQuietly(this.#tmp);
      throw err;
    }
    this.#state = "closed";
    const { size } = await Deno.stat(this.path);
    return {
      path: this.path,
      frames: this.#frames,
      bytes: size,
      ...evenSize(this.width, this.height),
    };
  }

  /** Stops ffmpeg and deletes the unfinished video (safe to call after a failure). */
  async abort(): Promise<void> {
    if (this.#state === "closed") return;
    this.#state = "failed";
    try {
      this.#child.kill("SIGKILL");
    } catch { /* already exited */ }
    await this.#stdin.abort().catch(() => {});
    await Promise.all([this.#child.status, this.#stderr.catch(() => "")]);
    await removeQuietly(this.#tmp);
  }

  /** Collects the exit status and stderr of an ffmpeg that stopped reading, and cleans up. */
  async #fail(): Promise<FfmpegError> {
    this.#state = "failed";
    await this.#stdin.abort().catch(() => {});
    const [status, stderr] = await Promise.all([this.#child.status, this.#stderr]);
    await removeQuietly(this.#tmp);
    return new FfmpegError(this.path, status.code, stderr);
  }
}

/**
 * Encodes `frames` (all the first frame's size) into an MP4 at `path`, atomically. An error
 * from the frame source aborts the video and is rethrown.
 */
export async function writeMp4(
  path: string,
  frames: Iterable<RgbaFrame> | AsyncIterable<RgbaFrame>,
  options: Mp4Options = {},
): Promise<Mp4Result> {
  let writer: Mp4Writer | undefined;
  try {
    for await (const frame of frames) {
      writer ??= await Mp4Writer.open(path, {
        ...options,
        width: frame.width,
        height: frame.height,
      });
      await writer.addFrame(frame);
    }
  } catch (err) {
    await writer?.abort();
    throw err;
  }
  if (writer === undefined) {
    throw new RangeError(`An MP4 needs at least one frame; none was given for ${path}`);
  }
  return await writer.close();
}

/** The size yuv420p can hold: each dimension rounded up to even. */
export function evenSize(width: number, height: number): { width: number; height: number } {
  return { width: width + (width & 1), height: height + (height & 1) };
}

/** Copies an odd-sized frame into `out` (its even size), repeating the last column and row. */
function padToEven(
  data: Uint8ClampedArray,
  width: number,
  height: number,
  out: Uint8Array,
): Uint8Array {
  const outWidth = width + (width & 1);
  const rowBytes = width * 4;
  const outRow = outWidth * 4;
  for (let y = 0; y < height; y++) {
    const from = y * rowBytes;
    const to = y * outRow;
    out.set(data.subarray(from, from + rowBytes), to);
    if (outWidth !== width) out.copyWithin(to + rowBytes, to + rowBytes - 4, to + rowBytes);
  }
  if (height & 1) out.copyWithin(height * outRow, (height - 1) * outRow, height * outRow);
  return out;
}

async function removeQuietly(path: string): Promise<void> {
  await Deno.remove(path).catch(() => {});
}
