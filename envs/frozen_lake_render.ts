/**
 * Draws a FrozenLake state on Gymnasium 1.x's layout: a grid of tiles `min(64 × cols, 512)` by
 * `min(64 × rows, 512)` px, each tile outlined in light blue, with the start, holes and goal
 * drawn on ice and the agent on its cell, facing the way of its last action (down before the
 * first). An agent in a hole is drawn as broken ice with its hat floating. The artwork is our
 * own (Gymnasium uses sprite images): flat shapes through `render/raster.ts`.
 *
 * @example
 * ```ts
 * import { renderFrozenLake } from "./frozen_lake_render.ts";
 * const frame = renderFrozenLake({
 *   desc: ["SFFF", "FHFH", "FFFH", "HFFG"],
 *   state: 0,
 *   lastAction: null,
 * }); // a 256 × 256 RgbaFrame
 * ```
 * @module
 */
import { Canvas, type Color, type Vec2 } from "../render/raster.ts";
import type { RgbaFrame } from "./types.ts";

/** What `renderFrozenLake` draws. */
export interface FrozenLakeView {
  /** Map rows of `S` start, `F` frozen, `H` hole, `G` goal. */
  desc: readonly string[];
  /** The agent's cell, `row × cols + col`. */
  state: number;
  /** The last action (0 left, 1 down, 2 right, 3 up), or `null` before the first step. */
  lastAction: number | null;
}

/** Options of `renderFrozenLake`. */
export interface FrozenLakeRenderOptions {
  /** Tile size in pixels (default: Gymnasium's, 64 px until the map exceeds 512 px). */
  cellSize?: number;
}

/** The colours of the scene; `grid` is Gymnasium's tile outline, the rest our own. */
export const FROZEN_LAKE_COLORS = {
  /** Tile outline (Gymnasium's). */
  grid: [180, 200, 230],
  /** Behind the tiles, where the cells do not fill the window. */
  background: [24, 40, 64],
  /** Ice. */
  ice: [214, 234, 247],
  /** Light streaks on the ice. */
  iceShine: [240, 249, 255],
  /** Faint scratches on the ice. */
  iceScratch: [186, 212, 232],
  /** The snowy rim of a hole. */
  rim: [246, 251, 255],
  /** Open water of a hole. */
  water: [28, 62, 112],
  /** The deep middle of a hole. */
  deep: [12, 30, 64],
  /** Glints on the water. */
  glint: [120, 170, 220],
  /** Cracks around a hole the agent fell into. */
  crack: [110, 150, 190],
  /** The goal: a present. */
  present: [210, 46, 60],
  /** Its lid, a shade darker. */
  presentLid: [178, 32, 48],
  /** Its ribbon and bow. */
  ribbon: [250, 200, 60],
  /** The start: a wooden stool's seat. */
  seat: [190, 130, 74],
  /** The stool's legs and seat edge. */
  wood: [130, 82, 42],
  /** The agent's tunic. */
  tunic: [40, 140, 84],
  /** Its belt and boots. */
  boots: [70, 46, 30],
  /** Its face and hands. */
  skin: [250, 214, 178],
  /** Its hair, seen from behind. */
  hair: [150, 90, 40],
  /** Its hat. */
  hat: [200, 36, 52],
  /** The hat's bobble and brim. */
  fur: [255, 255, 255],
  /** Its eyes. */
  eye: [30, 30, 40],
  /** A soft shadow under the agent and objects. */
  shadow: [90, 120, 160, 90],
} as const satisfies Record<string, Color>;

const C = FROZEN_LAKE_COLORS;

/** Gymnasium's window: 64 px a tile, at most 512 px a side. */
const DEFAULT_CELL = 64;
const MAX_WINDOW = 512;

/** A tile's painter: draws in unit coordinates of the tile (0..1 across and down). */
type Pen = {
  poly(points: readonly Vec2[], color: Color): void;
  ellipse(cx: number, cy: number, rx: number, ry: number, color: Color): void;
  line(points: readonly Vec2[], width: number, color: Color): void;
};

