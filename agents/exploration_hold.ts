/**
 * Temporally extended ε-greedy ("εz-greedy", Dabney, Ostrovski & Barreto, 2021): an exploratory
 * action is held for `n` steps instead of one, `n` drawn from a zeta law `P(n) ∝ n^−μ` on
 * `1..maxHold`. Most holds stay short (μ 2: 61 % last one step, 2.4 % 25 steps or more), but
 * some last long enough to reach states one-step dithering does not. Measured against
 * LunarLander's DQN hovering on the pad (it rests alternating two actions of equal value and
 * never earns a sleeping lander's +100): worse, not better (`examples/sweeps/
 * dqn_lander_anneal_hold.json`: μ 2 236.9 ± 35.1 across seeds, μ 1.5 160.6, against 258.6), so
 * no preset holds; on CartPole too long holds of one push cost (178–433 at 30k steps).
 * @module
 */

/** Per-env holds of exploratory actions; see the module doc. */
export class ExplorationHolds {
  /** The exponent μ of the zeta law (> 1). */
  readonly exponent: number;
  readonly #cdf: Float64Array;
  readonly #action: Int32Array;
  readonly #left: Int32Array;

  /** Holds for `numEnvs` envs, durations `P(n) ∝ n^−exponent` on `1..maxHold`. */
  constructor(numEnvs: number, exponent: number, maxHold = 1000) {
    if (!(exponent > 1)) throw new RangeError(`The hold exponent must be > 1, got ${exponent}`);
    this.exponent = exponent;
    this.#cdf = new Float64Array(maxHold);
    let sum = 0;
    for (let n = 1; n <= maxHold; n++) this.#cdf[n - 1] = sum += n ** -exponent;
    for (let k = 0; k < maxHold; k++) this.#cdf[k] /= sum;
    this.#action = new Int32Array(numEnvs);
    this.#left = new Int32Array(numEnvs);
  }

  /** The duration a uniform `u` in [0, 1) draws: the smallest `n` with `CDF(n) > u`. */
  duration(u: number): number {
    let lo = 0, hi = this.#cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo + 1;
  }

  /** The action env `i` keeps taking this step (counting the step), or −1 if none is held. */
  next(i: number): number {
    if (this.#left[i] === 0) return -1;
    this.#left[i]--;
    return this.#action[i];
  }

  /** Env `i` explores with `action` now, and for `duration(u) − 1` more steps. */
  start(i: number, action: number, u: number): void {
    this.#action[i] = action;
    this.#left[i] = this.duration(u) - 1;
  }

  /** Env `i`'s episode ended: no hold carries into the next. */
  end(i: number): void {
    this.#left[i] = 0;
  }

  /** The holds in progress, for a saved training state. */
  toJSON(): { action: number[]; left: number[] } {
    return { action: [...this.#action], left: [...this.#left] };
  }

  /** Restores holds saved by {@link toJSON} (as many envs). */
  restore(saved: { action: number[]; left: number[] }): void {
    if (saved.action.length !== this.#left.length || saved.left.length !== this.#left.length) {
      throw new RangeError(
        `Saved holds are for ${saved.left.length} envs, not ${this.#left.length}`,
      );
    }
    this.#action.set(saved.action);
    this.#left.set(saved.left);
  }
}
