/**
 * The velocity iterations of the specialised planck island solver (see `planck_solver.ts`): the
 * island's joints and contacts are gathered into flat `Float64Array` records, iterated with the
 * exact arithmetic of planck's `RevoluteJoint.solveVelocityConstraints` and
 * `Contact.solveVelocityConstraint`, and the results scattered back.
 * @module
 */

/** A planck vector. */
export interface V2 {
  x: number;
  y: number;
}
/** A planck 3-vector. */
export interface V3 extends V2 {
  z: number;
}
/** The fields of planck's `TimeStep` the solver reads. */
export interface SolverStep {
  dt: number;
  warmStarting: boolean;
  blockSolve: boolean;
  positionIterations: number;
  velocityIterations: number;
}

/** The internal fields of a planck `Body` the island solve reads and writes. */
export interface PBody {
  m_type: string;
  m_sweep: { c: V2; c0: V2; a: number; a0: number };
  m_linearVelocity: V2;
  m_angularVelocity: number;
  m_force: V2;
  m_torque: number;
  m_invMass: number;
  m_invI: number;
  m_gravityScale: number;
  m_linearDamping: number;
  m_angularDamping: number;
  m_autoSleepFlag: boolean;
  m_sleepTime: number;
  c_position: { c: V2; a: number };
  c_velocity: { v: V2; w: number };
  synchronizeTransform(): void;
  setAwake(flag: boolean): void;
}

/** The internal fields of a planck `RevoluteJoint` (after `initVelocityConstraints`). */
export interface PJoint {
  m_type: string;
  m_bodyA: PBody;
  m_bodyB: PBody;
  m_invMassA: number;
  m_invMassB: number;
  m_invIA: number;
  m_invIB: number;
  m_enableMotor: boolean;
  m_enableLimit: boolean;
  m_limitState: number;
  m_motorSpeed: number;
  m_motorMass: number;
  m_motorImpulse: number;
  m_maxMotorTorque: number;
  m_rA: V2;
  m_rB: V2;
  m_impulse: V3;
  m_mass: { ex: V3; ey: V3; ez: V3 };
  initVelocityConstraints(step: SolverStep): void;
  solvePositionConstraints(step: SolverStep): boolean;
}

/** A planck `VelocityConstraintPoint`. */
export interface PPoint {
  rA: V2;
  rB: V2;
  normalImpulse: number;
  tangentImpulse: number;
  normalMass: number;
  tangentMass: number;
  velocityBias: number;
}

/** The internal fields of a planck `Contact` (after `initVelocityConstraint`). */
export interface PContact {
  m_fixtureA: { m_body: PBody };
  m_fixtureB: { m_body: PBody };
  v_points: PPoint[];
  v_normal: V2;
  v_normalMass: { ex: V2; ey: V2 };
  v_K: { ex: V2; ey: V2 };
  v_pointCount: number;
  v_tangentSpeed: number;
  v_friction: number;
  v_invMassA: number;
  v_invMassB: number;
  v_invIA: number;
  v_invIB: number;
  initConstraint(step: SolverStep): void;
  initVelocityConstraint(step: SolverStep): void;
  warmStartConstraint(step: SolverStep): void;
  storeConstraintImpulses(step: SolverStep): void;
  solvePositionConstraint(step: SolverStep): number;
}

// planck's revolute LimitState values.
const INACTIVE = 0, AT_LOWER = 1, AT_UPPER = 2, EQUAL = 3;

// Joint record layout (one Float64Array row per joint).
const J_MA = 0, J_MB = 1, J_IA = 2, J_IB = 3;
const J_RAX = 4, J_RAY = 5, J_RBX = 6, J_RBY = 7;
const J_EXX = 8, J_EXY = 9, J_EXZ = 10, J_EYX = 11, J_EYY = 12, J_EYZ = 13;
const J_EZX = 14, J_EZY = 15, J_EZZ = 16;
const J_DET3 = 17, J_CX0 = 18, J_CY0 = 19, J_CZ0 = 20, J_DET2 = 21;
const J_MOTOR = 22, J_LIMIT = 23, J_SPEED = 24, J_MMASS = 25, J_MAXIMP = 26;
const J_ACCX = 27, J_ACCY = 28, J_ACCZ = 29, J_MIMP = 30;
const J_STRIDE = 31;

