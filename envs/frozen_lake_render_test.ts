import assert from "node:assert/strict";
import { encodePng } from "../render/png.ts";
import { FROZEN_LAKE_MAPS, FrozenLake } from "./frozen_lake.ts";
import { FROZEN_LAKE_COLORS, renderFrozenLake } from "./frozen_lake_render.ts";
import { make } from "./registry.ts";
import type { RgbaFrame } from "./types.ts";

const C = FROZEN_LAKE_COLORS;
const MAP4 = FROZEN_LAKE_MAPS["4x4"];

/** How many pixels of tile (col, row) have exactly `color`. */
function countInTile(
  f: RgbaFrame,
  cell: number,
  col: number,
  row: number,
  color: readonly number[],
) {
  let n = 0;
  for (let y = row * cell; y < (row + 1) * cell; y++) {
    for (let x = col * cell; x < (col + 1) * cell; x++) {
      const i = (y * f.width + x) * 4;
      if (f.data[i] === color[0] && f.data[i + 1] === color[1] && f.data[i + 2] === color[2]) n++;
    }
  }
  return n;
}

function pixel(f: RgbaFrame, x: number, y: number): number[] {
  const i = (y * f.width + x) * 4;
  return [f.data[i], f.data[i + 1], f.data[i + 2]];
}

Deno.test("renderFrozenLake uses Gymnasium's window: 64 px tiles up to 512 px", () => {
  const f4 = renderFrozenLake({ desc: MAP4, state: 0, lastAction: null });
  assert.equal(f4.width, 256);
  assert.equal(f4.height, 256);
  const f8 = renderFrozenLake({ desc: FROZEN_LAKE_MAPS["8x8"], state: 0, lastAction: null });
  assert.equal(f8.width, 512);
  assert.equal(f8.height, 512);
  // 10 columns would be 640 px: capped at 512, tiles of 51 px.
  const wide = renderFrozenLake({ desc: ["SFFFFFFFFG"], state: 0, lastAction: null });
  assert.equal(wide.width, 512);
  assert.equal(wide.height, 64);
  const big = renderFrozenLake({ desc: MAP4, state: 0, lastAction: null }, { cellSize: 100 });
  assert.equal(big.width, 400);
  // Every tile has Gymnasium's 1-px outline.
  assert.deepEqual(pixel(f4, 64 + 30, 64), [...C.grid]);
  assert.deepEqual(pixel(f4, 63, 64 + 30), [...C.grid]);
});

Deno.test("renderFrozenLake draws holes, the goal, the start and the agent where the map says", () => {
  const f = renderFrozenLake({ desc: MAP4, state: 6, lastAction: 2 });
  const tunic = (c: number, r: number) => countInTile(f, 64, c, r, C.tunic);
  // The agent is on cell 6 = row 1, column 2, and nowhere else.
  for (let s = 0; s < 16; s++) {
    const n = tunic(s % 4, Math.floor(s / 4));
    if (s === 6) assert.ok(n > 200, `agent's tunic on its cell, got ${n} px`);
    else assert.equal(n, 0, `no agent on cell ${s}`);
  }
  for (let s = 0; s < 16; s++) {
    const letter = MAP4[Math.floor(s / 4)][s % 4];
    const [c, r] = [s % 4, Math.floor(s / 4)];
    const water = countInTile(f, 64, c, r, C.water);
    const present = countInTile(f, 64, c, r, C.present);
    const seat = countInTile(f, 64, c, r, C.seat);
    assert.equal(water > 100, letter === "H", `water on cell ${s} (${letter}): ${water}`);
    assert.equal(present > 100, letter === "G", `present on cell ${s} (${letter}): ${present}`);
    assert.equal(seat > 50, letter === "S", `stool on cell ${s} (${letter}): ${seat}`);
  }
  // The centre of a plain ice tile is ice.
  assert.deepEqual(pixel(f, 64 * 2 + 32, 64 * 2 + 40), [...C.ice]);
});

Deno.test("renderFrozenLake faces the last action, down before the first", () => {
  const view = (lastAction: number | null) =>
    renderFrozenLake({ desc: ["F"], state: 0, lastAction }, { cellSize: 64 });
  const hairOf = (f: RgbaFrame) => countInTile(f, 64, 0, 0, C.hair);
  const eyes = (f: RgbaFrame) => {
    let n = 0, sx = 0;
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        if (pixel(f, x, y).every((v, i) => v === C.eye[i])) {
          n++;
          sx += x + 0.5;
        }
      }
    }
    return { n, x: sx / n };
  };
  assert.deepEqual(view(null).data, view(1).data, "no action yet: facing down");
  const down = eyes(view(1)), left = eyes(view(0)), right = eyes(view(2));
  assert.ok(Math.abs(down.x - 32) < 1, `facing down, the eyes are centred: ${down.x}`);
  assert.ok(left.x < 30, `facing left, the eyes are on the left: ${left.x}`);
  assert.ok(right.x > 34, `facing right, the eyes are on the right: ${right.x}`);
  const up = view(3);
  assert.equal(eyes(up).n, 0, "facing up, no eyes");
  assert.ok(hairOf(up) > 100, "facing up, the back of the head");
  assert.equal(hairOf(view(1)), 0);
});

Deno.test("renderFrozenLake shows an agent in a hole as broken ice, not the figure", () => {
  const f = renderFrozenLake({ desc: MAP4, state: 5, lastAction: 1 });
  assert.equal(countInTile(f, 64, 1, 1, C.tunic), 0);
  assert.ok(countInTile(f, 64, 1, 1, C.hat) > 30, "the hat floats in the hole");
  assert.ok(countInTile(f, 64, 1, 1, C.crack) > 0, "cracks around it");
  assert.equal(countInTile(f, 64, 3, 1, C.crack), 0, "other holes are intact");
});

Deno.test("renderFrozenLake rejects bad views", () => {
  assert.throws(
    () => renderFrozenLake({ desc: MAP4, state: 16, lastAction: null }),
    /state must be an integer in 0..15, got 16/,
  );
  assert.throws(
    () => renderFrozenLake({ desc: MAP4, state: 0, lastAction: 4 }),
    /lastAction must be 0..3 or null, got 4/,
  );
  assert.throws(() => renderFrozenLake({ desc: [], state: 0, lastAction: null }), /non-empty/);
  assert.throws(
    () => renderFrozenLake({ desc: MAP4, state: 0, lastAction: null }, { cellSize: 4 }),
    /cellSize must be an integer ≥ 8, got 4/,
  );
});

Deno.test("FrozenLake.render follows the episode, also through make's wrappers", async () => {
  const env = new FrozenLake({ isSlippery: false });
  env.reset({ seed: 0 });
  assert.equal(env.lastAction, null);
  env.step(2); // right, to cell 1
  env.step(1); // down, to cell 5: a hole
  assert.equal(env.state, 5);
  assert.equal(env.lastAction, 1);
  assert.deepEqual(
    env.render().data,
    renderFrozenLake({ desc: MAP4, state: 5, lastAction: 1 }).data,
  );
  env.reset();
  assert.equal(env.lastAction, null, "reset forgets the last action");

  const made = make("FrozenLake-v1", { mapName: "8x8" });
  assert.equal(typeof made.render, "function");
  made.reset({ seed: 1 });
  const frame = made.render!();
  assert.equal(frame.width, 512);
  const path = Deno.env.get("FROZEN_LAKE_PNG");
  if (path) await Deno.writeFile(path, encodePng(frame));
});
