/**
 * LunarLander-v3 and LunarLanderContinuous-v3, reproducing Gymnasium 1.3.0's environment draw for
 * draw and step for step on a pluggable Box2D-style physics engine.
 * @module
 */
import { type RandomSource, Rng } from "../../core/rng.ts";
import { Box, Discrete } from "../spaces.ts";
import type {
  EmptyInfo,
  Env,
  EnvSpec,
  ResetOptions,
  ResetResult,
  RgbaFrame,
  StepResult,
} from "../types.ts";
import {
  CHUNKS,
  FPS,
  LANDER_POLY,
  type LanderPhysics,
  LEG_DOWN,
  LEG_H,
  LEG_W,
  type PhysicsBackend,
  type PhysicsOptions,
  SCALE,
  STATE_SIZE,
  WORLD_H,
  WORLD_W,
} from "./physics.ts";
import { createPlanckPhysics } from "./planck_physics.ts";
import { FlameParticles } from "./particles.ts";
import { renderLanderScene } from "./render.ts";
import type { LanderScene, Point } from "./scene.ts";

const MAIN_ENGINE_POWER = 13.0;
const SIDE_ENGINE_POWER = 0.6;
const INITIAL_RANDOM = 1000.0;
const SIDE_ENGINE_HEIGHT = 14;
const SIDE_ENGINE_AWAY = 12;
const MAIN_ENGINE_Y_LOCATION = 4;
const HELIPAD_Y = WORLD_H / 4;
const HELIPAD_X1 = (((CHUNKS - 1) / 2 - 1) * WORLD_W) / (CHUNKS - 1);
const HELIPAD_X2 = (((CHUNKS - 1) / 2 + 1) * WORLD_W) / (CHUNKS - 1);

/** Options of {@link LunarLander}; they mirror Gymnasium's keyword arguments. */
export interface LunarLanderOptions {
  /** Continuous actions (`Box(-1, 1, [2])`) instead of `Discrete(4)`. Default false. */
  continuous?: boolean;
  /** Gravity in m/s², in the open interval (−12, 0). Default −10. */
  gravity?: number;
  /** Adds wind and turbulence while no leg touches the ground. Default false. */
  enableWind?: boolean;
  /** Maximum wind force; Gymnasium recommends 0..20. Default 15. */
  windPower?: number;
  /** Maximum turbulence torque; Gymnasium recommends 0..2. Default 1.5. */
  turbulencePower?: number;
  /**
   * Source of every random draw, used until a `reset({ seed })` replaces it with
   * `new Rng(seed)`. Default: a generator with a random seed, created at the first reset.
   */
  rng?: RandomSource;
  /**
   * Physics engine. `"planck"` (default) is always available; `"box2d-wasm"` needs
   * `await LunarLander.loadBox2dWasm()` once before construction.
   */
  physics?: PhysicsBackend;
}

/** Synchronous factories of the physics engines loaded so far. */
const factories = new Map<PhysicsBackend, (options: PhysicsOptions) => LanderPhysics>([
  ["planck", createPlanckPhysics],
]);

type Phase = "new" | "running" | "ended";

