/**
 * Draws a `LanderScene` the way Gymnasium's `LunarLander.render()` does: black sky, white moon
 * surface, yellow helipad flags, purple lander with a darker outline, flame particles.
 * Scale is `width / scene.width` pixels per metre (30 at the default 600 × 400), y flipped so
 * the ground is at the bottom of the image.
 *
 * @example
 * ```ts
 * import { renderLanderScene } from "./render.ts";
 * const frame = renderLanderScene({
 *   width: 20,
 *   height: 40 / 3,
 *   terrain: [[0, 4], [8, 3.3], [12, 3.3], [20, 5]],
 *   helipad: { x1: 8, x2: 12, y: 3.3 },
 *   lander: [[9.5, 10], [10.5, 10], [10.5, 10.5], [9.5, 10.5]],
 *   legs: [],
 *   legContact: [false, false],
 *   particles: [],
 *   crashed: false,
 * }); // a 600 × 400 RgbaFrame
 * ```
 * @module
 */
import { Canvas, type Color, mixColor, type Vec2 } from "../../render/raster.ts";
import type { RgbaFrame } from "../types.ts";
import type { LanderScene, Point } from "./scene.ts";

/** Options of `renderLanderScene`. */
export interface LanderRenderOptions {
  /** Image width in pixels (default 600, Gymnasium's VIEWPORT_W). */
  width?: number;
  /** Image height in pixels (default: keeps the world's aspect ratio, 400 for width 600). */
  height?: number;
}

/** The colours of the scene, Gymnasium's where it has one. */
export const LANDER_COLORS = {
  /** Sky above the terrain. */
  sky: [0, 0, 0],
  /** The moon surface. */
  moon: [255, 255, 255],
  /** Lander body and legs fill (Gymnasium's `color1`). */
  body: [128, 102, 230],
  /** Lander body and legs outline (Gymnasium's `color2`). */
  outline: [77, 77, 128],
  /** Helipad flags. */
  flag: [204, 204, 0],
  /** Flag poles. */
  pole: [255, 255, 255],
  /** Outline of a leg that touches the ground (not in Gymnasium: a cue for replays). */
  contact: [90, 220, 110],
  /** What the lander is tinted towards when it crashed. */
  crash: [255, 40, 40],
} as const satisfies Record<string, Color>;

/** Flame colour stops from a fresh particle (life 1) to a dying one (life 0). */
const FLAME_STOPS: readonly Color[] = [
  [150, 20, 10], // life 0: dark red
  [235, 70, 20], // life 1/3: red-orange
  [255, 190, 40], // life 2/3: yellow
  [255, 250, 215], // life 1: white-yellow
];

/** Sizes in Gymnasium's pixels at its 30 px/m scale, converted with the frame's scale. */
const REF_SCALE = 30;
const POLE_HEIGHT = 50;
const FLAG_HEIGHT = 10;
const FLAG_LENGTH = 25;
const PARTICLE_RADIUS = 2;
const OUTLINE_WIDTH = 1.5;
/** How far the crashed lander's colours move towards `LANDER_COLORS.crash`. */
const CRASH_TINT = 0.35;

/** The colour of a flame particle with `life` in [0, 1] (clamped); it also fades out. */
export function flameColor(life: number): Color {
  const l = life < 0 ? 0 : life > 1 ? 1 : life;
  const pos = l * (FLAME_STOPS.length - 1);
  const k = Math.min(FLAME_STOPS.length - 2, Math.floor(pos));
  const [r, g, b] = mixColor(FLAME_STOPS[k], FLAME_STOPS[k + 1], pos - k);
  return [r, g, b, Math.round(255 * (0.3 + 0.7 * l))];
}

