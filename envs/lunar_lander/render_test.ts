import assert from "node:assert/strict";
import { encodePng } from "../../render/png.ts";
import type { RgbaFrame } from "../types.ts";
import { flameColor, LANDER_COLORS, LANDER_PALETTE, renderLanderScene } from "./render.ts";
import type { FlameParticle, LanderScene, Point } from "./scene.ts";

// Gymnasium's geometry, in its pixels; the scene is in metres (÷ 30).
const SCALE = 30;
const W = 600 / SCALE;
const H = 400 / SCALE;
const LANDER_POLY: readonly Point[] = [[-14, 17], [-17, 0], [-17, -10], [17, -10], [17, 0], [
  14,
  17,
]];
const HELIPAD_Y = H / 4;
const TERRAIN_Y = [4.8, 5.9, 4.2, 3.6, HELIPAD_Y, HELIPAD_Y, HELIPAD_Y, 3.9, 5.2, 6.1, 4.5];

/** Local points (pixels) placed at a body position (metres) and angle. */
function place(local: readonly Point[], x: number, y: number, angle: number): Point[] {
  const c = Math.cos(angle), s = Math.sin(angle);
  return local.map(([px, py]): Point => {
    const lx = px / SCALE, ly = py / SCALE;
    return [x + c * lx - s * ly, y + s * lx + c * ly];
  });
}

const LEG_BOX: readonly Point[] = [[-2, -8], [2, -8], [2, 8], [-2, 8]];

/** A fake scene with the lander at `(x, y)`, its legs hanging below as in Gymnasium. */
function fakeScene(
  x: number,
  y: number,
  angle = 0,
  extra: Partial<LanderScene> = {},
): LanderScene {
  const legs = [-1, 1].map((i) => {
    // Gymnasium's joint holds the leg's point (i·20, 18) px at the body centre.
    const c = Math.cos(angle), s = Math.sin(angle);
    const ox = (-i * 20) / SCALE, oy = -18 / SCALE;
    return place(LEG_BOX, x + c * ox - s * oy, y + s * ox + c * oy, angle + i * 0.05);
  });
  return {
    width: W,
    height: H,
    terrain: TERRAIN_Y.map((ty, i): Point => [(i * W) / 10, ty]),
    helipad: { x1: (4 * W) / 10, x2: (6 * W) / 10, y: HELIPAD_Y },
    lander: place(LANDER_POLY, x, y, angle),
    legs,
    legContact: [false, false],
    particles: [],
    crashed: false,
    ...extra,
  };
}

/** RGBA of pixel (x, y). */
function pixel(frame: RgbaFrame, x: number, y: number): number[] {
  const i = (y * frame.width + x) * 4;
  return [...frame.data.subarray(i, i + 4)];
}

/** A plume of particles below the main engine, oldest lowest. */
function plume(x: number, y: number, n: number): FlameParticle[] {
  return Array.from({ length: n }, (_, k) => ({
    x: x + Math.sin(k * 1.7) * 0.08 * (1 + k / 4),
    y: y - 0.45 - k * 0.09,
    life: 1 - k / n,
  }));
}

Deno.test("start scene: black sky, purple lander, white ground, yellow flags", () => {
  const frame = renderLanderScene(fakeScene(W / 2, H));
  assert.equal(frame.width, 600);
  assert.equal(frame.height, 400);
  assert.equal(frame.data.length, 600 * 400 * 4);
  assert.deepEqual(pixel(frame, 20, 2), [0, 0, 0, 255], "sky");
  assert.deepEqual(pixel(frame, 300, 5), [128, 102, 230, 255], "inside the lander");
  assert.deepEqual(pixel(frame, 300, 390), [255, 255, 255, 255], "below the terrain");
  assert.deepEqual(pixel(frame, 30, 300), [255, 255, 255, 255], "below a hill");
  // Flag at x1 = 8 m = 240 px: pole base at 400 - 100 = 300 px, top at 250 px.
  assert.deepEqual(pixel(frame, 246, 255), [204, 204, 0, 255], "flag");
  assert.deepEqual(pixel(frame, 366, 255), [204, 204, 0, 255], "second flag");
  assert.deepEqual(pixel(frame, 240, 270), [255, 255, 255, 255], "pole");
  assert.deepEqual(pixel(frame, 243, 270), [0, 0, 0, 255], "sky beside the pole");
  // The outline: just inside the lander's bottom edge (y = 13.333 - 10/30 m → 10 px).
  const edge = pixel(frame, 300, 9);
  assert.ok(edge[2] < 230 && edge[2] >= 120, `outline pixel ${edge}`);
  // Legs hang at x = 300 ± 20 px, centre 18 px below the body centre.
  assert.deepEqual(pixel(frame, 280, 18), [128, 102, 230, 255], "left leg");
  assert.deepEqual(pixel(frame, 320, 18), [128, 102, 230, 255], "right leg");
});