/**
 * Renders the lake with the agent on `view.state`. The frame is `cols × rows` tiles of
 * Gymnasium's size unless `options.cellSize` is given.
 */
export function renderFrozenLake(
  view: FrozenLakeView,
  options: FrozenLakeRenderOptions = {},
): RgbaFrame {
  const { desc, state, lastAction } = view;
  const rows = desc.length;
  const cols = rows > 0 ? desc[0].length : 0;
  if (rows === 0 || cols === 0 || desc.some((r) => r.length !== cols)) {
    throw new RangeError(
      `FrozenLake desc must be non-empty rows of equal length, got ${JSON.stringify(desc)}`,
    );
  }
  if (!Number.isInteger(state) || state < 0 || state >= rows * cols) {
    throw new RangeError(
      `FrozenLake state must be an integer in 0..${rows * cols - 1}, got ${state}`,
    );
  }
  if (lastAction !== null && !(Number.isInteger(lastAction) && lastAction >= 0 && lastAction < 4)) {
    throw new RangeError(`FrozenLake lastAction must be 0..3 or null, got ${lastAction}`);
  }
  let width: number, height: number, cellW: number, cellH: number;
  if (options.cellSize !== undefined) {
    const s = options.cellSize;
    if (!Number.isInteger(s) || s < 8) {
      throw new RangeError(`FrozenLake cellSize must be an integer ≥ 8, got ${s}`);
    }
    cellW = cellH = s;
    width = s * cols;
    height = s * rows;
  } else {
    width = Math.min(DEFAULT_CELL * cols, MAX_WINDOW);
    height = Math.min(DEFAULT_CELL * rows, MAX_WINDOW);
    cellW = Math.floor(width / cols);
    cellH = Math.floor(height / rows);
  }
  const canvas = new Canvas(width, height);
  canvas.fill(C.background);
  const pen = (col: number, row: number): Pen => {
    const x0 = col * cellW, y0 = row * cellH;
    const map = (p: Vec2): Vec2 => [x0 + p[0] * cellW, y0 + p[1] * cellH];
    return {
      poly: (points, color) => canvas.fillPolygon(points.map(map), color),
      ellipse: (cx, cy, rx, ry, color) =>
        canvas.fillPolygon(ellipse(cx, cy, rx, ry).map(map), color),
      line: (points, w, color) => canvas.strokePolyline(points.map(map), w * cellW, color),
    };
  };

  const agentRow = Math.floor(state / cols), agentCol = state % cols;
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      const p = pen(col, row);
      drawIce(p, (row * 7 + col * 3) % 4);
      const tile = desc[row][col];
      const agentHere = row === agentRow && col === agentCol;
      if (tile === "H") drawHole(p, agentHere);
      else if (tile === "G") drawPresent(p);
      else if (tile === "S") drawStool(p);
      // Gymnasium's 1-px tile outline.
      const x0 = col * cellW, y0 = row * cellH;
      canvas.strokePolyline(
        [[x0 + 0.5, y0 + 0.5], [x0 + cellW - 0.5, y0 + 0.5], [x0 + cellW - 0.5, y0 + cellH - 0.5], [
          x0 + 0.5,
          y0 + cellH - 0.5,
        ]],
        1,
        C.grid,
        true,
      );
    }
  }
  if (desc[agentRow][agentCol] !== "H") drawAgent(pen(agentCol, agentRow), lastAction ?? 1);
  return canvas.toFrame();
}

/** A polygon approximating an ellipse, in the coordinates it is given. */
function ellipse(cx: number, cy: number, rx: number, ry: number, n = 40): Vec2[] {
  const pts: Vec2[] = [];
  for (let i = 0; i < n; i++) {
    const a = (2 * Math.PI * i) / n;
    pts.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
  }
  return pts;
}