/**
 * Land a rocket on the pad between the two flags (a Box2D rigid-body task by Oleg Klimov).
 *
 * - **Action space**: discrete `Discrete(4)`: 0 do nothing, 1 fire the left orientation engine,
 *   2 fire the main engine, 3 fire the right orientation engine. Continuous `Box(-1, 1, [2])`:
 *   `a[0]` throttles the main engine (off for a[0] ≤ 0, 50–100 % power for a[0] in (0, 1]);
 *   `a[1]` fires the left engine for a[1] < −0.5 and the right one for a[1] > 0.5 (50–100 %).
 *   Continuous actions are clipped to [−1, 1]; NaN is rejected.
 * - **Observation space**: `Box` float32 of 8 values: x and y of the lander relative to the pad
 *   (normalised, y = 0 at rest on the pad), x and y velocities, angle (rad, unwrapped), angular
 *   velocity, and 1/0 for each leg touching the ground. Bounds
 *   `[−2.5, −2.5, −10, −10, −2π, −10, −0, −0]` to `[2.5, 2.5, 10, 10, 2π, 10, 1, 1]`.
 * - **Rewards**: the change of a shaping potential that grows as the lander nears the pad, slows
 *   down and levels out, plus 10 per leg in contact; −0.3 per step of main engine (scaled by its
 *   power), −0.03 per step of side engine; the final step is −100 for a crash or flying off
 *   screen and +100 for coming to rest. A return of 200 solves it.
 * - **Starting state**: the lander at the top centre with a random force applied to its centre
 *   for the first step; random terrain outside the flat pad.
 * - **Episode termination**: the lander body touches the ground (crash), |x| ≥ 1 (flew off), or
 *   the lander falls asleep (at rest). `make("LunarLander-v3")` truncates after 1000 steps.
 * - **Arguments**: {@link LunarLanderOptions}.
 * - **Version history**: v3 draws new wind/turbulence offsets at every reset, destroys the
 *   whole world between episodes (deterministic physics) and widens the observation bounds to
 *   ±2.5 / ±10 / ±2π; v2 counts the fuel spent and adds wind and turbulence; v1 adds the leg
 *   contacts to the observation and their ±10 reward and a harder initial push; v0 initial.
 *
 * Random draws are made on the {@link RandomSource} in exactly Gymnasium's order (12 terrain
 * heights, the force, the wind indices, then 2 dispersion draws in every step, the internal one
 * of reset included), so the same seed gives the same episode as the Python environment.
 * Physics: planck.js (default) follows Box2D 2.3 in float64 and matches the recorded Gymnasium
 * episodes to ~1e-5 before touchdown; box2d-wasm (Box2D 2.4.1, float32) is about twice as fast
 * but its rewritten joint and contact solvers drift to ~1e-2 and land on their own schedule.
 *
 * @example Run one episode with random actions
 * ```ts
 * import { LunarLander } from "./env.ts";
 * const env = new LunarLander();
 * let { obs } = env.reset({ seed: 0 });
 * for (let t = 0; t < 1000; t++) {
 *   const r = env.step(env.actionSpace.sample());
 *   obs = r.obs;
 *   if (r.terminated) break;
 * }
 * ```
 */
export class LunarLander implements Env<Float32Array, number | Float32Array | number[]> {
  /** The 8 observation bounds. */
  readonly observationSpace: Box = new Box(
    [-2.5, -2.5, -10, -10, -2 * Math.PI, -10, -0, -0],
    [2.5, 2.5, 10, 10, 2 * Math.PI, 10, 1, 1],
  );
  /** `Discrete(4)`, or `Box(-1, 1, [2])` when continuous. */
  readonly actionSpace: Discrete | Box;
  /** Registry spec, set by `make`. */
  spec?: EnvSpec;
  /** Whether actions are continuous. */
  readonly continuous: boolean;
  /** Gravity in m/s². */
  readonly gravity: number;
  /** Whether wind and turbulence are on. */
  readonly enableWind: boolean;
  /** Maximum wind force. */
  readonly windPower: number;
  /** Maximum turbulence torque. */
  readonly turbulencePower: number;

  #rng: RandomSource | null;
  readonly #physics: LanderPhysics;
  readonly #state = new Float64Array(STATE_SIZE);
  readonly #heights = new Float64Array(CHUNKS + 1);
  readonly #terrainY = new Float64Array(CHUNKS);
  #prevShaping = NaN;
  #windIdx = 0;
  #torqueIdx = 0;
  #phase: Phase = "new";
  #outOfBounds = false;
  #particles: FlameParticles | null = null;
  // Outputs of #advance besides the observation.
  #lastReward = 0;
  #lastTerminated = false;

  /** Creates the environment; call `reset` before `step`. */
  constructor(options: LunarLanderOptions = {}) {
    this.continuous = checkBool(options.continuous ?? false, "continuous");
    this.enableWind = checkBool(options.enableWind ?? false, "enableWind");
    this.gravity = options.gravity ?? -10.0;
    if (typeof this.gravity !== "number" || !(this.gravity > -12 && this.gravity < 0)) {
      throw new RangeError(
        `LunarLander gravity must be a number in (-12, 0), got ${options.gravity}`,
      );
    }
    this.windPower = checkPower(options.windPower ?? 15.0, "windPower");
    this.turbulencePower = checkPower(options.turbulencePower ?? 1.5, "turbulencePower");
    const backend = options.physics ?? "planck";
    const factory = factories.get(backend);
    if (!factory) {
      throw backend === "box2d-wasm"
        ? new TypeError(
          'LunarLander physics "box2d-wasm" is not loaded: call `await LunarLander.loadBox2dWasm()` first',
        )
        : new RangeError(
          `LunarLander physics must be "planck" or "box2d-wasm", got ${JSON.stringify(backend)}`,
        );
    }
    this.#physics = factory({ gravity: this.gravity });
    this.#rng = options.rng ?? null;
    this.actionSpace = this.continuous ? new Box(-1, 1, [2]) : new Discrete(4);
  }