// Contact record layout: 17 scalars, then 9 per point (2 points).
const C_MA = 0, C_IA = 1, C_MB = 2, C_IB = 3, C_NX = 4, C_NY = 5;
const C_FRICTION = 6, C_TSPEED = 7, C_COUNT = 8;
const C_KXX = 9, C_KXY = 10, C_KYX = 11, C_KYY = 12;
const C_NMXX = 13, C_NMXY = 14, C_NMYX = 15, C_NMYY = 16;
const C_P = 17, P_RAX = 0, P_RAY = 1, P_RBX = 2, P_RBY = 3, P_NI = 4, P_TI = 5, P_NM = 6;
const P_TM = 7, P_BIAS = 8, P_STRIDE = 9;
const C_STRIDE = C_P + 2 * P_STRIDE;

/** Scratch buffers reused across steps. */
export class IslandState {
  /** `[vx, vy, w]` per island body, then a zero slot for bodies outside it (static ones). */
  vel = new Float64Array(12);
  /** Velocity slots (×3) of body A and B of each joint, then of each contact. */
  slots = new Int32Array(20);
  /** One record of `J_STRIDE` scalars per joint. */
  joints = new Float64Array(2 * J_STRIDE);
  /** One record of `C_STRIDE` scalars per contact. */
  contacts = new Float64Array(8 * C_STRIDE);
}

/** Index (×3) of `body`'s velocity slot; bodies outside the island (static) share a zero slot. */
function slot(bodies: PBody[], body: PBody): number {
  const i = bodies.indexOf(body);
  return 3 * (i < 0 ? bodies.length : i);
}

/**
 * The velocity iterations: gather the island into flat records, iterate, scatter back the
 * velocities and the accumulated impulses (warm starting reads them next step).
 */
