/**
 * `simple_spread_v3` from MPE2 1.1.0 (PettingZoo's multi-agent particle environments), as its
 * `parallel_env`: N agents must cover N landmarks while avoiding one another. Observations,
 * rewards, flags and the float64 world state match MPE2 bit for bit for the same seed and
 * actions (checked against recorded episodes in `tests/simple_spread_parity_test.ts`).
 *
 * ## Agents
 * `agent_0 … agent_{N-1}`; all are live from `reset` until the step that reaches `maxCycles`,
 * after which `agents` is empty.
 *
 * ## Action space
 * Discrete (default): `Discrete(5)`, `0` no action, `1` move left, `2` right, `3` down, `4` up;
 * the force is ±5 (MPE2's sensitivity) along that axis. Continuous: `Box(0, 1, (5,))`, the
 * force is `5 × (a[2] − a[1], a[4] − a[3])` (`a[0]` is unused). As in MPE2 the difference is
 * taken in the action's precision: float32 for a `Float32Array`, float64 for a `number[]`.
 * Values outside [0, 1] are clipped (PettingZoo's `ClipOutOfBoundsWrapper`); NaN, a wrong
 * length or a bad discrete action throws.
 *
 * ## Observation space
 * `Box(-inf, inf, (6N,))` float32, 18 for N = 3: own velocity (2), own position (2), each
 * landmark's offset from the agent (2N), each other agent's offset (2(N−1), agent order), and
 * the other agents' communication, always zero since agents are silent (2(N−1)).
 *
 * ## State
 * `state()` is every agent's observation concatenated in agent order, `Box(-inf, inf, (6N²,))`
 * (54 for N = 3), as MPE2's `state()`.
 *
 * ## Rewards
 * Every agent gets `(1 − localRatio) × global + localRatio × local`: global is minus the sum
 * over landmarks of the distance to the nearest agent; local is −1 for each other agent closer
 * than the sum of the radii (0.3).
 *
 * ## Starting state
 * Agents then landmarks are placed uniformly in [−1, 1]² (two `uniform(−1, 1)` draws each, in
 * that order), at rest.
 *
 * ## Episode end
 * No termination; every agent is truncated at step `maxCycles` (default 25).
 *
 * ## Seeding
 * As MPE2: the constructor draws one starting state from its generator (OS-seeded unless `rng`
 * is given), `reset({ seed })` replaces the generator with `new Rng(seed)` (numpy's
 * `default_rng(seed)`), and `reset()` without a seed keeps drawing from the current generator,
 * so `reset({ seed: 0 }); reset()` places the entities with scalar draws 13–24 of seed 0's
 * stream. Steps draw nothing.
 *
 * @example
 * ```ts
 * import { SimpleSpread } from "./simple_spread.ts";
 * const env = new SimpleSpread();
 * const { obs } = env.reset({ seed: 0 });
 * obs.agent_0.length; // 18
 * let teamReturn = 0;
 * while (env.agents.length > 0) {
 *   const actions = Object.fromEntries(env.agents.map((a) => [a, 4])); // everyone moves up
 *   const step = env.step(actions);
 *   teamReturn += step.rewards.agent_0;
 * }
 * ```
 * @module
 */
import { type RandomSource, Rng } from "../../core/rng.ts";
import { Box, Discrete, type Space } from "../spaces.ts";
import type { ContinuousAction, EmptyInfo, ResetOptions, RgbaFrame } from "../types.ts";
import { entityDistance, type MpeEntity, MpeWorld } from "./mpe_world.ts";
import { type MpeRenderOptions, type MpeScene, renderMpeScene } from "./render.ts";
import type {
  ParallelEnv,
  ParallelEnvSpec,
  ParallelResetResult,
  ParallelStepResult,
} from "./types.ts";

