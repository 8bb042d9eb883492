/**
 * A small software rasteriser over an RGBA buffer: anti-aliased polygons (exact area coverage),
 * strokes and circles, blended source-over. Pixel coordinates, y down; pixel `(i, j)` covers
 * the square `[i, i + 1] × [j, j + 1]`, so its centre is `(i + 0.5, j + 0.5)`.
 *
 * @example
 * ```ts
 * import { Canvas } from "./raster.ts";
 * const canvas = new Canvas(64, 48);
 * canvas.fill([0, 0, 0]);
 * canvas.fillPolygon([[8, 40], [32, 4], [56, 40]], [255, 255, 255]);
 * canvas.fillCircle(32, 28, 6, [255, 0, 0, 128]);
 * const frame = canvas.toFrame();
 * ```
 * @module
 */
import type { RgbaFrame } from "../envs/types.ts";

/** A colour: red, green, blue in 0..255 and an optional alpha in 0..255 (default 255). */
export type Color = readonly [r: number, g: number, b: number, a?: number];

/** A point in pixel coordinates (x right, y down). */
export type Vec2 = readonly [x: number, y: number];

/** Coverage below this is treated as empty (it would not change an 8-bit channel). */
const MIN_COVERAGE = 1 / 1024;

/** An RGBA image that can be drawn on. Drawing clips to the canvas silently. */
export class Canvas {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** The pixels, row-major from the top-left, 4 bytes per pixel (straight alpha). */
  readonly data: Uint8ClampedArray;
  /** The same bytes a pixel at a time, for fast opaque writes. */
  readonly #u32: Uint32Array;
  /** Scratch coverage buffer, reused across calls to avoid a per-shape allocation. */
  #acc = new Float32Array(0);

