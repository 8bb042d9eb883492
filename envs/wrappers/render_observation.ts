/**
 * `RenderObservation`: replaces each observation with the env's rendered frame, as Gymnasium
 * 1.x's `AddRenderObservation(env, render_only=True)` does, so pixel-based agents can learn
 * from any env that draws itself. Also home of `Uint8Box`, the space of such images.
 * @module
 */
import { Rng } from "../../core/rng.ts";
import type { Space } from "../spaces.ts";
import type { Env, EnvSpec, ResetOptions, ResetResult, RgbaFrame, StepResult } from "../types.ts";

/**
 * Gymnasium's `Box(0, 255, shape, uint8)`: row-major `Uint8Array` images of a fixed shape.
 * `spaces.ts`'s `Box` holds float32 vectors only; this stands in for a uint8 `Box` until it
 * gains a dtype.
 */
export class Uint8Box implements Space<Uint8Array> {
  /** Element shape, e.g. `[height, width, 3]`. */
  readonly shape: readonly number[];
  /** Number of bytes in one element. */
  readonly size: number;
  /** Lower bound of every byte. */
  readonly low = 0;
  /** Upper bound of every byte. */
  readonly high = 255;
  #rng: Rng;

  /** Creates the space of `shape`-shaped byte arrays; `shape` must hold positive integers. */
  constructor(shape: readonly number[], options: { seed?: number } = {}) {
    if (shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new RangeError(
        `Uint8Box shape must be a non-empty list of positive integers, got [${shape.join(", ")}]`,
      );
    }
    this.shape = [...shape];
    this.size = shape.reduce((a, b) => a * b, 1);
    this.#rng = new Rng(options.seed);
  }

  /** Reseeds the space's generator. */
  seed(seed?: number): void {
    this.#rng = new Rng(seed);
  }

  /** Uniform bytes, drawn as Gymnasium draws integer boxes: `floor(uniform(0, 256))`. */
  sample(): Uint8Array {
    const out = new Uint8Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = Math.floor(this.#rng.uniform(0, 256));
    return out;
  }

  /** Whether `x` is a `Uint8Array` of the right length (every byte is within bounds). */
  contains(x: unknown): x is Uint8Array {
    return x instanceof Uint8Array && x.length === this.size;
  }

  /** `Box(0, 255, (h, w, c), uint8)`, as Gymnasium prints it. */
  toString(): string {
    return `Box(0, 255, (${this.shape.join(", ")}), uint8)`;
  }
}

/** Converts an RGBA frame to a row-major `(height, width, 3)` RGB byte array (alpha dropped). */
export function rgbaToRgb(frame: RgbaFrame): Uint8Array {
  const n = frame.width * frame.height;
  if (frame.data.length !== n * 4) {
    throw new RangeError(
      `RGBA frame of ${frame.width} × ${frame.height} needs ${
        n * 4
      } bytes, got ${frame.data.length}`,
    );
  }
  const out = new Uint8Array(n * 3);
  const src = frame.data;
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    out[i * 3] = src[j];
    out[i * 3 + 1] = src[j + 1];
    out[i * 3 + 2] = src[j + 2];
  }
  return out;
}

/**
 * Observations become `env.render()` frames: RGB `Uint8Array`s of shape `(H, W, 3)` in
 * `Uint8Box([H, W, 3])`. The env's own observation is discarded; rewards, flags and info pass
 * through.
 *
 * As Gymnasium does, the constructor calls `env.reset()` and `env.render()` once to learn the
 * frame size (envs such as LunarLander cannot draw before a reset). That reset draws from the
 * env's random source, so seed the first `reset` of the wrapper for reproducible episodes.
 *
 * @example
 * ```ts
 * import { make } from "../registry.ts";
 * import { RenderObservation } from "./render_observation.ts";
 * const env = new RenderObservation(make("LunarLander-v3"));
 * const { obs } = env.reset({ seed: 0 });
 * console.log(env.observationSpace.toString(), obs.length); // Box(0, 255, (400, 600, 3), uint8) 720000
 * ```
 */
export class RenderObservation<O, A, I extends object> implements Env<Uint8Array, A, I> {
  /** The wrapped env. */
  readonly env: Env<O, A, I>;
  /** `Uint8Box([height, width, 3])` of the env's frames. */
  readonly observationSpace: Uint8Box;
  /** Registry spec. */
  spec?: EnvSpec;
  /** Renders the wrapped env. */
  readonly render: () => RgbaFrame;
  readonly #width: number;
  readonly #height: number;

  /** Wraps `env`, which must implement `render()`; throws a `TypeError` otherwise. */
  constructor(env: Env<O, A, I>) {
    if (typeof env.render !== "function") {
      throw new TypeError(
        `RenderObservation needs an env with render(), but ${
          env.spec?.id ?? env.constructor.name
        } has none`,
      );
    }
    this.env = env;
    this.spec = env.spec;
    this.render = env.render.bind(env);
    env.reset();
    const frame = this.render();
    this.#width = frame.width;
    this.#height = frame.height;
    this.observationSpace = new Uint8Box([frame.height, frame.width, 3]);
  }

  /** The wrapped env's action space. */
  get actionSpace(): Space<A> {
    return this.env.actionSpace;
  }

  /** Resets the wrapped env; the observation is the first frame of the episode. */
  reset(options?: ResetOptions): ResetResult<Uint8Array, I> {
    const { info } = this.env.reset(options);
    return { obs: this.#frame(), info };
  }

  /** Steps the wrapped env; the observation is the frame after the action. */
  step(action: A): StepResult<Uint8Array, I> {
    const { reward, terminated, truncated, info } = this.env.step(action);
    return { obs: this.#frame(), reward, terminated, truncated, info };
  }

  /** Closes the wrapped env. */
  close(): void {
    this.env.close();
  }

  #frame(): Uint8Array {
    const frame = this.render();
    if (frame.width !== this.#width || frame.height !== this.#height) {
      throw new RangeError(
        `render() changed size from ${this.#width} × ${this.#height} to ${frame.width} × ${frame.height}; RenderObservation needs a fixed frame size`,
      );
    }
    return rgbaToRgb(frame);
  }
}