  /**
   * Loads the box2d-wasm engine (Box2D 2.4.1 compiled to WebAssembly, float32 like the Python
   * environment) so that `new LunarLander({ physics: "box2d-wasm" })` can be constructed; needs
   * read permission for the package's `.wasm` file. Resolves once the module is instantiated;
   * later calls return at once.
   *
   * @example
   * ```ts
   * import { LunarLander } from "./env.ts";
   * await LunarLander.loadBox2dWasm();
   * const env = new LunarLander({ physics: "box2d-wasm" });
   * ```
   */
  static async loadBox2dWasm(): Promise<void> {
    if (factories.has("box2d-wasm")) return;
    const { loadBox2dWasmPhysics } = await import("./box2d_wasm_physics.ts");
    factories.set("box2d-wasm", await loadBox2dWasmPhysics());
  }

  /** The physics engine this env runs on. */
  get physics(): PhysicsBackend {
    return this.#physics.backend;
  }

  /** Starts an episode: new terrain, the lander at the top with a random push. */
  reset(options: ResetOptions = {}): ResetResult<Float32Array, EmptyInfo> {
    if (options.seed !== undefined) this.#rng = new Rng(options.seed);
    this.#rng ??= new Rng();
    const rng = this.#rng;

    // Terrain: 12 heights, the pad flattened, then a 3-point smoothing whose index −1 wraps to 11
    // (Python negative indexing) and whose factor is 0.33, as in Gymnasium.
    const h = this.#heights;
    for (let i = 0; i < CHUNKS + 1; i++) h[i] = rng.uniform(0, WORLD_H / 2);
    for (let i = (CHUNKS >> 1) - 2; i <= (CHUNKS >> 1) + 2; i++) h[i] = HELIPAD_Y;
    for (let i = 0; i < CHUNKS; i++) {
      this.#terrainY[i] = 0.33 * (h[i === 0 ? CHUNKS : i - 1] + h[i] + h[i + 1]);
    }
    const fx = rng.uniform(-INITIAL_RANDOM, INITIAL_RANDOM);
    const fy = rng.uniform(-INITIAL_RANDOM, INITIAL_RANDOM);
    if (this.enableWind) {
      this.#windIdx = rng.integers(-9999, 9999);
      this.#torqueIdx = rng.integers(-9999, 9999);
    }
    this.#physics.build(this.#terrainY, fx, fy);
    this.#physics.readState(this.#state);
    this.#particles?.clear();
    this.#prevShaping = NaN;
    this.#outOfBounds = false;
    this.#phase = "running";
    // Gymnasium returns the observation of one no-op step; its reward is discarded.
    const obs = this.#advance(0, 0, 0);
    return { obs, info: {} };
  }

