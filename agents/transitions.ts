/**
 * DQN's transitions on the CPU: {@link TransitionStaging} collects the transitions of the env
 * steps between two hand-overs to the learner's replay ring (one `addTransitions` upload per
 * hand-over, not one per step), and {@link ReplayMirror} keeps a CPU copy of that ring so that
 * a stopped run can be resumed with its replay memory intact.
 * @module
 */
import type { DqnLearner, TransitionBatch } from "../kernels/types.ts";
import { CheckpointError, type Tensor } from "./checkpoint.ts";

/** Allocates a transition batch of `capacity` transitions of `obsSize` floats. */
function allocBatch(capacity: number, obsSize: number): TransitionBatch {
  return {
    count: 0,
    obs: new Float32Array(capacity * obsSize),
    actions: new Int32Array(capacity),
    rewards: new Float32Array(capacity),
    nextObs: new Float32Array(capacity * obsSize),
    discount: new Float32Array(capacity),
  };
}

/** Typed arrays of transitions waiting to be handed to the learner. */
export class TransitionStaging {
  /** Floats per observation. */
  readonly obsSize: number;
  /** The staged transitions (`batch.count` of them). */
  readonly batch: TransitionBatch;

  /** Room for `capacity` transitions; `push` beyond that throws. */
  constructor(capacity: number, obsSize: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) {
      throw new RangeError(`Staging capacity must be a positive integer, got ${capacity}`);
    }
    this.obsSize = obsSize;
    this.batch = allocBatch(capacity, obsSize);
  }

  /** Transitions staged. */
  get count(): number {
    return this.batch.count;
  }

  /**
   * Stages `(s, a, r, s', discount)`, reading `s` and `s'` at `obsOffset`/`nextOffset` of
   * their arrays. `s'` is the true last observation when the episode ended (`finalObs`), and
   * `discount` the factor of `Q⁻(s')` in the TD target: γᵐ for m env steps, γᵐ too on a
   * truncation (the learner bootstraps through time limits), 0 on a termination.
   */
  push(
    obs: Float32Array,
    obsOffset: number,
    action: number,
    reward: number,
    nextObs: Float32Array,
    nextOffset: number,
    discount: number,
  ): void {
    const b = this.batch, d = this.obsSize, k = b.count;
    if (k >= b.actions.length) {
      throw new RangeError(`Transition staging is full (${b.actions.length}); drain it first`);
    }
    b.obs.set(obs.subarray(obsOffset, obsOffset + d), k * d);
    b.nextObs.set(nextObs.subarray(nextOffset, nextOffset + d), k * d);
    b.actions[k] = action;
    b.rewards[k] = reward;
    b.discount[k] = discount;
    b.count = k + 1;
  }

  /** Hands the staged transitions to `learner` (and `mirror`) and empties the staging. */
  drain(learner: DqnLearner, mirror?: ReplayMirror): void {
    if (this.batch.count === 0) return;
    learner.addTransitions(this.batch);
    mirror?.add(this.batch);
    this.batch.count = 0;
  }
}

/**
 * A CPU copy of the learner's replay ring, slot for slot (same capacity, same overwrite
 * order), so `restore` can rebuild the ring exactly in a fresh learner.
 */
export class ReplayMirror {
  /** Ring capacity. */
  readonly capacity: number;
  /** Floats per observation. */
  readonly obsSize: number;
  /** The ring's arrays (`capacity` slots). */
  readonly ring: TransitionBatch;
  /** Next slot to write. */
  pos = 0;
  /** Slots filled. */
  size = 0;

  /** An empty ring of `capacity` transitions. */
  constructor(capacity: number, obsSize: number) {
    this.capacity = capacity;
    this.obsSize = obsSize;
    this.ring = allocBatch(capacity, obsSize);
    this.ring.count = capacity;
  }

