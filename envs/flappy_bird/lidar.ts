/**
 * The bird's LIDAR: 180 rays, one per degree, cast from the front of the bird against the pipes
 * and the ground, in whole pixels as flappy-bird-gymnasium 0.4.0 casts them through pygame.
 *
 * pygame's `Rect` and `Rect.clipline` take integer pixels: float coordinates are truncated
 * toward zero (−2.4 → −2), a rect covers the inclusive pixel range `[x, x + w − 1]`, and the
 * clipping is SDL2's Cohen–Sutherland `SDL_IntersectRectAndLine` in C integer arithmetic
 * (divisions truncate toward zero). A ray's hit is the first point of the clipped segment. The
 * ray directions come from {@link COS_DEG} / {@link SIN_DEG}, the recording CPU's numpy values,
 * and the ray lengths square their offsets as glibc's `pow(x, 2)` does ({@link libmSquare}).
 * @module
 */
import {
  BASE_HEIGHT,
  BASE_WIDTH,
  GROUND_Y,
  LIDAR_MAX_DISTANCE,
  LIDAR_RAYS,
  PIPE_HEIGHT,
  PIPE_WIDTH,
  PLAYER_HEIGHT,
  PLAYER_ROT_THR,
  PLAYER_WIDTH,
  PLAYER_X,
} from "./constants.ts";
import { libmSquare } from "./libm_square.ts";
import { COS_DEG, SIN_DEG, TRIG_MIN_DEG } from "./trig_table.ts";

// SDL's outcode bits.
const CODE_BOTTOM = 1, CODE_TOP = 2, CODE_LEFT = 4, CODE_RIGHT = 8;

/**
 * `pygame.Rect(rx, ry, rw, rh).clipline(x1, y1, x2, y2)`: clips the segment to the rect and
 * writes the clipped end points to `out` as `[x1, y1, x2, y2]` (whole pixels). Every argument
 * is truncated toward zero first, as pygame converts floats. Returns false (and leaves `out`
 * alone) when the segment misses the rect or the rect is empty.
 *
 * @example
 * ```ts
 * import { clipLine } from "./lidar.ts";
 * const out = [0, 0, 0, 0];
 * clipLine(10, 10, 5, 5, 0, 0, 20, 20, out); // true; out is [10, 10, 14, 14]
 * ```
 */
export function clipLine(
  rx: number,
  ry: number,
  rw: number,
  rh: number,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  out: number[] | Int32Array | Float64Array,
): boolean {
  return clipPixels(
    Math.trunc(rx),
    Math.trunc(ry),
    Math.trunc(rw),
    Math.trunc(rh),
    Math.trunc(x1),
    Math.trunc(y1),
    Math.trunc(x2),
    Math.trunc(y2),
    out,
  );
}

/** {@link clipLine} on arguments that are whole pixels already. */
function clipPixels(
  rx: number,
  ry: number,
  rw: number,
  rh: number,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  out: number[] | Int32Array | Float64Array,
): boolean {
  if (rw <= 0 || rh <= 0) return false;
  const left = rx, top = ry, right = rx + rw - 1, bottom = ry + rh - 1;

  // Both ends beyond one edge: no intersection (tested first: it is the common case here).
  if (
    (x1 < left && x2 < left) || (x1 > right && x2 > right) ||
    (y1 < top && y2 < top) || (y1 > bottom && y2 > bottom)
  ) return false;
  // Both ends inside: the segment is unchanged.
  if (
    x1 >= left && x1 <= right && x2 >= left && x2 <= right &&
    y1 >= top && y1 <= bottom && y2 >= top && y2 <= bottom
  ) return write(out, x1, y1, x2, y2);
  if (y1 === y2) return write(out, clamp(x1, left, right), y1, clamp(x2, left, right), y2);
  if (x1 === x2) return write(out, x1, clamp(y1, top, bottom), x2, clamp(y2, top, bottom));

  let code1 = outCode(x1, y1, rx, ry, rw, rh);
  let code2 = outCode(x2, y2, rx, ry, rw, rh);
  while (code1 !== 0 || code2 !== 0) {
    if ((code1 & code2) !== 0) return false;
    // Move the end that is outside onto the edge it is beyond (top, bottom, left, right first).
    const code = code1 !== 0 ? code1 : code2;
    let x: number, y: number;
    if (code & CODE_TOP) {
      y = top;
      x = x1 + div((x2 - x1) * (y - y1), y2 - y1);
    } else if (code & CODE_BOTTOM) {
      y = bottom;
      x = x1 + div((x2 - x1) * (y - y1), y2 - y1);
    } else if (code & CODE_LEFT) {
      x = left;
      y = y1 + div((y2 - y1) * (x - x1), x2 - x1);
    } else {
      x = right;
      y = y1 + div((y2 - y1) * (x - x1), x2 - x1);
    }
    if (code1 !== 0) {
      x1 = x, y1 = y;
      code1 = outCode(x, y, rx, ry, rw, rh);
    } else {
      x2 = x, y2 = y;
      code2 = outCode(x, y, rx, ry, rw, rh);
    }
  }
  return write(out, x1, y1, x2, y2);
}