/** Constructor options of {@link SimpleSpread}. */
export interface SimpleSpreadOptions {
  /** Number of agents and of landmarks, an integer >= 1. Default 3. */
  N?: number;
  /** Weight of the local (collision) reward in [0, 1]; the global gets the rest. Default 0.5. */
  localRatio?: number;
  /** Parallel steps until every agent is truncated, an integer >= 1. Default 25. */
  maxCycles?: number;
  /** `Box(0, 1, (5,))` actions instead of `Discrete(5)`. Default false. */
  continuousActions?: boolean;
  /**
   * Source of the starting positions, used by the constructor and by `reset()` without a seed
   * until a `reset({ seed })` replaces it with `new Rng(seed)`. Default: an OS-seeded `Rng`.
   */
  rng?: RandomSource;
}

/** An action of one agent: an index in 0..4, or 5 numbers in [0, 1] with `continuousActions`. */
export type SimpleSpreadAction = number | ContinuousAction;

/** Names of the discrete actions, indexed by action (MPE2's order). */
export const SIMPLE_SPREAD_ACTIONS: readonly string[] = [
  "no_action",
  "move_left",
  "move_right",
  "move_down",
  "move_up",
];

/** MPE2's simple_spread constants. */
export const SIMPLE_SPREAD = {
  /** Agent radius. */
  agentSize: 0.15,
  /** Landmark radius (MPE2's `Entity` default). */
  landmarkSize: 0.05,
  /** Action force per unit of action (used because agents have no `accel`). */
  sensitivity: 5.0,
  /** Communication channels per agent (silent, so always zero in observations). */
  dimC: 2,
} as const;

/** MPE2's `simple_spread_v3` as a parallel env; see the module docs for the full description. */
export class SimpleSpread implements ParallelEnv<Float32Array, SimpleSpreadAction, EmptyInfo> {
  /** `agent_0 … agent_{N-1}`. */
  readonly possibleAgents: readonly string[];
  /** `Box(-inf, inf, (6N²,))`: every agent's observation, concatenated. */
  readonly stateSpace: Box;
  /** Registry spec, set by `makeParallel`. */
  spec?: ParallelEnvSpec;
  /** Number of agents (and of landmarks). */
  readonly N: number;
  /** Weight of the local reward. */
  readonly localRatio: number;
  /** Steps until truncation. */
  readonly maxCycles: number;
  /** Whether actions are `Box(0, 1, (5,))`. */
  readonly continuousActions: boolean;

  readonly #world: MpeWorld;
  readonly #index = new Map<string, number>();
  readonly #observationSpaces: Box[];
  readonly #actionSpaces: (Discrete | Box)[];
  readonly #obsSize: number;
  readonly #controls: Float64Array;
  #rng: RandomSource;
  #agents: string[] = [];
  #steps = 0;

