import assert from "node:assert/strict";
import { Canvas, type Color, mixColor, type Vec2 } from "./raster.ts";

const BLACK: Color = [0, 0, 0];
const WHITE: Color = [255, 255, 255];

/** Sum of the red channel over the canvas, in pixels of full coverage. */
function coveredArea(canvas: Canvas): number {
  let sum = 0;
  for (let i = 0; i < canvas.data.length; i += 4) sum += canvas.data[i];
  return sum / 255;
}

/** Shoelace area (absolute). */
function polygonArea(points: readonly Vec2[]): number {
  let s = 0;
  for (let i = 0; i < points.length; i++) {
    const [ax, ay] = points[i];
    const [bx, by] = points[(i + 1) % points.length];
    s += ax * by - bx * ay;
  }
  return Math.abs(s) / 2;
}

/** Sutherland–Hodgman clip of a polygon to the rectangle [0, w] × [0, h]. */
function clipToRect(points: readonly Vec2[], w: number, h: number): Vec2[] {
  type Side = (p: Vec2) => number; // >= 0 inside
  const sides: Side[] = [(p) => p[0], (p) => w - p[0], (p) => p[1], (p) => h - p[1]];
  let poly: Vec2[] = [...points];
  for (const side of sides) {
    const out: Vec2[] = [];
    for (let i = 0; i < poly.length; i++) {
      const a = poly[i];
      const b = poly[(i + 1) % poly.length];
      const da = side(a);
      const db = side(b);
      if (da >= 0) out.push(a);
      if ((da >= 0) !== (db >= 0)) {
        const t = da / (da - db);
        out.push([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]);
      }
    }
    poly = out;
  }
  return poly;
}