/** SDL's outcode: which sides of the rect `(x, y)` lies beyond (right/bottom edges exclusive). */
function outCode(x: number, y: number, rx: number, ry: number, rw: number, rh: number): number {
  let code = 0;
  if (y < ry) code |= CODE_TOP;
  else if (y >= ry + rh) code |= CODE_BOTTOM;
  if (x < rx) code |= CODE_LEFT;
  else if (x >= rx + rw) code |= CODE_RIGHT;
  return code;
}

/** C integer division (truncates toward zero); exact for these pixel-sized operands. */
function div(a: number, b: number): number {
  return Math.trunc(a / b);
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function write(
  out: number[] | Int32Array | Float64Array,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
): true {
  out[0] = x1, out[1] = y1, out[2] = x2, out[3] = y2;
  return true;
}

/** The pipes the LIDAR looks at: one entry per pipe pair, in any order. */
export interface LidarPipes {
  /** Left edge of each pipe pair (upper and lower pipe share it). */
  readonly x: ArrayLike<number>;
  /** Top of each upper pipe (its bottom, the gap's top, is `upperY + PIPE_HEIGHT`). */
  readonly upperY: ArrayLike<number>;
  /** Top of each lower pipe (the gap's bottom). */
  readonly lowerY: ArrayLike<number>;
}

// Scratch: one clipped segment, and the pipes of the current scan sorted by x in whole pixels.
const clip = [0, 0, 0, 0];
const pipeX: number[] = [], upperY: number[] = [], lowerY: number[] = [];

/**
 * Casts the 180 rays of a bird at height `playerY` with rotation `playerRot` (degrees) and
 * writes their lengths in pixels, unnormalised, to `out[0..179]`. Ray `i` leaves the bird's
 * front, `(PLAYER_X + PLAYER_WIDTH, playerY + PLAYER_HEIGHT / 2)`, at `i − 90 − min(playerRot,
 * 20)` degrees (0° ahead, y down: for a level bird ray 0 points up, ray 90 ahead and ray 179
 * down) and is `LIDAR_MAX_DISTANCE` long unless it hits something. As upstream, the ground is
 * tested first, then the pipe pairs from left to right (upper before lower), and the first pipe
 * pair the ray clips replaces the ground hit, even when the ground is nearer; an end point below
 * the ground's top is lifted to it. `ends`, when given, receives each ray's end point as
 * `ends[2i], ends[2i + 1]`.
 */
export function lidarScan(
  out: Float64Array,
  playerY: number,
  playerRot: number,
  pipes: LidarPipes,
  ends?: Float64Array,
): void {
  const offsetX = PLAYER_X + PLAYER_WIDTH;
  const offsetY = playerY + PLAYER_HEIGHT / 2;
  const visibleRot = playerRot <= PLAYER_ROT_THR ? playerRot : PLAYER_ROT_THR;
  // pygame's rects and line ends in whole pixels, the pipes from left to right.
  const order = sortedByX(pipes.x);
  const n = order.length;
  for (let j = 0; j < n; j++) {
    const p = order[j];
    pipeX[j] = Math.trunc(pipes.x[p]);
    upperY[j] = Math.trunc(pipes.upperY[p]);
    lowerY[j] = Math.trunc(pipes.lowerY[p]);
  }
  const groundTop = Math.trunc(GROUND_Y);
  const x1 = Math.trunc(offsetX), y1 = Math.trunc(offsetY);
  for (let i = 0; i < LIDAR_RAYS; i++) {
    const k = i - 90 - visibleRot - TRIG_MIN_DEG;
    const x = LIDAR_MAX_DISTANCE * COS_DEG[k] + offsetX;
    const y = LIDAR_MAX_DISTANCE * SIN_DEG[k] + offsetY;
    const x2 = Math.trunc(x), y2 = Math.trunc(y);
    let hitX = x, hitY = y;
    if (clipPixels(0, groundTop, BASE_WIDTH, BASE_HEIGHT, x1, y1, x2, y2, clip)) {
      hitX = clip[0], hitY = clip[1];
    }
    for (let j = 0; j < n; j++) {
      if (
        clipPixels(pipeX[j], upperY[j], PIPE_WIDTH, PIPE_HEIGHT, x1, y1, x2, y2, clip) ||
        clipPixels(pipeX[j], lowerY[j], PIPE_WIDTH, PIPE_HEIGHT, x1, y1, x2, y2, clip)
      ) {
        hitX = clip[0], hitY = clip[1];
        break;
      }
    }
    if (hitY > GROUND_Y) hitY = GROUND_Y;
    if (ends) ends[2 * i] = hitX, ends[2 * i + 1] = hitY;
    // Upstream squares with numpy's `** 2`, which is glibc's `pow`, not always `dx * dx`.
    out[i] = Math.sqrt(libmSquare(offsetX - hitX) + libmSquare(offsetY - hitY));
  }
}

/** Pipe indices sorted by x, ties kept in index order (Python's stable `sorted`). */
function sortedByX(x: ArrayLike<number>): number[] {
  const order: number[] = [];
  for (let i = 0; i < x.length; i++) {
    let j = order.length;
    while (j > 0 && x[order[j - 1]] > x[i]) j--;
    order.splice(j, 0, i);
  }
  return order;
}