  /**
   * Builds the world and, as MPE2's constructor does, draws one starting state from the
   * generator (`options.rng`, or an OS-seeded `Rng`).
   *
   * @throws {RangeError} If `N`, `localRatio` or `maxCycles` is out of range.
   * @throws {TypeError} If `continuousActions` is not a boolean or `rng` has no `uniform`.
   */
  constructor(options: SimpleSpreadOptions = {}) {
    const N = options.N ?? 3;
    const localRatio = options.localRatio ?? 0.5;
    const maxCycles = options.maxCycles ?? 25;
    const continuous = options.continuousActions ?? false;
    if (!Number.isInteger(N) || N < 1) {
      throw new RangeError(`SimpleSpread N must be an integer >= 1, got ${N}`);
    }
    if (typeof localRatio !== "number" || !(localRatio >= 0 && localRatio <= 1)) {
      throw new RangeError(`SimpleSpread localRatio must be a number in [0, 1], got ${localRatio}`);
    }
    if (!Number.isInteger(maxCycles) || maxCycles < 1) {
      throw new RangeError(`SimpleSpread maxCycles must be an integer >= 1, got ${maxCycles}`);
    }
    if (typeof continuous !== "boolean") {
      throw new TypeError(`SimpleSpread continuousActions must be a boolean, got ${continuous}`);
    }
    if (options.rng !== undefined && typeof options.rng?.uniform !== "function") {
      throw new TypeError("SimpleSpread rng must be a RandomSource (an object with uniform())");
    }
    this.N = N;
    this.localRatio = localRatio;
    this.maxCycles = maxCycles;
    this.continuousActions = continuous;
    const names = Array.from({ length: N }, (_, i) => `agent_${i}`);
    this.possibleAgents = Object.freeze(names);
    names.forEach((name, i) => this.#index.set(name, i));
    this.#world = new MpeWorld(
      names.map((name) => ({
        name,
        size: SIMPLE_SPREAD.agentSize,
        movable: true,
        collide: true,
        mass: 1.0,
      })),
      Array.from({ length: N }, (_, i) => ({
        name: `landmark ${i}`,
        size: SIMPLE_SPREAD.landmarkSize,
        movable: false,
        collide: false,
        mass: 1.0,
      })),
    );
    this.#obsSize = 4 + 2 * N + 2 * (N - 1) + SIMPLE_SPREAD.dimC * (N - 1);
    this.#observationSpaces = names.map(() => new Box(-Infinity, Infinity, [this.#obsSize]));
    this.#actionSpaces = names.map(() => continuous ? new Box(0, 1, [5]) : new Discrete(5));
    this.stateSpace = new Box(-Infinity, Infinity, [this.#obsSize * N]);
    this.#controls = new Float64Array(2 * N);
    this.#rng = options.rng ?? new Rng();
    this.#placeEntities();
  }

  /** The live agents (a fresh copy): all after `reset`, none once the episode is over. */
  get agents(): string[] {
    return [...this.#agents];
  }

  /** Parallel steps taken since the last `reset`. */
  get steps(): number {
    return this.#steps;
  }

  /** `Box(-inf, inf, (6N,))`. */
  observationSpace(agent: string): Box {
    return this.#observationSpaces[this.#agentIndex(agent)];
  }

  /** `Discrete(5)`, or `Box(0, 1, (5,))` with `continuousActions`. */
  actionSpace(agent: string): Space<SimpleSpreadAction> {
    return this.#actionSpaces[this.#agentIndex(agent)] as Space<SimpleSpreadAction>;
  }

  /** Every agent's observation, concatenated in `possibleAgents` order. */
  state(): Float32Array {
    const out = new Float32Array(this.#obsSize * this.N);
    for (let i = 0; i < this.N; i++) this.#observe(i, out, i * this.#obsSize);
    return out;
  }

  /**
   * The float64 world state, MPE2's internal values: for each agent `pos x, pos y, vel x,
   * vel y`, then for each landmark `pos x, pos y` (`6N` values).
   */
  worldState(): Float64Array {
    const w = this.#world, out = new Float64Array(6 * this.N);
    let k = 0;
    for (const a of w.agents) {
      out[k++] = a.pos[0];
      out[k++] = a.pos[1];
      out[k++] = a.vel[0];
      out[k++] = a.vel[1];
    }
    for (const l of w.landmarks) {
      out[k++] = l.pos[0];
      out[k++] = l.pos[1];
    }
    return out;
  }

  /**
   * Starts an episode: with a seed the generator becomes `new Rng(seed)`, without one the
   * current generator keeps drawing (PettingZoo's semantics).
   *
   * @throws {RangeError} If the seed is not a non-negative integer (see `Rng`).
   */
  reset(options: ResetOptions = {}): ParallelResetResult<Float32Array, EmptyInfo> {
    if (options.seed !== undefined) this.#rng = new Rng(options.seed);
    this.#placeEntities();
    this.#steps = 0;
    this.#agents = [...this.possibleAgents];
    const obs: Record<string, Float32Array> = {};
    const infos: Record<string, EmptyInfo> = {};
    for (const agent of this.#agents) {
      obs[agent] = this.#observation(this.#index.get(agent)!);
      infos[agent] = {};
    }
    return { obs, infos };
  }

  /**
   * Applies one action per live agent, advances the world by one step and rewards every agent.
   * At step `maxCycles` every agent is truncated and `agents` becomes empty.
   *
   * @throws {Error} If no agent is live (the episode ended, or `reset` was never called).
   * @throws {RangeError} If an action is missing, is for an agent that is not live, or is out
   *   of range (a discrete action outside 0..4, a continuous one with NaN or not 5 values).
   * @throws {TypeError} If an action has the wrong type for the action space.
   */
  step(
    actions: Record<string, SimpleSpreadAction>,
  ): ParallelStepResult<Float32Array, EmptyInfo> {
    const live = this.#agents;
    if (live.length === 0) {
      throw new Error("SimpleSpread episode has ended (or never started): call reset() first");
    }
    if (typeof actions !== "object" || actions === null) {
      throw new TypeError(`SimpleSpread actions must be a record keyed by agent, got ${actions}`);
    }
    for (const key of Object.keys(actions)) {
      if (!live.includes(key)) {
        throw new RangeError(
          `SimpleSpread got an action for "${key}", which is not a live agent; live agents: ${
            live.join(", ")
          }`,
        );
      }
    }
    for (const agent of live) {
      if (!(agent in actions)) {
        throw new RangeError(
          `SimpleSpread step needs an action for every live agent; missing "${agent}" (live: ${
            live.join(", ")
          })`,
        );
      }
      this.#setControl(this.#index.get(agent)!, actions[agent], agent);
    }
    const world = this.#world;
    world.step(this.#controls);
    this.#steps++;

    const globalReward = this.#globalReward();
    const truncated = this.#steps >= this.maxCycles;
    const obs: Record<string, Float32Array> = {};
    const rewards: Record<string, number> = {};
    const terminations: Record<string, boolean> = {};
    const truncations: Record<string, boolean> = {};
    const infos: Record<string, EmptyInfo> = {};
    for (const agent of live) {
      const i = this.#index.get(agent)!;
      rewards[agent] = globalReward * (1 - this.localRatio) +
        this.#localReward(i) * this.localRatio;
      terminations[agent] = false;
      truncations[agent] = truncated;
      infos[agent] = {};
      obs[agent] = this.#observation(i);
    }
    if (truncated) this.#agents = [];
    return { obs, rewards, terminations, truncations, infos };
  }

  /** The entities as discs, in MPE2's drawing order (agents, then landmarks). */
  scene(): MpeScene {
    const agents = this.#world.agents;
    const discs = this.#world.entities.map((e, i) => ({
      x: e.pos[0],
      y: e.pos[1],
      size: e.size,
      kind: e.movable ? "agent" as const : "landmark" as const,
      index: e.movable ? i : i - this.N,
      colliding: e.movable && agents.some((o) => o !== e && isCollision(o, e)),
    }));
    return { discs };
  }

  /** Draws the world (700 × 700 by default); see `renderMpeScene`. */
  render(options: MpeRenderOptions = {}): RgbaFrame {
    return renderMpeScene(this.scene(), options);
  }

  /** Nothing to release. */
  close(): void {}

  #agentIndex(agent: string): number {
    const i = this.#index.get(agent);
    if (i === undefined) {
      throw new RangeError(
        `Unknown agent "${agent}"; possible agents: ${this.possibleAgents.join(", ")}`,
      );
    }
    return i;
  }

  /** MPE2's `reset_world`: agents then landmarks at `uniform(-1, 1)` × 2, at rest. */
  #placeEntities(): void {
    const rng = this.#rng;
    for (const e of this.#world.entities) {
      e.pos[0] = rng.uniform(-1, 1);
      e.pos[1] = rng.uniform(-1, 1);
      e.vel.fill(0);
    }
  }

