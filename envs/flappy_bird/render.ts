/**
 * Draws a `FlappyBirdState` in upstream's layout with this project's own artwork: a sky with
 * clouds and hills, pipes with caps at the gap, a scrolling striped ground, the bird turned by
 * its visible rotation with its wing frame, and the score in block digits. 288 × 512 RGBA.
 *
 * @example
 * ```ts
 * import { renderFlappyBird } from "./render.ts";
 * const frame = renderFlappyBird({
 *   playerY: 244,
 *   playerVelY: -9,
 *   playerRot: 45,
 *   playerIdx: 0,
 *   loopIter: 0,
 *   score: 0,
 *   groundX: 0,
 *   pipes: [{ x: 200, upperY: -160, lowerY: 260 }],
 * }); // a 288 × 512 RgbaFrame
 * ```
 * @module
 */
import { Canvas, type Color, mixColor, type Vec2 } from "../../render/raster.ts";
import type { RgbaFrame } from "../types.ts";
import {
  BASE_SHIFT,
  GROUND_Y,
  PIPE_HEIGHT,
  PIPE_WIDTH,
  PLAYER_HEIGHT,
  PLAYER_ROT_THR,
  PLAYER_WIDTH,
  PLAYER_X,
  SCREEN_HEIGHT,
  SCREEN_WIDTH,
} from "./constants.ts";
import type { FlappyBirdState } from "./state.ts";

/** Options of {@link renderFlappyBird}. */
export interface FlappyBirdRenderOptions {
  /** Draw the score at the top centre (default true; upstream's `rgb_array` frames omit it). */
  showScore?: boolean;
}

/** The palette. */
export const FLAPPY_COLORS = {
  /** Sky at the top of the screen. */
  skyTop: [86, 170, 214],
  /** Sky at the horizon. */
  skyHorizon: [196, 236, 240],
  /** Clouds. */
  cloud: [250, 252, 255],
  /** Far hills. */
  hillFar: [160, 214, 170],
  /** Near hills. */
  hillNear: [118, 190, 122],
  /** Pipe body. */
  pipe: [88, 168, 62],
  /** Pipe highlight stripe. */
  pipeLight: [160, 224, 110],
  /** Pipe shaded side. */
  pipeShade: [58, 128, 44],
  /** Pipe outlines. */
  pipeEdge: [30, 66, 30],
  /** Grass on top of the ground. */
  grass: [132, 204, 78],
  /** Grass stripes. */
  grassStripe: [100, 172, 58],
  /** Soil below the grass. */
  soil: [214, 196, 132],
  /** Line along the top of the ground. */
  groundEdge: [70, 58, 38],
  /** Bird body. */
  body: [236, 96, 60],
  /** Bird belly. */
  belly: [250, 196, 120],
  /** Wing. */
  wing: [255, 236, 200],
  /** Beak. */
  beak: [250, 178, 40],
  /** Bird outlines and pupil. */
  ink: [44, 30, 28],
  /** Eye white and score fill. */
  white: [255, 255, 255],
} as const satisfies Record<string, Color>;

const C = FLAPPY_COLORS;
/** Height of a pipe's cap (the wider lip at the gap). */
const CAP_HEIGHT = 24;
/** How far the pipe body is inset from the cap on each side. */
const BODY_INSET = 3;
/** Height of the grass strip on top of the ground. */
const GRASS_HEIGHT = 14;
/** Period of the ground's stripes; it divides `BASE_SHIFT`, so the scroll wraps seamlessly. */
const STRIPE_PERIOD = 16;
/** One cell of the score digits, in pixels (digits are 3 × 5 cells). */
const DIGIT_CELL = 6;

/** Draws `state` (288 × 512). */
export function renderFlappyBird(
  state: FlappyBirdState,
  options: FlappyBirdRenderOptions = {},
): RgbaFrame {
  const canvas = new Canvas(SCREEN_WIDTH, SCREEN_HEIGHT);
  drawBackground(canvas);
  for (const p of state.pipes) drawPipePair(canvas, p.x, p.upperY, p.lowerY);
  drawGround(canvas, state.groundX);
  if (options.showScore ?? true) drawScore(canvas, state.score);
  drawBird(canvas, state.playerY, state.playerRot, state.playerIdx);
  return canvas.toFrame();
}

function rect(x: number, y: number, w: number, h: number): Vec2[] {
  return [[x, y], [x + w, y], [x + w, y + h], [x, y + h]];
}

