/**
 * What the LunarLander renderer draws: a snapshot of the scene in world units (metres, y up),
 * decoupled from the physics engine so any physics backend can feed the same renderer.
 * @module
 */

/** A 2-D point in metres, y up. */
export type Point = readonly [number, number];

/** A flame particle (decoration only; it takes no part in the physics). */
export interface FlameParticle {
  /** Position in metres. */
  x: number;
  /** Position in metres. */
  y: number;
  /** Remaining life in [0, 1]; drawn fading from yellow-white to red. */
  life: number;
}

/** Everything needed to draw one LunarLander frame. */
export interface LanderScene {
  /** World width in metres (20). */
  width: number;
  /** World height in metres (13.333…). */
  height: number;
  /** Terrain vertices `(chunk_x[i], smooth_y[i])`, left to right (11 points). */
  terrain: readonly Point[];
  /** Helipad left and right x, and the height of the flag poles' base. */
  helipad: { x1: number; x2: number; y: number };
  /** Lander body polygon in world coordinates. */
  lander: readonly Point[];
  /** The two leg boxes in world coordinates (4 points each). */
  legs: readonly (readonly Point[])[];
  /** Whether each leg touches the ground. */
  legContact: readonly [boolean, boolean];
  /** Flame particles emitted by the engines. */
  particles: readonly FlameParticle[];
  /** The lander crashed or flew off (drawn in a warning colour). */
  crashed: boolean;
}
