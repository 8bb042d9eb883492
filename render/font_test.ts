import assert from "node:assert/strict";
import { CAP_HEIGHT, drawText, hasGlyph, measureText } from "./font.ts";
import { Canvas } from "./raster.ts";

/** The canvas as rows of `#` (dark) and `.` (light), for comparing against a drawing. */
function ink(c: Canvas): string[] {
  const rows: string[] = [];
  for (let y = 0; y < c.height; y++) {
    let row = "";
    for (let x = 0; x < c.width; x++) row += c.getPixel(x, y)[0] < 128 ? "#" : ".";
    rows.push(row);
  }
  return rows;
}

function blank(w: number, h: number): Canvas {
  const c = new Canvas(w, h);
  c.fill([255, 255, 255]);
  return c;
}

Deno.test("drawText draws crisp glyphs at the given top-left", () => {
  const c = blank(8, 9);
  drawText(c, "1", 1, 1);
  assert.deepEqual(ink(c), [
    "........",
    "...#....",
    "..##....",
    "...#....",
    "...#....",
    "...#....",
    "...#....",
    "..###...",
    "........",
  ]);
  // Every pixel is fully ink or fully paper: integer positions do not blur.
  for (let y = 0; y < 9; y++) {
    for (let x = 0; x < 8; x++) assert.ok([0, 255].includes(c.getPixel(x, y)[0]));
  }
});

Deno.test("drawText scales, aligns and turns text", () => {
  const big = blank(12, 16);
  drawText(big, "T", 6, 1, { scale: 2, align: "center" });
  // A 5-wide T at scale 2 is 10 px wide, centred on x = 6: columns 1..10; its stem 5..6.
  assert.equal(ink(big)[1], ".##########.");
  assert.equal(ink(big)[14], ".....##.....");
  assert.equal(ink(big)[15], "............");

  const right = blank(20, 9);
  drawText(right, "11", 19, 0, { align: "right" });
  // 11 px wide ending at x = 19: starts at 8; each 1 has its foot in its middle three columns.
  assert.equal(ink(right)[6], ".........###...###..");

  // Vertical: reads bottom to top; the cap top faces left, at x.
  const v = blank(9, 8);
  drawText(v, "L", 1, 7, { vertical: true });
  // The 5-wide L ends at y = 7 (rows 2..6); its stem (left column) becomes the bottom row and
  // its foot the right column.
  assert.deepEqual(ink(v), [
    ".........",
    ".........",
    ".......#.",
    ".......#.",
    ".......#.",
    ".......#.",
    ".#######.",
    ".........",
  ]);
});

Deno.test("measureText: advance widths with one pixel between letters", () => {
  assert.deepEqual(measureText("1"), { width: 5, height: CAP_HEIGHT });
  assert.deepEqual(measureText("11"), { width: 11, height: CAP_HEIGHT });
  assert.deepEqual(measureText("i.", 3), { width: (3 + 1 + 1) * 3, height: 21 });
  assert.deepEqual(measureText(""), { width: 0, height: CAP_HEIGHT });
  assert.throws(() => measureText("x", 1.5), /scale must be a positive integer, got 1.5/);
});

Deno.test("the font covers ASCII letters, digits and plot punctuation; others are boxes", () => {
  const printable = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-+=/()[]%";
  for (const ch of printable) assert.ok(hasGlyph(ch), `glyph for ${JSON.stringify(ch)}`);
  assert.equal(hasGlyph("θ"), false);
  const c = blank(6, 9);
  drawText(c, "θ", 1, 1);
  assert.deepEqual(ink(c).slice(1, 8), [
    ".####.",
    ".#..#.",
    ".#..#.",
    ".#..#.",
    ".#..#.",
    ".#..#.",
    ".####.",
  ]);
  assert.throws(() => drawText(c, "x", NaN, 0), /finite, got \(NaN, 0\)/);
});