/** Sky gradient, clouds and two rows of hills; static, as upstream's background is. */
function drawBackground(canvas: Canvas): void {
  const horizon = Math.floor(GROUND_Y);
  for (let y = 0; y < horizon; y += 4) {
    canvas.fillPolygon(rect(0, y, SCREEN_WIDTH, 4), mixColor(C.skyTop, C.skyHorizon, y / horizon));
  }
  const clouds: readonly [number, number, number][] = [
    [30, 318, 20],
    [62, 308, 26],
    [96, 320, 18],
    [170, 300, 22],
    [187, 310, 16],
    [204, 290, 30],
    [244, 304, 22],
    [280, 312, 18],
  ];
  for (const [x, y, r] of clouds) canvas.fillCircle(x, y, r, C.cloud);
  canvas.fillPolygon(rect(0, 316, SCREEN_WIDTH, horizon - 316), C.cloud);
  canvas.fillPolygon(hills(352, 18, 0.021, 1.3), C.hillFar);
  canvas.fillPolygon(hills(372, 14, 0.034, 0.2), C.hillNear);
}

/** A band of hills: a sine skyline around `base` down to the ground. */
function hills(base: number, height: number, freq: number, phase: number): Vec2[] {
  const pts: Vec2[] = [[0, GROUND_Y]];
  for (let x = 0; x <= SCREEN_WIDTH; x += 4) {
    const s = Math.sin(x * freq + phase) + 0.4 * Math.sin(x * freq * 2.7 + 2 * phase);
    pts.push([x, base - height * 0.5 * (1 + s / 1.4)]);
  }
  pts.push([SCREEN_WIDTH, GROUND_Y]);
  return pts;
}

/** An upper pipe (cap at its bottom) and a lower pipe (cap at its top). */
function drawPipePair(canvas: Canvas, x: number, upperY: number, lowerY: number): void {
  if (x >= SCREEN_WIDTH || x + PIPE_WIDTH <= 0) return;
  const gapTop = upperY + PIPE_HEIGHT;
  drawPipeBody(canvas, x, upperY, gapTop - CAP_HEIGHT);
  drawPipeCap(canvas, x, gapTop - CAP_HEIGHT);
  drawPipeBody(canvas, x, lowerY + CAP_HEIGHT, lowerY + PIPE_HEIGHT);
  drawPipeCap(canvas, x, lowerY);
}

function drawPipeBody(canvas: Canvas, x: number, y0: number, y1: number): void {
  const w = PIPE_WIDTH - 2 * BODY_INSET;
  const left = x + BODY_INSET;
  canvas.fillPolygon(rect(left, y0, w, y1 - y0), C.pipeEdge);
  canvas.fillPolygon(rect(left + 2, y0, w - 4, y1 - y0), C.pipe);
  canvas.fillPolygon(rect(left + 6, y0, 6, y1 - y0), C.pipeLight);
  canvas.fillPolygon(rect(left + w - 12, y0, 10, y1 - y0), C.pipeShade);
}

function drawPipeCap(canvas: Canvas, x: number, y: number): void {
  canvas.fillPolygon(rect(x, y, PIPE_WIDTH, CAP_HEIGHT), C.pipeEdge);
  canvas.fillPolygon(rect(x + 2, y + 2, PIPE_WIDTH - 4, CAP_HEIGHT - 4), C.pipe);
  canvas.fillPolygon(rect(x + 7, y + 2, 7, CAP_HEIGHT - 4), C.pipeLight);
  canvas.fillPolygon(rect(x + PIPE_WIDTH - 14, y + 2, 12, CAP_HEIGHT - 4), C.pipeShade);
}

/** Grass with slanted stripes that scroll with `groundX`, soil below. */
function drawGround(canvas: Canvas, groundX: number): void {
  const top = GROUND_Y;
  canvas.fillPolygon(rect(0, top, SCREEN_WIDTH, SCREEN_HEIGHT - top), C.soil);
  canvas.fillPolygon(rect(0, top, SCREEN_WIDTH, GRASS_HEIGHT), C.grass);
  const half = STRIPE_PERIOD / 2;
  for (let sx = groundX - STRIPE_PERIOD; sx < SCREEN_WIDTH + BASE_SHIFT; sx += STRIPE_PERIOD) {
    canvas.fillPolygon([
      [sx, top + GRASS_HEIGHT],
      [sx + half, top + GRASS_HEIGHT],
      [sx + half + GRASS_HEIGHT / 2, top],
      [sx + GRASS_HEIGHT / 2, top],
    ], C.grassStripe);
  }
  canvas.strokePolyline([[0, top], [SCREEN_WIDTH, top]], 2, C.groundEdge);
  canvas.strokePolyline(
    [[0, top + GRASS_HEIGHT], [SCREEN_WIDTH, top + GRASS_HEIGHT]],
    1.5,
    C.pipeShade,
  );
}

