/**
 * Parameter sharing over parallel envs: {@link ParallelVectorEnv} presents `M` copies of a
 * parallel env with `A` agents as one {@link VectorEnv} of `M × A` slots, so that a
 * single-agent trainer (PPO) learns one policy for every agent of every copy. Slot
 * `c × A + a` is agent `a` (in `possibleAgents` order) of copy `c`: its observation, optionally
 * followed by the agent's one-hot index, its action, reward, flags and episode statistics.
 *
 * The copies of one episode end together (every agent of a copy ends on the same step, as
 * simple_spread's time limit does) and are restarted with the vector env's autoreset mode; the
 * team return of each copy that ended (the sum of its agents' returns) is a side channel,
 * {@link ParallelVectorEnv.teamReturn}, read after each step.
 * @module
 */
import { Box, type Space } from "../spaces.ts";
import type { Action, Observation } from "../types.ts";
import {
  allocateVectorResult,
  type AutoresetMode,
  buildSubEnvs,
  checkActions,
  flatSize,
  type VectorEnv,
  type VectorResetOptions,
  type VectorStepResult,
} from "../vector_types.ts";
import { makeParallel } from "./registry.ts";
import type { AnyParallelEnv, ParallelEnvSpec } from "./types.ts";

/** Options of {@link ParallelVectorEnv}. */
export interface ParallelVectorEnvOptions {
  /** How ended episodes are restarted; default `"next-step"` (as `SyncVectorEnv`). */
  autoreset?: AutoresetMode;
  /** Append each agent's one-hot index (`A` floats) to its observation. Default false. */
  agentIdOneHot?: boolean;
}

/** Builds the copies by parallel-registry id: `makeParallel(id, options)`, `numCopies` times. */
export interface ParallelVectorEnvById {
  /** Parallel-registry id, e.g. `simple_spread_v3`. */
  id: string;
  /** Number of copies of the env (a positive integer). */
  numCopies: number;
  /** Options passed to `makeParallel` for every copy. */
  options?: Record<string, unknown>;
}

/**
 * Writes the network input of agent `agent` (of `numAgents`) at `dst[offset…]`: its
 * observation, then with `oneHot` a 1 at position `agent` of `numAgents` zeros. The one
 * layout shared by training (the vector env's slots) and acting (evaluation, the API).
 */
export function writeSlotObservation(
  dst: Float32Array,
  offset: number,
  obs: ArrayLike<number>,
  agent: number,
  numAgents: number,
  oneHot: boolean,
): void {
  for (let k = 0; k < obs.length; k++) dst[offset + k] = obs[k];
  if (!oneHot) return;
  const base = offset + obs.length;
  for (let k = 0; k < numAgents; k++) dst[base + k] = k === agent ? 1 : 0;
}

/**
 * `M` copies of a parallel env as a vector env of `M × A` agent slots; see the module
 * documentation. A step allocates only what the envs themselves allocate.
 *
 * @example
 * ```ts
 * import { ParallelVectorEnv } from "./vector.ts";
 * const envs = new ParallelVectorEnv({ id: "simple_spread_v3", numCopies: 2 }, {
 *   autoreset: "same-step",
 *   agentIdOneHot: true,
 * });
 * envs.numEnvs; // 6 slots: copy 0's agents 0..2, then copy 1's
 * envs.obsSize; // 18 + 3
 * envs.reset({ seed: 0 }); // copy c is seeded 0 + c
 * for (let t = 0; t < 25; t++) {
 *   const step = envs.step(new Int32Array(envs.numEnvs).fill(4));
 *   if (step.truncated[0]) console.log(envs.teamReturn[0], step.episodeReturn[0]);
 * }
 * envs.close();
 * ```
 */
