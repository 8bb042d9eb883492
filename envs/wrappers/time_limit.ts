/**
 * `TimeLimit`: truncates episodes after a fixed number of steps.
 * @module
 */
import type { Env, EnvSpec, ResetOptions, ResetResult, RgbaFrame, StepResult } from "../types.ts";
import type { Space } from "../spaces.ts";

/** Sets `truncated = true` on the step that reaches `maxEpisodeSteps` (the state is not terminal). */
export class TimeLimit<O, A, I extends object> implements Env<O, A, I> {
  /** The wrapped env. */
  readonly env: Env<O, A, I>;
  /** Steps after which an episode is truncated. */
  readonly maxEpisodeSteps: number;
  /** Registry spec. */
  spec?: EnvSpec;
  /** Renders the wrapped env; present only when the wrapped env can render. */
  render?: () => RgbaFrame;
  #elapsed = 0;

  /** Wraps `env`; `maxEpisodeSteps` must be a positive integer. */
  constructor(env: Env<O, A, I>, maxEpisodeSteps: number) {
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps <= 0) {
      throw new RangeError(
        `maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`,
      );
    }
    this.env = env;
    this.maxEpisodeSteps = maxEpisodeSteps;
    this.spec = env.spec;
    if (env.render) this.render = env.render.bind(env);
  }

  /** The wrapped env's observation space. */
  get observationSpace(): Space<O> {
    return this.env.observationSpace;
  }

  /** The wrapped env's action space. */
  get actionSpace(): Space<A> {
    return this.env.actionSpace;
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.#elapsed;
  }

  /** Resets the wrapped env and the step counter. */
  reset(options?: ResetOptions): ResetResult<O, I> {
    this.#elapsed = 0;
    return this.env.reset(options);
  }

  /** Steps the wrapped env and truncates at the limit. */
  step(action: A): StepResult<O, I> {
    const r = this.env.step(action);
    this.#elapsed++;
    if (this.#elapsed >= this.maxEpisodeSteps) r.truncated = true;
    return r;
  }

  /** Closes the wrapped env. */
  close(): void {
    this.env.close();
  }
}