/** Renders `scene` to a new RGBA frame (600 × 400 unless `options` say otherwise). */
export function renderLanderScene(
  scene: LanderScene,
  options: LanderRenderOptions = {},
): RgbaFrame {
  const width = options.width ?? 600;
  const scale = width / scene.width;
  const height = options.height ?? Math.round(scene.height * scale);
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new RangeError(`Render size must be positive integers, got ${width} × ${height}`);
  }
  const canvas = new Canvas(width, height);
  // World (metres, y up) to pixels (y down), anchored at the bottom like Gymnasium's flip.
  const px = (p: Point): Vec2 => [p[0] * scale, height - p[1] * scale];
  const ref = scale / REF_SCALE; // Gymnasium pixel sizes → this frame's pixels

  canvas.fill(LANDER_COLORS.sky);

  // The moon: one polygon from the terrain line down past the bottom edge. One shape rather
  // than Gymnasium's per-chunk sky quads, so no anti-aliasing seams appear between chunks.
  const terrain = scene.terrain.map(px);
  if (terrain.length >= 2) {
    const below = height + 2;
    canvas.fillPolygon(
      [...terrain, [terrain[terrain.length - 1][0], below], [terrain[0][0], below]],
      LANDER_COLORS.moon,
    );
  }

  // Particles first, so the lander is drawn over its own exhaust (Gymnasium's order).
  const radius = PARTICLE_RADIUS * ref;
  for (const p of scene.particles) {
    const [x, y] = px([p.x, p.y]);
    canvas.fillCircle(x, y, radius, flameColor(p.life));
  }

  const tint = (c: Color): Color =>
    scene.crashed ? mixColor(c, LANDER_COLORS.crash, CRASH_TINT) : c;
  const body = tint(LANDER_COLORS.body);
  const outline = tint(LANDER_COLORS.outline);
  const outlineWidth = Math.max(1, OUTLINE_WIDTH * ref);
  const lander = scene.lander.map(px);
  canvas.fillPolygon(lander, body);
  canvas.strokePolyline(lander, outlineWidth, outline, true);
  scene.legs.forEach((leg, i) => {
    const pts = leg.map(px);
    canvas.fillPolygon(pts, body);
    const touching = scene.legContact[i] ?? false;
    canvas.strokePolyline(pts, outlineWidth, touching ? LANDER_COLORS.contact : outline, true);
  });

  // Flags: a pole from the helipad up POLE_HEIGHT, a pennant hanging from its top.
  const { x1, x2, y } = scene.helipad;
  for (const flagX of [x1, x2]) {
    const [fx, base] = px([flagX, y]);
    // Centre the 1-px pole on a pixel column so it stays crisp, as pygame's line is.
    const poleX = Math.floor(fx) + 0.5;
    const top = base - POLE_HEIGHT * ref;
    canvas.strokePolyline([[poleX, base], [poleX, top]], Math.max(1, ref), LANDER_COLORS.pole);
    canvas.fillPolygon(
      [[poleX, top], [poleX, top + FLAG_HEIGHT * ref], [
        poleX + FLAG_LENGTH * ref,
        top + FLAG_HEIGHT * ref / 2,
      ]],
      LANDER_COLORS.flag,
    );
  }
  return canvas.toFrame();
}

/**
 * A GIF palette made for these frames: the scene's colours, the anti-aliased blends between
 * colours that meet at an edge, and the flame ramp over sky and ground. Pass it to
 * `GifWriter` so flames that appear after the first frame still get their own colours.
 */
export const LANDER_PALETTE: readonly (readonly [number, number, number])[] = (() => {
  const c = LANDER_COLORS;
  const crashed = (k: Color): Color => mixColor(k, c.crash, CRASH_TINT);
  const out = new Map<number, readonly [number, number, number]>();
  const add = (k: Color): void => {
    const key = (k[0] << 16) | (k[1] << 8) | k[2];
    if (out.size < 256 && !out.has(key)) out.set(key, [k[0], k[1], k[2]]);
  };
  const solids: Color[] = [c.sky, c.moon, c.body, c.outline, c.flag, c.contact];
  solids.push(crashed(c.body), crashed(c.outline));
  solids.forEach(add);
  // Pairs that share an edge in the picture, with how many steps their blends get: 16 for
  // the long edges (terrain, flags, outlines), 8 for the rest.
  const pairs: [Color, Color, number][] = [
    [c.sky, c.moon, 16],
    [c.sky, c.flag, 16],
    [c.sky, c.outline, 16],
    [c.body, c.outline, 16],
    [c.moon, c.outline, 16],
    [c.moon, c.flag, 8],
    [c.sky, c.contact, 8],
    [c.body, c.contact, 8],
    [c.moon, c.contact, 8],
    [c.sky, crashed(c.outline), 8],
    [crashed(c.body), crashed(c.outline), 8],
    [c.moon, crashed(c.outline), 8],
  ];
  for (const [a, b, steps] of pairs) {
    for (let k = 1; k < steps; k++) add(mixColor(a, b, k / steps));
  }
  // Flames: the ramp itself, then over the black sky and the white ground at partial cover.
  for (let k = 0; k <= 12; k++) {
    const f = flameColor(k / 12);
    const a = (f[3] ?? 255) / 255;
    add(mixColor(c.sky, f, a));
    add(mixColor(c.moon, f, a));
    add(mixColor(c.sky, f, a / 2));
    add(mixColor(c.body, f, a));
  }
  return [...out.values()];
})();