export class ParallelVectorEnv implements VectorEnv {
  /** Number of slots: `numCopies × numAgents`. */
  readonly numEnvs: number;
  /** Number of copies of the parallel env. */
  readonly numCopies: number;
  /** The agents of each copy, in slot order (copy 0's `possibleAgents`). */
  readonly agents: readonly string[];
  /** Floats per slot observation: the agent's, plus `numAgents` with the one-hot. */
  readonly obsSize: number;
  /** Numbers per slot action: 1 for a discrete action space, the vector size for a `Box`. */
  readonly actionSize: number;
  /** The space of a slot observation (with the one-hot: the agent's box, then [0, 1]s). */
  readonly singleObservationSpace: Space<Observation>;
  /** The action space every agent shares. */
  readonly singleActionSpace: Space<Action>;
  /** How ended episodes are restarted. */
  readonly autoreset: AutoresetMode;
  /** Whether slot observations end with the agent's one-hot index. */
  readonly agentIdOneHot: boolean;
  /** Registry spec of copy 0, when made by id. */
  readonly parallelSpec?: ParallelEnvSpec;
  /**
   * Team return (the sum of its agents' returns) of the episode each copy ended on the last
   * step; 0 for copies whose episode goes on. Overwritten by every `step` and `reset`.
   */
  readonly teamReturn: Float64Array;
  readonly #envs: readonly AnyParallelEnv[];
  readonly #out: VectorStepResult;
  readonly #agentObsSize: number;
  readonly #scalarAction: boolean;
  readonly #sameStep: boolean;
  readonly #actionBufs: Float32Array[];
  readonly #actionRecords: Record<string, Action>[];
  // Per-copy and per-slot running statistics, preallocated.
  readonly #needsReset: Uint8Array;
  readonly #hasFinal: Uint8Array;
  readonly #runLength: Int32Array;
  readonly #runReturn: Float64Array;
  #started = false;
  #closed = false;