  /** Appends `batch.count` transitions, overwriting the oldest when full. */
  add(batch: TransitionBatch): void {
    const d = this.obsSize, r = this.ring;
    for (let t = 0; t < batch.count; t++) {
      const s = this.pos;
      r.obs.set(batch.obs.subarray(t * d, (t + 1) * d), s * d);
      r.nextObs.set(batch.nextObs.subarray(t * d, (t + 1) * d), s * d);
      r.actions[s] = batch.actions[t];
      r.rewards[s] = batch.rewards[t];
      r.discount[s] = batch.discount[t];
      this.pos = (s + 1) % this.capacity;
      this.size = Math.min(this.size + 1, this.capacity);
    }
  }

  /** The filled part of the ring as flat tensors, for a training-state file. */
  toTensors(): Map<string, Tensor> {
    const n = this.size, d = this.obsSize, r = this.ring;
    const vec = (data: Float32Array): Tensor => ({ shape: [data.length], data });
    return new Map([
      ["replay.obs", vec(r.obs.subarray(0, n * d))],
      ["replay.next_obs", vec(r.nextObs.subarray(0, n * d))],
      ["replay.actions", vec(Float32Array.from(r.actions.subarray(0, n)))],
      ["replay.rewards", vec(r.rewards.subarray(0, n))],
      ["replay.discount", vec(r.discount.subarray(0, n))],
    ]);
  }

  /**
   * Loads a ring saved by {@link ReplayMirror.toTensors} with its write position `pos` and
   * fill `size`; `source` names the file in errors. Rings saved before transitions carried
   * their discount hold terminal flags instead (`replay.terminated`, one-step transitions):
   * they load as discount `gamma·(1 − terminated)`.
   */
  loadTensors(
    tensors: Map<string, Tensor>,
    pos: number,
    size: number,
    source: string,
    gamma: number,
  ): void {
    if (
      !(Number.isInteger(size) && size >= 0 && size <= this.capacity && pos >= 0 &&
        pos < this.capacity)
    ) {
      throw new CheckpointError(
        `Training state ${source} has a replay memory of ${size} transitions at position ${pos}, which does not fit a capacity of ${this.capacity}`,
      );
    }
    const d = this.obsSize, r = this.ring;
    const take = (name: string, count: number): Float32Array => {
      const t = tensors.get(`replay.${name}`);
      if (!t || t.data.length !== count) {
        throw new CheckpointError(
          `Training state ${source} lacks replay tensor "${name}" of ${count} values`,
        );
      }
      return t.data;
    };
    r.obs.set(take("obs", size * d));
    r.nextObs.set(take("next_obs", size * d));
    r.actions.set(take("actions", size));
    r.rewards.set(take("rewards", size));
    if (!tensors.has("replay.discount") && tensors.has("replay.terminated")) {
      const flags = take("terminated", size);
      for (let i = 0; i < size; i++) r.discount[i] = gamma * (1 - flags[i]);
    } else {
      r.discount.set(take("discount", size));
    }
    this.pos = pos;
    this.size = size;
  }

  /**
   * Refills an empty `learner` so its ring equals this one slot for slot, write position
   * included: slots `0..size)` in order, then, if the ring has wrapped, slots `0..pos)` again
   * (rewriting the same values) so the learner's next write lands on `pos` too.
   */
  restore(learner: DqnLearner): void {
    const slice = (from: number, to: number): TransitionBatch => {
      const d = this.obsSize, r = this.ring;
      return {
        count: to - from,
        obs: r.obs.subarray(from * d, to * d),
        actions: r.actions.subarray(from, to),
        rewards: r.rewards.subarray(from, to),
        nextObs: r.nextObs.subarray(from * d, to * d),
        discount: r.discount.subarray(from, to),
      };
    };
    if (this.size === 0) return;
    learner.addTransitions(slice(0, this.size));
    if (this.size === this.capacity && this.pos > 0) learner.addTransitions(slice(0, this.pos));
  }
}
