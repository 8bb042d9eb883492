/**
 * `MeasuredChoice`: picks the faster of two ways of doing the same work by timing them as the
 * work goes, for choices whose answer depends on what else the machine runs. A learner's
 * second thread is one: alone on 2 cores it makes PPO's update 1.6× faster, but two such runs
 * at once (4 busy threads on 2 cores, as a sweep runs trials) were 4.7× slower than with one
 * thread each, every gradient step waiting for a descheduled partner.
 *
 * Each way's first run is a warm-up and is not counted; then both are timed once, the faster
 * is used, and the other is timed again after `probeEvery` runs, so that a change of load is
 * noticed. A probe costs a run of the slower way, which can be several times slower, so each
 * probe that finds the same way faster doubles the wait before the next.
 * @module
 */

/** Which way: the first or the second. */
export type Way = 0 | 1;

/** Picks the faster of two ways from their timings; see the module doc. */
export class MeasuredChoice {
  /** Runs before the first probe of the way not chosen. */
  readonly probeEvery: number;
  readonly #runs = [0, 0];
  readonly #ms: [number, number] = [NaN, NaN];
  #sinceProbe = 0;
  #wait: number;

  /** A choice that probes the slower way every `probeEvery` runs (an integer ≥ 2). */
  constructor(probeEvery = 16) {
    if (!(Number.isInteger(probeEvery) && probeEvery >= 2)) {
      throw new RangeError(`probeEvery must be an integer ≥ 2, got ${probeEvery}`);
    }
    this.probeEvery = probeEvery;
    this.#wait = probeEvery;
  }

  /** The latest timing of each way (NaN until it has one past its warm-up). */
  get timings(): readonly [number, number] {
    return this.#ms;
  }

  /** The way to run next. */
  next(): Way {
    for (const way of [0, 1] as const) if (this.#runs[way] < 2) return way;
    const faster: Way = this.#ms[1] < this.#ms[0] ? 1 : 0;
    return this.#sinceProbe >= this.#wait ? (1 - faster) as Way : faster;
  }

  /** Records that `way` took `ms` (per unit of work, so that runs of any size compare). */
  record(way: Way, ms: number): void {
    const faster: Way = this.#ms[1] < this.#ms[0] ? 1 : 0;
    const timed = this.#runs[0] >= 2 && this.#runs[1] >= 2;
    if (++this.#runs[way] >= 2) this.#ms[way] = ms;
    if (!timed) return;
    const now: Way = this.#ms[1] < this.#ms[0] ? 1 : 0;
    if (way === faster) {
      this.#sinceProbe++;
      // The chosen way slowed past the other: probe again from the shortest wait.
      if (now !== faster) [this.#sinceProbe, this.#wait] = [0, this.probeEvery];
      return;
    }
    // A probe: the wait doubles while the same way stays faster, and starts over when not.
    this.#sinceProbe = 0;
    this.#wait = now === faster ? 2 * this.#wait : this.probeEvery;
  }
}