  /** Fires the engines the action selects and advances the world by 1/50 s. */
  step(action: number | Float32Array | number[]): StepResult<Float32Array, EmptyInfo> {
    if (this.#phase !== "running") {
      throw new TypeError(
        this.#phase === "new"
          ? "LunarLander.step() was called before reset(): call reset() first"
          : "LunarLander episode has ended (terminated): call reset() before step()",
      );
    }
    let mainPower = 0, sidePower = 0, direction = 0;
    if (this.continuous) {
      if (
        !(action instanceof Float32Array || action instanceof Float64Array || Array.isArray(action))
      ) {
        throw new TypeError(
          `LunarLanderContinuous action must be an array of 2 numbers in [-1, 1], got ${
            describe(action)
          }`,
        );
      }
      if (action.length !== 2) {
        throw new RangeError(
          `LunarLanderContinuous action must hold 2 numbers (main, lateral), got ${action.length}: ${
            describe(action)
          }`,
        );
      }
      const a0 = action[0], a1 = action[1];
      if (
        typeof a0 !== "number" || typeof a1 !== "number" || Number.isNaN(a0) || Number.isNaN(a1)
      ) {
        throw new RangeError(
          `LunarLanderContinuous action must be 2 numbers in [-1, 1] (clipped), got ${
            describe(action)
          }`,
        );
      }
      const main = clip(a0, -1, 1), lateral = clip(a1, -1, 1);
      if (main > 0) mainPower = (clip(main, 0, 1) + 1) * 0.5;
      if (Math.abs(lateral) > 0.5) {
        direction = Math.sign(lateral);
        sidePower = clip(Math.abs(lateral), 0.5, 1);
      }
    } else {
      if (typeof action !== "number") {
        throw new TypeError(
          `LunarLander action must be an integer in 0..3, got ${describe(action)}`,
        );
      }
      if (!(action === 0 || action === 1 || action === 2 || action === 3)) {
        throw new RangeError(`LunarLander action must be an integer in 0..3, got ${action}`);
      }
      if (action === 2) mainPower = 1;
      else if (action !== 0) {
        direction = action - 2;
        sidePower = 1;
      }
    }
    const obs = this.#advance(mainPower, sidePower, direction);
    const reward = this.#lastReward;
    const terminated = this.#lastTerminated;
    if (terminated) this.#phase = "ended";
    return { obs, reward, terminated, truncated: false, info: {} };
  }

  /**
   * Gymnasium's `step` body: wind, dispersion draws, engines, world step, observation, shaping
   * and termination. Stores the reward and termination in fields so the hot path returns just
   * the observation.
   */
  #advance(mainPower: number, sidePower: number, direction: number): Float32Array {
    const physics = this.#physics, s = this.#state, rng = this.#rng!;
    if (this.enableWind && !(physics.legContact(0) || physics.legContact(1))) {
      const k = this.#windIdx++;
      const wind = Math.tanh(Math.sin(0.02 * k) + Math.sin(Math.PI * 0.01 * k)) * this.windPower;
      physics.applyForce(wind, 0);
      const j = this.#torqueIdx++;
      const torque = Math.tanh(Math.sin(0.02 * j) + Math.sin(Math.PI * 0.01 * j)) *
        this.turbulencePower;
      physics.applyTorque(torque);
    }

    const tipX = Math.sin(s[4]), tipY = Math.cos(s[4]);
    const sideX = -tipY, sideY = tipX;
    const d0 = rng.uniform(-1.0, 1.0) / SCALE;
    const d1 = rng.uniform(-1.0, 1.0) / SCALE;

    if (mainPower > 0) {
      const ox = tipX * (MAIN_ENGINE_Y_LOCATION / SCALE + 2 * d0) + sideX * d1;
      const oy = -tipY * (MAIN_ENGINE_Y_LOCATION / SCALE + 2 * d0) - sideY * d1;
      const px = s[0] + ox, py = s[1] + oy;
      const ix = ox * MAIN_ENGINE_POWER * mainPower, iy = oy * MAIN_ENGINE_POWER * mainPower;
      this.#particles?.spawn(px, py, ix, iy, 3.5, mainPower);
      physics.applyImpulse(-ix, -iy, px, py);
    }
    if (sidePower > 0) {
      const lever = 3 * d1 + (direction * SIDE_ENGINE_AWAY) / SCALE;
      const ox = tipX * d0 + sideX * lever;
      const oy = -tipY * d0 - sideY * lever;
      // 17 px sideways but 14 px up: an upstream quirk kept for parity.
      const px = s[0] + ox - (tipX * 17) / SCALE;
      const py = s[1] + oy + (tipY * SIDE_ENGINE_HEIGHT) / SCALE;
      const ix = ox * SIDE_ENGINE_POWER * sidePower, iy = oy * SIDE_ENGINE_POWER * sidePower;
      this.#particles?.spawn(px, py, ix, iy, 0.7, sidePower);
      physics.applyImpulse(-ix, -iy, px, py);
    }

    physics.step();
    physics.readState(s);
    this.#particles?.advance(this.gravity, this.#terrainY);

