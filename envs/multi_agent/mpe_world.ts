/**
 * The particle world of the Multi-Agent Particle Environments (MPE2's `_mpe_utils/core.py`):
 * discs in the plane pushed by their agents' action forces and by soft contact forces, integrated
 * with semi-implicit Euler steps and linear damping. Everything is float64 and every operation is
 * done in numpy's order, so positions and velocities match MPE2 bit for bit.
 *
 * Only what the MPE scenarios here use is modelled: no speed limit (`max_speed`), no motor or
 * communication noise, and no scripted agents.
 * @module
 */

/** One disc of the world: an agent (movable, pushed by its action) or a landmark. */
export interface MpeEntity {
  /** Name, e.g. `agent_0` or `landmark 0` (MPE2's names). */
  readonly name: string;
  /** Radius in world units. */
  readonly size: number;
  /** Whether forces move it (agents); landmarks stay where they were placed. */
  readonly movable: boolean;
  /** Whether it takes part in contact forces. */
  readonly collide: boolean;
  /** Mass (MPE2's `initial_mass`). */
  readonly mass: number;
  /** Position `[x, y]`, float64. */
  readonly pos: Float64Array;
  /** Velocity `[x, y]`, float64. */
  readonly vel: Float64Array;
}

/** The properties of an entity to create (its position and velocity start at zero). */
export type MpeEntityProps = Omit<MpeEntity, "pos" | "vel">;

/** MPE2's world constants (`World.__init__`). */
export const MPE_WORLD = {
  /** Integration step in seconds. */
  dt: 0.1,
  /** Fraction of the velocity lost per step. */
  damping: 0.25,
  /** Stiffness of the contact force. */
  contactForce: 100,
  /** Softness of the contact: the penetration's softplus scale. */
  contactMargin: 1e-3,
} as const;

/**
 * numpy's `logaddexp(0, y)`, i.e. `log(1 + exp(y))`, computed with numpy's branches and libm's
 * `exp` / `log1p` so that it rounds as numpy does.
 */
function logAddExpZero(y: number): number {
  if (y === 0) return Math.LN2;
  const tmp = 0 - y;
  if (tmp > 0) return Math.log1p(Math.exp(y));
  if (tmp <= 0) return y + Math.log1p(Math.exp(tmp));
  return tmp; // NaN in, NaN out
}

/**
 * A world of agents followed by landmarks. `step` applies one set of action forces; the caller
 * owns the entities' positions and velocities (a scenario places them at reset).
 */
export class MpeWorld {
  /** The agents, in action order. */
  readonly agents: readonly MpeEntity[];
  /** The landmarks. */
  readonly landmarks: readonly MpeEntity[];
  /** Agents then landmarks: MPE2's `world.entities`, the order forces are gathered in. */
  readonly entities: readonly MpeEntity[];
  // Per-entity force [x, y] and whether any force was applied (MPE2's `None` entries).
  readonly #force: Float64Array;
  readonly #forced: Uint8Array;

  /** Creates the world's entities at the origin, at rest. */
  constructor(agents: readonly MpeEntityProps[], landmarks: readonly MpeEntityProps[]) {
    const make = (p: MpeEntityProps): MpeEntity => ({
      ...p,
      pos: new Float64Array(2),
      vel: new Float64Array(2),
    });
    this.agents = agents.map(make);
    this.landmarks = landmarks.map(make);
    this.entities = [...this.agents, ...this.landmarks];
    this.#force = new Float64Array(2 * this.entities.length);
    this.#forced = new Uint8Array(this.entities.length);
  }

  /**
   * Advances the world by `dt`: `controls` holds each agent's action force `[x, y]` (already
   * scaled by the sensitivity), `2 * agents.length` values in agent order.
   */
  step(controls: ArrayLike<number>): void {
    const { dt, damping, contactForce, contactMargin: k } = MPE_WORLD;
    const entities = this.entities, force = this.#force, forced = this.#forced;
    const n = entities.length;
    force.fill(0);
    forced.fill(0);
    // Action forces; MPE2 adds a motor noise of 0.0 when u_noise is None.
    for (let i = 0; i < this.agents.length; i++) {
      if (!this.agents[i].movable) continue;
      force[2 * i] = controls[2 * i] + 0.0;
      force[2 * i + 1] = controls[2 * i + 1] + 0.0;
      forced[i] = 1;
    }
    // Contact forces for every pair of colliders, a < b, in entity order.
    for (let a = 0; a < n; a++) {
      const ea = entities[a];
      if (!ea.collide) continue;
      for (let b = a + 1; b < n; b++) {
        const eb = entities[b];
        if (!eb.collide) continue;
        const dx = ea.pos[0] - eb.pos[0];
        const dy = ea.pos[1] - eb.pos[1];
        const dist = Math.sqrt(dx * dx + dy * dy);
        const distMin = ea.size + eb.size;
        const penetration = logAddExpZero(-(dist - distMin) / k) * k;
        const fx = contactForce * dx / dist * penetration;
        const fy = contactForce * dy / dist * penetration;
        if (ea.movable) {
          force[2 * a] = fx + force[2 * a];
          force[2 * a + 1] = fy + force[2 * a + 1];
          forced[a] = 1;
        }
        if (eb.movable) {
          force[2 * b] = -fx + force[2 * b];
          force[2 * b + 1] = -fy + force[2 * b + 1];
          forced[b] = 1;
        }
      }
    }
    // Position from the old velocity, then damping, then the force's impulse.
    const keep = 1 - damping;
    for (let i = 0; i < n; i++) {
      const e = entities[i];
      if (!e.movable) continue;
      const p = e.pos, v = e.vel;
      p[0] += v[0] * dt;
      p[1] += v[1] * dt;
      v[0] = v[0] * keep;
      v[1] = v[1] * keep;
      if (forced[i]) {
        v[0] += (force[2 * i] / e.mass) * dt;
        v[1] += (force[2 * i + 1] / e.mass) * dt;
      }
    }
  }
}

/** Euclidean distance between two entities' centres, as MPE2 computes it. */
export function entityDistance(a: MpeEntity, b: MpeEntity): number {
  const dx = a.pos[0] - b.pos[0];
  const dy = a.pos[1] - b.pos[1];
  return Math.sqrt(dx * dx + dy * dy);
}