  /**
   * Creates a canvas of `width × height` pixels, transparent black, or draws into `data`
   * (`width * height * 4` bytes) when given.
   */
  constructor(width: number, height: number, data?: Uint8ClampedArray) {
    if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
      throw new RangeError(`Canvas size must be positive integers, got ${width} × ${height}`);
    }
    const bytes = width * height * 4;
    if (data !== undefined && data.length !== bytes) {
      throw new RangeError(
        `Canvas data must hold ${bytes} bytes for ${width} × ${height}, got ${data.length}`,
      );
    }
    this.width = width;
    this.height = height;
    this.data = data ?? new Uint8ClampedArray(bytes);
    if (this.data.byteOffset % 4 !== 0) {
      throw new RangeError(
        `Canvas data must be 4-byte aligned, got offset ${this.data.byteOffset}`,
      );
    }
    this.#u32 = new Uint32Array(this.data.buffer, this.data.byteOffset, width * height);
  }

  /** The canvas as an `RgbaFrame` (sharing its bytes, not a copy). */
  toFrame(): RgbaFrame {
    return { width: this.width, height: this.height, data: this.data };
  }

  /** The RGBA bytes of pixel `(x, y)` (integers), for tests and probes. */
  getPixel(x: number, y: number): [number, number, number, number] {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) {
      throw new RangeError(`Pixel (${x}, ${y}) is outside ${this.width} × ${this.height}`);
    }
    const i = (Math.floor(y) * this.width + Math.floor(x)) * 4;
    const d = this.data;
    return [d[i], d[i + 1], d[i + 2], d[i + 3]];
  }

  /** Overwrites every pixel with `color` (no blending: this is how a frame starts). */
  fill(color: Color): void {
    this.#u32.fill(packColor(color));
  }

  /**
   * Fills a polygon (convex or concave; closed implicitly) with exact-area anti-aliasing.
   * Self-intersecting polygons are filled with the nonzero rule.
   */
  fillPolygon(points: readonly Vec2[], color: Color): void {
    this.fillPath([points], color);
  }

  /**
   * Fills the union of several contours in one pass (nonzero winding, coverage clamped to 1),
   * so shapes that touch show no anti-aliasing seam between them. Give holes the opposite
   * orientation to their outer contour.
   */
  fillPath(contours: readonly (readonly Vec2[])[], color: Color): void {
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const contour of contours) {
      for (const [x, y] of contour) {
        // A NaN would poison a whole row of the prefix sum, so reject it loudly.
        if (!Number.isFinite(x) || !Number.isFinite(y)) {
          throw new RangeError(`Polygon coordinates must be finite, got (${x}, ${y})`);
        }
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
    if (minX > maxX) return; // no points
    const x0 = Math.max(0, Math.floor(minX));
    const x1 = Math.min(this.width, Math.ceil(maxX));
    const y0 = Math.max(0, Math.floor(minY));
    const y1 = Math.min(this.height, Math.ceil(maxY));
    if (x1 <= x0 || y1 <= y0) return;
    const cols = x1 - x0;
    // Two spare columns: an edge's area spills one cell right of its last pixel.
    const stride = cols + 2;
    const rows = y1 - y0;
    const acc = this.#scratch(stride * rows);
    for (const contour of contours) {
      const n = contour.length;
      if (n < 3) continue;
      for (let k = 0; k < n; k++) {
        const a = contour[k];
        const b = contour[(k + 1) % n];
        clippedEdge(acc, stride, rows, cols, a[0] - x0, a[1] - y0, b[0] - x0, b[1] - y0);
      }
    }
    // Prefix sum along each row turns the edge contributions into coverage.
    const [r, g, b, alpha] = unpackColor(color);
    for (let row = 0; row < rows; row++) {
      let sum = 0;
      const base = row * stride;
      const pixel0 = (y0 + row) * this.width + x0;
      for (let col = 0; col < cols; col++) {
        sum += acc[base + col];
        const cover = sum < 0 ? -sum : sum;
        if (cover > MIN_COVERAGE) {
          this.#blend(pixel0 + col, r, g, b, alpha * (cover > 1 ? 1 : cover));
        }
      }
    }
  }

  /**
   * Strokes the polyline through `points` with a line `width` pixels wide: round joins, round
   * caps, anti-aliased by distance to the centre line. `closed` joins the last point to the
   * first. Overlapping segments are drawn once (coverage is the max, not the sum).
   */
  strokePolyline(points: readonly Vec2[], width: number, color: Color, closed = false): void {
    const n = points.length;
    if (n === 0 || !(width > 0)) return;
    const half = width / 2;
    // Coverage falls from 1 to 0 between `half - 0.5` and `half + 0.5` from the centre line.
    const reach = half + 0.5;
    const maxCover = Math.min(1, width);
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const [x, y] of points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        throw new RangeError(`Polyline coordinates must be finite, got (${x}, ${y})`);
      }
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    const x0 = Math.max(0, Math.floor(minX - reach));
    const x1 = Math.min(this.width, Math.ceil(maxX + reach));
    const y0 = Math.max(0, Math.floor(minY - reach));
    const y1 = Math.min(this.height, Math.ceil(maxY + reach));
    if (x1 <= x0 || y1 <= y0) return;
    const cols = x1 - x0;
    const rows = y1 - y0;
    const cover = this.#scratch(cols * rows);
    const segments = closed && n > 2 ? n : Math.max(1, n - 1);
    for (let k = 0; k < segments; k++) {
      const [ax, ay] = points[k];
      const [bx, by] = points[(k + 1) % n];
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy;
      const sx0 = Math.max(x0, Math.floor(Math.min(ax, bx) - reach));
      const sx1 = Math.min(x1, Math.ceil(Math.max(ax, bx) + reach));
      const sy0 = Math.max(y0, Math.floor(Math.min(ay, by) - reach));
      const sy1 = Math.min(y1, Math.ceil(Math.max(ay, by) + reach));
      for (let py = sy0; py < sy1; py++) {
        const cy = py + 0.5 - ay;
        const base = (py - y0) * cols - x0;
        for (let px = sx0; px < sx1; px++) {
          const cx = px + 0.5 - ax;
          // Distance from the pixel centre to the segment.
          let t = len2 > 0 ? (cx * dx + cy * dy) / len2 : 0;
          t = t < 0 ? 0 : t > 1 ? 1 : t;
          const ex = cx - t * dx;
          const ey = cy - t * dy;
          const c = reach - Math.sqrt(ex * ex + ey * ey);
          if (c > 0) {
            const v = c > maxCover ? maxCover : c;
            if (v > cover[base + px]) cover[base + px] = v;
          }
        }
      }
    }
    this.#composite(cover, x0, y0, cols, rows, color);
  }

  /** Fills a disc of radius `r` centred on `(cx, cy)`, anti-aliased by distance to the rim. */
  fillCircle(cx: number, cy: number, r: number, color: Color): void {
    if (!Number.isFinite(cx) || !Number.isFinite(cy) || !Number.isFinite(r)) {
      throw new RangeError(`Circle must be finite, got centre (${cx}, ${cy}) and radius ${r}`);
    }
    if (r <= 0) return;
    const x0 = Math.max(0, Math.floor(cx - r - 0.5));
    const x1 = Math.min(this.width, Math.ceil(cx + r + 0.5));
    const y0 = Math.max(0, Math.floor(cy - r - 0.5));
    const y1 = Math.min(this.height, Math.ceil(cy + r + 0.5));
    const [red, green, blue, alpha] = unpackColor(color);
    // A disc smaller than a pixel cannot cover more than its own area.
    const maxCover = r >= 0.6 ? 1 : Math.PI * r * r;
    for (let py = y0; py < y1; py++) {
      const dy = py + 0.5 - cy;
      for (let px = x0; px < x1; px++) {
        const dx = px + 0.5 - cx;
        const c = r + 0.5 - Math.sqrt(dx * dx + dy * dy);
        if (c > MIN_COVERAGE) {
          this.#blend(
            py * this.width + px,
            red,
            green,
            blue,
            alpha * (c > maxCover ? maxCover : c),
          );
        }
      }
    }
  }

  /** Blends `color` through a coverage buffer of `cols × rows` at `(x0, y0)`. */
  #composite(
    cover: Float32Array,
    x0: number,
    y0: number,
    cols: number,
    rows: number,
    color: Color,
  ): void {
    const [r, g, b, alpha] = unpackColor(color);
    for (let row = 0; row < rows; row++) {
      const base = row * cols;
      const pixel0 = (y0 + row) * this.width + x0;
      for (let col = 0; col < cols; col++) {
        const c = cover[base + col];
        if (c > MIN_COVERAGE) this.#blend(pixel0 + col, r, g, b, alpha * c);
      }
    }
  }

  /** Source-over blend of an (r, g, b) colour with opacity `a` in [0, 1] into pixel `p`. */
  #blend(p: number, r: number, g: number, b: number, a: number): void {
    const d = this.data;
    const i = p * 4;
    if (a >= 0.999) {
      d[i] = r;
      d[i + 1] = g;
      d[i + 2] = b;
      d[i + 3] = 255;
      return;
    }
    const da = d[i + 3] * (1 / 255);
    const outA = a + da * (1 - a);
    // Straight alpha: weight the source by its share of the resulting opacity.
    const k = outA > 0 ? a / outA : 0;
    d[i] = d[i] + (r - d[i]) * k;
    d[i + 1] = d[i + 1] + (g - d[i + 1]) * k;
    d[i + 2] = d[i + 2] + (b - d[i + 2]) * k;
    d[i + 3] = outA * 255;
  }

  /** A zeroed scratch buffer of at least `n` floats (grown geometrically, never shrunk). */
  #scratch(n: number): Float32Array {
    if (this.#acc.length < n) this.#acc = new Float32Array(Math.max(n, this.#acc.length * 2));
    const acc = this.#acc.subarray(0, n);
    acc.fill(0);
    return acc;
  }
}

