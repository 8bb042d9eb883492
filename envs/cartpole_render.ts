/**
 * Draws a CartPole state the way Gymnasium 1.x's `CartPoleEnv.render()` does: white background,
 * a black 50 × 30 cart centred 100 px above the bottom, a tan pole 10 px wide and 125 px long
 * hinged a quarter of the cart height above the cart's centre, a lavender axle disc, and a
 * black track line through the cart's centre. 600 × 400 px show the 4.8 m between the termination bounds (125 px/m).
 *
 * @example
 * ```ts
 * import { renderCartPole } from "./cartpole_render.ts";
 * const frame = renderCartPole([0, 0, 0.1, 0]); // a 600 × 400 RgbaFrame, pole leaning right
 * ```
 * @module
 */
import { Canvas, type Color, type Vec2 } from "../render/raster.ts";
import type { RgbaFrame } from "./types.ts";

/** Options of `renderCartPole`. */
export interface CartPoleRenderOptions {
  /** Image width in pixels (default 600, Gymnasium's `screen_width`); sizes scale with it. */
  width?: number;
  /** Image height in pixels (default: two thirds of the width, 400 for 600). */
  height?: number;
}

/** The colours of the scene, Gymnasium's. */
export const CARTPOLE_COLORS = {
  /** Background. */
  background: [255, 255, 255],
  /** The cart. */
  cart: [0, 0, 0],
  /** The pole. */
  pole: [202, 152, 101],
  /** The axle disc the pole turns on. */
  axle: [129, 132, 203],
  /** The track line. */
  track: [0, 0, 0],
} as const satisfies Record<string, Color>;

/** Gymnasium's geometry in its pixels at width 600. */
const REF_WIDTH = 600;
const WORLD_WIDTH = 2 * 2.4; // twice the cart's termination bound, in metres
const POLE_WIDTH = 10;
const POLE_LENGTH = 2 * 0.5; // metres: twice the half-length of the dynamics
const CART_WIDTH = 50;
const CART_HEIGHT = 30;
const CART_Y = 100; // the cart's centre line, px above the bottom edge
const AXLE_OFFSET = CART_HEIGHT / 4;

/**
 * Renders the cart-pole state `[x, ẋ, θ, θ̇]` (only `x` and `θ` are drawn) to a new frame.
 * Positive θ leans the pole to the right, as in Gymnasium. A cart outside the view is clipped.
 */
export function renderCartPole(
  state: ArrayLike<number>,
  options: CartPoleRenderOptions = {},
): RgbaFrame {
  const width = options.width ?? REF_WIDTH;
  const height = options.height ?? Math.round((width * 2) / 3);
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new RangeError(`Render size must be positive integers, got ${width} × ${height}`);
  }
  if (state.length < 3) {
    throw new RangeError(`CartPole state must hold [x, ẋ, θ, θ̇], got ${state.length} values`);
  }
  const x = state[0], theta = state[2];
  if (!Number.isFinite(x) || !Number.isFinite(theta)) {
    throw new RangeError(`CartPole x and θ must be finite to render, got x ${x}, θ ${theta}`);
  }
  const k = width / REF_WIDTH; // Gymnasium pixels → this frame's pixels
  const metre = width / WORLD_WIDTH;
  const canvas = new Canvas(width, height);
  canvas.fill(CARTPOLE_COLORS.background);
  // Gymnasium draws with y up and flips the surface; here y is measured down from the top.
  const up = (yUp: number): number => height - yUp * k;

  const cartX = x * metre + width / 2;
  const halfW = (CART_WIDTH / 2) * k;
  const top = up(CART_Y + CART_HEIGHT / 2);
  const bottom = up(CART_Y - CART_HEIGHT / 2);
  canvas.fillPolygon(
    [[cartX - halfW, top], [cartX + halfW, top], [cartX + halfW, bottom], [cartX - halfW, bottom]],
    CARTPOLE_COLORS.cart,
  );

  // The pole: a rectangle from half its width below the axle to its length above, turned by θ
  // clockwise (rightwards) about the axle.
  const axleY = up(CART_Y + AXLE_OFFSET);
  const half = (POLE_WIDTH / 2) * k;
  const length = POLE_LENGTH * metre;
  const cos = Math.cos(theta), sin = Math.sin(theta);
  // Local (across, along) → image: along the pole is (sin θ, −cos θ) on screen.
  const at = (across: number, along: number): Vec2 => [
    cartX + across * cos + along * sin,
    axleY + across * sin - along * cos,
  ];
  canvas.fillPolygon(
    [at(-half, -half), at(-half, length - half), at(half, length - half), at(half, -half)],
    CARTPOLE_COLORS.pole,
  );
  canvas.fillCircle(cartX, axleY, half, CARTPOLE_COLORS.axle);

  // The track: a 1-px line (scaled) at the height of the cart's centre, drawn over it as
  // Gymnasium does (invisible on the black cart).
  const trackY = up(CART_Y);
  const trackW = Math.max(1, k);
  canvas.fillPolygon(
    [[0, trackY - trackW], [width, trackY - trackW], [width, trackY], [0, trackY]],
    CARTPOLE_COLORS.track,
  );
  return canvas.toFrame();
}
