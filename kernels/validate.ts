/**
 * Every input check of the kernels layer, in one place, so that the CPU and WebGPU backends
 * reject the same inputs with the same messages (`RangeError` for a bad value, naming it and
 * what is accepted).
 * @module
 */
import type {
  ActorCriticConfig,
  AdamConfig,
  DqnLearnerConfig,
  LearnerState,
  MlpSpec,
  Rollout,
  TransitionBatch,
} from "./types.ts";

/** Throws a `RangeError` unless `spec.sizes` has at least two positive integer widths. */
export function validateMlpSpec(spec: MlpSpec): void {
  const { sizes } = spec;
  if (sizes.length < 2) {
    throw new RangeError(`An MLP needs at least 2 layer sizes, got [${sizes.join(", ")}]`);
  }
  for (const s of sizes) {
    if (!(Number.isInteger(s) && s >= 1)) {
      throw new RangeError(`MLP layer sizes must be positive integers, got [${sizes.join(", ")}]`);
    }
  }
}

/**
 * Throws a `RangeError` unless `params` holds `count` values from `offset` on (one MLP read
 * out of a larger vector, e.g. an actor-critic's critic).
 */
export function validateParamsAt(params: ArrayLike<number>, offset: number, count: number): void {
  if (!(Number.isInteger(offset) && offset >= 0 && params.length >= offset + count)) {
    throw new RangeError(
      `Parameter array holds ${params.length} values, need ${count} from offset ${offset}`,
    );
  }
}

/** Throws a `RangeError` unless `params` holds exactly `count` values. */
export function validateParamCount(params: ArrayLike<number>, count: number): void {
  if (params.length !== count) {
    throw new RangeError(`Expected ${count} parameters, got ${params.length}`);
  }
}

/** Throws a `RangeError` for a learning rate that is not a number ≥ 0. */
export function validateLearningRate(lr: number): void {
  if (!(lr >= 0)) throw new RangeError(`Learning rate must be ≥ 0, got ${lr}`);
}

/** Throws a `RangeError` for a clipping norm that is neither `null` nor `> 0`. */
export function validateMaxGradNorm(maxGradNorm: number | null): void {
  if (maxGradNorm !== null && !(maxGradNorm > 0)) {
    throw new RangeError(`maxGradNorm must be > 0 or null, got ${maxGradNorm}`);
  }
}

/** Throws a `RangeError` for hyper-parameters Adam cannot use. */
export function validateAdam(adam: AdamConfig): void {
  const { learningRate, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0 } = adam;
  validateLearningRate(learningRate);
  if (!(beta1 >= 0 && beta1 < 1)) throw new RangeError(`beta1 must be in [0, 1), got ${beta1}`);
  if (!(beta2 >= 0 && beta2 < 1)) throw new RangeError(`beta2 must be in [0, 1), got ${beta2}`);
  if (!(eps >= 0)) throw new RangeError(`eps must be ≥ 0, got ${eps}`);
  if (!(weightDecay >= 0)) throw new RangeError(`weightDecay must be ≥ 0, got ${weightDecay}`);
}

/** Throws a `RangeError` describing the first invalid field of a DQN configuration. */
export function validateDqnConfig(config: DqnLearnerConfig): void {
  validateMlpSpec(config.net);
  for (const key of ["bufferCapacity", "batchSize"] as const) {
    if (!(Number.isInteger(config[key]) && config[key] >= 1)) {
      throw new RangeError(`${key} must be a positive integer, got ${config[key]}`);
    }
  }
  validateMaxGradNorm(config.maxGradNorm);
  validateAdam(config.adam);
}

/** Throws a `RangeError` describing the first invalid field of an actor-critic config. */
export function validateActorCriticConfig(config: ActorCriticConfig): void {
  const { action } = config;
  const out = action.kind === "discrete" ? action.n : action.dim;
  validateMlpSpec({ sizes: [config.obsSize, ...config.hidden, out], hidden: config.activation });
  for (const key of ["updateEpochs", "numMinibatches"] as const) {
    if (!(Number.isInteger(config[key]) && config[key] >= 1)) {
      throw new RangeError(`${key} must be a positive integer, got ${config[key]}`);
    }
  }
  for (const key of ["clipCoef", "entCoef", "vfCoef"] as const) {
    if (!(config[key] >= 0)) throw new RangeError(`${key} must be ≥ 0, got ${config[key]}`);
  }
  validateMaxGradNorm(config.maxGradNorm);
  validateAdam(config.adam);
  if (config.threads !== undefined && config.threads !== 1 && config.threads !== 2) {
    throw new RangeError(`threads must be 1 or 2, got ${config.threads}`);
  }
}

/**
 * Throws a `RangeError` unless `n` gradient steps can be taken now: `n` a non-negative
 * integer, and transitions in the replay ring (`size > 0`) when `n > 0`.
 */
export function validateGradientSteps(n: number, size: number): void {
  if (!(Number.isInteger(n) && n >= 0)) {
    throw new RangeError(`Number of gradient steps must be a non-negative integer, got ${n}`);
  }
  if (n > 0 && size === 0) {
    throw new RangeError("Cannot take a gradient step with an empty replay ring");
  }
}

/** Throws a `RangeError` unless the Polyak coefficient `tau` is in `[0, 1]`. */
export function validateTau(tau: number): void {
  if (!(tau >= 0 && tau <= 1)) throw new RangeError(`tau must be in [0, 1], got ${tau}`);
}

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
    batch.discount.length < count
  ) {
    throw new RangeError(`Actions, rewards and discounts must hold ${count} values`);
  }
  for (let t = 0; t < count; t++) {
    const a = batch.actions[t];
    if (!(a >= 0 && a < nActions)) {
      throw new RangeError(`Action ${t} must be in [0, ${nActions}), got ${a}`);
    }
    const g = batch.discount[t];
    if (!(g >= 0 && g <= 1)) {
      throw new RangeError(`Discount ${t} must be in [0, 1] (γᵐ, or 0 if terminal), got ${g}`);
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
