import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { inflateSync } from "node:zlib";
import type { RgbaFrame } from "../envs/types.ts";
import { crc32, encodePng, PNG_SIGNATURE } from "./png.ts";
import { Canvas } from "./raster.ts";

/** A small PNG decoder (8-bit RGB/RGBA, all five filters) that checks every CRC. */
function decodePng(bytes: Uint8Array): RgbaFrame & { colorType: number } {
  assert.deepEqual([...bytes.subarray(0, 8)], [...PNG_SIGNATURE]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0, height = 0, colorType = -1;
  const idat: Uint8Array[] = [];
  const types: string[] = [];
  for (;;) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const body = bytes.subarray(pos + 8, pos + 8 + len);
    assert.equal(view.getUint32(pos + 8 + len), crc32(bytes.subarray(pos + 4, pos + 8 + len)));
    types.push(type);
    if (type === "IHDR") {
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      assert.equal(body[8], 8, "bit depth");
      colorType = body[9];
      assert.deepEqual([...body.subarray(10, 13)], [0, 0, 0]);
    } else if (type === "IDAT") idat.push(body);
    pos += 12 + len;
    if (type === "IEND") break;
  }
  assert.equal(types[0], "IHDR");
  assert.equal(pos, bytes.length, "nothing after IEND");
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : assert.fail(`type ${colorType}`);
  const raw = new Uint8Array(inflateSync(Buffer.concat(idat)));
  const stride = width * channels;
  assert.equal(raw.length, (stride + 1) * height, "inflated byte count");
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= channels ? px[y * stride + x - channels] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
        ? a
        : Math.abs(p - b) <= Math.abs(p - c)
        ? b
        : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][filter];
      assert.ok(pred !== undefined, `filter ${filter}`);
      px[y * stride + x] = (v + pred) & 0xff;
    }
  }
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < channels; k++) data[i * 4 + k] = px[i * channels + k];
    if (channels === 3) data[i * 4 + 3] = 255;
  }
  return { width, height, data, colorType };
}

Deno.test("crc32 matches the known values", () => {
  assert.equal(crc32(new TextEncoder().encode("IEND")), 0xae426082);
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
});

Deno.test("an opaque frame round-trips through PNG as RGB", () => {
  const c = new Canvas(37, 23);
  c.fill([0, 0, 0]);
  c.fillPolygon([[3, 20], [30, 2], [35, 21]], [128, 102, 230]);
  c.fillCircle(10, 8, 5, [255, 200, 40]);
  const png = encodePng(c.toFrame());
  const back = decodePng(png);
  assert.equal(back.colorType, 2);
  assert.equal(back.width, 37);
  assert.equal(back.height, 23);
  assert.deepEqual(back.data, c.data);
});

Deno.test("a frame with transparency round-trips as RGBA", () => {
  const c = new Canvas(16, 9);
  c.fillPolygon([[1.5, 1], [14, 2.3], [8, 8.7]], [10, 200, 30, 180]);
  const back = decodePng(encodePng(c.toFrame(), { level: 1 }));
  assert.equal(back.colorType, 6);
  assert.deepEqual(back.data, c.data);
});

Deno.test("encodePng rejects inconsistent frames", () => {
  assert.throws(
    () => encodePng({ width: 2, height: 2, data: new Uint8ClampedArray(15) }),
    /16 bytes for 2 × 2, got 15/,
  );
  assert.throws(() => encodePng({ width: 0, height: 2, data: new Uint8ClampedArray(0) }), /got 0/);
  assert.throws(() => encodePng(new Canvas(1, 1).toFrame(), { level: 12 }), /got 12/);
});
