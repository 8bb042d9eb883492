/**
 * `RecordEpisodeStatistics`: adds the finished episode's return and length to the step info.
 * @module
 */
import type { Env, EnvSpec, ResetOptions, ResetResult, RgbaFrame, StepResult } from "../types.ts";
import type { Space } from "../spaces.ts";

/** Statistics of one finished episode. */
export interface EpisodeStatistics {
  /** Sum of rewards. */
  return: number;
  /** Number of steps. */
  length: number;
  /** Wall-clock seconds the episode took. */
  time: number;
}

/** The info of a `RecordEpisodeStatistics` env: `episode` is set on the last step of an episode. */
export type WithEpisode<I> = I & { episode?: EpisodeStatistics };

/** Tracks episode return and length; sets `info.episode` when an episode ends. */
export class RecordEpisodeStatistics<O, A, I extends object> implements Env<O, A, WithEpisode<I>> {
  /** The wrapped env. */
  readonly env: Env<O, A, I>;
  /** Registry spec. */
  spec?: EnvSpec;
  /** Renders the wrapped env; present only when the wrapped env can render. */
  render?: () => RgbaFrame;
  /** Returns of the most recent episodes (up to `bufferLength`). */
  readonly returnQueue: number[] = [];
  /** Lengths of the most recent episodes (up to `bufferLength`). */
  readonly lengthQueue: number[] = [];
  #bufferLength: number;
  #return = 0;
  #length = 0;
  #start = 0;

  /** Wraps `env`, keeping the last `bufferLength` episodes in the queues. */
  constructor(env: Env<O, A, I>, bufferLength = 100) {
    this.env = env;
    this.spec = env.spec;
    if (env.render) this.render = env.render.bind(env);
    this.#bufferLength = bufferLength;
  }

  /** The wrapped env's observation space. */
  get observationSpace(): Space<O> {
    return this.env.observationSpace;
  }

  /** The wrapped env's action space. */
  get actionSpace(): Space<A> {
    return this.env.actionSpace;
  }

  /** Resets the wrapped env and the running statistics. */
  reset(options?: ResetOptions): ResetResult<O, WithEpisode<I>> {
    this.#return = 0;
    this.#length = 0;
    this.#start = performance.now();
    return this.env.reset(options);
  }

  /** Steps the wrapped env, recording the episode when it ends. */
  step(action: A): StepResult<O, WithEpisode<I>> {
    const r: StepResult<O, WithEpisode<I>> = this.env.step(action);
    this.#return += r.reward;
    this.#length++;
    if (r.terminated || r.truncated) {
      const episode = {
        return: this.#return,
        length: this.#length,
        time: (performance.now() - this.#start) / 1000,
      };
      r.info = { ...r.info, episode };
      this.returnQueue.push(episode.return);
      this.lengthQueue.push(episode.length);
      if (this.returnQueue.length > this.#bufferLength) {
        this.returnQueue.shift();
        this.lengthQueue.shift();
      }
    }
    return r;
  }

  /** Closes the wrapped env. */
  close(): void {
    this.env.close();
  }
}