  /** MPE2's `_set_action`: the agent's action force, times the sensitivity. */
  #setControl(i: number, action: SimpleSpreadAction, agent: string): void {
    let ux = 0, uy = 0;
    if (this.continuousActions) {
      const a = continuousAction(action, agent);
      // `+=` onto zeros, in the action's own precision (numpy float32 vs float64 arithmetic).
      const f32 = action instanceof Float32Array;
      ux += f32 ? Math.fround(a[2] - a[1]) : a[2] - a[1];
      uy += f32 ? Math.fround(a[4] - a[3]) : a[4] - a[3];
    } else {
      if (typeof action !== "number") {
        throw new TypeError(
          `SimpleSpread discrete action for ${agent} must be a number in 0..4, got ${
            describe(action)
          }`,
        );
      }
      if (!Number.isInteger(action) || action < 0 || action > 4) {
        throw new RangeError(
          `SimpleSpread action for ${agent} must be an integer in 0..4 (${
            SIMPLE_SPREAD_ACTIONS.join(", ")
          }), got ${action}`,
        );
      }
      if (action === 1) ux = -1.0;
      else if (action === 2) ux = +1.0;
      else if (action === 3) uy = -1.0;
      else if (action === 4) uy = +1.0;
    }
    this.#controls[2 * i] = ux * SIMPLE_SPREAD.sensitivity;
    this.#controls[2 * i + 1] = uy * SIMPLE_SPREAD.sensitivity;
  }

  /** Minus the sum over landmarks of the nearest agent's distance. */
  #globalReward(): number {
    const { agents, landmarks } = this.#world;
    let rew = 0;
    for (const lm of landmarks) {
      // Python's min(): the first element, replaced by any later one that is smaller.
      let nearest = entityDistance(agents[0], lm);
      for (let j = 1; j < agents.length; j++) {
        const d = entityDistance(agents[j], lm);
        if (d < nearest) nearest = d;
      }
      rew -= nearest;
    }
    return rew;
  }

  /** −1 for each other agent overlapping agent `i`. */
  #localReward(i: number): number {
    const agents = this.#world.agents, self = agents[i];
    let rew = 0;
    for (const a of agents) if (a !== self && isCollision(a, self)) rew -= 1.0;
    return rew;
  }

  #observation(i: number): Float32Array {
    const out = new Float32Array(this.#obsSize);
    this.#observe(i, out, 0);
    return out;
  }

  /** Writes agent `i`'s observation at `out[offset…]` (float32 stores round as numpy's astype). */
  #observe(i: number, out: Float32Array, offset: number): void {
    const { agents, landmarks } = this.#world;
    const self = agents[i], p = self.pos;
    let k = offset;
    out[k++] = self.vel[0];
    out[k++] = self.vel[1];
    out[k++] = p[0];
    out[k++] = p[1];
    for (const lm of landmarks) {
      out[k++] = lm.pos[0] - p[0];
      out[k++] = lm.pos[1] - p[1];
    }
    for (const o of agents) {
      if (o === self) continue;
      out[k++] = o.pos[0] - p[0];
      out[k++] = o.pos[1] - p[1];
    }
    // The other agents' communication: silent agents' state.c is always zeros.
    out.fill(0, k, offset + this.#obsSize);
  }
}

