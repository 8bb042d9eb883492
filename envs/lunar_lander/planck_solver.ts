/**
 * A faster island solver for planck.js worlds, installed on one world's solver object (planck
 * itself is left untouched). It performs exactly the floating-point operations of planck's
 * `Solver.solveIsland`, in the same order, so trajectories are bit for bit those of planck; the
 * speed comes from the 180 velocity iterations per step, which here run on flat `Float64Array`
 * records (unboxed doubles, no helper calls, nothing allocated) instead of planck's vector
 * objects, and from computing once per step what the iterations recompute identically.
 *
 * Only what the LunarLander world contains is specialised: revolute joints and contacts of one or
 * two points. An island holding any other joint is solved by planck's own method.
 * @module
 */
import { Settings, type World } from "planck";
import {
  IslandState,
  type PBody,
  type PContact,
  type PJoint,
  type SolverStep,
  solveVelocities,
  type V2,
} from "./planck_velocity.ts";

/** The internal fields of planck's `Solver`. */
interface PSolver {
  m_world: { m_gravity: V2; m_allowSleep: boolean };
  m_bodies: PBody[];
  m_contacts: PContact[];
  m_joints: PJoint[];
  solveIsland(step: SolverStep): void;
  postSolveIsland(): void;
}

/** Replaces `world`'s island solver by the specialised one (see the module doc). */
export function installFastIslandSolver(world: World): void {
  const solver = (world as unknown as { m_solver: PSolver }).m_solver;
  const planckSolveIsland = solver.solveIsland;
  const state = new IslandState();
  solver.solveIsland = function (step: SolverStep): void {
    for (const j of solver.m_joints) {
      if (j.m_type !== "revolute-joint") return planckSolveIsland.call(solver, step);
    }
    solveIsland(solver, step, state);
  };
}

function solveIsland(solver: PSolver, step: SolverStep, st: IslandState): void {
  const world = solver.m_world;
  const gravity = world.m_gravity;
  const h = step.dt;
  const bodies = solver.m_bodies, contacts = solver.m_contacts, joints = solver.m_joints;

  // Integrate velocities and apply damping (planck: v += h·gs·g; v += h·invMass·F; ...).
  for (const body of bodies) {
    const sw = body.m_sweep;
    const cx = sw.c.x, cy = sw.c.y, a = sw.a;
    let vx = body.m_linearVelocity.x, vy = body.m_linearVelocity.y;
    let w = body.m_angularVelocity;
    sw.c0.x = sw.c.x;
    sw.c0.y = sw.c.y;
    sw.a0 = sw.a;
    if (body.m_type === "dynamic") {
      const hg = h * body.m_gravityScale;
      vx += hg * gravity.x;
      vy += hg * gravity.y;
      const hm = h * body.m_invMass;
      vx += hm * body.m_force.x;
      vy += hm * body.m_force.y;
      w += h * body.m_invI * body.m_torque;
      const ld = 1.0 / (1.0 + h * body.m_linearDamping);
      vx = ld * vx;
      vy = ld * vy;
      w *= 1.0 / (1.0 + h * body.m_angularDamping);
    }
    body.c_position.c.x = cx;
    body.c_position.c.y = cy;
    body.c_position.a = a;
    body.c_velocity.v.x = vx;
    body.c_velocity.v.y = vy;
    body.c_velocity.w = w;
  }

  for (const c of contacts) c.initConstraint(step);
  for (const c of contacts) c.initVelocityConstraint(step);
  if (step.warmStarting) { for (const c of contacts) c.warmStartConstraint(step); }
  for (const j of joints) j.initVelocityConstraints(step);

  solveVelocities(bodies, contacts, joints, step, st);

  for (const c of contacts) c.storeConstraintImpulses(step);

  // Integrate positions, clamping large motions as Box2D does.
  const maxTranslation = Settings.maxTranslation * Settings.lengthUnitsPerMeter;
  const maxTranslationSq = Settings.maxTranslation * Settings.lengthUnitsPerMeter *
    Settings.maxTranslation * Settings.lengthUnitsPerMeter;
  const maxRotationSq = Settings.maxRotation * Settings.maxRotation;
  for (const body of bodies) {
    let cx = body.c_position.c.x, cy = body.c_position.c.y, a = body.c_position.a;
    let vx = body.c_velocity.v.x, vy = body.c_velocity.v.y, w = body.c_velocity.w;
    const tx = h * vx, ty = h * vy;
    const lenSq = tx * tx + ty * ty;
    if (lenSq > maxTranslationSq) {
      const ratio = maxTranslation / Math.sqrt(lenSq);
      vx *= ratio;
      vy *= ratio;
    }
    const rotation = h * w;
    if (rotation * rotation > maxRotationSq) w *= Settings.maxRotation / Math.abs(rotation);
    cx += h * vx;
    cy += h * vy;
    a += h * w;
    body.c_position.c.x = cx;
    body.c_position.c.y = cy;
    body.c_position.a = a;
    body.c_velocity.v.x = vx;
    body.c_velocity.v.y = vy;
    body.c_velocity.w = w;
  }

  // Position constraints (planck's own routines; they usually converge in a few iterations).
  let positionSolved = false;
  for (let i = 0; i < step.positionIterations; ++i) {
    let minSeparation = 0.0;
    for (const c of contacts) {
      minSeparation = Math.min(minSeparation, c.solvePositionConstraint(step));
    }
    const contactsOkay = minSeparation >= -3.0 * Settings.linearSlop;
    let jointsOkay = true;
    for (const j of joints) {
      const ok = j.solvePositionConstraints(step);
      jointsOkay = jointsOkay && ok;
    }
    if (contactsOkay && jointsOkay) {
      positionSolved = true;
      break;
    }
  }

  for (const body of bodies) {
    body.m_sweep.c.x = body.c_position.c.x;
    body.m_sweep.c.y = body.c_position.c.y;
    body.m_sweep.a = body.c_position.a;
    body.m_linearVelocity.x = body.c_velocity.v.x;
    body.m_linearVelocity.y = body.c_velocity.v.y;
    body.m_angularVelocity = body.c_velocity.w;
    body.synchronizeTransform();
  }

  solver.postSolveIsland();

  if (world.m_allowSleep) {
    let minSleepTime = Infinity;
    const L = Settings.lengthUnitsPerMeter;
    const linTolSq = Settings.linearSleepTolerance * L * Settings.linearSleepTolerance * L;
    const angTolSq = Settings.angularSleepTolerance * Settings.angularSleepTolerance;
    for (const body of bodies) {
      if (body.m_type === "static") continue;
      const v = body.m_linearVelocity, w = body.m_angularVelocity;
      if (!body.m_autoSleepFlag || w * w > angTolSq || v.x * v.x + v.y * v.y > linTolSq) {
        body.m_sleepTime = 0.0;
        minSleepTime = 0.0;
      } else {
        body.m_sleepTime += h;
        minSleepTime = Math.min(minSleepTime, body.m_sleepTime);
      }
    }
    if (minSleepTime >= Settings.timeToSleep && positionSolved) {
      for (const body of bodies) body.setAwake(false);
    }
  }
}