Deno.test("terrain edge is anti-aliased with exact coverage", () => {
  const frame = renderLanderScene(fakeScene(W / 2, H));
  // First chunk: from (0, 4.8 m) to (60 px, 5.9 m); in pixels y = 256 → 223.
  const lineY = (x: number) => 400 - (4.8 + (5.9 - 4.8) * (x / 60)) * SCALE;
  let partial = 0;
  for (const col of [10, 30, 50]) {
    let white = 0;
    for (let row = 0; row < 400; row++) {
      const v = pixel(frame, col, row)[1];
      white += v / 255;
      if (v > 0 && v < 255) partial++;
    }
    assert.ok(Math.abs(white - (400 - lineY(col + 0.5))) < 0.02, `column ${col}: ${white}`);
  }
  assert.ok(partial >= 2, "edge pixels should be intermediate grey");
});

Deno.test("leg contact is highlighted green, crash tints the lander red", () => {
  // Landed on the pad: leg bottoms at y - 18/30 - 8/30 m.
  const landedY = HELIPAD_Y + 26 / SCALE;
  const landed = fakeScene(W / 2, landedY, 0, { legContact: [true, false] });
  const frame = renderLanderScene(landed);
  const greenish = (x0: number, x1: number) => {
    for (let x = x0; x < x1; x++) {
      for (let y = 270; y < 300; y++) {
        const [r, g, b] = pixel(frame, x, y);
        if (g > r + 60 && g > b + 60) return true;
      }
    }
    return false;
  };
  // Leg 0 (i = -1) hangs on the right, leg 1 on the left.
  assert.ok(greenish(312, 330), "touching leg should have a green outline");
  assert.ok(!greenish(270, 290), "the other leg should not");

  const crashed = renderLanderScene(fakeScene(W / 2, 8, 0.4, { crashed: true }));
  const normal = renderLanderScene(fakeScene(W / 2, 8, 0.4));
  const cy = 400 - 8 * SCALE;
  const [r, g, b] = pixel(crashed, 300, cy);
  assert.deepEqual(pixel(normal, 300, cy), [128, 102, 230, 255]);
  assert.ok(r > 128 + 30 && g < 102 && b < 230, `crashed body ${[r, g, b]}`);
});

Deno.test("flame particles: bright when fresh, red when old, drawn behind the lander", () => {
  const fresh = flameColor(1);
  const old = flameColor(0);
  assert.ok(fresh[0] > 240 && fresh[1] > 200, `fresh ${fresh}`);
  assert.ok(old[0] > 2 * old[1] && old[0] > 2 * old[2], `old ${old}`);
  assert.ok((old[3] ?? 255) < (fresh[3] ?? 255), "old particles fade");

  const scene = fakeScene(W / 2, 8, 0, {
    particles: [
      { x: 4, y: 10, life: 1 },
      { x: 5, y: 10, life: 0.05 },
      { x: W / 2, y: 8, life: 1 }, // hidden by the lander body
    ],
  });
  const frame = renderLanderScene(scene);
  const [r1, g1] = pixel(frame, 120, 100);
  assert.ok(r1 > 230 && g1 > 180, `fresh particle ${[r1, g1]}`);
  const [r2, g2, b2] = pixel(frame, 150, 100);
  assert.ok(r2 > 30 && r2 > 2 * g2 && r2 > 2 * b2, `old particle ${[r2, g2, b2]}`);
  assert.deepEqual(pixel(frame, 300, 160), [128, 102, 230, 255]);
});

Deno.test("other sizes keep the aspect ratio and scale the drawing", () => {
  const small = renderLanderScene(fakeScene(W / 2, H), { width: 300 });
  assert.equal(small.height, 200);
  assert.deepEqual(pixel(small, 150, 2), [128, 102, 230, 255]);
  assert.deepEqual(pixel(small, 150, 195), [255, 255, 255, 255]);
  assert.throws(() => renderLanderScene(fakeScene(W / 2, H), { width: 0 }), /got 0 × 0/);
});

Deno.test("LANDER_PALETTE holds the scene colours and fits a GIF", () => {
  assert.ok(LANDER_PALETTE.length <= 256);
  const has = (c: readonly number[]) =>
    LANDER_PALETTE.some(([r, g, b]) => r === c[0] && g === c[1] && b === c[2]);
  for (const c of Object.values(LANDER_COLORS)) {
    if (c !== LANDER_COLORS.crash) assert.ok(has(c), `missing ${c}`);
  }
});

Deno.test("render time of a 600 × 400 frame", () => {
  const scenes = Array.from(
    { length: 50 },
    (_, k) =>
      fakeScene(W / 2 + Math.sin(k / 7), H - k * 0.15, 0.1 * Math.sin(k / 5), {
        particles: plume(W / 2, H - k * 0.15, 20),
      }),
  );
  for (const s of scenes.slice(0, 10)) renderLanderScene(s); // warm up the JIT
  const t0 = performance.now();
  for (const s of scenes) renderLanderScene(s);
  const ms = (performance.now() - t0) / scenes.length;
  // Speed is reported, not asserted (benchmarks measure; tests check behaviour).
  console.log(`renderLanderScene 600x400: ${ms.toFixed(2)} ms/frame`);
});

