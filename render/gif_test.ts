import assert from "node:assert/strict";
import type { RgbaFrame } from "../envs/types.ts";
import { GifEncoder, GifWriter, type PaletteColor, writeGif } from "./gif.ts";
import { Canvas, type Color } from "./raster.ts";

/** What the test decoder reads back. */
interface DecodedGif {
  width: number;
  height: number;
  loops: number | undefined;
  delaysCs: number[];
  rects: [number, number, number, number][];
  /** The composited picture after each frame, RGB per pixel. */
  frames: Uint8Array[];
}

/** A small GIF decoder (global or local tables, LZW, disposal 0/1) to check the encoder. */
function decodeGif(bytes: Uint8Array): DecodedGif {
  const text = (a: number, n: number) => String.fromCharCode(...bytes.subarray(a, a + n));
  assert.equal(text(0, 6), "GIF89a");
  const u16 = (i: number) => bytes[i] | (bytes[i + 1] << 8);
  const width = u16(6), height = u16(8);
  const packed = bytes[10];
  let pos = 13;
  let global: Uint8Array | undefined;
  if (packed & 0x80) {
    const n = 3 << ((packed & 7) + 1);
    global = bytes.subarray(pos, pos + n);
    pos += n;
  }
  const canvas = new Uint8Array(width * height * 3);
  const out: DecodedGif = { width, height, loops: undefined, delaysCs: [], rects: [], frames: [] };
  let delay = 0;
  const subBlocks = (): Uint8Array => {
    const parts: number[] = [];
    for (let n = bytes[pos++]; n !== 0; n = bytes[pos++]) {
      parts.push(...bytes.subarray(pos, pos + n));
      pos += n;
    }
    return new Uint8Array(parts);
  };
  for (;;) {
    const block = bytes[pos++];
    if (block === 0x3b) break;
    if (block === 0x21) {
      const label = bytes[pos++];
      const body = subBlocks();
      if (label === 0xf9) delay = body[1] | (body[2] << 8);
      if (label === 0xff && String.fromCharCode(...body.subarray(0, 11)) === "NETSCAPE2.0") {
        out.loops = body[12] | (body[13] << 8);
      }
      continue;
    }
    assert.equal(block, 0x2c, `unexpected block 0x${block.toString(16)} at ${pos - 1}`);
    const x = u16(pos), y = u16(pos + 2), w = u16(pos + 4), h = u16(pos + 6);
    const flags = bytes[pos + 8];
    pos += 9;
    let table = global;
    if (flags & 0x80) {
      const n = 3 << ((flags & 7) + 1);
      table = bytes.subarray(pos, pos + n);
      pos += n;
    }
    assert.ok(table, "frame without a colour table");
    assert.ok(x + w <= width && y + h <= height, "frame outside the screen");
    const minCode = bytes[pos++];
    const indices = lzwDecode(subBlocks(), minCode, w * h);
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const k = indices[r * w + c] * 3;
        const o = ((y + r) * width + x + c) * 3;
        canvas[o] = table[k];
        canvas[o + 1] = table[k + 1];
        canvas[o + 2] = table[k + 2];
      }
    }
    out.delaysCs.push(delay);
    out.rects.push([x, y, w, h]);
    out.frames.push(canvas.slice());
  }
  return out;
}

function lzwDecode(data: Uint8Array, minCode: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  const clear = 1 << minCode, eoi = clear + 1;
  let prefix: number[] = [], suffix: number[] = [];
  let size = minCode + 1, next = eoi + 1, prev = -1, n = 0;
  const reset = () => {
    prefix = [];
    suffix = [];
    for (let i = 0; i < clear; i++) suffix[i] = i;
    size = minCode + 1;
    next = eoi + 1;
    prev = -1;
  };
  const expand = (code: number): number[] => {
    const s: number[] = [];
    let c = code;
    while (c > eoi) {
      s.push(suffix[c]);
      c = prefix[c];
    }
    s.push(c);
    return s.reverse();
  };
  reset();
  let bits = 0, acc = 0;
  for (let i = 0; i < data.length; i++) {
    acc |= data[i] << bits;
    bits += 8;
    while (bits >= size) {
      const code = acc & ((1 << size) - 1);
      acc >>>= size;
      bits -= size;
      if (code === clear) {
        reset();
        continue;
      }
      if (code === eoi) return out;
      let seq: number[];
      if (prev === -1) seq = [code];
      else if (code < next) {
        seq = expand(code);
        prefix[next] = prev;
        suffix[next] = seq[0];
        next++;
      } else {
        const p = expand(prev);
        seq = [...p, p[0]];
        prefix[next] = prev;
        suffix[next] = p[0];
        next++;
      }
      for (const v of seq) if (n < count) out[n++] = v;
      prev = code;
      if (next === 1 << size && size < 12) size++;
    }
  }
  return out;
}

/** A test scene: background with a moving disc and a square. */
function sceneFrame(k: number, w = 96, h = 64): RgbaFrame {
  const c = new Canvas(w, h);
  c.fill([0, 0, 0]);
  c.fillPolygon([[0, h * 0.7], [w, h * 0.6], [w, h], [0, h]], [255, 255, 255]);
  c.fillCircle(10 + k * 3, 20, 6, [128, 102, 230]);
  if (k % 3 === 0) c.fillPolygon([[60, 5], [70, 5], [70, 15], [60, 15]], [204, 204, 0]);
  return c.toFrame();
}