/** Ice with two light streaks and a scratch; `variant` (0..3) varies them between tiles. */
function drawIce(p: Pen, variant: number): void {
  p.poly([[0, 0], [1, 0], [1, 1], [0, 1]], C.ice);
  const shift = variant * 0.12;
  p.line([[0.12 + shift, 0.38], [0.38 + shift, 0.12]], 0.05, C.iceShine);
  p.line([[0.2 + shift, 0.5], [0.5 + shift, 0.2]], 0.025, C.iceShine);
  if (variant % 2 === 0) p.line([[0.62, 0.82 - shift], [0.8, 0.74 - shift]], 0.018, C.iceScratch);
  else p.line([[0.18, 0.78], [0.3, 0.86], [0.42, 0.83]], 0.018, C.iceScratch);
}

/** An irregular hole in the ice; when the agent fell in, broken ice, ripples and its hat. */
function drawHole(p: Pen, fallen: boolean): void {
  if (fallen) {
    // Zigzag cracks running from the hole out to the tile's edges.
    const cracks: Vec2[][] = [
      [[0.3, 0.32], [0.2, 0.26], [0.16, 0.14], [0.04, 0.08]],
      [[0.72, 0.28], [0.8, 0.2], [0.86, 0.1], [0.97, 0.04]],
      [[0.82, 0.62], [0.9, 0.6], [0.94, 0.7], [1, 0.74]],
      [[0.4, 0.8], [0.34, 0.9], [0.38, 1]],
      [[0.2, 0.62], [0.08, 0.66], [0, 0.6]],
      [[0.16, 0.14], [0.26, 0.04]],
    ];
    for (const c of cracks) p.line(c, 0.03, C.crack);
  }
  const rim: Vec2[] = fallen
    // Broken: a jagged outline, wider than an intact hole.
    ? Array.from({ length: 18 }, (_, i): Vec2 => {
      const a = (2 * Math.PI * i) / 18;
      const r = i % 2 === 0 ? 0.4 : 0.3;
      return [0.5 + r * Math.cos(a), 0.5 + r * 0.92 * Math.sin(a)];
    })
    : [
      [0.16, 0.5],
      [0.2, 0.3],
      [0.36, 0.18],
      [0.58, 0.16],
      [0.78, 0.26],
      [0.86, 0.46],
      [0.82, 0.68],
      [0.64, 0.84],
      [0.4, 0.84],
      [0.22, 0.72],
    ];
  p.poly(rim, C.rim);
  const inset = (pts: readonly Vec2[], k: number, dy = 0): Vec2[] =>
    pts.map(([x, y]) => [0.51 + (x - 0.51) * k, 0.51 + dy + (y - 0.51) * k]);
  // Broken ice opens a round pool inside its jagged edge.
  if (fallen) p.ellipse(0.5, 0.52, 0.29, 0.26, C.water);
  else p.poly(inset(rim, 0.84, 0.02), C.water);
  p.ellipse(0.53, 0.56, 0.16, 0.12, C.deep);
  if (fallen) {
    // Ripples around the hat, floating ice shards, and the hat: red cone, white brim and bobble.
    p.line(ellipse(0.5, 0.62, 0.25, 0.1, 32).concat([[0.75, 0.62]]), 0.018, C.glint);
    p.line(ellipse(0.5, 0.62, 0.17, 0.065, 28).concat([[0.67, 0.62]]), 0.018, C.glint);
    p.poly([[0.24, 0.46], [0.3, 0.42], [0.32, 0.5]], C.rim);
    p.poly([[0.7, 0.72], [0.78, 0.68], [0.76, 0.76]], C.rim);
    p.poly([[0.38, 0.6], [0.62, 0.6], [0.54, 0.36], [0.5, 0.33]], C.hat);
    p.ellipse(0.5, 0.6, 0.14, 0.04, C.fur);
    p.ellipse(0.5, 0.33, 0.045, 0.045, C.fur);
  } else {
    p.line([[0.34, 0.44], [0.44, 0.38]], 0.03, C.glint);
    p.line([[0.62, 0.7], [0.7, 0.64]], 0.025, C.glint);
  }
}

