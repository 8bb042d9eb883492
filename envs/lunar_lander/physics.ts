/**
 * The physics a LunarLander needs, behind a small interface so that several engines (planck.js,
 * box2d-wasm) can run the same environment, plus the world geometry they all share. All units
 * are metres, seconds, radians and kilograms, y up.
 * @module
 */

/** Pixels per metre of the original game; every length below is pixels divided by it. */
export const SCALE = 30;
/** Simulation steps per second (the world step is `1 / FPS`). */
export const FPS = 50;
/** World width in metres (600 px). */
export const WORLD_W = 600 / SCALE;
/** World height in metres (400 px). */
export const WORLD_H = 400 / SCALE;
/** Number of terrain vertices. */
export const CHUNKS = 11;
/** Velocity iterations of every world step (Gymnasium's `6 * 30`). */
export const VELOCITY_ITERATIONS = 180;
/** Position iterations of every world step (Gymnasium's `2 * 30`). */
export const POSITION_ITERATIONS = 60;

/** Lander hull in pixels, in the order Gymnasium lists it. */
export const LANDER_POLY: readonly (readonly [number, number])[] = [
  [-14, 17],
  [-17, 0],
  [-17, -10],
  [17, -10],
  [17, 0],
  [14, 17],
];
/** Horizontal distance of a leg's joint anchor from the lander origin, pixels. */
export const LEG_AWAY = 20;
/** Vertical offset of the leg anchor, pixels. */
export const LEG_DOWN = 18;
/** Leg box half-width, pixels. */
export const LEG_W = 2;
/** Leg box half-height, pixels. */
export const LEG_H = 8;
/** Maximum torque of the leg joint motors (the "spring"). */
export const LEG_SPRING_TORQUE = 40;
/** x of the lander origin at the start of an episode, metres. */
export const LANDER_START_X = WORLD_W / 2;
/** y of the lander origin at the start of an episode, metres. */
export const LANDER_START_Y = WORLD_H;

/**
 * Number of scalars `LanderPhysics.readState` writes: the lander's
 * `[x, y, vx, vy, angle, angularVelocity]` then `[x, y, angle]` of `legs[0]` and of `legs[1]`.
 */
export const STATE_SIZE = 12;

/** Names of the physics engines the environment can run on. */
export type PhysicsBackend = "planck" | "box2d-wasm";

/**
 * One physics world holding the moon, the lander and its two legs, rebuilt at every episode.
 * Implementations must reproduce Box2D 2.3 as pybox2d drives it in Gymnasium: bodies created in
 * the order moon, lander, `legs[0]` (the leg on the +x side), `legs[1]`; sleeping, warm starting
 * and continuous collision on; no sub-stepping; contacts setting the flags below.
 */
export interface LanderPhysics {
  /** Which engine this is. */
  readonly backend: PhysicsBackend;
  /**
   * Starts a new episode as if in a freshly created world: the moon with its terrain edges
   * between `(2·i, terrainY[i])`, the lander at its start position with `(forceX, forceY)`
   * applied to its centre, then the legs and their joints. Clears the contact flags.
   */
  build(terrainY: ArrayLike<number>, forceX: number, forceY: number): void;
  /** `ApplyForceToCenter((fx, fy), wake = true)` on the lander (wind). */
  applyForce(fx: number, fy: number): void;
  /** `ApplyTorque(torque, wake = true)` on the lander (turbulence). */
  applyTorque(torque: number): void;
  /** `ApplyLinearImpulse((ix, iy), point = (px, py), wake = true)` on the lander (engines). */
  applyImpulse(ix: number, iy: number, px: number, py: number): void;
  /** One world step of `1 / FPS` seconds with 180 velocity and 60 position iterations. */
  step(): void;
  /** Writes `STATE_SIZE` scalars (see its doc) into `out`. */
  readState(out: Float64Array): void;
  /** The lander body has touched the ground since `build` (it never resets by itself). */
  readonly gameOver: boolean;
  /** Whether `legs[i]` is touching the ground now. */
  legContact(i: 0 | 1): boolean;
  /** Whether the lander body is awake (its island has not fallen asleep). */
  landerAwake(): boolean;
  /** Frees engine resources; the object must not be used afterwards. */
  dispose(): void;
}

/** Options every backend factory takes. */
export interface PhysicsOptions {
  /** Gravity along y in m/s², in (−12, 0). */
  gravity: number;
}

/** The lander hull in metres, local coordinates. */
export function landerVertices(): [number, number][] {
  return LANDER_POLY.map(([x, y]) => [x / SCALE, y / SCALE]);
}
