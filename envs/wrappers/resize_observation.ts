/**
 * `ResizeObservation`: shrinks image observations (84 × 84 by default), as Gymnasium 1.x's
 * `ResizeObservation`, which calls `cv2.resize(obs, (w, h), interpolation=cv2.INTER_AREA)`.
 * `resizeArea` reproduces OpenCV's `INTER_AREA` downscaling on bytes bit for bit, so frames
 * match what a Gymnasium pipeline would feed its network.
 * @module
 */
import type { Space } from "../spaces.ts";
import type { Env, EnvSpec, ResetOptions, ResetResult, RgbaFrame, StepResult } from "../types.ts";
import { Uint8Box } from "./render_observation.ts";

/** Options of {@link ResizeObservation}. */
export interface ResizeObservationOptions {
  /** Target `[height, width]` (default `[84, 84]`); neither may exceed the input's. */
  shape?: readonly [number, number];
}

/** Size and channel count of a row-major byte image. */
export interface ImageSize {
  /** Rows. */
  height: number;
  /** Columns. */
  width: number;
  /** Interleaved channels per pixel (1 for a `(H, W)` image). */
  channels: number;
}

/**
 * Resizes a row-major `(height, width, channels)` byte image to `outHeight × outWidth` by pixel
 * area averaging, exactly as OpenCV's `cv::resize` with `INTER_AREA` does for downscaling
 * (OpenCV 4.x `modules/imgproc/src/resize.cpp`; checked bit for bit against OpenCV 4.6's cv2):
 *
 * - Same size: a copy.
 * - Integer factors `sx = W / w`, `sy = H / h` (OpenCV's "area fast" path): each output is the
 *   mean of its `sx × sy` block. For 2 × 2 blocks with 1, 3 or 4 channels OpenCV rounds half up,
 *   `(a + b + c + d + 2) >> 2`; otherwise it multiplies the integer sum by the float32
 *   `1 / (sx·sy)` and rounds to nearest, ties to even (`cvRound`).
 * - Other factors: output pixel `dx` covers source span `[dx·s, (dx+1)·s)` with `s = W / w`;
 *   each source pixel weighs the length of its overlap with that span divided by the span
 *   (`computeResizeAreaTab`: overlaps under 1e-3 are skipped, weights are float32). Rows are
 *   combined in float32 first along x, then along y, in OpenCV's order, and the result is
 *   rounded to nearest, ties to even.
 *
 * Upscaling on either axis is refused: there OpenCV's `INTER_AREA` is not an area average but a
 * bilinear variant whose 8-bit rounding depends on the CPU's SIMD width.
 */
export function resizeArea(
  src: Uint8Array,
  size: ImageSize,
  outHeight: number,
  outWidth: number,
): Uint8Array {
  const { height, width, channels } = size;
  for (const [name, v] of [["height", height], ["width", width], ["channels", channels]] as const) {
    if (!Number.isInteger(v) || v <= 0) {
      throw new RangeError(`Image ${name} must be a positive integer, got ${v}`);
    }
  }
  if (src.length !== height * width * channels) {
    throw new RangeError(
      `A ${height} × ${width} × ${channels} image needs ${
        height * width * channels
      } bytes, got ${src.length}`,
    );
  }
  checkTarget(height, width, outHeight, outWidth);
  if (outHeight === height && outWidth === width) return src.slice();
  // OpenCV derives the scale from the inverse ratio; keep its double rounding.
  const scaleX = 1 / (outWidth / width), scaleY = 1 / (outHeight / height);
  const ix = Math.round(scaleX), iy = Math.round(scaleY);
  if (Math.abs(scaleX - ix) < Number.EPSILON && Math.abs(scaleY - iy) < Number.EPSILON) {
    return areaFast(src, width, channels, outHeight, outWidth, ix, iy);
  }
  return areaWeighted(src, size, outHeight, outWidth, scaleX, scaleY);
}