/** Linear interpolation between two colours, `t` in [0, 1] (alpha interpolated too). */
export function mixColor(a: Color, b: Color, t: number): Color {
  const u = t < 0 ? 0 : t > 1 ? 1 : t;
  const aa = a[3] ?? 255;
  const ba = b[3] ?? 255;
  return [
    Math.round(a[0] + (b[0] - a[0]) * u),
    Math.round(a[1] + (b[1] - a[1]) * u),
    Math.round(a[2] + (b[2] - a[2]) * u),
    Math.round(aa + (ba - aa) * u),
  ];
}

/** The colour as clamped integer channels and alpha as a fraction. */
function unpackColor(color: Color): [number, number, number, number] {
  return [
    clampByte(color[0]),
    clampByte(color[1]),
    clampByte(color[2]),
    clampByte(color[3] ?? 255) / 255,
  ];
}

function clampByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** The colour as one 32-bit word in the platform's byte order (so a Uint32 store is RGBA). */
function packColor(color: Color): number {
  const bytes = new Uint8Array([
    clampByte(color[0]),
    clampByte(color[1]),
    clampByte(color[2]),
    clampByte(color[3] ?? 255),
  ]);
  return new Uint32Array(bytes.buffer)[0];
}

/**
 * Adds the edge `(ax, ay) → (bx, by)` (local coordinates) to the accumulation buffer, clipped
 * to `x ∈ [0, cols]`. Parts left of the buffer are moved onto its left border: there they still
 * cover every pixel to their right, exactly as the unclipped edge would. Parts right of it are
 * moved onto the right border, where they affect only the spare columns.
 */