/** The goal: a wrapped present with a bow. */
function drawPresent(p: Pen): void {
  p.ellipse(0.5, 0.84, 0.32, 0.07, C.shadow);
  p.poly([[0.24, 0.44], [0.76, 0.44], [0.76, 0.84], [0.24, 0.84]], C.present);
  p.poly([[0.2, 0.34], [0.8, 0.34], [0.8, 0.46], [0.2, 0.46]], C.presentLid);
  p.poly([[0.45, 0.34], [0.55, 0.34], [0.55, 0.84], [0.45, 0.84]], C.ribbon);
  // The bow: two loops and a knot on the lid.
  p.poly([[0.5, 0.34], [0.3, 0.18], [0.26, 0.3]], C.ribbon);
  p.poly([[0.5, 0.34], [0.7, 0.18], [0.74, 0.3]], C.ribbon);
  p.ellipse(0.5, 0.33, 0.05, 0.04, C.presentLid);
}

/** The start: a three-legged wooden stool. */
function drawStool(p: Pen): void {
  p.ellipse(0.5, 0.82, 0.26, 0.06, C.shadow);
  p.line([[0.34, 0.56], [0.28, 0.82]], 0.05, C.wood);
  p.line([[0.66, 0.56], [0.72, 0.82]], 0.05, C.wood);
  p.line([[0.5, 0.6], [0.5, 0.86]], 0.05, C.wood);
  p.ellipse(0.5, 0.56, 0.24, 0.09, C.wood);
  p.ellipse(0.5, 0.53, 0.24, 0.08, C.seat);
}

/** The agent: a small figure in a red hat, facing `action`'s way (0 left … 3 up). */
function drawAgent(p: Pen, action: number): void {
  // Facing as a horizontal offset of face features: left −1, right +1, down or up 0.
  const face = action === 0 ? -1 : action === 2 ? 1 : 0;
  const back = action === 3;
  p.ellipse(0.5, 0.88, 0.2, 0.05, C.shadow);
  // Boots and tunic.
  p.ellipse(0.41 + face * 0.03, 0.86, 0.07, 0.04, C.boots);
  p.ellipse(0.59 + face * 0.03, 0.86, 0.07, 0.04, C.boots);
  p.poly([[0.34, 0.84], [0.38, 0.56], [0.62, 0.56], [0.66, 0.84]], C.tunic);
  p.poly([[0.36, 0.7], [0.64, 0.7], [0.645, 0.74], [0.355, 0.74]], C.boots);
  // Arms: swung forward on the facing side when walking sideways.
  const armL: Vec2 = face === 0 ? [0.28, 0.74] : [0.5 + face * 0.2, 0.7];
  const armR: Vec2 = face === 0 ? [0.72, 0.74] : [0.5 + face * 0.14, 0.74];
  p.line([[0.39, 0.6], armL], 0.07, C.tunic);
  p.line([[0.61, 0.6], armR], 0.07, C.tunic);
  p.ellipse(armL[0], armL[1], 0.04, 0.04, C.skin);
  p.ellipse(armR[0], armR[1], 0.04, 0.04, C.skin);
  // Head, then hair from behind or eyes in front.
  p.ellipse(0.5, 0.44, 0.15, 0.14, back ? C.hair : C.skin);
  if (!back) {
    const eyeY = 0.46;
    if (face === 0) {
      p.ellipse(0.44, eyeY, 0.022, 0.03, C.eye);
      p.ellipse(0.56, eyeY, 0.022, 0.03, C.eye);
    } else {
      p.ellipse(0.5 + face * 0.03, eyeY, 0.022, 0.03, C.eye);
      p.ellipse(0.5 + face * 0.11, eyeY, 0.02, 0.028, C.eye);
      p.ellipse(0.5 - face * 0.13, 0.46, 0.03, 0.04, C.skin); // the ear on the far side
    }
  }
  // The hat: a cone leaning away from the facing side, with its brim and bobble.
  const tipX = 0.5 - face * 0.16;
  p.poly([[0.33, 0.36], [0.67, 0.36], [tipX + 0.04, 0.14], [tipX, 0.1]], C.hat);
  p.ellipse(tipX, 0.1, 0.05, 0.05, C.fur);
  p.ellipse(0.5, 0.36, 0.18, 0.045, C.fur);
}