function checkTarget(height: number, width: number, outHeight: number, outWidth: number): void {
  if (
    !Number.isInteger(outHeight) || outHeight <= 0 || !Number.isInteger(outWidth) || outWidth <= 0
  ) {
    throw new RangeError(
      `Resize shape must be two positive integers [height, width], got [${outHeight}, ${outWidth}]`,
    );
  }
  if (outHeight > height || outWidth > width) {
    throw new RangeError(
      `INTER_AREA resizing only shrinks: cannot resize ${height} × ${width} to ${outHeight} × ${outWidth}`,
    );
  }
}

/** `cvRound` of a non-negative float: nearest, ties to even; then saturated to a byte. */
function roundByte(v: number): number {
  let r = Math.round(v);
  if (r - v === 0.5 && (r & 1) === 1) r--;
  return r > 255 ? 255 : r;
}

function areaFast(
  src: Uint8Array,
  width: number,
  cn: number,
  outHeight: number,
  outWidth: number,
  sx: number,
  sy: number,
): Uint8Array {
  const out = new Uint8Array(outHeight * outWidth * cn);
  const halfUp = sx === 2 && sy === 2 && (cn === 1 || cn === 3 || cn === 4);
  const scale = Math.fround(1 / (sx * sy));
  const rowStride = width * cn;
  let o = 0;
  for (let dy = 0; dy < outHeight; dy++) {
    for (let dx = 0; dx < outWidth; dx++) {
      for (let c = 0; c < cn; c++, o++) {
        let sum = 0;
        for (let y = dy * sy; y < (dy + 1) * sy; y++) {
          const row = y * rowStride + c;
          for (let x = dx * sx; x < (dx + 1) * sx; x++) sum += src[row + x * cn];
        }
        out[o] = halfUp ? (sum + 2) >> 2 : roundByte(Math.fround(sum * scale));
      }
    }
  }
  return out;
}

/** One source pixel's share of one output pixel along an axis (OpenCV's `DecimateAlpha`). */
interface AreaWeight {
  dst: number;
  src: number;
  alpha: number;
}

/** OpenCV's `computeResizeAreaTab`, in its order and float64/float32 arithmetic. */
function areaWeights(srcSize: number, dstSize: number, scale: number): AreaWeight[] {
  const tab: AreaWeight[] = [];
  for (let d = 0; d < dstSize; d++) {
    const f1 = d * scale, f2 = f1 + scale;
    const cell = Math.min(scale, srcSize - f1);
    let s2 = Math.floor(f2);
    s2 = Math.min(s2, srcSize - 1);
    const s1 = Math.min(Math.ceil(f1), s2);
    if (s1 - f1 > 1e-3) tab.push({ dst: d, src: s1 - 1, alpha: Math.fround((s1 - f1) / cell) });
    for (let s = s1; s < s2; s++) tab.push({ dst: d, src: s, alpha: Math.fround(1 / cell) });
    if (f2 - s2 > 1e-3) {
      tab.push({ dst: d, src: s2, alpha: Math.fround(Math.min(f2 - s2, 1, cell) / cell) });
    }
  }
  return tab;
}

function areaWeighted(
  src: Uint8Array,
  size: ImageSize,
  outHeight: number,
  outWidth: number,
  scaleX: number,
  scaleY: number,
): Uint8Array {
  const cn = size.channels, rowLen = outWidth * cn, srcRow = size.width * cn;
  const xtab = areaWeights(size.width, outWidth, scaleX);
  const ytab = areaWeights(size.height, outHeight, scaleY);
  const out = new Uint8Array(outHeight * rowLen);
  // Float32Array stores round each float64 result to float32, which equals float32 arithmetic
  // for one + or × of float32 operands.
  const buf = new Float32Array(rowLen), sum = new Float32Array(rowLen);
  const flush = (dy: number) => {
    for (let i = 0; i < rowLen; i++) out[dy * rowLen + i] = roundByte(sum[i]);
  };
  let prevDy = ytab[0].dst;
  for (const { dst: dy, src: sy, alpha: beta } of ytab) {
    buf.fill(0);
    const row = sy * srcRow;
    for (const { dst: dx, src: sx, alpha } of xtab) {
      for (let c = 0; c < cn; c++) {
        buf[dx * cn + c] += Math.fround(src[row + sx * cn + c] * alpha);
      }
    }
    if (dy !== prevDy) {
      flush(prevDy);
      for (let i = 0; i < rowLen; i++) sum[i] = beta * buf[i];
      prevDy = dy;
    } else {
      for (let i = 0; i < rowLen; i++) sum[i] += Math.fround(beta * buf[i]);
    }
  }
  flush(prevDy);
  return out;
}