    // Observation in float64, left to right as Gymnasium writes it.
    const s0 = (s[0] - WORLD_W / 2) / (WORLD_W / 2);
    const s1 = (s[1] - (HELIPAD_Y + LEG_DOWN / SCALE)) / (WORLD_H / 2);
    const s2 = (s[2] * (WORLD_W / 2)) / FPS;
    const s3 = (s[3] * (WORLD_H / 2)) / FPS;
    const s4 = s[4];
    const s5 = (20.0 * s[5]) / FPS;
    const s6 = physics.legContact(0) ? 1.0 : 0.0;
    const s7 = physics.legContact(1) ? 1.0 : 0.0;

    const shaping = -100 * Math.sqrt(s0 * s0 + s1 * s1) - 100 * Math.sqrt(s2 * s2 + s3 * s3) -
      100 * Math.abs(s4) + 10 * s6 + 10 * s7;
    let reward = Number.isNaN(this.#prevShaping) ? 0 : shaping - this.#prevShaping;
    this.#prevShaping = shaping;
    reward -= mainPower * 0.30;
    reward -= sidePower * 0.03;

    let terminated = false;
    this.#outOfBounds = Math.abs(s0) >= 1.0;
    if (physics.gameOver || this.#outOfBounds) {
      terminated = true;
      reward = -100;
    }
    if (!physics.landerAwake()) {
      terminated = true;
      reward = +100;
    }
    this.#lastReward = reward;
    this.#lastTerminated = terminated;

    const obs = new Float32Array(8);
    obs[0] = s0;
    obs[1] = s1;
    obs[2] = s2;
    obs[3] = s3;
    obs[4] = s4;
    obs[5] = s5;
    obs[6] = s6;
    obs[7] = s7;
    return obs;
  }

  /** The current scene for a renderer; from the first call on, flame particles are tracked. */
  scene(): LanderScene {
    if (this.#phase === "new") {
      throw new TypeError("LunarLander.scene() was called before reset(): call reset() first");
    }
    this.#particles ??= new FlameParticles();
    const s = this.#state;
    const place = (x: number, y: number, angle: number, pts: readonly Point[]): Point[] => {
      const c = Math.cos(angle), sn = Math.sin(angle);
      return pts.map(([px, py]) => [x + c * px - sn * py, y + sn * px + c * py] as const);
    };
    const hx = LEG_W / SCALE, hy = LEG_H / SCALE;
    const legBox: Point[] = [[-hx, -hy], [hx, -hy], [hx, hy], [-hx, hy]];
    return {
      width: WORLD_W,
      height: WORLD_H,
      terrain: Array.from(
        this.#terrainY,
        (y, i): Point => [(i * WORLD_W) / (CHUNKS - 1), y],
      ),
      helipad: { x1: HELIPAD_X1, x2: HELIPAD_X2, y: HELIPAD_Y },
      lander: place(s[0], s[1], s[4], LANDER_POLY.map(([x, y]) => [x / SCALE, y / SCALE])),
      legs: [place(s[6], s[7], s[8], legBox), place(s[9], s[10], s[11], legBox)],
      legContact: [this.#physics.legContact(0), this.#physics.legContact(1)],
      particles: this.#particles.snapshot(),
      crashed: this.#physics.gameOver || this.#outOfBounds,
    };
  }

  /**
   * Draws the current state (600×400 RGBA by default). Flame particles appear from the step
   * after the first call on, as they are only tracked once a scene has been requested.
   */
  render(options: { width?: number; height?: number } = {}): RgbaFrame {
    return renderLanderScene(this.scene(), options);
  }

  /** Releases the physics world. */
  close(): void {
    this.#physics.dispose();
    this.#phase = "new";
  }
}

function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function checkBool(v: unknown, name: string): boolean {
  if (typeof v !== "boolean") {
    throw new TypeError(`LunarLander ${name} must be a boolean, got ${v}`);
  }
  return v;
}

function checkPower(v: unknown, name: string): number {
  if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) {
    throw new RangeError(`LunarLander ${name} must be a finite number >= 0, got ${v}`);
  }
  return v;
}

function describe(v: unknown): string {
  if (ArrayBuffer.isView(v) || Array.isArray(v)) {
    return `[${Array.from(v as ArrayLike<unknown>, String).join(", ")}]`;
  }
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}