/** 3 × 5 block digits, one bit per cell, rows top to bottom, bit 2 = left column. */
const DIGITS: readonly (readonly number[])[] = [
  [7, 5, 5, 5, 7],
  [2, 6, 2, 2, 7],
  [7, 1, 7, 4, 7],
  [7, 1, 3, 1, 7],
  [5, 5, 7, 1, 1],
  [7, 4, 7, 1, 7],
  [7, 4, 7, 5, 7],
  [7, 1, 2, 2, 2],
  [7, 5, 7, 5, 7],
  [7, 5, 7, 1, 7],
];

/** The score centred at the top, at upstream's height (a tenth of the screen). */
function drawScore(canvas: Canvas, score: number): void {
  const digits = String(score).split("").map(Number);
  const advance = 4 * DIGIT_CELL;
  let x = (SCREEN_WIDTH - digits.length * advance + DIGIT_CELL) / 2;
  const y = SCREEN_HEIGHT * 0.1;
  for (const d of digits) {
    const cells: Vec2[][] = [];
    DIGITS[d].forEach((bits, row) => {
      for (let col = 0; col < 3; col++) {
        if (bits & (4 >> col)) {
          cells.push(rect(x + col * DIGIT_CELL, y + row * DIGIT_CELL, DIGIT_CELL, DIGIT_CELL));
        }
      }
    });
    const outline = cells.map((c) =>
      rect(c[0][0] - 2, c[0][1] - 2, DIGIT_CELL + 4, DIGIT_CELL + 4)
    );
    canvas.fillPath(outline, C.ink);
    canvas.fillPath(cells, C.white);
    x += advance;
  }
}

/** An ellipse as a polygon, in the bird's own frame. */
function ellipse(cx: number, cy: number, rx: number, ry: number, tilt = 0, n = 28): Vec2[] {
  const c = Math.cos(tilt), s = Math.sin(tilt);
  return Array.from({ length: n }, (_, k): Vec2 => {
    const a = (2 * Math.PI * k) / n;
    const x = rx * Math.cos(a), y = ry * Math.sin(a);
    return [cx + x * c - y * s, cy + x * s + y * c];
  });
}

/** Wing tilt of the up, middle and down frames (radians; positive lifts the wing tip). */
const WING_TILT = [0.55, 0, -0.6];

/**
 * The bird, 34 × 24 before rotation, turned by its visible rotation (at most 20°, nose up
 * positive) and placed as pygame places a rotated sprite: the rotated bounding box's top-left
 * corner at `(PLAYER_X, playerY)`.
 */
function drawBird(canvas: Canvas, playerY: number, playerRot: number, playerIdx: number): void {
  const rot = (Math.min(playerRot, PLAYER_ROT_THR) * Math.PI) / 180;
  const cos = Math.cos(rot), sin = Math.sin(rot);
  const boxW = PLAYER_WIDTH * Math.abs(cos) + PLAYER_HEIGHT * Math.abs(sin);
  const boxH = PLAYER_WIDTH * Math.abs(sin) + PLAYER_HEIGHT * Math.abs(cos);
  const cx = PLAYER_X + boxW / 2, cy = playerY + boxH / 2;
  // Local frame: x forward, y down, origin at the sprite centre; nose up turns counterclockwise.
  const place = (pts: readonly Vec2[]): Vec2[] =>
    pts.map(([x, y]): Vec2 => [cx + x * cos + y * sin, cy - x * sin + y * cos]);
  const rx = PLAYER_WIDTH / 2 - 1, ry = PLAYER_HEIGHT / 2 - 1;

  canvas.fillPolygon(place(ellipse(0, 0, rx + 1.5, ry + 1.5)), C.ink);
  canvas.fillPolygon(place(ellipse(0, 0, rx, ry)), C.body);
  canvas.fillPolygon(place(ellipse(2, 5, rx - 5, ry - 6)), C.belly);
  // Beak.
  canvas.fillPolygon(place([[8, -3], [19.5, 1.5], [8, 5.5]]), C.ink);
  canvas.fillPolygon(place([[9.5, -1.5], [17.5, 1.5], [9.5, 4]]), C.beak);
  // Eye.
  const [ex, ey] = place([[7, -5]])[0];
  canvas.fillCircle(ex, ey, 5.5, C.ink);
  canvas.fillCircle(ex, ey, 4.5, C.white);
  const [px, py] = place([[8.5, -4.5]])[0];
  canvas.fillCircle(px, py, 2, C.ink);
  // Wing, pivoting at its front end, (-2, 2).
  const tilt = WING_TILT[playerIdx] ?? 0;
  const wx = -2 - 6 * Math.cos(tilt), wy = 2 - 6 * Math.sin(tilt);
  canvas.fillPolygon(place(ellipse(wx, wy, 8.5, 5.5, tilt)), C.ink);
  canvas.fillPolygon(place(ellipse(wx, wy, 7, 4, tilt)), C.wing);
}