/**
 * Observations in `Uint8Box([H, W])` or `Uint8Box([H, W, C])` are shrunk by {@link resizeArea}
 * to `Uint8Box([h, w])` or `Uint8Box([h, w, C])`. Unlike `cv2.resize`, which drops a channel
 * axis of size 1, a `(H, W, 1)` input stays `(h, w, 1)`, matching the declared space (Gymnasium
 * declares `(h, w, 1)` but returns `(h, w)`).
 *
 * @example
 * ```ts
 * import { make } from "../registry.ts";
 * import { RenderObservation } from "./render_observation.ts";
 * import { ResizeObservation } from "./resize_observation.ts";
 * const env = new ResizeObservation(new RenderObservation(make("LunarLander-v3")));
 * console.log(env.observationSpace.shape); // [84, 84, 3]
 * ```
 */
export class ResizeObservation<A, I extends object> implements Env<Uint8Array, A, I> {
  /** The wrapped env. */
  readonly env: Env<Uint8Array, A, I>;
  /** The resized image space. */
  readonly observationSpace: Uint8Box;
  /** Target `[height, width]`. */
  readonly shape: readonly [number, number];
  /** Registry spec. */
  spec?: EnvSpec;
  /** Renders the wrapped env; present only when the wrapped env can render. */
  render?: () => RgbaFrame;
  readonly #size: ImageSize;

  /** Wraps `env`, whose observation space must be `Uint8Box([H, W])` or `Uint8Box([H, W, C])`. */
  constructor(env: Env<Uint8Array, A, I>, options: ResizeObservationOptions = {}) {
    const space = env.observationSpace;
    if (!(space instanceof Uint8Box) || (space.shape.length !== 2 && space.shape.length !== 3)) {
      throw new TypeError(
        `ResizeObservation needs image observations in Box(0, 255, (H, W) or (H, W, C), uint8), got ${space}`,
      );
    }
    const [height, width, channels = 1] = space.shape;
    const shape = options.shape ?? [84, 84];
    checkTarget(height, width, shape[0], shape[1]);
    this.env = env;
    this.shape = [shape[0], shape[1]];
    this.#size = { height, width, channels };
    this.observationSpace = new Uint8Box([...this.shape, ...space.shape.slice(2)]);
    this.spec = env.spec;
    if (env.render) this.render = env.render.bind(env);
  }

  /** The wrapped env's action space. */
  get actionSpace(): Space<A> {
    return this.env.actionSpace;
  }

  /** Resets the wrapped env and resizes its first observation. */
  reset(options?: ResetOptions): ResetResult<Uint8Array, I> {
    const r = this.env.reset(options);
    return { obs: this.#resize(r.obs), info: r.info };
  }

  /** Steps the wrapped env and resizes its observation. */
  step(action: A): StepResult<Uint8Array, I> {
    const r = this.env.step(action);
    return { ...r, obs: this.#resize(r.obs) };
  }

  /** Closes the wrapped env. */
  close(): void {
    this.env.close();
  }

  #resize(obs: Uint8Array): Uint8Array {
    return resizeArea(obs, this.#size, this.shape[0], this.shape[1]);
  }
}