Deno.test("example frame as PNG (LANDER_PNG=path to keep it)", async () => {
  const y = 6.2;
  const scene = fakeScene(W / 2 + 0.8, y, 0.12, {
    particles: [...plume(W / 2 + 0.8 + 0.12 * 0.45, y, 24)],
    legContact: [false, false],
  });
  const png = encodePng(renderLanderScene(scene));
  assert.deepEqual([...png.subarray(1, 4)], [80, 78, 71]);
  const path = Deno.env.get("LANDER_PNG");
  if (path) await Deno.writeFile(path, png);
});

/** A 300-step descent: sways, fires the main engine, lands on the pad. */
function episode(steps: number): LanderScene[] {
  const padY = HELIPAD_Y + 26 / SCALE;
  return Array.from({ length: steps }, (_, k) => {
    const t = k / (steps - 1);
    const x = W / 2 + 1.5 * Math.sin(t * 5) * (1 - t);
    const y = H - (H - padY) * Math.sqrt(t);
    const angle = 0.25 * Math.sin(t * 9) * (1 - t);
    const firing = t < 0.95;
    return fakeScene(x, y, angle, {
      particles: firing ? plume(x, y, 10 + (k % 7)) : [],
      legContact: t >= 0.99 ? [true, true] : [false, false],
    });
  });
}

/** Frame count, delays and rectangles of a GIF, walking its blocks. */
function gifFrames(bytes: Uint8Array): { rects: number[][]; delays: number[] } {
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 6)), "GIF89a");
  let pos = 13 + (bytes[10] & 0x80 ? 3 << ((bytes[10] & 7) + 1) : 0);
  const skip = () => {
    while (bytes[pos] !== 0) pos += bytes[pos] + 1;
    pos++;
  };
  const rects: number[][] = [], delays: number[] = [];
  for (;;) {
    const block = bytes[pos++];
    if (block === 0x3b) return { rects, delays };
    if (block === 0x21) {
      if (bytes[pos] === 0xf9) delays.push(bytes[pos + 3] | (bytes[pos + 4] << 8));
      pos++;
      skip();
    } else {
      assert.equal(block, 0x2c);
      const u16 = (i: number) => bytes[pos + i] | (bytes[pos + i + 1] << 8);
      rects.push([u16(0), u16(2), u16(4), u16(6)]);
      const flags = bytes[pos + 8];
      pos += 9 + (flags & 0x80 ? 3 << ((flags & 7) + 1) : 0) + 1; // + LZW minimum code size
      skip();
    }
  }
}

Deno.test("LANDER_PALETTE holds every colour of a rendered episode closely", () => {
  const palette = LANDER_PALETTE;
  let worst = 0, total = 0, n = 0;
  const seen = new Map<number, number>();
  for (const scene of episode(60).filter((_, k) => k % 6 === 0)) {
    const { data } = renderLanderScene(scene);
    for (let i = 0; i < data.length; i += 4) {
      const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      let d = seen.get(key);
      if (d === undefined) {
        d = Math.min(
          ...palette.map(([r, g, b]) => Math.hypot(r - data[i], g - data[i + 1], b - data[i + 2])),
        );
        seen.set(key, d);
      }
      worst = Math.max(worst, d);
      total += d;
      n++;
    }
  }
  console.log(`palette error: mean ${(total / n).toFixed(3)}, worst ${worst.toFixed(1)} (RGB)`);
  assert.ok(total / n < 0.5, `mean palette error ${total / n}`);
  assert.ok(worst < 60, `worst palette error ${worst}`);
});

Deno.test("a 300-frame episode GIF: size and encode time", async () => {
  const { GifWriter } = await import("../../render/gif.ts");
  const scenes = episode(300);
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/episode.gif`;
    const gif = new GifWriter(path, { fps: 50, palette: LANDER_PALETTE });
    let renderMs = 0, encodeMs = 0;
    for (const scene of scenes) {
      const t0 = performance.now();
      const frame = renderLanderScene(scene);
      const t1 = performance.now();
      gif.addFrame(frame);
      encodeMs += performance.now() - t1;
      renderMs += t1 - t0;
    }
    const t2 = performance.now();
    const info = await gif.close();
    encodeMs += performance.now() - t2;
    console.log(
      `300 frames 600x400: render ${(renderMs / 300).toFixed(2)} ms/frame, ` +
        `GIF encode ${(encodeMs / 300).toFixed(2)} ms/frame (${encodeMs.toFixed(0)} ms), ` +
        `${(info.bytes / 1024).toFixed(0)} KiB (${(info.bytes / 300 / 1024).toFixed(1)} KiB/frame)`,
    );
    const keep = Deno.env.get("LANDER_GIF");
    if (keep) await Deno.copyFile(path, keep);
    const { rects, delays } = gifFrames(await Deno.readFile(path));
    assert.equal(rects.length, 300);
    assert.equal(info.frames, 300);
    assert.ok(delays.every((d) => d === 2), "50 fps is 2 cs per frame");
    assert.deepEqual(rects[0], [0, 0, 600, 400]);
    assert.ok(rects.slice(1).every(([, , w, h]) => w * h < 600 * 400 / 4), "later frames partial");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
