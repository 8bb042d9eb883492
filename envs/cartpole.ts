/**
 * CartPole-v1, with Gymnasium's exact dynamics.
 * @module
 */
import { Rng } from "../core/rng.ts";
import { type CartPoleRenderOptions, renderCartPole } from "./cartpole_render.ts";
import { Box, Discrete } from "./spaces.ts";
import type {
  EmptyInfo,
  Env,
  EnvSpec,
  ResetOptions,
  ResetResult,
  RgbaFrame,
  StepResult,
} from "./types.ts";

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_CART + MASS_POLE;
const HALF_LENGTH = 0.5;
const POLE_MASS_LENGTH = MASS_POLE * HALF_LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02;
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4;

/** Options of {@link CartPole}. */
export interface CartPoleOptions {
  /** Sutton & Barto's reward: 0 per step and −1 on termination, instead of +1 per step. */
  suttonBartoReward?: boolean;
}

/**
 * A pole hinged on a cart moving along a frictionless track; push the cart left or right to
 * keep the pole upright (Barto, Sutton & Anderson, 1983).
 *
 * - **Action space**: `Discrete(2)`: 0 pushes the cart left, 1 right, with a force of 10 N.
 * - **Observation space**: `Box` float32 of `[x, ẋ, θ, θ̇]`; x in ±4.8, θ in ±0.418 rad
 *   (twice the termination bounds), velocities unbounded.
 * - **Rewards**: +1 for every step, including the terminating one.
 * - **Starting state**: every state variable uniform in [−0.05, 0.05] (4 draws).
 * - **Episode end**: terminated when |θ| > 12° or |x| > 2.4; truncated after 500 steps by
 *   `make("CartPole-v1")`'s `TimeLimit`.
 * - **Arguments**: {@link CartPoleOptions}.
 * - **Version history**: v1 (Gymnasium) raised the step limit to 500 and threshold to 475.
 *
 * Dynamics: semi-implicit equations of motion of the cart-pole integrated with explicit Euler
 * steps of 0.02 s, in float64; observations are the float32 cast of the state.
 */
export class CartPole implements Env<Float32Array, number> {
  /** `[x, ẋ, θ, θ̇]` bounds. */
  readonly observationSpace: Box = new Box(
    [X_THRESHOLD * 2, Infinity, THETA_THRESHOLD * 2, Infinity].map((v) => -v),
    [X_THRESHOLD * 2, Infinity, THETA_THRESHOLD * 2, Infinity],
  );
  /** Push left (0) or right (1). */
  readonly actionSpace: Discrete = new Discrete(2);
  /** Registry spec. */
  spec?: EnvSpec;
  readonly #suttonBarto: boolean;
  #rng: Rng = new Rng();
  #state = new Float64Array(4);
  #done = true;

  /** Creates the env; call `reset` before `step`. */
  constructor(options: CartPoleOptions = {}) {
    this.#suttonBarto = options.suttonBartoReward ?? false;
    if (typeof this.#suttonBarto !== "boolean") {
      throw new TypeError(`suttonBartoReward must be a boolean, got ${options.suttonBartoReward}`);
    }
  }

  /** The current physical state `[x, ẋ, θ, θ̇]` in float64 (a copy). */
  get state(): Float64Array {
    return this.#state.slice();
  }

  /** Places the cart-pole in a given state (tests, demonstrations); the episode continues. */
  set state(s: ArrayLike<number>) {
    if (s.length !== 4 || !Array.from(s).every(Number.isFinite)) {
      throw new RangeError(`CartPole state must be 4 finite numbers, got [${Array.from(s)}]`);
    }
    this.#state.set(s);
    this.#done = false;
  }

  /** Starts an episode from a small random perturbation of upright. */
  reset(options: ResetOptions = {}): ResetResult<Float32Array, EmptyInfo> {
    if (options.seed !== undefined) this.#rng = new Rng(options.seed);
    for (let i = 0; i < 4; i++) this.#state[i] = this.#rng.uniform(-0.05, 0.05);
    this.#done = false;
    return { obs: Float32Array.from(this.#state), info: {} };
  }

  /** Applies a push and integrates one 0.02 s Euler step. */
  step(action: number): StepResult<Float32Array, EmptyInfo> {
    if (action !== 0 && action !== 1) {
      throw new RangeError(`CartPole action must be 0 (left) or 1 (right), got ${action}`);
    }
    if (this.#done) {
      throw new Error("CartPole episode has ended (or never started): call reset() before step()");
    }
    const s = this.#state;
    const [x, xDot, theta, thetaDot] = s;
    const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
    const cos = Math.cos(theta), sin = Math.sin(theta);
    const temp = (force + POLE_MASS_LENGTH * thetaDot ** 2 * sin) / TOTAL_MASS;
    const thetaAcc = (GRAVITY * sin - cos * temp) /
      (HALF_LENGTH * (4.0 / 3.0 - (MASS_POLE * cos ** 2) / TOTAL_MASS));
    const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
    s[0] = x + TAU * xDot;
    s[1] = xDot + TAU * xAcc;
    s[2] = theta + TAU * thetaDot;
    s[3] = thetaDot + TAU * thetaAcc;
    const terminated = s[0] < -X_THRESHOLD || s[0] > X_THRESHOLD ||
      s[2] < -THETA_THRESHOLD || s[2] > THETA_THRESHOLD;
    this.#done = terminated;
    const reward = this.#suttonBarto ? (terminated ? -1 : 0) : 1;
    return { obs: Float32Array.from(s), reward, terminated, truncated: false, info: {} };
  }

  /** Draws the current state as Gymnasium does: 600 × 400 unless `options` say otherwise. */
  render(options: CartPoleRenderOptions = {}): RgbaFrame {
    return renderCartPole(this.#state, options);
  }

  /** Nothing to release. */
  close(): void {}
}
