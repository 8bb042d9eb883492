/**
 * Animated GIF encoding with `gifenc` (LZW and container) and one global palette.
 *
 * Frames are encoded as they arrive and only the compressed bytes are kept, so memory stays
 * bounded for long episodes. After the first frame, each frame stores only the rectangle that
 * changed since the previous one (disposal "do not dispose"): in a scene where only the
 * lander moves this is several times smaller and faster than full frames.
 *
 * @example
 * ```ts
 * import { GifWriter } from "./gif.ts";
 * const gif = new GifWriter("/tmp/episode.gif", { fps: 50 });
 * const frame = { width: 4, height: 4, data: new Uint8ClampedArray(64).fill(255) };
 * gif.addFrame(frame);
 * gif.addFrame(frame);
 * await gif.close();
 * ```
 * @module
 */
import * as gifencModule from "gifenc";
import { writeFileAtomic } from "../core/atomic_write.ts";
import type { RgbaFrame } from "../envs/types.ts";

/** An RGB colour of a palette, channels in 0..255. */
export type PaletteColor = readonly [r: number, g: number, b: number];

/** Options of `GifEncoder` and `GifWriter`. */
export interface GifOptions {
  /** Frames per second (default 50, LunarLander's and CartPole's `render_fps`). */
  fps?: number;
  /**
   * The global palette (at most 256 colours). Omitted: quantised from the first
   * `paletteFrames` frames, so colours that appear only later map to their nearest.
   */
  palette?: readonly PaletteColor[];
  /** Colours to quantise to when no palette is given (2..256, default 256). */
  maxColors?: number;
  /** How many leading frames to quantise the palette from when none is given (default 1). */
  paletteFrames?: number;
  /** Times to play: 0 loops forever (default), n > 0 plays n times. */
  loops?: number;
}

/** The parts of gifenc used here, typed (the package ships no types). */
interface GifencEncoder {
  reset(): void;
  writeHeader(): void;
  writeFrame(index: Uint8Array, width: number, height: number, opts: GifencFrameOptions): void;
  bytes(): Uint8Array;
}
interface GifencFrameOptions {
  first?: boolean;
  palette?: number[][];
  delay?: number;
  repeat?: number;
  dispose?: number;
  colorDepth?: number;
}
interface Gifenc {
  GIFEncoder(opts: { auto: boolean; initialCapacity?: number }): GifencEncoder;
  quantize(rgba: Uint8Array | Uint8ClampedArray, maxColors: number): number[][];
}

/**
 * gifenc 1.0.3 ships only its ESM build while `main` names the missing CJS one, so Deno wraps
 * the module and the API sits on `default`; take it from wherever it is.
 */
const gifenc: Gifenc = (() => {
  const ns = gifencModule as unknown as Partial<Gifenc> & { default?: Partial<Gifenc> };
  const api = typeof ns.GIFEncoder === "function" ? ns : ns.default;
  if (typeof api?.GIFEncoder !== "function" || typeof api.quantize !== "function") {
    throw new TypeError("The gifenc module does not export GIFEncoder and quantize");
  }
  return api as Gifenc;
})();

/** GIF disposal method 1: leave the frame in place, so the next may cover only a part. */
const DISPOSE_KEEP = 1;

/** Encodes frames into an animated GIF in memory; see `GifWriter` to write a file. */
export class GifEncoder {
  readonly #fps: number;
  readonly #loops: number;
  readonly #maxColors: number;
  readonly #paletteFrames: number;
  #palette: number[][] | undefined;
  readonly #lzw: GifencEncoder = gifenc.GIFEncoder({ auto: false });
  /** Compressed chunks so far (header + frames); the only state that grows. */
  #chunks: Uint8Array[] = [];
  #byteLength = 0;
  /** Frames held back until the palette can be quantised from them. */
  #pending: RgbaFrame[] = [];
  #width = 0;
  #height = 0;
  /** Palette indices of the last frame written, to find the rectangle that changed. */
  #previous: Uint8Array | undefined;
  #frames = 0;
  #finished = false;
  /** Palette lookups by RGBA word, kept across frames (the scene reuses few colours). */
  #lookup = new Map<number, number>();

