/**
 * A minimal PNG encoder for screenshots and thumbnails: 8-bit RGBA, or RGB when every pixel is
 * opaque (a quarter less data to deflate), no interlacing, compressed with `node:zlib`.
 *
 * @example
 * ```ts
 * import { encodePng } from "./png.ts";
 * const frame = { width: 2, height: 1, data: new Uint8ClampedArray([255, 0, 0, 255, 0, 0, 255, 255]) };
 * await Deno.writeFile("/tmp/two_pixels.png", encodePng(frame));
 * ```
 * @module
 */
import { deflateSync } from "node:zlib";
import type { RgbaFrame } from "../envs/types.ts";

/** The eight bytes every PNG file starts with. */
export const PNG_SIGNATURE: Uint8Array = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

/** Options of `encodePng`. */
export interface PngOptions {
  /** zlib level 0..9 (default 6; 1 is several times faster and somewhat larger). */
  level?: number;
}

/** Encodes `frame` as a PNG file. Throws a `RangeError` if its size and data disagree. */
export function encodePng(frame: RgbaFrame, options: PngOptions = {}): Uint8Array {
  const { width, height, data } = frame;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new RangeError(`PNG size must be positive integers, got ${width} × ${height}`);
  }
  if (data.length !== width * height * 4) {
    throw new RangeError(
      `Frame data must hold ${
        width * height * 4
      } bytes for ${width} × ${height}, got ${data.length}`,
    );
  }
  const level = options.level ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new RangeError(`PNG level must be an integer in 0..9, got ${level}`);
  }
  let opaque = true;
  for (let i = 3; i < data.length; i += 4) {
    if (data[i] !== 255) {
      opaque = false;
      break;
    }
  }
  const channels = opaque ? 3 : 4;
  const rowBytes = width * channels;
  // Filter type 0 (none) on every row: the frames here are flat-shaded, so deflate's matches
  // already find the runs, and unfiltered rows keep the encoder simple and fast.
  const raw = new Uint8Array((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    const out = y * (rowBytes + 1) + 1;
    const src = y * width * 4;
    if (opaque) {
      for (let x = 0, o = out, s = src; x < width; x++, o += 3, s += 4) {
        raw[o] = data[s];
        raw[o + 1] = data[s + 1];
        raw[o + 2] = data[s + 2];
      }
    } else {
      raw.set(data.subarray(src, src + rowBytes), out);
    }
  }
  const idat = deflateSync(raw, { level });

  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = opaque ? 2 : 6; // colour type: truecolour, or truecolour with alpha
  // bytes 10..12: compression 0 (deflate), filter method 0, interlace 0 (none)

  const chunks = [
    chunk("IHDR", ihdr),
    chunk("IDAT", new Uint8Array(idat.buffer, idat.byteOffset, idat.byteLength)),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(PNG_SIGNATURE.length + chunks.reduce((n, c) => n + c.length, 0));
  out.set(PNG_SIGNATURE, 0);
  let offset = PNG_SIGNATURE.length;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** One chunk: length, type, data, and the CRC of type and data. */
function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/** CRC-32 (ISO-HDLC, the one PNG and zlib use) lookup table, built once. */
const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32 of `bytes`, as PNG chunks use it (`crc32("IEND") === 0xae426082`). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