export function solveVelocities(
  bodies: PBody[],
  contacts: PContact[],
  joints: PJoint[],
  step: SolverStep,
  st: IslandState,
): void {
  const nb = bodies.length, nj = joints.length, nc = contacts.length;
  if (st.vel.length < 3 * (nb + 1)) st.vel = new Float64Array(3 * (nb + 1));
  if (st.joints.length < nj * J_STRIDE) st.joints = new Float64Array(nj * J_STRIDE);
  if (st.contacts.length < nc * C_STRIDE) st.contacts = new Float64Array(nc * C_STRIDE);
  if (st.slots.length < 2 * (nj + nc)) st.slots = new Int32Array(2 * (nj + nc));
  const vel = st.vel, J = st.joints, C = st.contacts, S = st.slots;

  for (let i = 0; i < nb; i++) {
    const v = bodies[i].c_velocity;
    vel[3 * i] = v.v.x;
    vel[3 * i + 1] = v.v.y;
    vel[3 * i + 2] = v.w;
  }
  vel[3 * nb] = vel[3 * nb + 1] = vel[3 * nb + 2] = 0;

  for (let k = 0; k < nj; k++) {
    const j = joints[k], o = k * J_STRIDE;
    S[2 * k] = slot(bodies, j.m_bodyA);
    S[2 * k + 1] = slot(bodies, j.m_bodyB);
    const iA = j.m_invIA, iB = j.m_invIB;
    J[o + J_MA] = j.m_invMassA;
    J[o + J_MB] = j.m_invMassB;
    J[o + J_IA] = iA;
    J[o + J_IB] = iB;
    J[o + J_RAX] = j.m_rA.x;
    J[o + J_RAY] = j.m_rA.y;
    J[o + J_RBX] = j.m_rB.x;
    J[o + J_RBY] = j.m_rB.y;
    const { ex, ey, ez } = j.m_mass;
    J[o + J_EXX] = ex.x;
    J[o + J_EXY] = ex.y;
    J[o + J_EXZ] = ex.z;
    J[o + J_EYX] = ey.x;
    J[o + J_EYY] = ey.y;
    J[o + J_EYZ] = ey.z;
    J[o + J_EZX] = ez.x;
    J[o + J_EZY] = ez.y;
    J[o + J_EZZ] = ez.z;
    // Mat33.solve33's determinant and first cofactor column, and Mat33.solve22's determinant:
    // planck recomputes them in every iteration, always to these same values.
    const cx0 = ey.y * ez.z - ey.z * ez.y;
    const cy0 = ey.z * ez.x - ey.x * ez.z;
    const cz0 = ey.x * ez.y - ey.y * ez.x;
    let det3 = ex.x * cx0 + ex.y * cy0 + ex.z * cz0;
    if (det3 !== 0.0) det3 = 1.0 / det3;
    let det2 = ex.x * ey.y - ey.x * ex.y;
    if (det2 !== 0.0) det2 = 1.0 / det2;
    J[o + J_DET3] = det3;
    J[o + J_CX0] = cx0;
    J[o + J_CY0] = cy0;
    J[o + J_CZ0] = cz0;
    J[o + J_DET2] = det2;
    const fixedRotation = iA + iB === 0.0;
    const limit = j.m_limitState;
    J[o + J_MOTOR] = j.m_enableMotor && limit !== EQUAL && !fixedRotation ? 1 : 0;
    J[o + J_LIMIT] = j.m_enableLimit && limit !== INACTIVE && !fixedRotation ? limit : INACTIVE;
    J[o + J_SPEED] = j.m_motorSpeed;
    J[o + J_MMASS] = j.m_motorMass;
    J[o + J_MAXIMP] = step.dt * j.m_maxMotorTorque;
    J[o + J_ACCX] = j.m_impulse.x;
    J[o + J_ACCY] = j.m_impulse.y;
    J[o + J_ACCZ] = j.m_impulse.z;
    J[o + J_MIMP] = j.m_motorImpulse;
  }

  for (let k = 0; k < nc; k++) {
    const c = contacts[k], o = k * C_STRIDE;
    S[2 * (nj + k)] = slot(bodies, c.m_fixtureA.m_body);
    S[2 * (nj + k) + 1] = slot(bodies, c.m_fixtureB.m_body);
    C[o + C_MA] = c.v_invMassA;
    C[o + C_IA] = c.v_invIA;
    C[o + C_MB] = c.v_invMassB;
    C[o + C_IB] = c.v_invIB;
    C[o + C_NX] = c.v_normal.x;
    C[o + C_NY] = c.v_normal.y;
    C[o + C_FRICTION] = c.v_friction;
    C[o + C_TSPEED] = c.v_tangentSpeed;
    C[o + C_COUNT] = c.v_pointCount;
    C[o + C_KXX] = c.v_K.ex.x;
    C[o + C_KXY] = c.v_K.ex.y;
    C[o + C_KYX] = c.v_K.ey.x;
    C[o + C_KYY] = c.v_K.ey.y;
    C[o + C_NMXX] = c.v_normalMass.ex.x;
    C[o + C_NMXY] = c.v_normalMass.ex.y;
    C[o + C_NMYX] = c.v_normalMass.ey.x;
    C[o + C_NMYY] = c.v_normalMass.ey.y;
    for (let p = 0; p < c.v_pointCount; p++) {
      const q = o + C_P + p * P_STRIDE, vp = c.v_points[p];
      C[q + P_RAX] = vp.rA.x;
      C[q + P_RAY] = vp.rA.y;
      C[q + P_RBX] = vp.rB.x;
      C[q + P_RBY] = vp.rB.y;
      C[q + P_NI] = vp.normalImpulse;
      C[q + P_TI] = vp.tangentImpulse;
      C[q + P_NM] = vp.normalMass;
      C[q + P_TM] = vp.tangentMass;
      C[q + P_BIAS] = vp.velocityBias;
    }
  }

  const block = step.blockSolve;
  for (let it = 0; it < step.velocityIterations; ++it) {
    for (let k = 0; k < nj; k++) solveRevolute(J, k * J_STRIDE, vel, S[2 * k], S[2 * k + 1]);
    for (let k = 0; k < nc; k++) {
      solveContact(C, k * C_STRIDE, vel, S[2 * (nj + k)], S[2 * (nj + k) + 1], block);
    }
  }

  for (let i = 0; i < nb; i++) {
    const v = bodies[i].c_velocity;
    v.v.x = vel[3 * i];
    v.v.y = vel[3 * i + 1];
    v.w = vel[3 * i + 2];
  }
  for (let k = 0; k < nj; k++) {
    const j = joints[k], o = k * J_STRIDE;
    j.m_impulse.x = J[o + J_ACCX];
    j.m_impulse.y = J[o + J_ACCY];
    j.m_impulse.z = J[o + J_ACCZ];
    j.m_motorImpulse = J[o + J_MIMP];
  }
  for (let k = 0; k < nc; k++) {
    const c = contacts[k], o = k * C_STRIDE;
    for (let p = 0; p < c.v_pointCount; p++) {
      const q = o + C_P + p * P_STRIDE, vp = c.v_points[p];
      vp.normalImpulse = C[q + P_NI];
      vp.tangentImpulse = C[q + P_TI];
    }
  }
}

