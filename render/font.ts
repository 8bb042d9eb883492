/**
 * A small proportional bitmap font of our own, for labels on rendered images (the rasteriser has
 * no text). Glyphs sit on a 7-pixel cap height with 2 pixels of descender below, are 1 to 5
 * pixels wide with 1 pixel between letters, and are drawn as crisp rectangles on a `Canvas`,
 * `scale` canvas pixels per font pixel. Covers ASCII letters, digits and common punctuation;
 * anything else is drawn as a hollow box.
 *
 * @example
 * ```ts
 * import { Canvas } from "./raster.ts";
 * import { drawText, measureText } from "./font.ts";
 * const canvas = new Canvas(120, 30);
 * canvas.fill([255, 255, 255]);
 * drawText(canvas, "Return 475", 60, 8, { scale: 2, align: "center", color: [0, 0, 0] });
 * measureText("Return 475", 2); // { width: 112, height: 14 }
 * ```
 * @module
 */
import type { Canvas, Color } from "./raster.ts";

/** Font pixels from the top of a capital to the baseline. */
export const CAP_HEIGHT = 7;
/** Font pixels a descender (g, p, y…) reaches below the baseline. */
export const DESCENT = 2;

/** Options of `drawText`. */
export interface TextOptions {
  /** Canvas pixels per font pixel, a positive integer (default 1). */
  scale?: number;
  /** Text colour (default black). */
  color?: Color;
  /** Which end of the text `x` (or, vertical, `y`) is: `left` (default), `center`, `right`. */
  align?: "left" | "center" | "right";
  /**
   * Reads bottom to top, turned a quarter counter-clockwise (as a y-axis label). `(x, y)` is
   * then the left edge of the caps and, per `align`, the bottom (`left`), middle or top end.
   */
  vertical?: boolean;
}

/**
 * The glyphs: rows of `#` (ink) and `.` (paper), 7 rows from cap top to baseline, or 9 with
 * descenders. Our own drawings.
 */