  /**
   * Creates the copies, from factories (called once each, in order) or by registry id. Every
   * agent of every copy must share one observation shape and one action space.
   *
   * @throws {RangeError} For no copies, an unknown id or option, or an autoreset mode other
   *   than `"next-step"` / `"same-step"`.
   * @throws {TypeError} When agents or copies differ in their spaces.
   */
  constructor(
    envs: readonly (() => AnyParallelEnv)[] | ParallelVectorEnvById,
    options: ParallelVectorEnvOptions = {},
  ) {
    const list = buildSubEnvs<AnyParallelEnv>(
      "id" in envs
        ? { count: envs.numCopies, build: () => makeParallel(envs.id, envs.options) }
        : envs,
      "A parallel vector env needs at least one copy",
    );
    const autoreset = options.autoreset ?? "next-step";
    if (autoreset !== "next-step" && autoreset !== "same-step") {
      throw new RangeError(`autoreset must be "next-step" or "same-step", got "${autoreset}"`);
    }
    const oneHot = options.agentIdOneHot ?? false;
    if (typeof oneHot !== "boolean") {
      throw new TypeError(`agentIdOneHot must be a boolean, got ${oneHot}`);
    }
    const agents = [...list[0].possibleAgents];
    if (agents.length === 0) throw new RangeError("A parallel env with no agents has no slots");
    const obsSpace = list[0].observationSpace(agents[0]);
    const actSpace = list[0].actionSpace(agents[0]);
    const obsShape = obsSpace.shape.join(","), act = actSpace.toString();
    list.forEach((env, c) => {
      const names = env.possibleAgents.join(", ");
      if (names !== agents.join(", ")) {
        throw new TypeError(
          `Every copy must have the same agents: copy 0 has ${
            agents.join(", ")
          }, copy ${c} ${names}`,
        );
      }
      for (const agent of agents) {
        const o = env.observationSpace(agent).shape.join(",");
        const a = env.actionSpace(agent).toString();
        if (o !== obsShape || a !== act) {
          throw new TypeError(
            `Parameter sharing needs every agent to share its spaces: ${agents[0]} has ` +
              `observation [${obsShape}] and action ${act}, ${agent} of copy ${c} has [${o}] and ${a}`,
          );
        }
      }
    });
    const A = agents.length, M = list.length;
    this.#envs = list;
    this.numCopies = M;
    this.numEnvs = M * A;
    this.agents = Object.freeze(agents);
    this.agentIdOneHot = oneHot;
    this.#agentObsSize = flatSize(obsSpace);
    this.obsSize = this.#agentObsSize + (oneHot ? A : 0);
    this.actionSize = flatSize(actSpace);
    this.#scalarAction = actSpace.shape.length === 0;
    this.singleActionSpace = actSpace as Space<Action>;
    this.singleObservationSpace = oneHot ? withOneHot(obsSpace as Space<Observation>, A) : obsSpace;
    this.autoreset = autoreset;
    this.#sameStep = autoreset === "same-step";
    this.parallelSpec = list[0].spec;
    this.#out = allocateVectorResult(this.numEnvs, this.obsSize);
    this.teamReturn = new Float64Array(M);
    this.#actionBufs = Array.from(
      { length: this.numEnvs },
      () => new Float32Array(this.actionSize),
    );
    this.#actionRecords = list.map(() => ({}));
    this.#needsReset = new Uint8Array(M);
    this.#hasFinal = new Uint8Array(M);
    this.#runLength = new Int32Array(M);
    this.#runReturn = new Float64Array(this.numEnvs);
  }

  /** Number of agents per copy. */
  get numAgents(): number {
    return this.agents.length;
  }

  /**
   * The copies, in order, for rendering or inspection (stepping or resetting them directly
   * desynchronises the vector env's bookkeeping).
   */
  get envs(): readonly AnyParallelEnv[] {
    return this.#envs;
  }

  /** Resets every copy (copy `c` with seed `seed + c`) and returns the slot observations. */
  reset(options: VectorResetOptions = {}): Float32Array {
    this.#checkOpen();
    const { seed } = options;
    const out = this.#out;
    this.#envs.forEach((env, c) => {
      const r = env.reset(seed === undefined ? {} : { seed: seed + c });
      this.#writeObs(out.obs, c, r.obs);
    });
    out.finalObs.fill(0);
    out.rewards.fill(0);
    out.terminated.fill(0);
    out.truncated.fill(0);
    out.episodeReturn.fill(0);
    out.episodeLength.fill(0);
    this.teamReturn.fill(0);
    this.#needsReset.fill(0);
    this.#hasFinal.fill(0);
    this.#runLength.fill(0);
    this.#runReturn.fill(0);
    this.#started = true;
    return out.obs;
  }

  /**
   * Steps every copy with its agents' actions: `actions[s * actionSize + j]` is component `j`
   * of slot `s`'s action. See {@link VectorEnv.step} and {@link AutoresetMode}.
   *
   * @throws {TypeError} Before `reset`, after `close`, for a wrong action array, or when the
   *   agents of a copy do not end on the same step.
   */
  step(actions: Int32Array | Float32Array): VectorStepResult {
    this.#checkOpen();
    if (!this.#started) throw new TypeError("Vector env step() called before reset()");
    checkActions(actions, this.numEnvs * this.actionSize);
    const { obs, finalObs, rewards, terminated, truncated, episodeReturn, episodeLength } =
      this.#out;
    const A = this.agents.length, size = this.obsSize;
    for (let c = 0; c < this.numCopies; c++) {
      const env = this.#envs[c];
      const first = c * A;
      this.teamReturn[c] = 0;
      if (this.#hasFinal[c]) {
        finalObs.fill(0, first * size, (first + A) * size);
        this.#hasFinal[c] = 0;
      }
      if (this.#needsReset[c]) {
        // Next-step autoreset: this step only restarts copy c; its actions are ignored.
        this.#writeObs(obs, c, env.reset().obs);
        this.#needsReset[c] = 0;
        for (let s = first; s < first + A; s++) {
          rewards[s] =
            terminated[s] =
            truncated[s] =
            episodeReturn[s] =
            episodeLength[s] =
              0;
        }
        continue;
      }
      const record = this.#actionRecords[c];
      for (let a = 0; a < A; a++) record[this.agents[a]] = this.#slotAction(actions, first + a);
      const r = env.step(record);
      const ended = this.#endedTogether(c, r.terminations, r.truncations);
      const length = ++this.#runLength[c];
      let team = 0;
      for (let a = 0; a < A; a++) {
        const name = this.agents[a], s = first + a;
        const reward = r.rewards[name];
        rewards[s] = reward;
        terminated[s] = r.terminations[name] ? 1 : 0;
        truncated[s] = r.truncations[name] ? 1 : 0;
        this.#runReturn[s] += reward;
        team += this.#runReturn[s];
        episodeReturn[s] = ended ? this.#runReturn[s] : 0;
        episodeLength[s] = ended ? length : 0;
      }
      if (!ended) {
        this.#writeObs(obs, c, r.obs);
        continue;
      }
      this.teamReturn[c] = team;
      this.#runReturn.fill(0, first, first + A);
      this.#runLength[c] = 0;
      this.#writeObs(finalObs, c, r.obs);
      this.#hasFinal[c] = 1;
      if (this.#sameStep) this.#writeObs(obs, c, env.reset().obs);
      else {
        this.#writeObs(obs, c, r.obs);
        this.#needsReset[c] = 1;
      }
    }
    return this.#out;
  }

  /** Closes every copy. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const env of this.#envs) env.close();
  }

  /** Closes the vector env at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new TypeError("This vector env is closed");
  }

  /** Slot `s`'s action: a number, or its components copied into the slot's own buffer. */
  #slotAction(actions: Int32Array | Float32Array, s: number): Action {
    if (this.#scalarAction) return actions[s];
    const k = this.actionSize, buf = this.#actionBufs[s];
    for (let j = 0; j < k; j++) buf[j] = actions[s * k + j];
    return buf;
  }

  /** Whether copy `c`'s episode ended; throws unless all its agents ended or none did. */
  #endedTogether(
    c: number,
    terminations: Record<string, boolean>,
    truncations: Record<string, boolean>,
  ): boolean {
    const done = this.agents.filter((a) => terminations[a] || truncations[a]);
    if (done.length === 0) return false;
    if (done.length === this.agents.length) return true;
    throw new TypeError(
      `ParallelVectorEnv needs the agents of a copy to end on the same step; in copy ${c} ` +
        `${done.join(", ")} ended and ${
          this.agents.filter((a) => !done.includes(a)).join(", ")
        } did not`,
    );
  }

  /** Writes copy `c`'s agent observations into its slots of `dst`. */
  #writeObs(dst: Float32Array, c: number, obs: Record<string, Float32Array>): void {
    const A = this.agents.length;
    for (let a = 0; a < A; a++) {
      const o = obs[this.agents[a]];
      if (o === undefined || o.length !== this.#agentObsSize) {
        throw new RangeError(
          `Copy ${c} returned ${
            o === undefined ? "no observation" : `an observation of ${o.length} values`
          } for ${this.agents[a]}, expected ${this.#agentObsSize} values`,
        );
      }
      writeSlotObservation(dst, (c * A + a) * this.obsSize, o, a, A, this.agentIdOneHot);
    }
  }
}

/** The agent observation box extended by `numAgents` one-hot entries in [0, 1]. */
function withOneHot(space: Space<Observation>, numAgents: number): Box {
  if (!(space instanceof Box)) {
    throw new TypeError(
      `agentIdOneHot needs Box observations to extend, got ${space.toString()}`,
    );
  }
  const n = space.size;
  const low = new Float32Array(n + numAgents), high = new Float32Array(n + numAgents);
  low.set(space.low);
  high.set(space.high);
  high.fill(1, n);
  return new Box(low, high);
}
