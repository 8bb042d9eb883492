import assert from "node:assert/strict";
import { encodePng } from "../render/png.ts";
import { CartPole } from "./cartpole.ts";
import { CARTPOLE_COLORS, renderCartPole } from "./cartpole_render.ts";
import { make } from "./registry.ts";
import type { RgbaFrame } from "./types.ts";

function pixel(f: RgbaFrame, x: number, y: number): number[] {
  const i = (y * f.width + x) * 4;
  return [f.data[i], f.data[i + 1], f.data[i + 2]];
}

const same = (a: readonly number[], b: readonly number[]) => a.every((v, i) => v === b[i]);

/** Pixels of exactly the pole colour, and their mean position. */
function poleCentroid(f: RgbaFrame): { n: number; x: number; y: number } {
  let n = 0, sx = 0, sy = 0;
  for (let y = 0; y < f.height; y++) {
    for (let x = 0; x < f.width; x++) {
      if (same(pixel(f, x, y), CARTPOLE_COLORS.pole)) {
        n++;
        sx += x + 0.5;
        sy += y + 0.5;
      }
    }
  }
  return { n, x: sx / n, y: sy / n };
}

Deno.test("renderCartPole draws Gymnasium's 600 × 400 scene", () => {
  const f = renderCartPole([0, 0, 0, 0]);
  assert.equal(f.width, 600);
  assert.equal(f.height, 400);
  assert.equal(f.data.length, 600 * 400 * 4);
  assert.deepEqual(pixel(f, 5, 5), [255, 255, 255]);
  // The track: pygame's row 100 from the bottom is row 299 from the top.
  assert.deepEqual(pixel(f, 5, 299), [0, 0, 0]);
  assert.deepEqual(pixel(f, 5, 298), [255, 255, 255]);
  assert.deepEqual(pixel(f, 595, 300), [255, 255, 255]);
  // The cart: 50 × 30, centred on x = 300 and 100 px above the bottom: rows 285..314.
  for (const [x, y] of [[276, 286], [323, 313], [300, 310]]) {
    assert.deepEqual(pixel(f, x, y), [0, 0, 0], `cart at (${x}, ${y})`);
  }
  assert.deepEqual(pixel(f, 273, 300), [255, 255, 255]);
  assert.deepEqual(pixel(f, 326, 300), [255, 255, 255]);
  assert.deepEqual(pixel(f, 300, 316), [255, 255, 255]);
  // The axle disc at the hinge, 7.5 px above the cart's centre, and the upright pole above it.
  assert.deepEqual(pixel(f, 300, 292), [...CARTPOLE_COLORS.axle]);
  assert.deepEqual(pixel(f, 300, 200), [...CARTPOLE_COLORS.pole]);
  assert.deepEqual(pixel(f, 297, 175), [...CARTPOLE_COLORS.pole]);
  // 125 px long from half its width below the hinge: its top edge is at 292.5 − 120 = 172.5.
  assert.deepEqual(pixel(f, 300, 173), [...CARTPOLE_COLORS.pole]);
  assert.deepEqual(pixel(f, 300, 171), [255, 255, 255]);
  assert.deepEqual(pixel(f, 306, 200), [255, 255, 255]);
});

Deno.test("renderCartPole moves the cart with x and leans the pole with θ", () => {
  const upright = poleCentroid(renderCartPole([0, 0, 0, 0]));
  assert.ok(Math.abs(upright.x - 300) < 0.01, `upright pole centred, got ${upright.x}`);
  const right = poleCentroid(renderCartPole([0, 0, 0.2, 0]));
  const left = poleCentroid(renderCartPole([0, 0, -0.2, 0]));
  // The pole's centre is ~57.5 px from the hinge: it moves by 57.5 sin θ ≈ 11.4 px.
  assert.ok(Math.abs(right.x - (300 + 57.5 * Math.sin(0.2))) < 1.5, `right ${right.x}`);
  assert.ok(Math.abs(left.x - (300 - 57.5 * Math.sin(0.2))) < 1.5, `left ${left.x}`);
  assert.ok(right.y > upright.y, "a leaning pole's centre is lower");
  // The pixel straight above the hinge leaves the pole once it leans.
  const f = renderCartPole([0, 0, 0.2, 0]);
  assert.deepEqual(pixel(f, 300, 185), [255, 255, 255]);
  const tipX = Math.floor(300 + 110 * Math.sin(0.2)),
    tipY = Math.floor(292.5 - 110 * Math.cos(0.2));
  assert.deepEqual(pixel(f, tipX, tipY), [...CARTPOLE_COLORS.pole]);
  // x = 1 m is 125 px right of the centre.
  const moved = renderCartPole([1, 0, 0, 0]);
  assert.deepEqual(pixel(moved, 425, 300), [0, 0, 0]);
  assert.deepEqual(pixel(moved, 300, 305), [255, 255, 255]);
  assert.ok(Math.abs(poleCentroid(moved).x - 425) < 0.01);
});

Deno.test("renderCartPole scales with the width and rejects bad input", () => {
  const small = renderCartPole([0, 0, 0, 0], { width: 300 });
  assert.equal(small.width, 300);
  assert.equal(small.height, 200);
  assert.deepEqual(pixel(small, 150, 155), [0, 0, 0]);
  assert.throws(() => renderCartPole([0, 0, 0, 0], { width: 0 }), /got 0 × 0/);
  assert.throws(() => renderCartPole([0, 0]), /got 2 values/);
  assert.throws(() => renderCartPole([0, 0, NaN, 0]), /θ NaN/);
});

Deno.test("CartPole.render draws the env's state, also through make's wrappers", async () => {
  const env = new CartPole();
  env.reset({ seed: 3 });
  for (let i = 0; i < 8; i++) env.step(i % 2);
  assert.notEqual(env.state[0], 0);
  assert.deepEqual(env.render().data, renderCartPole(env.state).data);
  const made = make("CartPole-v1");
  assert.equal(typeof made.render, "function");
  made.reset({ seed: 0 });
  const frame = made.render!();
  assert.equal(frame.width, 600);
  const png = encodePng(frame);
  const path = Deno.env.get("CARTPOLE_PNG");
  if (path) await Deno.writeFile(path, png);
});
