/**
 * `FrameStackObservation`: the observation becomes the last `stackSize` observations, oldest
 * first, as Gymnasium 1.x's `FrameStackObservation`, so a feed-forward policy can see motion.
 * @module
 */
import { Box, type Space } from "../spaces.ts";
import type { Env, EnvSpec, ResetOptions, ResetResult, RgbaFrame, StepResult } from "../types.ts";
import { Uint8Box } from "./render_observation.ts";

/** Observation arrays that can be stacked. */
export type StackableObservation = Float32Array | Float64Array | Uint8Array;

/**
 * What fills the stack's older slots at reset: `"reset"` repeats the reset observation
 * (Gymnasium 1.x's default), `"zero"` uses zeros, or an observation of the wrapped space.
 */
export type FramePadding<O> = "reset" | "zero" | O;

/** Options of {@link FrameStackObservation}. */
export interface FrameStackObservationOptions<O> {
  /** Number of observations stacked (default 4). */
  stackSize?: number;
  /** Padding at reset (default `"reset"`, as Gymnasium 1.x's `padding_type="reset"`). */
  padding?: FramePadding<O>;
}

/**
 * Stacks the last `stackSize` observations into one array of shape `[stackSize, ...shape]`,
 * oldest first and newest last. At reset the older slots hold the padding, so after `reset`
 * and `k` steps the stack is `[pad × (n − 1 − k), obs_0, …, obs_k]`.
 *
 * The wrapped space must be a `Box` (of any dtype, kept; bounds are tiled) or a `Uint8Box`
 * (images). Every returned observation is a fresh array; the wrapper keeps its own copies of
 * the frames, so envs that reuse an observation buffer are safe.
 *
 * @example
 * ```ts
 * import { make } from "../registry.ts";
 * import { FrameStackObservation } from "./frame_stack_observation.ts";
 * const env = new FrameStackObservation(make("CartPole-v1"), { stackSize: 3 });
 * const { obs } = env.reset({ seed: 123 });
 * console.log(env.observationSpace.shape, obs.length); // [3, 4] 12
 * ```
 */
export class FrameStackObservation<O extends StackableObservation, A, I extends object>
  implements Env<O, A, I> {
  /** The wrapped env. */
  readonly env: Env<O, A, I>;
  /** `Box` or `Uint8Box` of shape `[stackSize, ...wrapped shape]`. */
  readonly observationSpace: Space<O>;
  /** Number of observations stacked. */
  readonly stackSize: number;
  /** Padding used at reset. */
  readonly padding: FramePadding<O>;
  /** Registry spec. */
  spec?: EnvSpec;
  /** Renders the wrapped env; present only when the wrapped env can render. */
  render?: () => RgbaFrame;
  readonly #frameSize: number;
  readonly #alloc: (n: number) => O;
  /** Ring of the last `stackSize` frames; `#next` is the slot the next frame overwrites. */
  readonly #frames: O[];
  #next = 0;

  /** Wraps `env`; `stackSize` must be a positive integer. */
  constructor(env: Env<O, A, I>, options: FrameStackObservationOptions<O> = {}) {
    const stackSize = options.stackSize ?? 4;
    if (!Number.isInteger(stackSize) || stackSize <= 0) {
      throw new RangeError(`stackSize must be a positive integer, got ${stackSize}`);
    }
    const space: Space<O> = env.observationSpace;
    const padding = options.padding ?? "reset";
    if (typeof padding === "string" && padding !== "reset" && padding !== "zero") {
      throw new RangeError(
        `padding must be "reset", "zero" or an observation of the wrapped space, got "${padding}"`,
      );
    }
    if (typeof padding !== "string" && !space.contains(padding)) {
      throw new RangeError(`padding observation is not in the wrapped space ${space}`);
    }
    const shape = [stackSize, ...space.shape];
    if (space instanceof Box) {
      // The stack keeps the wrapped dtype: its bounds' array type is the observations'.
      const Frames = space.low.constructor as new (n: number) => StackableObservation;
      const tile = (v: StackableObservation) => {
        const out = new Frames(v.length * stackSize);
        for (let k = 0; k < stackSize; k++) out.set(v, k * v.length);
        return out;
      };
      const stacked = new Box(tile(space.low), tile(space.high), shape, { dtype: space.dtype });
      this.observationSpace = stacked as unknown as Space<O>;
      this.#frameSize = space.size;
      this.#alloc = (n) => new Frames(n) as O;
    } else if (space instanceof Uint8Box) {
      const stacked: Space<StackableObservation> = new Uint8Box(shape);
      this.observationSpace = stacked as Space<O>;
      this.#frameSize = space.size;
      this.#alloc = (n) => new Uint8Array(n) as O;
    } else {
      throw new TypeError(
        `FrameStackObservation stacks Box or Uint8Box observations, got ${space}`,
      );
    }
    this.env = env;
    this.stackSize = stackSize;
    this.padding = padding;
    this.#frames = Array.from({ length: stackSize }, () => this.#alloc(this.#frameSize));
    this.spec = env.spec;
    if (env.render) this.render = env.render.bind(env);
  }

  /** The wrapped env's action space. */
  get actionSpace(): Space<A> {
    return this.env.actionSpace;
  }

  /** Resets the wrapped env and fills the stack with the padding and the reset observation. */
  reset(options?: ResetOptions): ResetResult<O, I> {
    const r = this.env.reset(options);
    const pad = this.padding === "reset" ? r.obs : this.padding === "zero" ? null : this.padding;
    for (const frame of this.#frames) {
      if (pad === null) frame.fill(0);
      else frame.set(pad);
    }
    this.#next = 0;
    this.#push(r.obs);
    return { obs: this.#stacked(), info: r.info };
  }

  /** Steps the wrapped env and pushes its observation, dropping the oldest. */
  step(action: A): StepResult<O, I> {
    const r = this.env.step(action);
    this.#push(r.obs);
    return { ...r, obs: this.#stacked() };
  }

  /** Closes the wrapped env. */
  close(): void {
    this.env.close();
  }

  #push(obs: O): void {
    if (obs.length !== this.#frameSize) {
      throw new RangeError(
        `Observation has ${obs.length} values, but the wrapped space's shape holds ${this.#frameSize}`,
      );
    }
    this.#frames[this.#next].set(obs);
    this.#next = (this.#next + 1) % this.stackSize;
  }

  #stacked(): O {
    const out = this.#alloc(this.stackSize * this.#frameSize);
    for (let k = 0; k < this.stackSize; k++) {
      out.set(this.#frames[(this.#next + k) % this.stackSize], k * this.#frameSize);
    }
    return out;
  }
}
