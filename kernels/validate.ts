/**
 * Input checks shared by every backend, so that the CPU and WebGPU learners reject the same
 * inputs with the same messages.
 * @module
 */
import type { ActorCriticConfig, LearnerState, Rollout, TransitionBatch } from "./types.ts";

/** Throws a `RangeError` unless `batch` holds `count` well-formed transitions. */
export function validateTransitions(
  batch: TransitionBatch,
  obsSize: number,
  nActions: number,
): void {
  const { count } = batch;
  if (!(Number.isInteger(count) && count >= 0)) {
    throw new RangeError(`Transition count must be a non-negative integer, got ${count}`);
  }
  if (batch.obs.length < count * obsSize || batch.nextObs.length < count * obsSize) {
    throw new RangeError(`Observations must hold ${count} × ${obsSize} values`);
  }
  if (
    batch.actions.length < count || batch.rewards.length < count ||
    batch.terminated.length < count
  ) {
    throw new RangeError(`Actions, rewards and terminated must hold ${count} values`);
  }
  for (let t = 0; t < count; t++) {
    const a = batch.actions[t];
    if (!(a >= 0 && a < nActions)) {
      throw new RangeError(`Action ${t} must be in [0, ${nActions}), got ${a}`);
    }
  }
}

/** Throws a `RangeError` unless `r` is a rollout the learner configured by `config` can use. */
export function validateRollout(r: Rollout, config: ActorCriticConfig, actionWidth: number): void {
  const n = r.size;
  const { obsSize, numMinibatches, action } = config;
  if (!(Number.isInteger(n) && n >= 1)) {
    throw new RangeError(`Rollout size must be a positive integer, got ${n}`);
  }
  if (n % numMinibatches !== 0) {
    throw new RangeError(`Rollout size ${n} is not divisible by numMinibatches ${numMinibatches}`);
  }
  const want: [string, Float32Array, number][] = [
    ["obs", r.obs, n * obsSize],
    ["actions", r.actions, n * actionWidth],
    ["logProbs", r.logProbs, n],
    ["advantages", r.advantages, n],
    ["returns", r.returns, n],
    ["values", r.values, n],
  ];
  for (const [name, array, length] of want) {
    if (array.length < length) {
      throw new RangeError(`Rollout ${name} must hold ${length} values, got ${array.length}`);
    }
  }
  if (action.kind === "discrete") {
    for (let i = 0; i < n; i++) {
      const a = r.actions[i];
      if (!(Number.isInteger(a) && a >= 0 && a < action.n)) {
        throw new RangeError(`Action ${i} must be an integer in [0, ${action.n}), got ${a}`);
      }
    }
  }
}

/**
 * Throws a `RangeError` unless every array of `state` holds `count` values (a missing
 * `target` stands for `params`) and `adamStep` is a non-negative integer.
 */
export function validateLearnerState(state: LearnerState, count: number): void {
  const arrays: [string, Float32Array][] = [
    ["params", state.params],
    ["target", state.target ?? state.params],
    ["adamM", state.adamM],
    ["adamV", state.adamV],
  ];
  for (const [name, array] of arrays) {
    if (array.length !== count) {
      throw new RangeError(`State ${name} must hold ${count} values, got ${array.length}`);
    }
  }
  if (!(Number.isInteger(state.adamStep) && state.adamStep >= 0)) {
    throw new RangeError(`adamStep must be a non-negative integer, got ${state.adamStep}`);
  }
}
