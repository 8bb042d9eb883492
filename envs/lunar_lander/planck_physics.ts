/**
 * The LunarLander physics on planck.js (a float64 port of Box2D 2.3).
 * @module
 */
import {
  type Body,
  type Contact,
  EdgeShape,
  PolygonShape,
  RevoluteJoint,
  Vec2,
  World,
} from "planck";
import {
  CHUNKS,
  LANDER_START_X,
  LANDER_START_Y,
  type LanderPhysics,
  landerVertices,
  LEG_AWAY,
  LEG_DOWN,
  LEG_H,
  LEG_SPRING_TORQUE,
  LEG_W,
  type PhysicsOptions,
  POSITION_ITERATIONS,
  SCALE,
  VELOCITY_ITERATIONS,
  WORLD_W,
} from "./physics.ts";
import { installFastIslandSolver } from "./planck_solver.ts";

const DT = 1 / 50;

/**
 * A leg box with its vertices in Box2D 2.3's `SetAsBox` order (bottom-left first). planck starts
 * at bottom-right; the order decides which face wins ties in the collision routines, so it is
 * set by hand to follow Box2D.
 */
function legShape(): PolygonShape {
  const hx = LEG_W / SCALE, hy = LEG_H / SCALE;
  const shape = new PolygonShape([
    Vec2(-hx, -hy),
    Vec2(hx, -hy),
    Vec2(hx, hy),
    Vec2(-hx, hy),
  ]);
  shape.m_vertices = [Vec2(-hx, -hy), Vec2(hx, -hy), Vec2(hx, hy), Vec2(-hx, hy)];
  shape.m_normals = [Vec2(0, -1), Vec2(1, 0), Vec2(0, 1), Vec2(-1, 0)];
  return shape;
}

/**
 * Shapes never change once made and planck fixtures keep a reference to theirs, so the ones that
 * do not depend on the episode are made once and shared by every world.
 */
const SHARED = {
  ground: new EdgeShape(Vec2(0, 0), Vec2(WORLD_W, 0)),
  lander: new PolygonShape(landerVertices().map(([x, y]) => Vec2(x, y))),
  leg: legShape(),
};

/** The parts of planck's broad-phase that {@link sortPairsLikeBox2d} replaces. */
interface PlanckBroadPhase {
  m_moveBuffer: (number | null)[];
  m_tree: {
    getFatAABB(id: number): unknown;
    getUserData(id: number): unknown;
    query(aabb: unknown, callback: (id: number) => boolean): void;
  };
  updatePairs(addPair: (a: unknown, b: unknown) => void): void;
}

/**
 * Makes `world` create new contacts in Box2D 2.3's order. Box2D collects the broad-phase pairs
 * of a step, sorts them by proxy ids and then creates the contacts; planck creates them in
 * tree-query order. Contacts are prepended to a list that is updated in order, so this order
 * decides the order of begin/end-contact events within a step, and Gymnasium's leg flags are
 * set/cleared by those events (a leg leaving one edge while touching the next ends with the
 * flag of whichever event came last). Leaf proxy ids grow in creation order in both engines.
 */
function sortPairsLikeBox2d(world: World): void {
  const internals = world as unknown as {
    m_broadPhase: PlanckBroadPhase;
  };
  const bp = internals.m_broadPhase;
  const tree = bp.m_tree;
  // Pairs packed as `min · 2^20 + max`: ids are far below 2^20 and the packing sorts like
  // Box2D's (proxyIdA, proxyIdB) comparison.
  const pairs: number[] = [];
  let queryId = 0;
  const onLeaf = (id: number): boolean => {
    if (id !== queryId) pairs.push(Math.min(id, queryId) * 1048576 + Math.max(id, queryId));
    return true;
  };
  bp.updatePairs = (addPair) => {
    const moved = bp.m_moveBuffer;
    for (let i = 0; i < moved.length; i++) {
      const id = moved[i];
      if (id === null) continue;
      queryId = id;
      tree.query(tree.getFatAABB(id), onLeaf);
    }
    moved.length = 0;
    if (pairs.length === 0) return;
    pairs.sort(byNumber);
    let prev = -1;
    for (let i = 0; i < pairs.length; i++) {
      const key = pairs[i];
      if (key === prev) continue;
      prev = key;
      const a = Math.floor(key / 1048576);
      addPair(tree.getUserData(a), tree.getUserData(key - a * 1048576));
    }
    pairs.length = 0;
  };
}

function byNumber(a: number, b: number): number {
  return a - b;
}

/** A `LanderPhysics` on planck.js; create it with {@link createPlanckPhysics}. */
class PlanckLanderPhysics implements LanderPhysics {
  readonly backend = "planck" as const;
  gameOver = false;
  readonly #gravity: number;
  #world: World | null = null;
  #lander: Body | null = null;
  #legs: [Body | null, Body | null] = [null, null];
  #contact: [boolean, boolean] = [false, false];
  // Reused argument objects: planck reads them and keeps no reference.
  readonly #v = { x: 0, y: 0 };
  readonly #p = { x: 0, y: 0 };

  constructor(options: PhysicsOptions) {
    this.#gravity = options.gravity;
  }

