/**
 * n-step returns for replay (Sutton, 1988; one of Rainbow's parts, Hessel et al., 2018): each
 * env's stream of one-step transitions becomes transitions
 * `(s_t, a_t, Σ_{k<m} γᵏ r_{t+k}, s_{t+m}, discount)` with m = n, or fewer at an episode's end.
 * `discount` is the factor of `Q⁻(s_{t+m})` in the TD target: γᵐ, or 0 where the episode
 * terminated. A truncated episode (time limit) keeps γᵐ with its true last observation, so
 * targets bootstrap through time limits as one-step DQN's do. With n = 1 this is one-step DQN:
 * every transition is passed on at once with discount γ (0 if terminal).
 * @module
 */
import type { TransitionStaging } from "./transitions.ts";

/** Per-env windows of the last `n − 1` steps, emitting n-step transitions into a staging. */
export class NStepReturns {
  /** Steps summed per transition. */
  readonly n: number;
  readonly #gamma: number;
  readonly #obsSize: number;
  // Per env a ring of n slots: the window's first step is at `#head[e]`, `#count[e]` filled.
  readonly #obs: Float32Array;
  readonly #actions: Int32Array;
  readonly #rewards: Float64Array;
  readonly #head: Int32Array;
  readonly #count: Int32Array;

  /** Windows for `numEnvs` envs of `obsSize`-float observations, discount `gamma`. */
  constructor(numEnvs: number, obsSize: number, n: number, gamma: number) {
    if (!(Number.isInteger(n) && n >= 1)) {
      throw new RangeError(`n-step returns need a positive integer n, got ${n}`);
    }
    if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`gamma must be in [0, 1], got ${gamma}`);
    this.n = n;
    this.#gamma = gamma;
    this.#obsSize = obsSize;
    this.#obs = new Float32Array(numEnvs * n * obsSize);
    this.#actions = new Int32Array(numEnvs * n);
    this.#rewards = new Float64Array(numEnvs * n);
    this.#head = new Int32Array(numEnvs);
    this.#count = new Int32Array(numEnvs);
  }

  /** Most transitions one env can hold back between two pushes (the staging needs room). */
  get pending(): number {
    return this.n - 1;
  }

  /**
   * Adds env `env`'s step `(s, a, r, s')` (`s` and `s'` read at `obsOffset`/`nextOffset`;
   * `s'` the true last observation if the episode ended) and stages every transition it
   * completes: the one that started n steps ago, or, when the episode ended, all that are open.
   */
  push(
    staging: TransitionStaging,
    env: number,
    obs: Float32Array,
    obsOffset: number,
    action: number,
    reward: number,
    nextObs: Float32Array,
    nextOffset: number,
    terminated: boolean,
    truncated: boolean,
  ): void {
    const { n } = this, d = this.#obsSize;
    const slot = env * n + (this.#head[env] + this.#count[env]) % n;
    this.#obs.set(obs.subarray(obsOffset, obsOffset + d), slot * d);
    this.#actions[slot] = action;
    this.#rewards[slot] = reward;
    this.#count[env]++;
    if (terminated || truncated) {
      while (this.#count[env] > 0) this.#emit(staging, env, nextObs, nextOffset, terminated);
    } else if (this.#count[env] === n) {
      this.#emit(staging, env, nextObs, nextOffset, false);
    }
  }

  /** Stages the transition starting at env `env`'s oldest open step and closes that step. */
  #emit(
    staging: TransitionStaging,
    env: number,
    nextObs: Float32Array,
    nextOffset: number,
    terminated: boolean,
  ): void {
    const { n } = this, d = this.#obsSize, m = this.#count[env], head = this.#head[env];
    let ret = 0, discount = 1;
    for (let k = 0; k < m; k++) {
      ret += discount * this.#rewards[env * n + (head + k) % n];
      discount *= this.#gamma;
    }
    const first = env * n + head;
    staging.push(
      this.#obs,
      first * d,
      this.#actions[first],
      ret,
      nextObs,
      nextOffset,
      terminated ? 0 : discount,
    );
    this.#head[env] = (head + 1) % n;
    this.#count[env] = m - 1;
  }
}