function clippedEdge(
  acc: Float32Array,
  stride: number,
  rows: number,
  cols: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
): void {
  if (ay === by) return; // horizontal edges add no area
  const inside = ax >= 0 && ax <= cols && bx >= 0 && bx <= cols;
  if (inside) {
    accumulateLine(acc, stride, rows, ax, ay, bx, by);
    return;
  }
  // Split at the crossings of x = 0 and x = cols, then clamp each piece's x.
  const ts: number[] = [0];
  for (const edgeX of [0, cols]) {
    const t = (edgeX - ax) / (bx - ax);
    if (t > 0 && t < 1) ts.push(t);
  }
  ts.push(1);
  ts.sort((p, q) => p - q);
  for (let k = 0; k + 1 < ts.length; k++) {
    const t0 = ts[k];
    const t1 = ts[k + 1];
    const px = clamp(ax + (bx - ax) * t0, 0, cols);
    const py = ay + (by - ay) * t0;
    const qx = clamp(ax + (bx - ax) * t1, 0, cols);
    const qy = ay + (by - ay) * t1;
    accumulateLine(acc, stride, rows, px, py, qx, qy);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * Signed-area accumulation of one line (the method of font-rs / stb_truetype): each cell gets
 * the area of the part of the line's trapezoid that falls in it, and the part that spills to
 * its right lands in the next cell, so a prefix sum along the row gives exact coverage.
 * `x` must lie in `[0, stride - 2]`; `y` is clipped to `[0, rows]` here.
 */
function accumulateLine(
  acc: Float32Array,
  stride: number,
  rows: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
): void {
  if (ay === by) return;
  let dir = 1;
  if (ay > by) {
    dir = -1;
    [ax, ay, bx, by] = [bx, by, ax, ay];
  }
  const dxdy = (bx - ax) / (by - ay);
  const yStart = ay < 0 ? 0 : ay;
  const yEnd = by > rows ? rows : by;
  if (yStart >= yEnd) return;
  let x = ax + (yStart - ay) * dxdy;
  const rowEnd = Math.ceil(yEnd);
  for (let y = Math.floor(yStart); y < rowEnd; y++) {
    const dy = (y + 1 < yEnd ? y + 1 : yEnd) - (y > yStart ? y : yStart);
    const xNext = x + dxdy * dy;
    const d = dy * dir;
    const lo = x < xNext ? x : xNext;
    const hi = x < xNext ? xNext : x;
    const loFloor = Math.floor(lo);
    const loI = loFloor;
    const hiCeil = Math.ceil(hi);
    const row = y * stride;
    if (hiCeil <= loI + 1) {
      // The line stays within one pixel column on this row.
      const xmf = 0.5 * (x + xNext) - loFloor;
      acc[row + loI] += d - d * xmf;
      acc[row + loI + 1] += d * xmf;
    } else {
      const s = 1 / (hi - lo);
      const x0f = lo - loFloor;
      const a0 = 0.5 * s * (1 - x0f) * (1 - x0f);
      const x1f = hi - hiCeil + 1;
      const am = 0.5 * s * x1f * x1f;
      acc[row + loI] += d * a0;
      if (hiCeil === loI + 2) {
        acc[row + loI + 1] += d * (1 - a0 - am);
      } else {
        const a1 = s * (1.5 - x0f);
        acc[row + loI + 1] += d * (a1 - a0);
        for (let xi = loI + 2; xi < hiCeil - 1; xi++) acc[row + xi] += d * s;
        const a2 = a1 + (hiCeil - loI - 3) * s;
        acc[row + hiCeil - 1] += d * (1 - a2 - am);
      }
      acc[row + hiCeil] += d * am;
    }
    x = xNext;
  }
}
