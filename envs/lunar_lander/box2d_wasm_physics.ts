/**
 * The LunarLander physics on box2d-wasm: Box2D 2.4.1 compiled to WebAssembly, computing in
 * float32 like the Python environment's Box2D 2.3. Loading the module is asynchronous, so this
 * backend is reached through {@link loadBox2dWasmPhysics} (or `await LunarLander.loadBox2dWasm()`).
 *
 * Box2D 2.4 is not 2.3: its revolute joint solver, edge collision and broad-phase pair order were
 * rewritten, so trajectories differ from Gymnasium's more than planck's do (see the parity test).
 * @module
 */
import Box2DFactory from "box2d-wasm";
import {
  CHUNKS,
  LANDER_POLY,
  LANDER_START_X,
  LANDER_START_Y,
  type LanderPhysics,
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

type B2 = typeof Box2D & EmscriptenModule;

let loading: Promise<B2> | null = null;

/**
 * Instantiates the wasm module once per process. The module is given its bytes directly:
 * under Deno, Emscripten's loader would try to `fetch` a bare file path.
 */
function loadModule(): Promise<B2> {
  let wasmPath = "";
  loading ??= Box2DFactory({
    locateFile: (file: string, dir: string) => (wasmPath = dir + file),
    instantiateWasm: (
      imports: WebAssembly.Imports,
      done: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
    ) => {
      WebAssembly.instantiate(Deno.readFileSync(wasmPath), imports).then((r) =>
        done(r.instance, r.module)
      );
      return {};
    },
  });
  return loading;
}

/**
 * Loads box2d-wasm and returns a synchronous factory of LunarLander physics worlds on it.
 * Needs read permission for the package's `.wasm` file.
 */
export async function loadBox2dWasmPhysics(): Promise<(options: PhysicsOptions) => LanderPhysics> {
  const b2 = await loadModule();
  return (options) => new Box2dWasmLanderPhysics(b2, options);
}

/** A `LanderPhysics` on a box2d-wasm `b2World`. */
class Box2dWasmLanderPhysics implements LanderPhysics {
  readonly backend = "box2d-wasm" as const;
  gameOver = false;
  readonly #b2: B2;
  readonly #gravity: Box2D.b2Vec2;
  readonly #v: Box2D.b2Vec2;
  readonly #p: Box2D.b2Vec2;
  readonly #listener: Box2D.JSContactListener;
  readonly #edge: Box2D.b2EdgeShape;
  readonly #hull: Box2D.b2PolygonShape;
  readonly #box: Box2D.b2PolygonShape;
  #world: Box2D.b2World | null = null;
  #lander: Box2D.b2Body | null = null;
  #legs: Box2D.b2Body[] = [];
  // Body addresses in wasm memory, for the contact callbacks.
  #landerPtr = 0;
  #legPtr = [0, 0];
  readonly #contact: [boolean, boolean] = [false, false];

  constructor(b2: B2, options: PhysicsOptions) {
    this.#b2 = b2;
    this.#gravity = new b2.b2Vec2(0, options.gravity);
    this.#v = new b2.b2Vec2(0, 0);
    this.#p = new b2.b2Vec2(0, 0);
    this.#edge = new b2.b2EdgeShape();

    this.#hull = new b2.b2PolygonShape();
    const n = LANDER_POLY.length;
    const buf = b2._malloc(8 * n);
    LANDER_POLY.forEach(([x, y], i) => {
      b2.HEAPF32[(buf >> 2) + 2 * i] = x / SCALE;
      b2.HEAPF32[(buf >> 2) + 2 * i + 1] = y / SCALE;
    });
    this.#hull.Set(buf, n);
    b2._free(buf);
    this.#box = new b2.b2PolygonShape();
    this.#box.SetAsBox(LEG_W / SCALE, LEG_H / SCALE);

    const onContact = (ptr: number, begin: boolean) => {
      const c = b2.wrapPointer(ptr, b2.b2Contact);
      const a = b2.getPointer(c.GetFixtureA().GetBody());
      const b = b2.getPointer(c.GetFixtureB().GetBody());
      if (begin && (a === this.#landerPtr || b === this.#landerPtr)) this.gameOver = true;
      for (let k = 0; k < 2; k++) {
        if (a === this.#legPtr[k] || b === this.#legPtr[k]) this.#contact[k] = begin;
      }
    };
    this.#listener = Object.assign(new b2.JSContactListener(), {
      BeginContact: (ptr: number) => onContact(ptr, true),
      EndContact: (ptr: number) => onContact(ptr, false),
      PreSolve: () => {},
      PostSolve: () => {},
    });
  }

  build(terrainY: ArrayLike<number>, forceX: number, forceY: number): void {
    const b2 = this.#b2;
    if (this.#world) b2.destroy(this.#world);
    const world = new b2.b2World(this.#gravity);
    world.SetContactListener(this.#listener);
    this.gameOver = false;
    this.#contact[0] = this.#contact[1] = false;

    const bd = new b2.b2BodyDef();
    const fd = new b2.b2FixtureDef();
    const moon = world.CreateBody(bd);
    this.#setEdge(0, 0, WORLD_W, 0);
    fd.set_shape(this.#edge);
    fd.set_density(0);
    moon.CreateFixture(fd);
    fd.set_friction(0.1);
    for (let i = 0; i < CHUNKS - 1; i++) {
      const x1 = (i * WORLD_W) / (CHUNKS - 1), x2 = ((i + 1) * WORLD_W) / (CHUNKS - 1);
      this.#setEdge(x1, terrainY[i], x2, terrainY[i + 1]);
      moon.CreateFixture(fd);
    }

    bd.set_type(b2.b2_dynamicBody);
    bd.get_position().Set(LANDER_START_X, LANDER_START_Y);
    bd.set_angle(0);
    const lander = world.CreateBody(bd);
    fd.set_shape(this.#hull);
    fd.set_density(5);
    fd.set_friction(0.1);
    fd.set_restitution(0);
    fd.get_filter().set_categoryBits(0x0010);
    fd.get_filter().set_maskBits(0x0001);
    lander.CreateFixture(fd);
    this.#v.Set(forceX, forceY);
    lander.ApplyForceToCenter(this.#v, true);

    const jd = new b2.b2RevoluteJointDef();
    fd.set_shape(this.#box);
    fd.set_density(1);
    fd.set_friction(0.2);
    fd.get_filter().set_categoryBits(0x0020);
    for (let k = 0; k < 2; k++) {
      const i = k === 0 ? -1 : 1;
      bd.get_position().Set(LANDER_START_X - (i * LEG_AWAY) / SCALE, LANDER_START_Y);
      bd.set_angle(i * 0.05);
      const leg = world.CreateBody(bd);
      leg.CreateFixture(fd);
      jd.set_bodyA(lander);
      jd.set_bodyB(leg);
      jd.get_localAnchorA().Set(0, 0);
      jd.get_localAnchorB().Set((i * LEG_AWAY) / SCALE, LEG_DOWN / SCALE);
      // pybox2d fills in the reference angle from the bodies' angles at creation.
      jd.set_referenceAngle(i * 0.05);
      jd.set_enableMotor(true);
      jd.set_enableLimit(true);
      jd.set_maxMotorTorque(LEG_SPRING_TORQUE);
      jd.set_motorSpeed(0.3 * i);
      jd.set_lowerAngle(i === -1 ? 0.9 - 0.5 : -0.9);
      jd.set_upperAngle(i === -1 ? 0.9 : -0.9 + 0.5);
      world.CreateJoint(jd);
      this.#legs[k] = leg;
      this.#legPtr[k] = b2.getPointer(leg);
    }
    b2.destroy(jd);
    b2.destroy(fd);
    b2.destroy(bd);
    this.#world = world;
    this.#lander = lander;
    this.#landerPtr = b2.getPointer(lander);
  }

  #setEdge(x1: number, y1: number, x2: number, y2: number): void {
    this.#v.Set(x1, y1);
    this.#p.Set(x2, y2);
    this.#edge.SetTwoSided(this.#v, this.#p);
  }

  applyForce(fx: number, fy: number): void {
    this.#v.Set(fx, fy);
    this.#lander!.ApplyForceToCenter(this.#v, true);
  }

  applyTorque(torque: number): void {
    this.#lander!.ApplyTorque(torque, true);
  }

  applyImpulse(ix: number, iy: number, px: number, py: number): void {
    this.#v.Set(ix, iy);
    this.#p.Set(px, py);
    this.#lander!.ApplyLinearImpulse(this.#v, this.#p, true);
  }

  step(): void {
    this.#world!.Step(1 / 50, VELOCITY_ITERATIONS, POSITION_ITERATIONS);
  }

  readState(out: Float64Array): void {
    const lander = this.#lander!;
    const p = lander.GetPosition(), v = lander.GetLinearVelocity();
    out[0] = p.get_x();
    out[1] = p.get_y();
    out[2] = v.get_x();
    out[3] = v.get_y();
    out[4] = lander.GetAngle();
    out[5] = lander.GetAngularVelocity();
    for (let k = 0; k < 2; k++) {
      const leg = this.#legs[k];
      const q = leg.GetPosition();
      out[6 + 3 * k] = q.get_x();
      out[7 + 3 * k] = q.get_y();
      out[8 + 3 * k] = leg.GetAngle();
    }
  }

  legContact(i: 0 | 1): boolean {
    return this.#contact[i];
  }

  landerAwake(): boolean {
    return this.#lander!.IsAwake();
  }

  /** Frees the world; the few helper objects stay so that `build` can be called again. */
  dispose(): void {
    if (this.#world) this.#b2.destroy(this.#world);
    this.#world = null;
    this.#lander = null;
  }
}