const GLYPHS: Readonly<Record<string, readonly string[]>> = {
  " ": ["...", "...", "...", "...", "...", "...", "..."],
  "0": [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
  "1": ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
  "2": [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
  "3": ["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."],
  "4": ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
  "5": ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
  "6": ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."],
  "7": ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
  "8": [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."],
  "9": [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."],
  A: [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
  B: ["####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."],
  C: [".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."],
  D: ["###..", "#..#.", "#...#", "#...#", "#...#", "#..#.", "###.."],
  E: ["#####", "#....", "#....", "####.", "#....", "#....", "#####"],
  F: ["#####", "#....", "#....", "####.", "#....", "#....", "#...."],
  G: [".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"],
  H: ["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
  I: ["###", ".#.", ".#.", ".#.", ".#.", ".#.", "###"],
  J: ["..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."],
  K: ["#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"],
  L: ["#....", "#....", "#....", "#....", "#....", "#....", "#####"],
  M: ["#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"],
  N: ["#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"],
  O: [".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
  P: ["####.", "#...#", "#...#", "####.", "#....", "#....", "#...."],
  Q: [".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"],
  R: ["####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"],
  S: [".####", "#....", "#....", ".###.", "....#", "....#", "####."],
  T: ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."],
  U: ["#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
  V: ["#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."],
  W: ["#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."],
  X: ["#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"],
  Y: ["#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."],
  Z: ["#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"],
  a: [".....", ".....", ".###.", "....#", ".####", "#...#", ".####"],
  b: ["#....", "#....", "#.##.", "##..#", "#...#", "#...#", "####."],
  c: [".....", ".....", ".###.", "#....", "#....", "#...#", ".###."],
  d: ["....#", "....#", ".##.#", "#..##", "#...#", "#...#", ".####"],
  e: [".....", ".....", ".###.", "#...#", "#####", "#....", ".###."],
  f: ["..##", ".#..", ".#..", "###.", ".#..", ".#..", ".#.."],
  g: [".....", ".....", ".####", "#...#", "#...#", "#...#", ".####", "....#", ".###."],
  h: ["#....", "#....", "#.##.", "##..#", "#...#", "#...#", "#...#"],
  i: [".#.", "...", "##.", ".#.", ".#.", ".#.", "###"],
  j: ["...#", "....", "..##", "...#", "...#", "...#", "...#", "#..#", ".##."],
  k: ["#...", "#...", "#..#", "#.#.", "##..", "#.#.", "#..#"],
  l: ["##.", ".#.", ".#.", ".#.", ".#.", ".#.", "###"],
  m: [".....", ".....", "##.#.", "#.#.#", "#.#.#", "#...#", "#...#"],
  n: [".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#"],
  o: [".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###."],
  p: [".....", ".....", "####.", "#...#", "#...#", "#...#", "####.", "#....", "#...."],
  q: [".....", ".....", ".####", "#...#", "#...#", "#...#", ".####", "....#", "....#"],
  r: [".....", ".....", "#.##.", "##..#", "#....", "#....", "#...."],
  s: [".....", ".....", ".####", "#....", ".###.", "....#", "####."],
  t: [".#..", ".#..", "###.", ".#..", ".#..", ".#.#", "..#."],
  u: [".....", ".....", "#...#", "#...#", "#...#", "#..##", ".##.#"],
  v: [".....", ".....", "#...#", "#...#", "#...#", ".#.#.", "..#.."],
  w: [".....", ".....", "#...#", "#...#", "#.#.#", "#.#.#", ".#.#."],
  x: [".....", ".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#"],
  y: [".....", ".....", "#...#", "#...#", "#...#", "#...#", ".####", "....#", ".###."],
  z: [".....", ".....", "#####", "...#.", "..#..", ".#...", "#####"],
  ".": [".", ".", ".", ".", ".", ".", "#"],
  ",": ["..", "..", "..", "..", "..", ".#", ".#", "#."],
  ":": [".", ".", "#", ".", ".", "#", "."],
  ";": ["..", "..", ".#", "..", "..", ".#", ".#", "#."],
  "-": ["....", "....", "....", "####", "....", "....", "...."],
  "+": [".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."],
  "=": ["....", "....", "####", "....", "####", "....", "...."],
  "/": ["....#", "...#.", "...#.", "..#..", ".#...", ".#...", "#...."],
  "(": ["..#", ".#.", "#..", "#..", "#..", ".#.", "..#"],
  ")": ["#..", ".#.", "..#", "..#", "..#", ".#.", "#.."],
  "[": ["###", "#..", "#..", "#..", "#..", "#..", "###"],
  "]": ["###", "..#", "..#", "..#", "..#", "..#", "###"],
  "<": ["...#", "..#.", ".#..", "#...", ".#..", "..#.", "...#"],
  ">": ["#...", ".#..", "..#.", "...#", "..#.", ".#..", "#..."],
  "%": ["##..#", "##.#.", "...#.", "..#..", ".#...", ".#.##", "#..##"],
  "#": [".#.#.", ".#.#.", "#####", ".#.#.", "#####", ".#.#.", ".#.#."],
  "*": [".....", "..#..", "#.#.#", ".###.", "#.#.#", "..#..", "....."],
  "_": [".....", ".....", ".....", ".....", ".....", ".....", "#####"],
  "'": ["#", "#", ".", ".", ".", ".", "."],
  '"': ["#.#", "#.#", "...", "...", "...", "...", "..."],
  "!": ["#", "#", "#", "#", "#", ".", "#"],
  "?": [".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."],
  "|": ["#", "#", "#", "#", "#", "#", "#", "#", "#"],
  "×": [".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "....."],
  "·": [".", ".", ".", "#", ".", ".", "."],
  "−": ["....", "....", "....", "####", "....", "....", "...."],
};

/** Drawn for characters the font lacks. */
const MISSING: readonly string[] = ["####", "#..#", "#..#", "#..#", "#..#", "#..#", "####"];

/** Ink runs of one glyph: `[x, y, length]` in font pixels, computed once per character. */
const runCache = new Map<string, { width: number; runs: [number, number, number][] }>();

function glyphRuns(ch: string): { width: number; runs: [number, number, number][] } {
  let cached = runCache.get(ch);
  if (cached === undefined) {
    const rows = GLYPHS[ch] ?? MISSING;
    const runs: [number, number, number][] = [];
    rows.forEach((row, y) => {
      for (let x = 0; x < row.length; x++) {
        if (row[x] !== "#") continue;
        let end = x;
        while (end < row.length && row[end] === "#") end++;
        runs.push([x, y, end - x]);
        x = end;
      }
    });
    cached = { width: rows[0].length, runs };
    runCache.set(ch, cached);
  }
  return cached;
}

/** Whether the font has a glyph for `ch` (one character); others draw as a hollow box. */
export function hasGlyph(ch: string): boolean {
  return ch in GLYPHS;
}

/**
 * The size of `text` in canvas pixels at `scale`: its advance width (no trailing gap) and the
 * cap height (descenders reach `DESCENT × scale` further).
 */
export function measureText(text: string, scale = 1): { width: number; height: number } {
  checkScale(scale);
  let width = 0;
  for (const ch of text) width += glyphRuns(ch).width + 1;
  return { width: Math.max(0, width - 1) * scale, height: CAP_HEIGHT * scale };
}

/**
 * Draws `text` on `canvas` with the top of its capitals at `y` and, by `align`, its left end,
 * middle or right end at `x`. Integer positions keep the glyphs crisp.
 */
export function drawText(
  canvas: Canvas,
  text: string,
  x: number,
  y: number,
  options: TextOptions = {},
): void {
  const scale = options.scale ?? 1;
  checkScale(scale);
  if (!Number.isFinite(x) || !Number.isFinite(y)) {
    throw new RangeError(`Text position must be finite, got (${x}, ${y})`);
  }
  const color = options.color ?? [0, 0, 0];
  const { width } = measureText(text, scale);
  const shift = options.align === "center" ? width / 2 : options.align === "right" ? width : 0;
  // Along the line, from the text's start; across it, down from the cap top.
  let put: (along: number, across: number, len: number) => void;
  if (options.vertical) {
    const bottom = y + shift;
    put = (along, across, len) => {
      const x0 = x + across, y1 = bottom - along;
      canvas.fillPolygon(
        [[x0, y1 - len], [x0 + scale, y1 - len], [x0 + scale, y1], [x0, y1]],
        color,
      );
    };
  } else {
    const left = x - shift;
    put = (along, across, len) => {
      const x0 = left + along, y0 = y + across;
      canvas.fillPolygon(
        [[x0, y0], [x0 + len, y0], [x0 + len, y0 + scale], [x0, y0 + scale]],
        color,
      );
    };
  }
  let pen = 0;
  for (const ch of text) {
    const g = glyphRuns(ch);
    for (const [gx, gy, len] of g.runs) put((pen + gx) * scale, gy * scale, len * scale);
    pen += g.width + 1;
  }
}

function checkScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < 1) {
    throw new RangeError(`Text scale must be a positive integer, got ${scale}`);
  }
}
