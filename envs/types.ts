/**
 * The environment API, modelled on Gymnasium 1.x: `reset({ seed })` → `{ obs, info }` and
 * `step(action)` → `{ obs, reward, terminated, truncated, info }`.
 * @module
 */
import type { Space } from "./spaces.ts";

/** Options of `Env.reset`. */
export interface ResetOptions {
  /** Reseeds the env's random source (numpy `default_rng(seed)` semantics); omitted: keep drawing. */
  seed?: number;
}

/** What `Env.reset` returns. */
export interface ResetResult<O, I extends object = EmptyInfo> {
  /** The first observation of the episode. */
  obs: O;
  /** Typed auxiliary information. */
  info: I;
}

/** What `Env.step` returns. */
export interface StepResult<O, I extends object = EmptyInfo> {
  /** Observation after the action. */
  obs: O;
  /** Reward for the transition. */
  reward: number;
  /** The episode reached a terminal state of the MDP (no bootstrapping past it). */
  terminated: boolean;
  /** The episode was cut short (time limit); the state is not terminal (bootstrap from it). */
  truncated: boolean;
  /** Typed auxiliary information. */
  info: I;
}

/** The info of envs that report nothing. */
export type EmptyInfo = Record<never, never>;

/** An RGBA image, row-major from the top-left, 4 bytes per pixel. */
export interface RgbaFrame {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `width * height * 4` bytes. */
  data: Uint8ClampedArray;
}

/** What `make` knows of a registered env. */
export interface EnvSpec {
  /** Registry id, e.g. `CartPole-v1`. */
  id: string;
  /** Episode step limit applied by `TimeLimit`, if any. */
  maxEpisodeSteps?: number;
  /** Return at which the task counts as solved. */
  rewardThreshold?: number;
}

/** A single-agent environment. `O` is the observation type and `A` the action type. */
export interface Env<O, A, I extends object = EmptyInfo> {
  /** The space every observation belongs to. */
  readonly observationSpace: Space<O>;
  /** The space every valid action belongs to. */
  readonly actionSpace: Space<A>;
  /** Registry spec, set by `make` (undefined for an env constructed directly). */
  spec?: EnvSpec;
  /** Starts a new episode. */
  reset(options?: ResetOptions): ResetResult<O, I>;
  /** Advances the episode by one action. Throws if the episode has ended and not been reset. */
  step(action: A): StepResult<O, I>;
  /** Draws the current state as an RGBA frame (envs that can draw implement it). */
  render?(): RgbaFrame;
  /** Releases resources. */
  close(): void;
}

/** A discrete action. */
export type DiscreteAction = number;
/** A continuous action: a vector of numbers. */
export type ContinuousAction = Float32Array | number[];
/** Any observation type of the built-in envs. */
export type Observation = Float32Array | Float64Array | number;
/** Any action type of the built-in envs. */
export type Action = DiscreteAction | ContinuousAction;
/**
 * Any env, for code that handles envs generically (registry, vector envs, agents). Method
 * parameters are bivariant in TypeScript, so every concrete env is assignable to it.
 */
export type AnyEnv = Env<Observation, Action, object>;
