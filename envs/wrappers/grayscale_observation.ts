/**
 * `GrayscaleObservation`: RGB image observations to one luminance channel, as Gymnasium 1.x's
 * `GrayscaleObservation`, cutting pixel inputs to a third before resizing and stacking.
 * @module
 */
import type { Space } from "../spaces.ts";
import type { Env, EnvSpec, ResetOptions, ResetResult, RgbaFrame, StepResult } from "../types.ts";
import { Uint8Box } from "./render_observation.ts";

/** Options of {@link GrayscaleObservation}. */
export interface GrayscaleObservationOptions {
  /** Keep a channel axis of size 1, giving `(H, W, 1)` instead of `(H, W)` (default false). */
  keepDim?: boolean;
}

/**
 * Gymnasium's luminance of one RGB pixel: `(0.2125 R + 0.7154 G) + 0.0721 B` in float64, cut
 * toward zero to a byte (numpy's `astype(np.uint8)`), not rounded.
 *
 * The weights are Gymnasium 1.x's (`transform_observation.py`, `GrayscaleObservation`:
 * `np.sum(np.multiply(obs, np.array([0.2125, 0.7154, 0.0721])), axis=-1).astype(np.uint8)`).
 * The sum order is numpy's for that call, checked against numpy 2.4 on all 2^24 colours: it
 * matters, since e.g. (43, 43, 43) sums to 42.99999999999999 and becomes 42.
 */
export function grayscalePixel(r: number, g: number, b: number): number {
  return Math.trunc(r * 0.2125 + g * 0.7154 + b * 0.0721);
}

/** Converts a row-major `(H, W, 3)` RGB byte image to `(H, W)` luminance bytes. */
export function rgbToGrayscale(rgb: Uint8Array): Uint8Array {
  if (rgb.length % 3 !== 0) {
    throw new RangeError(`An RGB image needs a multiple of 3 bytes, got ${rgb.length}`);
  }
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0, j = 0; i < out.length; i++, j += 3) {
    out[i] = grayscalePixel(rgb[j], rgb[j + 1], rgb[j + 2]);
  }
  return out;
}

/**
 * Observations in `Uint8Box([H, W, 3])` become `Uint8Box([H, W])` luminance images, or
 * `Uint8Box([H, W, 1])` with `keepDim` (same bytes either way).
 *
 * @example
 * ```ts
 * import { make } from "../registry.ts";
 * import { RenderObservation } from "./render_observation.ts";
 * import { GrayscaleObservation } from "./grayscale_observation.ts";
 * const env = new GrayscaleObservation(new RenderObservation(make("LunarLander-v3")));
 * console.log(env.observationSpace.shape); // [400, 600]
 * ```
 */
export class GrayscaleObservation<A, I extends object> implements Env<Uint8Array, A, I> {
  /** The wrapped env. */
  readonly env: Env<Uint8Array, A, I>;
  /** `Uint8Box([H, W])`, or `Uint8Box([H, W, 1])` with `keepDim`. */
  readonly observationSpace: Uint8Box;
  /** Whether the channel axis is kept. */
  readonly keepDim: boolean;
  /** Registry spec. */
  spec?: EnvSpec;
  /** Renders the wrapped env; present only when the wrapped env can render. */
  render?: () => RgbaFrame;

  /** Wraps `env`, whose observation space must be `Uint8Box([H, W, 3])`. */
  constructor(env: Env<Uint8Array, A, I>, options: GrayscaleObservationOptions = {}) {
    const space = env.observationSpace;
    if (!(space instanceof Uint8Box) || space.shape.length !== 3 || space.shape[2] !== 3) {
      throw new TypeError(
        `GrayscaleObservation needs RGB image observations in Box(0, 255, (H, W, 3), uint8), got ${space}`,
      );
    }
    this.env = env;
    this.keepDim = options.keepDim ?? false;
    const [h, w] = space.shape;
    this.observationSpace = new Uint8Box(this.keepDim ? [h, w, 1] : [h, w]);
    this.spec = env.spec;
    if (env.render) this.render = env.render.bind(env);
  }

  /** The wrapped env's action space. */
  get actionSpace(): Space<A> {
    return this.env.actionSpace;
  }

  /** Resets the wrapped env and converts its first observation. */
  reset(options?: ResetOptions): ResetResult<Uint8Array, I> {
    const r = this.env.reset(options);
    return { obs: rgbToGrayscale(r.obs), info: r.info };
  }

  /** Steps the wrapped env and converts its observation. */
  step(action: A): StepResult<Uint8Array, I> {
    const r = this.env.step(action);
    return { ...r, obs: rgbToGrayscale(r.obs) };
  }

  /** Closes the wrapped env. */
  close(): void {
    this.env.close();
  }
}