/** One velocity iteration of Box2D 2.3's revolute joint: motor, then limit block or point. */
function solveRevolute(J: Float64Array, o: number, vel: Float64Array, a: number, b: number): void {
  const mA = J[o + J_MA], mB = J[o + J_MB], iA = J[o + J_IA], iB = J[o + J_IB];
  let wA = vel[a + 2], wB = vel[b + 2];

  if (J[o + J_MOTOR] !== 0) {
    const cdot = wB - wA - J[o + J_SPEED];
    let impulse = -J[o + J_MMASS] * cdot;
    const old = J[o + J_MIMP], max = J[o + J_MAXIMP];
    const sum = old + impulse;
    const clamped = sum < -max ? -max : sum > max ? max : sum;
    J[o + J_MIMP] = clamped;
    impulse = clamped - old;
    wA -= iA * impulse;
    wB += iB * impulse;
  }

  const rAx = J[o + J_RAX], rAy = J[o + J_RAY], rBx = J[o + J_RBX], rBy = J[o + J_RBY];
  // Cdot1 = vB + wB × rB − vA − wA × rA, accumulated from zero as planck does.
  const c1x = 0 + (vel[b] + -wB * rBy) - (vel[a] + -wA * rAy);
  const c1y = 0 + (vel[b + 1] + wB * rBx) - (vel[a + 1] + wA * rAx);
  const exx = J[o + J_EXX], exy = J[o + J_EXY], eyx = J[o + J_EYX], eyy = J[o + J_EYY];
  const det2 = J[o + J_DET2];
  const limit = J[o + J_LIMIT];
  let ix: number, iy: number;

  if (limit !== INACTIVE) {
    const exz = J[o + J_EXZ], eyz = J[o + J_EYZ];
    const ezx = J[o + J_EZX], ezy = J[o + J_EZY], ezz = J[o + J_EZZ], det3 = J[o + J_DET3];
    const c2 = wB - wA;
    // Mat33.solve33(Cdot) by Cramer's rule, negated.
    const rx = det3 * (c1x * J[o + J_CX0] + c1y * J[o + J_CY0] + c2 * J[o + J_CZ0]);
    let cx = c1y * ezz - c2 * ezy;
    let cy = c2 * ezx - c1x * ezz;
    let cz = c1x * ezy - c1y * ezx;
    const ry = det3 * (exx * cx + exy * cy + exz * cz);
    cx = eyy * c2 - eyz * c1y;
    cy = eyz * c1x - eyx * c2;
    cz = eyx * c1y - eyy * c1x;
    const rz = det3 * (exx * cx + exy * cy + exz * cz);
    ix = -rx;
    iy = -ry;
    let iz = -rz;
    const accZ = J[o + J_ACCZ];
    if ((limit === AT_LOWER && accZ + iz < 0.0) || (limit === AT_UPPER && accZ + iz > 0.0)) {
      // The limit would pull: drop it and solve the point constraint with Mat33.solve22.
      const bx = -1 * c1x + accZ * ezx, by = -1 * c1y + accZ * ezy;
      ix = det2 * (eyy * bx - eyx * by);
      iy = det2 * (exx * by - exy * bx);
      iz = -accZ;
      J[o + J_ACCX] += ix;
      J[o + J_ACCY] += iy;
      J[o + J_ACCZ] = 0.0;
    } else {
      J[o + J_ACCX] += ix;
      J[o + J_ACCY] += iy;
      J[o + J_ACCZ] += iz;
    }
    wA -= iA * (rAx * iy - rAy * ix + iz);
    wB += iB * (rBx * iy - rBy * ix + iz);
  } else {
    // Point-to-point: Mat33.solve22(−Cdot1).
    const bx = -c1x, by = -c1y;
    ix = det2 * (eyy * bx - eyx * by);
    iy = det2 * (exx * by - exy * bx);
    J[o + J_ACCX] += ix;
    J[o + J_ACCY] += iy;
    wA -= iA * (rAx * iy - rAy * ix);
    wB += iB * (rBx * iy - rBy * ix);
  }
  vel[a] -= mA * ix;
  vel[a + 1] -= mA * iy;
  vel[a + 2] = wA;
  vel[b] += mB * ix;
  vel[b + 1] += mB * iy;
  vel[b + 2] = wB;
}