  build(terrainY: ArrayLike<number>, forceX: number, forceY: number): void {
    // A fresh world per episode is the only way to be exactly "as new": broad-phase tree, contact
    // lists, warm-starting impulses and the step ratio all start from zero.
    const world = new World({ gravity: Vec2(0, this.#gravity) });
    sortPairsLikeBox2d(world);
    installFastIslandSolver(world);
    this.gameOver = false;
    this.#contact[0] = this.#contact[1] = false;

    const moon = world.createBody({ type: "static" });
    moon.createFixture({ shape: SHARED.ground, density: 0 });
    for (let i = 0; i < CHUNKS - 1; i++) {
      const x1 = (i * WORLD_W) / (CHUNKS - 1), x2 = ((i + 1) * WORLD_W) / (CHUNKS - 1);
      moon.createFixture({
        shape: new EdgeShape(Vec2(x1, terrainY[i]), Vec2(x2, terrainY[i + 1])),
        density: 0,
        friction: 0.1,
      });
    }

    const lander = world.createBody({
      type: "dynamic",
      position: Vec2(LANDER_START_X, LANDER_START_Y),
      angle: 0,
    });
    lander.createFixture({
      shape: SHARED.lander,
      density: 5,
      friction: 0.1,
      restitution: 0,
      filterCategoryBits: 0x0010,
      filterMaskBits: 0x0001,
    });
    this.#v.x = forceX;
    this.#v.y = forceY;
    lander.applyForceToCenter(this.#v, true);

    for (let k = 0; k < 2; k++) {
      const i = k === 0 ? -1 : 1;
      const leg = world.createBody({
        type: "dynamic",
        position: Vec2(LANDER_START_X - (i * LEG_AWAY) / SCALE, LANDER_START_Y),
        angle: i * 0.05,
      });
      leg.createFixture({
        shape: SHARED.leg,
        density: 1,
        restitution: 0,
        filterCategoryBits: 0x0020,
        filterMaskBits: 0x0001,
      });
      world.createJoint(
        new RevoluteJoint(
          {
            bodyA: lander,
            bodyB: leg,
            localAnchorA: Vec2(0, 0),
            localAnchorB: Vec2((i * LEG_AWAY) / SCALE, LEG_DOWN / SCALE),
            // pybox2d fills in the reference angle from the bodies' angles at creation.
            referenceAngle: i * 0.05,
            enableMotor: true,
            enableLimit: true,
            maxMotorTorque: LEG_SPRING_TORQUE,
            motorSpeed: 0.3 * i,
            lowerAngle: i === -1 ? 0.9 - 0.5 : -0.9,
            upperAngle: i === -1 ? 0.9 : -0.9 + 0.5,
          },
        ),
      );
      this.#legs[k] = leg;
    }

    world.on("begin-contact", (c: Contact) => this.#onContact(c, true));
    world.on("end-contact", (c: Contact) => this.#onContact(c, false));
    this.#world = world;
    this.#lander = lander;
  }

  /** Gymnasium's ContactDetector: flags, not counts (leaving one of two edges clears the flag). */
  #onContact(c: Contact, begin: boolean): void {
    const a = c.getFixtureA().getBody(), b = c.getFixtureB().getBody();
    if (begin && (a === this.#lander || b === this.#lander)) this.gameOver = true;
    for (let k = 0; k < 2; k++) {
      const leg = this.#legs[k];
      if (a === leg || b === leg) this.#contact[k] = begin;
    }
  }

  applyForce(fx: number, fy: number): void {
    this.#v.x = fx;
    this.#v.y = fy;
    this.#lander!.applyForceToCenter(this.#v, true);
  }

  applyTorque(torque: number): void {
    this.#lander!.applyTorque(torque, true);
  }

  applyImpulse(ix: number, iy: number, px: number, py: number): void {
    this.#v.x = ix;
    this.#v.y = iy;
    this.#p.x = px;
    this.#p.y = py;
    this.#lander!.applyLinearImpulse(this.#v, this.#p, true);
  }

  step(): void {
    this.#world!.step(DT, VELOCITY_ITERATIONS, POSITION_ITERATIONS);
  }

  readState(out: Float64Array): void {
    const lander = this.#lander!;
    const p = lander.getPosition(), v = lander.getLinearVelocity();
    out[0] = p.x;
    out[1] = p.y;
    out[2] = v.x;
    out[3] = v.y;
    out[4] = lander.getAngle();
    out[5] = lander.getAngularVelocity();
    for (let k = 0; k < 2; k++) {
      const leg = this.#legs[k]!;
      const q = leg.getPosition();
      out[6 + 3 * k] = q.x;
      out[7 + 3 * k] = q.y;
      out[8 + 3 * k] = leg.getAngle();
    }
  }

  legContact(i: 0 | 1): boolean {
    return this.#contact[i];
  }

  landerAwake(): boolean {
    return this.#lander!.isAwake();
  }

  dispose(): void {
    this.#world = null;
    this.#lander = null;
    this.#legs = [null, null];
  }
}

/** Creates the planck.js physics backend (synchronous: planck is plain JavaScript). */
export function createPlanckPhysics(options: PhysicsOptions): LanderPhysics {
  return new PlanckLanderPhysics(options);
}