  /** Creates an encoder; throws a `RangeError` on an invalid option. */
  constructor(options: GifOptions = {}) {
    this.#fps = options.fps ?? 50;
    if (!(this.#fps > 0 && this.#fps <= 100)) {
      throw new RangeError(`GIF fps must be in (0, 100], got ${this.#fps}`);
    }
    this.#loops = options.loops ?? 0;
    if (!Number.isInteger(this.#loops) || this.#loops < 0 || this.#loops > 65535) {
      throw new RangeError(`GIF loops must be an integer in 0..65535, got ${this.#loops}`);
    }
    this.#maxColors = options.maxColors ?? 256;
    if (!Number.isInteger(this.#maxColors) || this.#maxColors < 2 || this.#maxColors > 256) {
      throw new RangeError(`GIF maxColors must be an integer in 2..256, got ${this.#maxColors}`);
    }
    this.#paletteFrames = options.paletteFrames ?? 1;
    if (!Number.isInteger(this.#paletteFrames) || this.#paletteFrames < 1) {
      throw new RangeError(
        `GIF paletteFrames must be a positive integer, got ${this.#paletteFrames}`,
      );
    }
    if (options.palette !== undefined) {
      const p = options.palette;
      if (p.length < 1 || p.length > 256) {
        throw new RangeError(`GIF palette must have 1..256 colours, got ${p.length}`);
      }
      this.#palette = p.map(([r, g, b]) => [r, g, b]);
    }
  }

  /** Frames added so far. */
  get frameCount(): number {
    return this.#frames + this.#pending.length;
  }

  /** Compressed bytes so far (excluding frames still held for the palette). */
  get byteLength(): number {
    return this.#byteLength;
  }

  /** Adds a frame; all frames must have the first frame's size. */
  addFrame(frame: RgbaFrame): void {
    if (this.#finished) throw new TypeError("Cannot add a frame to a finished GIF");
    const { width, height, data } = frame;
    if (this.frameCount === 0) {
      if (!Number.isInteger(width) || width <= 0 || width > 65535) {
        throw new RangeError(`GIF width must be an integer in 1..65535, got ${width}`);
      }
      if (!Number.isInteger(height) || height <= 0 || height > 65535) {
        throw new RangeError(`GIF height must be an integer in 1..65535, got ${height}`);
      }
      this.#width = width;
      this.#height = height;
    } else if (width !== this.#width || height !== this.#height) {
      throw new RangeError(
        `GIF frames must all be ${this.#width} × ${this.#height}, got ${width} × ${height}`,
      );
    }
    if (data.length !== width * height * 4) {
      throw new RangeError(
        `Frame data must hold ${
          width * height * 4
        } bytes for ${width} × ${height}, got ${data.length}`,
      );
    }
    if (this.#palette === undefined) {
      // Copy: callers may reuse their frame buffer.
      this.#pending.push({ width, height, data: data.slice() });
      if (this.#pending.length >= this.#paletteFrames) this.#flushPending();
      return;
    }
    this.#encode(data);
  }

  /** Ends the GIF and returns its bytes; later calls return the same bytes. */
  finish(): Uint8Array {
    if (!this.#finished) {
      if (this.#pending.length > 0) this.#flushPending();
      if (this.#frames === 0) throw new RangeError("A GIF needs at least one frame");
      this.#push(new Uint8Array([0x3b])); // trailer
      const out = new Uint8Array(this.#byteLength);
      let offset = 0;
      for (const c of this.#chunks) {
        out.set(c, offset);
        offset += c.length;
      }
      this.#chunks = [out];
      this.#previous = undefined;
      this.#lookup.clear();
      this.#finished = true;
    }
    return this.#chunks[0];
  }

  #flushPending(): void {
    const frames = this.#pending;
    this.#pending = [];
    const all = new Uint8Array(frames.length * frames[0].data.length);
    frames.forEach((f, i) => all.set(f.data, i * f.data.length));
    this.#palette = paletteFor(all, this.#maxColors);
    for (const f of frames) this.#encode(f.data);
  }

  /** The delay of frame `n` in hundredths of a second, rounded so the total does not drift. */
  #delayCs(n: number): number {
    return Math.round(((n + 1) * 100) / this.#fps) - Math.round((n * 100) / this.#fps);
  }

  #encode(data: Uint8ClampedArray): void {
    const palette = this.#palette!;
    const width = this.#width;
    const height = this.#height;
    const index = this.#indices(data, palette);
    const delay = this.#delayCs(this.#frames) * 10; // gifenc takes milliseconds
    const lzw = this.#lzw;
    lzw.reset();
    const prev = this.#previous;
    if (prev === undefined) {
      lzw.writeHeader();
      lzw.writeFrame(index, width, height, {
        first: true,
        palette,
        repeat: this.#loops,
        delay,
        dispose: DISPOSE_KEEP,
      });
      this.#push(lzw.bytes());
    } else {
      const [x0, y0, x1, y1] = changedRect(prev, index, width, height);
      const w = x1 - x0;
      const h = y1 - y0;
      const crop = new Uint8Array(w * h);
      for (let y = 0; y < h; y++) {
        const from = (y0 + y) * width + x0;
        crop.set(index.subarray(from, from + w), y * w);
      }
      lzw.writeFrame(crop, w, h, { delay, dispose: DISPOSE_KEEP });
      const bytes = lzw.bytes();
      // gifenc always places frames at (0, 0): patch the image descriptor that follows the
      // 8-byte graphic control extension.
      if (bytes[0] !== 0x21 || bytes[1] !== 0xf9 || bytes[8] !== 0x2c) {
        throw new TypeError("Unexpected gifenc frame layout; cannot place a partial frame");
      }
      bytes[9] = x0 & 0xff;
      bytes[10] = x0 >> 8;
      bytes[11] = y0 & 0xff;
      bytes[12] = y0 >> 8;
      this.#push(bytes);
    }
    this.#previous = index;
    this.#frames++;
  }

  #push(bytes: Uint8Array): void {
    this.#chunks.push(bytes);
    this.#byteLength += bytes.length;
  }

  /** Maps each pixel to its nearest palette colour (alpha ignored). */
  #indices(data: Uint8ClampedArray, palette: number[][]): Uint8Array {
    const n = data.length >> 2;
    const out = new Uint8Array(n);
    const lookup = this.#lookup;
    if (lookup.size > 1 << 16) lookup.clear(); // bound the cache for noisy content
    // Whole pixels as 32-bit words: a cheap identity for the cache in either byte order.
    const words = data.byteOffset % 4 === 0
      ? new Uint32Array(data.buffer, data.byteOffset, n)
      : new Uint32Array(data.slice().buffer);
    let lastWord = -1;
    let lastIndex = 0;
    for (let p = 0; p < n; p++) {
      const word = words[p];
      // Runs of one colour dominate flat-shaded frames: reuse the previous pixel's answer.
      if (word !== lastWord) {
        let found = lookup.get(word);
        if (found === undefined) {
          const i = p * 4;
          found = nearest(palette, data[i], data[i + 1], data[i + 2]);
          lookup.set(word, found);
        }
        lastWord = word;
        lastIndex = found;
      }
      out[p] = lastIndex;
    }
    return out;
  }
}

/** Encodes frames as they arrive and writes the GIF file atomically on `close()`. */
export class GifWriter {
  /** Where `close()` writes the GIF. */
  readonly path: string;
  readonly #encoder: GifEncoder;

  /** Starts a GIF that `close()` will write to `path`. */
  constructor(path: string, options: GifOptions = {}) {
    this.path = path;
    this.#encoder = new GifEncoder(options);
  }

  /** Frames added so far. */
  get frameCount(): number {
    return this.#encoder.frameCount;
  }

  /** Adds (and encodes) a frame. */
  addFrame(frame: RgbaFrame): void {
    this.#encoder.addFrame(frame);
  }

  /** Finishes the GIF and writes it to `path` atomically; resolves to its size in bytes. */
  async close(): Promise<{ path: string; frames: number; bytes: number }> {
    const bytes = this.#encoder.finish();
    await writeFileAtomic(this.path, bytes);
    return { path: this.path, frames: this.#encoder.frameCount, bytes: bytes.length };
  }
}

/** Encodes `frames` into a GIF and writes it to `path` atomically. */
export async function writeGif(
  path: string,
  frames: Iterable<RgbaFrame> | AsyncIterable<RgbaFrame>,
  options: GifOptions = {},
): Promise<{ path: string; frames: number; bytes: number }> {
  const writer = new GifWriter(path, options);
  for await (const frame of frames) writer.addFrame(frame);
  return await writer.close();
}

/**
 * A palette for `rgba`: its exact colours when there are few enough, otherwise gifenc's
 * quantiser with each entry replaced by the most frequent image colour that maps to it. The
 * quantiser returns cluster means (121,97,218 for a purple disc of 128,102,230 and its
 * anti-aliased rim); the mode keeps the large flat areas of rendered frames exact.
 */
function paletteFor(rgba: Uint8Array, maxColors: number): number[][] {
  const counts = new Map<number, number>();
  for (let i = 0; i < rgba.length; i += 4) {
    const key = (rgba[i] << 16) | (rgba[i + 1] << 8) | rgba[i + 2];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const rgb = (key: number): number[] => [key >> 16, (key >> 8) & 0xff, key & 0xff];
  if (counts.size <= maxColors) return [...counts.keys()].map(rgb);
  const palette = gifenc.quantize(rgba, maxColors);
  // The most frequent colours suffice to find each cluster's mode, and bound the work.
  const common = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4096);
  const mode: (number[] | undefined)[] = palette.map(() => undefined);
  for (const [key] of common) {
    const [r, g, b] = rgb(key);
    const k = nearest(palette, r, g, b);
    mode[k] ??= [r, g, b]; // first seen is the most frequent
  }
  return palette.map((c, k) => mode[k] ?? c);
}

/** Index of the palette colour nearest to (r, g, b) in squared RGB distance. */
function nearest(palette: number[][], r: number, g: number, b: number): number {
  let best = 0;
  let bestDist = Infinity;
  for (let k = 0; k < palette.length; k++) {
    const c = palette[k];
    const dr = c[0] - r;
    const dg = c[1] - g;
    const db = c[2] - b;
    const dist = dr * dr + dg * dg + db * db;
    if (dist < bestDist) {
      bestDist = dist;
      best = k;
      if (dist === 0) break;
    }
  }
  return best;
}

/**
 * The rectangle `[x0, y0, x1, y1)` holding every pixel that differs between `a` and `b`; a
 * 1 × 1 rectangle at the origin when nothing changed (a GIF frame cannot be empty, and it still
 * carries the frame's delay).
 */
function changedRect(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
): [number, number, number, number] {
  let y0 = 0;
  const rowDiffers = (y: number): boolean => {
    for (let i = y * width, end = i + width; i < end; i++) if (a[i] !== b[i]) return true;
    return false;
  };
  while (y0 < height && !rowDiffers(y0)) y0++;
  if (y0 === height) return [0, 0, 1, 1];
  let y1 = height;
  while (y1 > y0 + 1 && !rowDiffers(y1 - 1)) y1--;
  let x0 = width;
  let x1 = 0;
  for (let y = y0; y < y1; y++) {
    const row = y * width;
    for (let x = 0; x < x0; x++) {
      if (a[row + x] !== b[row + x]) {
        x0 = x;
        break;
      }
    }
    for (let x = width - 1; x >= x1; x--) {
      if (a[row + x] !== b[row + x]) {
        x1 = x + 1;
        break;
      }
    }
  }
  return [x0, y0, x1, y1];
}