/** One velocity iteration of a contact: friction first, then normal impulses (block solver). */
function solveContact(
  C: Float64Array,
  o: number,
  vel: Float64Array,
  a: number,
  b: number,
  block: boolean,
): void {
  const mA = C[o + C_MA], iA = C[o + C_IA], mB = C[o + C_MB], iB = C[o + C_IB];
  let vAx = vel[a], vAy = vel[a + 1], wA = vel[a + 2];
  let vBx = vel[b], vBy = vel[b + 1], wB = vel[b + 2];
  const nx = C[o + C_NX], ny = C[o + C_NY];
  // tangent = cross(normal, 1)
  const tx = 1.0 * ny, ty = -1.0 * nx;
  const friction = C[o + C_FRICTION], tangentSpeed = C[o + C_TSPEED];
  const count = C[o + C_COUNT];

  for (let p = 0; p < count; ++p) {
    const q = o + C_P + p * P_STRIDE;
    const rAx = C[q + P_RAX], rAy = C[q + P_RAY], rBx = C[q + P_RBX], rBy = C[q + P_RBY];
    const dvx = 0 + vBx + -wB * rBy - vAx - -wA * rAy;
    const dvy = 0 + vBy + wB * rBx - vAy - wA * rAx;
    const vt = dvx * tx + dvy * ty - tangentSpeed;
    let lambda = C[q + P_TM] * -vt;
    const maxFriction = friction * C[q + P_NI];
    const old = C[q + P_TI];
    const sum = old + lambda;
    const impulse = sum < -maxFriction ? -maxFriction : sum > maxFriction ? maxFriction : sum;
    lambda = impulse - old;
    C[q + P_TI] = impulse;
    const Px = lambda * tx, Py = lambda * ty;
    vAx -= mA * Px;
    vAy -= mA * Py;
    wA -= iA * (rAx * Py - rAy * Px);
    vBx += mB * Px;
    vBy += mB * Py;
    wB += iB * (rBx * Py - rBy * Px);
  }

  if (count === 1 || !block) {
    for (let p = 0; p < count; ++p) {
      const q = o + C_P + p * P_STRIDE;
      const rAx = C[q + P_RAX], rAy = C[q + P_RAY], rBx = C[q + P_RBX], rBy = C[q + P_RBY];
      const dvx = 0 + vBx + -wB * rBy - vAx - -wA * rAy;
      const dvy = 0 + vBy + wB * rBx - vAy - wA * rAx;
      const vn = dvx * nx + dvy * ny;
      let lambda = -C[q + P_NM] * (vn - C[q + P_BIAS]);
      const old = C[q + P_NI];
      const impulse = Math.max(old + lambda, 0.0);
      lambda = impulse - old;
      C[q + P_NI] = impulse;
      const Px = lambda * nx, Py = lambda * ny;
      vAx -= mA * Px;
      vAy -= mA * Py;
      wA -= iA * (rAx * Py - rAy * Px);
      vBx += mB * Px;
      vBy += mB * Py;
      wB += iB * (rBx * Py - rBy * Px);
    }
  } else {
    // Box2D's 2-point block solver: total enumeration of the LCP (Murty) on x = a + d.
    const q1 = o + C_P, q2 = o + C_P + P_STRIDE;
    const r1Ax = C[q1 + P_RAX], r1Ay = C[q1 + P_RAY], r1Bx = C[q1 + P_RBX], r1By = C[q1 + P_RBY];
    const r2Ax = C[q2 + P_RAX], r2Ay = C[q2 + P_RAY], r2Bx = C[q2 + P_RBX], r2By = C[q2 + P_RBY];
    const ax = C[q1 + P_NI], ay = C[q2 + P_NI];
    const dv1x = 0 + vBx + -wB * r1By - vAx - -wA * r1Ay;
    const dv1y = 0 + vBy + wB * r1Bx - vAy - wA * r1Ax;
    const dv2x = 0 + vBx + -wB * r2By - vAx - -wA * r2Ay;
    const dv2y = 0 + vBy + wB * r2Bx - vAy - wA * r2Ax;
    let vn1 = dv1x * nx + dv1y * ny;
    let vn2 = dv2x * nx + dv2y * ny;
    const kxx = C[o + C_KXX], kxy = C[o + C_KXY], kyx = C[o + C_KYX], kyy = C[o + C_KYY];
    let bx = vn1 - C[q1 + P_BIAS], by = vn2 - C[q2 + P_BIAS];
    bx -= kxx * ax + kyx * ay;
    by -= kxy * ax + kyy * ay;
    let xx: number, xy: number, solved: boolean;
    // Case 1: both points active (vn = 0).
    xx = -(C[o + C_NMXX] * bx + C[o + C_NMYX] * by);
    xy = -(C[o + C_NMXY] * bx + C[o + C_NMYY] * by);
    solved = xx >= 0.0 && xy >= 0.0;
    if (!solved) {
      // Case 2: vn1 = 0 and x2 = 0.
      xx = -C[q1 + P_NM] * bx;
      xy = 0.0;
      vn2 = kxy * xx + by;
      solved = xx >= 0.0 && vn2 >= 0.0;
    }
    if (!solved) {
      // Case 3: vn2 = 0 and x1 = 0.
      xx = 0.0;
      xy = -C[q2 + P_NM] * by;
      vn1 = kyx * xy + bx;
      solved = xy >= 0.0 && vn1 >= 0.0;
    }
    if (!solved) {
      // Case 4: x = 0.
      xx = 0.0;
      xy = 0.0;
      vn1 = bx;
      vn2 = by;
      solved = vn1 >= 0.0 && vn2 >= 0.0;
    }
    if (solved) {
      const dx = xx - ax, dy = xy - ay;
      const P1x = dx * nx, P1y = dx * ny, P2x = dy * nx, P2y = dy * ny;
      vAx = -mA * P1x + -mA * P2x + 1 * vAx;
      vAy = -mA * P1y + -mA * P2y + 1 * vAy;
      wA -= iA * (r1Ax * P1y - r1Ay * P1x + (r2Ax * P2y - r2Ay * P2x));
      vBx = mB * P1x + mB * P2x + 1 * vBx;
      vBy = mB * P1y + mB * P2y + 1 * vBy;
      wB += iB * (r1Bx * P1y - r1By * P1x + (r2Bx * P2y - r2By * P2x));
      C[q1 + P_NI] = xx;
      C[q2 + P_NI] = xy;
    }
  }

  vel[a] = vAx;
  vel[a + 1] = vAy;
  vel[a + 2] = wA;
  vel[b] = vBx;
  vel[b + 1] = vBy;
  vel[b + 2] = wB;
}