/** A tiny seeded generator so the shapes are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function regularPolygon(n: number, cx: number, cy: number, r: number, phase: number): Vec2[] {
  return Array.from({ length: n }, (_, k): Vec2 => {
    const a = phase + (2 * Math.PI * k) / n;
    return [cx + r * Math.cos(a), cy + r * Math.sin(a)];
  });
}

Deno.test("fill sets every pixel, alpha included", () => {
  const c = new Canvas(7, 5);
  c.fill([10, 20, 30, 40]);
  assert.deepEqual(c.getPixel(0, 0), [10, 20, 30, 40]);
  assert.deepEqual(c.getPixel(6, 4), [10, 20, 30, 40]);
});

Deno.test("polygons of 3..8 vertices cover their area within 1%", () => {
  const rand = lcg(7);
  for (let n = 3; n <= 8; n++) {
    for (let trial = 0; trial < 5; trial++) {
      const c = new Canvas(80, 60);
      c.fill(BLACK);
      // Irregular but convex: vertices at sorted random angles on an ellipse.
      const angles = Array.from({ length: n }, () => rand() * 2 * Math.PI).sort((a, b) => a - b);
      const rx = 10 + rand() * 25, ry = 8 + rand() * 18;
      const cx = 40 + (rand() - 0.5) * 10, cy = 30 + (rand() - 0.5) * 10;
      const pts = angles.map((a): Vec2 => [cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
      c.fillPolygon(pts, WHITE);
      const want = polygonArea(pts);
      const got = coveredArea(c);
      assert.ok(Math.abs(got - want) <= 0.01 * want, `n=${n}: covered ${got}, area ${want}`);
    }
  }
});

Deno.test("concave polygons: area within 1%, and the notch stays empty", () => {
  const c = new Canvas(64, 64);
  c.fill(BLACK);
  // An L shape: the square [40, 60] × [4, 24] is its notch.
  const l: Vec2[] = [[4.3, 4.2], [40.1, 4.2], [40.1, 24.7], [59.6, 24.7], [59.6, 59.4], [
    4.3,
    59.4,
  ]];
  c.fillPolygon(l, WHITE);
  assert.ok(Math.abs(coveredArea(c) - polygonArea(l)) <= 0.01 * polygonArea(l));
  assert.deepEqual(c.getPixel(50, 14), [0, 0, 0, 255]);
  assert.deepEqual(c.getPixel(20, 14), [255, 255, 255, 255]);

  // A five-pointed star with 10 vertices (concave at every inner vertex).
  const star: Vec2[] = Array.from({ length: 10 }, (_, k): Vec2 => {
    const r = k % 2 === 0 ? 28 : 11;
    const a = -Math.PI / 2 + (Math.PI * k) / 5;
    return [32.2 + r * Math.cos(a), 33.1 + r * Math.sin(a)];
  });
  const s = new Canvas(64, 64);
  s.fill(BLACK);
  s.fillPolygon(star, WHITE);
  const want = polygonArea(star);
  assert.ok(Math.abs(coveredArea(s) - want) <= 0.01 * want, `${coveredArea(s)} vs ${want}`);
  // Between two arms, inside the star's hull but outside the star.
  assert.deepEqual(s.getPixel(32, 52), [0, 0, 0, 255]);
});

Deno.test("polygons clipped by the canvas cover exactly their visible part", () => {
  const rand = lcg(11);
  for (let trial = 0; trial < 20; trial++) {
    const c = new Canvas(50, 40);
    c.fill(BLACK);
    const pts = regularPolygon(
      3 + (trial % 6),
      (rand() - 0.2) * 60,
      (rand() - 0.2) * 50,
      10 + rand() * 30,
      rand() * 6,
    );
    c.fillPolygon(pts, WHITE);
    const visible = clipToRect(pts, 50, 40);
    const want = visible.length >= 3 ? polygonArea(visible) : 0;
    const got = coveredArea(c);
    assert.ok(
      Math.abs(got - want) <= Math.max(0.5, 0.01 * want),
      `trial ${trial}: ${got} vs ${want}`,
    );
  }
});

Deno.test("anti-aliasing gives intermediate values on edges", () => {
  const c = new Canvas(20, 10);
  c.fill(BLACK);
  c.fillPolygon([[5.5, 0], [20, 0], [20, 10], [5.5, 10]], WHITE);
  assert.deepEqual(c.getPixel(4, 5), [0, 0, 0, 255]);
  assert.equal(c.getPixel(5, 5)[0], 128); // half covered
  assert.deepEqual(c.getPixel(6, 5), [255, 255, 255, 255]);

  // A sloped edge: each column's coverage equals the exact area under the line.
  const d = new Canvas(40, 40);
  d.fill(BLACK);
  const y = (x: number) => 10 + 0.37 * x; // edge from (0, 10) to (40, 24.8)
  d.fillPolygon([[0, y(0)], [40, y(40)], [40, 40], [0, 40]], WHITE);
  let partial = 0;
  for (let col = 0; col < 40; col++) {
    let sum = 0;
    for (let row = 0; row < 40; row++) {
      const v = d.getPixel(col, row)[0];
      sum += v / 255;
      if (v > 0 && v < 255) partial++;
    }
    assert.ok(Math.abs(sum - (40 - y(col + 0.5))) < 0.02, `column ${col}: ${sum}`);
  }
  assert.ok(partial >= 40, `expected anti-aliased pixels along the edge, got ${partial}`);
});

Deno.test("adjacent polygons in one path show no seam", () => {
  const c = new Canvas(20, 10);
  c.fill(BLACK);
  c.fillPath(
    [[[2, 2], [10.3, 2], [10.3, 8], [2, 8]], [[10.3, 2], [18, 2], [18, 8], [10.3, 8]]],
    WHITE,
  );
  assert.deepEqual(c.getPixel(10, 5), [255, 255, 255, 255]);
});

Deno.test("alpha blending: source-over on opaque and transparent pixels", () => {
  const c = new Canvas(4, 4);
  c.fill([0, 0, 255]);
  c.fillPolygon([[0, 0], [4, 0], [4, 4], [0, 4]], [255, 0, 0, 128]);
  const [r, g, b, a] = c.getPixel(1, 1);
  assert.ok(Math.abs(r - 128) <= 1 && g === 0 && Math.abs(b - 127) <= 1 && a === 255);

  const t = new Canvas(4, 4); // transparent black
  t.fillPolygon([[0, 0], [4, 0], [4, 4], [0, 4]], [255, 0, 0, 128]);
  assert.deepEqual(t.getPixel(2, 2), [255, 0, 0, 128]); // straight alpha keeps the colour
  t.fillPolygon([[0, 0], [4, 0], [4, 4], [0, 4]], [0, 0, 255, 128]);
  const [r2, , b2, a2] = t.getPixel(2, 2);
  assert.ok(Math.abs(a2 - 192) <= 1, `alpha ${a2}`);
  assert.ok(Math.abs(r2 - 85) <= 1 && Math.abs(b2 - 170) <= 1, `${r2} ${b2}`);
});

Deno.test("strokePolyline: width, coverage and joins", () => {
  const c = new Canvas(60, 30);
  c.fill(BLACK);
  c.strokePolyline([[5, 10], [50, 10]], 2, WHITE);
  assert.deepEqual(c.getPixel(20, 9), [255, 255, 255, 255]);
  assert.deepEqual(c.getPixel(20, 10), [255, 255, 255, 255]);
  assert.deepEqual(c.getPixel(20, 8), [0, 0, 0, 255]);
  assert.deepEqual(c.getPixel(20, 11), [0, 0, 0, 255]);
  // Length × width plus the two round caps.
  const want = 45 * 2 + Math.PI;
  assert.ok(Math.abs(coveredArea(c) - want) < 0.03 * want, `${coveredArea(c)} vs ${want}`);

  // A closed outline drawn once: the corner is not darker or brighter than the sides.
  const o = new Canvas(30, 30);
  o.fill(BLACK);
  o.strokePolyline(
    [[5.5, 5.5], [24.5, 5.5], [24.5, 24.5], [5.5, 24.5]],
    1,
    [255, 255, 255, 128],
    true,
  );
  assert.equal(o.getPixel(5, 5)[0], o.getPixel(15, 5)[0]);
  assert.equal(o.getPixel(15, 15)[0], 0);
});

Deno.test("fillCircle covers pi r^2 within 1%", () => {
  for (const r of [3, 7.5, 12]) {
    const c = new Canvas(40, 40);
    c.fill(BLACK);
    c.fillCircle(20.3, 19.6, r, WHITE);
    const want = Math.PI * r * r;
    assert.ok(Math.abs(coveredArea(c) - want) < 0.01 * want, `r=${r}: ${coveredArea(c)}`);
  }
});

Deno.test("invalid input is rejected with the bad value", () => {
  assert.throws(() => new Canvas(0, 4), /got 0 × 4/);
  assert.throws(() => new Canvas(2, 2, new Uint8ClampedArray(3)), /got 3/);
  const c = new Canvas(4, 4);
  assert.throws(() => c.fillPolygon([[0, 0], [NaN, 1], [2, 2]], WHITE), /NaN/);
  assert.throws(() => c.getPixel(4, 0), RangeError);
});

Deno.test("mixColor interpolates channels and alpha", () => {
  assert.deepEqual(mixColor([0, 0, 0], [255, 100, 50, 55], 0.5), [128, 50, 25, 155]);
  assert.deepEqual(mixColor([0, 0, 0], [255, 255, 255], 2), [255, 255, 255, 255]);
});
