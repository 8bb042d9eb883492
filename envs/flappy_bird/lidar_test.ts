import assert from "node:assert/strict";
import { GROUND_Y, LIDAR_MAX_DISTANCE, LIDAR_RAYS } from "./constants.ts";
import { clipLine, lidarScan } from "./lidar.ts";

/** `clipLine` as a value: the clipped segment, or null for a miss. */
function clip(
  rect: [number, number, number, number],
  line: [number, number, number, number],
): number[] | null {
  const out = [0, 0, 0, 0];
  return clipLine(...rect, ...line, out) ? out : null;
}

Deno.test("clipLine clips to the inclusive pixel range [x, x + w - 1], as SDL does", () => {
  const rect: [number, number, number, number] = [10, 10, 5, 5];
  assert.deepEqual(clip(rect, [0, 0, 20, 20]), [10, 10, 14, 14]);
  assert.deepEqual(clip(rect, [20, 20, 0, 0]), [14, 14, 10, 10]);
  assert.deepEqual(clip(rect, [11, 11, 13, 12]), [11, 11, 13, 12]); // inside: unchanged
  assert.deepEqual(clip(rect, [0, 12, 30, 12]), [10, 12, 14, 12]); // horizontal
  assert.deepEqual(clip(rect, [12, 30, 12, 0]), [12, 14, 12, 10]); // vertical, upwards
  assert.equal(clip(rect, [0, 0, 9, 30]), null); // left of the rect
  assert.equal(clip(rect, [15, 0, 15, 30]), null); // x = 15 is outside a 5-wide rect at 10
  assert.equal(clip(rect, [0, 13, 13, 0]), null); // passes the corner (10, 10) outside
  assert.equal(clip([10, 10, 0, 5], [0, 0, 20, 20]), null); // empty rect
});

Deno.test("clipLine truncates coordinates toward zero and divides as C integers do", () => {
  // pygame turns floats into ints with a C cast: 9.9 → 9, -2.4 → -2, -0.9 → 0.
  assert.deepEqual(clip([9.9, 9.9, 5.9, 5.9], [0, 0, 20.7, 20.7]), [9, 9, 13, 13]);
  assert.deepEqual(clip([-2.4, -0.9, 4, 4], [-10, 1, 10, 1]), [-2, 1, 1, 1]);
  // The top-edge crossing of (0, 0)–(-7, 10) at y = 3 is x = -2.1: C truncates it to -2 (floor
  // would give -3); the bottom one, from there, is -2 + trunc(-20 / 7) = -4.
  assert.deepEqual(clip([-20, 3, 40, 5], [0, 0, -7, 10]), [-2, 3, -4, 7]);
});

const NO_PIPES = { x: [], upperY: [], lowerY: [] };

Deno.test("lidarScan: rays that hit nothing are 196 px; the ground stops the others", () => {
  const out = new Float64Array(LIDAR_RAYS);
  lidarScan(out, 100, 0, NO_PIPES); // the bird's front at y = 100 + PLAYER_HEIGHT / 2 = 112
  // Level bird: ray 0 points up, ray 90 ahead (0°), ray 179 down (89°).
  assert.equal(out[90], LIDAR_MAX_DISTANCE);
  for (const i of [0, 45, 90, 135]) {
    assert.ok(Math.abs(out[i] - LIDAR_MAX_DISTANCE) < 1e-12, `ray ${i}: ${out[i]}`);
  }
  // Straight down from y = 112 the ground (top 404.48) is 292 px away: out of reach.
  assert.ok(Math.abs(out[179] - LIDAR_MAX_DISTANCE) < 1e-12);
  const low = new Float64Array(LIDAR_RAYS);
  lidarScan(low, 300, 0, NO_PIPES);
  // From y = 312 the nearly vertical ray 179 meets the ground rect's top pixel row, y = 404.
  assert.ok(low[179] > 404 - 312 && low[179] < 404 - 312 + 2, `ray 179: ${low[179]}`);
  // Pipes override the ground: ray 110 (20° down) from y = 382 crosses the ground's top first,
  // then meets a lower pipe's left edge at y = 421, which is lifted to the ground's top.
  const ends = new Float64Array(2 * LIDAR_RAYS);
  lidarScan(low, 370, 0, { x: [200], upperY: [-300], lowerY: [300] }, ends);
  assert.deepEqual([ends[220], ends[221]], [200, GROUND_Y]);
  assert.equal(low[110], Math.sqrt(109 ** 2 + (382 - GROUND_Y) ** 2));
});

Deno.test("lidarScan: a pipe ahead is hit at its left edge; the rotation turns the fan", () => {
  const out = new Float64Array(LIDAR_RAYS);
  // Bird front at x = 91, y = 212; the upper pipe at x = 150 reaches down to y = 300.
  const pipes = { x: [150], upperY: [-20], lowerY: [400] };
  lidarScan(out, 200, 0, pipes);
  assert.equal(out[90], 150 - 91);
  // At a rotation of 20° or more the fan turns by 20°: ray 110 points straight ahead.
  const turned = new Float64Array(LIDAR_RAYS);
  lidarScan(turned, 200, 45, pipes);
  assert.equal(turned[110], 150 - 91);
  // Pipes are tested nearest first: a farther pipe behind the first is not seen.
  const two = new Float64Array(LIDAR_RAYS);
  lidarScan(two, 200, 0, { x: [250, 150], upperY: [-20, -20], lowerY: [400, 400] });
  assert.equal(two[90], 150 - 91);
});
