/**
 * Engine flame particles for drawing. In Gymnasium they are Box2D bodies, but they never touch
 * the lander, so here they are a plain list moved ballistically: they cost nothing to the physics
 * and exist only once someone asks for a scene.
 * @module
 */
import type { FlameParticle } from "./scene.ts";
import { FPS, SCALE, WORLD_W } from "./physics.ts";

/** Gymnasium's particle radius (2 px) as an area, to turn an impulse into a speed. */
const PARTICLE_AREA = Math.PI * (2 / SCALE) ** 2;
/** Life lost per step (Gymnasium subtracts 0.15 of `ttl` per rendered frame). */
const FADE = 0.15;
/** Restitution of the particle–ground bounce. */
const BOUNCE = 0.3;

interface Particle {
  x: number;
  y: number;
  vx: number;
  vy: number;
  life: number;
}

/** A pool of flame particles: spawned by the engines, moved and faded once per env step. */
export class FlameParticles {
  readonly #live: Particle[] = [];
  readonly #free: Particle[] = [];

  /**
   * Spawns a particle at `(x, y)` given the impulse the engine pushed it with and the density
   * Gymnasium gives it (3.5 main engine, 0.7 side engines); `life` is the engine power in [0, 1].
   */
  spawn(x: number, y: number, ix: number, iy: number, density: number, life: number): void {
    const p = this.#free.pop() ?? { x: 0, y: 0, vx: 0, vy: 0, life: 0 };
    const mass = density * PARTICLE_AREA;
    p.x = x;
    p.y = y;
    p.vx = ix / mass;
    p.vy = iy / mass;
    p.life = life;
    this.#live.push(p);
  }

  /**
   * Moves every particle by one step under `gravity`, bounces it off the terrain polyline
   * `(2·i, terrainY[i])`, fades it, and drops the dead ones.
   */
  advance(gravity: number, terrainY: ArrayLike<number>): void {
    const dt = 1 / FPS;
    const chunk = WORLD_W / (terrainY.length - 1);
    let kept = 0;
    for (const p of this.#live) {
      p.vy += gravity * dt;
      p.x += p.vx * dt;
      p.y += p.vy * dt;
      const i = Math.min(Math.max(Math.floor(p.x / chunk), 0), terrainY.length - 2);
      const t = Math.min(Math.max(p.x / chunk - i, 0), 1);
      const ground = terrainY[i] + (terrainY[i + 1] - terrainY[i]) * t;
      if (p.y < ground) {
        p.y = ground;
        if (p.vy < 0) p.vy = -BOUNCE * p.vy;
        p.vx *= 1 - BOUNCE;
      }
      p.life -= FADE;
      if (p.life >= 0) this.#live[kept++] = p;
      else this.#free.push(p);
    }
    this.#live.length = kept;
  }

  /** Removes every particle. */
  clear(): void {
    for (const p of this.#live) this.#free.push(p);
    this.#live.length = 0;
  }

  /** A copy of the live particles for a scene. */
  snapshot(): FlameParticle[] {
    return this.#live.map((p) => ({ x: p.x, y: p.y, life: Math.min(p.life, 1) }));
  }
}