const PALETTE: PaletteColor[] = [[0, 0, 0], [255, 255, 255], [128, 102, 230], [204, 204, 0], [
  128,
  128,
  128,
], [64, 51, 115]];

function nearestRgb(r: number, g: number, b: number): PaletteColor {
  let best = PALETTE[0], bd = Infinity;
  for (const p of PALETTE) {
    const d = (p[0] - r) ** 2 + (p[1] - g) ** 2 + (p[2] - b) ** 2;
    if (d < bd) [best, bd] = [p, d];
  }
  return best;
}

Deno.test("GIF decodes to the frames mapped to the palette, with partial frames", () => {
  const enc = new GifEncoder({ fps: 30, palette: PALETTE });
  const frames = Array.from({ length: 12 }, (_, k) => sceneFrame(k));
  frames.push(sceneFrame(11)); // unchanged: still a frame, to keep its delay
  for (const f of frames) enc.addFrame(f);
  const gif = decodeGif(enc.finish());
  assert.equal(gif.width, 96);
  assert.equal(gif.height, 64);
  assert.equal(gif.loops, 0, "loops forever");
  assert.equal(gif.frames.length, frames.length);
  // 30 fps: 3.33 cs per frame, rounded so that the total stays right.
  assert.deepEqual(gif.delaysCs.slice(0, 6), [3, 4, 3, 3, 4, 3]);
  assert.deepEqual(gif.rects[0], [0, 0, 96, 64]);
  // Frames 1 → 2: only the disc moves (3 px), so only a small rectangle is stored.
  const [, , w2, h2] = gif.rects[2];
  assert.ok(w2 <= 20 && h2 <= 14, `third frame should be partial: ${gif.rects[2]}`);
  assert.deepEqual(gif.rects[12], [0, 0, 1, 1]);
  frames.forEach((f, k) => {
    const got = gif.frames[k];
    for (let p = 0; p < f.width * f.height; p++) {
      const want = nearestRgb(f.data[p * 4], f.data[p * 4 + 1], f.data[p * 4 + 2]);
      const have = [got[p * 3], got[p * 3 + 1], got[p * 3 + 2]];
      if (have[0] !== want[0] || have[1] !== want[1] || have[2] !== want[2]) {
        assert.fail(`frame ${k} pixel ${p}: ${have} instead of ${want}`);
      }
    }
  });
});

Deno.test("GIF without a palette quantises it from the first frames", () => {
  const enc = new GifEncoder({ paletteFrames: 2, maxColors: 8, loops: 3 });
  for (let k = 0; k < 5; k++) enc.addFrame(sceneFrame(k));
  assert.equal(enc.frameCount, 5);
  const gif = decodeGif(enc.finish());
  assert.equal(gif.frames.length, 5);
  assert.equal(gif.loops, 3);
  assert.deepEqual(gif.delaysCs, [2, 2, 2, 2, 2]); // 50 fps by default
  // Flat colours survive quantisation exactly.
  const at = (k: number, x: number, y: number) => {
    const i = (y * 96 + x) * 3;
    return [...gif.frames[k].subarray(i, i + 3)];
  };
  assert.deepEqual(at(0, 5, 5), [0, 0, 0]);
  assert.deepEqual(at(4, 50, 62), [255, 255, 255]);
  assert.deepEqual(at(4, 22, 20), [128, 102, 230]);
});

Deno.test("GifWriter writes the file atomically and rejects bad input", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/out.gif`;
    const w = new GifWriter(path, { palette: PALETTE });
    w.addFrame(sceneFrame(0));
    assert.throws(() => w.addFrame(sceneFrame(0, 50, 50)), /must all be 96 × 64, got 50 × 50/);
    w.addFrame(sceneFrame(1));
    const info = await w.close();
    assert.equal(info.frames, 2);
    const bytes = await Deno.readFile(path);
    assert.equal(bytes.length, info.bytes);
    assert.equal(decodeGif(bytes).frames.length, 2);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["out.gif"]);

    const again = await writeGif(`${dir}/b.gif`, [sceneFrame(0), sceneFrame(2)], { fps: 10 });
    assert.equal(decodeGif(await Deno.readFile(again.path)).delaysCs[1], 10);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.throws(() => new GifEncoder({ fps: 0 }), /got 0/);
  assert.throws(() => new GifEncoder({ palette: [] }), /got 0/);
  assert.throws(() => new GifEncoder().finish(), /at least one frame/);
});

Deno.test("a frame buffer reused by the caller is copied while the palette waits", () => {
  const enc = new GifEncoder({ paletteFrames: 2 });
  const c = new Canvas(8, 8);
  const red: Color = [255, 0, 0];
  c.fill(red);
  enc.addFrame(c.toFrame());
  c.fill([0, 0, 255]);
  enc.addFrame(c.toFrame());
  const gif = decodeGif(enc.finish());
  assert.deepEqual([...gif.frames[0].subarray(0, 3)], [255, 0, 0]);
  assert.deepEqual([...gif.frames[1].subarray(0, 3)], [0, 0, 255]);
});