/** MPE2's `is_collision`: centres closer than the sum of the radii. */
function isCollision(a: MpeEntity, b: MpeEntity): boolean {
  return entityDistance(a, b) < a.size + b.size;
}

/** Validates a continuous action and clips it to [0, 1] (PettingZoo's ClipOutOfBoundsWrapper). */
function continuousAction(action: SimpleSpreadAction, agent: string): ArrayLike<number> {
  if (!(action instanceof Float32Array || Array.isArray(action))) {
    throw new TypeError(
      `SimpleSpread continuous action for ${agent} must be a Float32Array or number[] ` +
        `of 5 values in [0, 1], got ${describe(action)}`,
    );
  }
  if (action.length !== 5) {
    throw new RangeError(
      `SimpleSpread continuous action for ${agent} must have 5 values, got ${action.length}`,
    );
  }
  let clipped: number[] | null = null;
  for (let j = 0; j < 5; j++) {
    const v = action[j];
    if (typeof v !== "number" || Number.isNaN(v)) {
      throw new RangeError(
        `SimpleSpread continuous action for ${agent} must hold numbers, got [${
          Array.from(action as ArrayLike<unknown>, String).join(", ")
        }]`,
      );
    }
    if (v < 0 || v > 1) {
      clipped ??= Array.from(action);
      clipped[j] = v < 0 ? 0 : 1;
    }
  }
  if (clipped === null) return action;
  return action instanceof Float32Array ? Float32Array.from(clipped) : clipped;
}

/** A short description of a bad action for error messages. */
function describe(v: unknown): string {
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    return `${v.constructor.name}(${(v as ArrayLike<unknown>).length})`;
  }
  return typeof v === "string" ? `"${v}"` : String(v);
}
