/**
 * The contract of the kernels layer: what agents call, identical on the `cpu` and `webgpu`
 * backends. Kernels know nothing of environments; agents know nothing of WGSL.
 *
 * Parameter layout of an MLP with sizes `[n0, n1, …, nL]`: for each layer `l` in order, the
 * weights `W_l` as `n_l × n_{l+1}` row-major (`W[i * out + j]`, input `i`, output `j`), then the
 * bias `b_l` (`n_{l+1}` values). All numbers are float32.
 * @module
 */

/** A vector of numbers: float32 in use, float64 where tests take finite differences. */
export type Floats = Float32Array | Float64Array;

/** A concrete backend. */
export type BackendKind = "cpu" | "webgpu";
/** What a user may ask for; `auto` picks `webgpu` when an adapter exists, else `cpu`. */
export type DevicePreference = BackendKind | "auto";
/** Activation functions fused into the linear layers. */
export type Activation = "relu" | "tanh" | "identity";

/** An MLP architecture. */
export interface MlpSpec {
  /** Layer widths from input to output, e.g. `[8, 64, 64, 4]`. */
  sizes: readonly number[];
  /** Activation after every hidden layer. */
  hidden: "relu" | "tanh";
  /** Activation of the output layer (default `identity`). */
  output?: Activation;
}

/** Adam hyper-parameters. */
export interface AdamConfig {
  /** Step size (may be changed per update, e.g. for annealing). */
  learningRate: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8 (PPO conventionally uses 1e-5). */
  eps?: number;
  /** Decoupled weight decay (AdamW); default 0. */
  weightDecay?: number;
}

/** Configuration of a DQN learner (online net, target net, replay ring, Adam). */
export interface DqnLearnerConfig {
  /** Q network: `sizes[0]` is the observation size, the last size the number of actions. */
  net: MlpSpec;
  /** Replay ring capacity in transitions. */
  bufferCapacity: number;
  /** Transitions sampled (uniformly, with replacement) per gradient step. */
  batchSize: number;
  /** Optimizer. */
  adam: AdamConfig;
  /** TD loss. */
  loss: "huber" | "mse";
  /** Select a' with the online net, evaluate it with the target net. */
  doubleDqn: boolean;
  /** Global-norm gradient clipping; `null` disables it. */
  maxGradNorm: number | null;
  /** Seed of the sampler of replay indices. */
  seed: number;
}

/** A batch of transitions, `count` of them, laid out contiguously. */
export interface TransitionBatch {
  /** Number of transitions. */
  count: number;
  /** `count × obsSize` observations. */
  obs: Float32Array;
  /** `count` action indices. */
  actions: Int32Array;
  /** `count` rewards. */
  rewards: Float32Array;
  /** `count × obsSize` next observations (the true final obs when an episode ended). */
  nextObs: Float32Array;
  /**
   * `count` bootstrap discounts in [0, 1]: the factor of `Q⁻(s')` in the TD target. γᵐ for a
   * transition of m env steps (m = 1 for plain DQN, up to n for n-step returns) whose `s'` is
   * not terminal (a time-limit truncation included), 0 where the episode terminated.
   */
  discount: Float32Array;
}

/** Statistics of the gradient steps run by one `DqnLearner.flush`. */
export interface DqnStats {
  /** Gradient steps run since the previous flush. */
  gradientSteps: number;
  /** Mean TD loss over those steps (NaN if none). */
  loss: number;
  /** Mean Q(s, a) of the sampled actions over those steps (NaN if none). */
  qMean: number;
  /** The online network's parameters now (a copy the caller owns). */
  params: Float32Array;
}

/** Complete optimizer state, for checkpoints and resuming. */
export interface LearnerState {
  /** Parameters being trained (layout of the learner). */
  params: Float32Array;
  /** Target network parameters (DQN only). */
  target?: Float32Array;
  /** Adam first moments. */
  adamM: Float32Array;
  /** Adam second moments. */
  adamV: Float32Array;
  /** Adam step count. */
  adamStep: number;
}

/**
 * DQN learning on a backend. Work is queued and runs at `flush`, which is the only GPU→CPU
 * sync; between flushes nothing waits on the device.
 */
export interface DqnLearner {
  /** Transitions held in the replay ring. */
  readonly size: number;
  /**
   * Whether `flush` is cheap enough to call after every training phase: `true` where queued
   * work runs at once on the CPU (a flush only copies the parameters out), `false` where a
   * flush waits for a device, so callers should let gradient steps pile up between flushes.
   */
  readonly flushIsCheap: boolean;
  /** Appends transitions to the replay ring, overwriting the oldest when full. */
  addTransitions(batch: TransitionBatch): void;
  /**
   * Queues `n` gradient steps; each samples `batchSize` transitions, computes the TD loss
   * `r + discount·Q⁻(s', a*)`, backpropagates, clips and takes an Adam step.
   */
  queueGradientSteps(n: number, learningRate?: number): void;
  /** Queues `target ← tau·online + (1 − tau)·target`; `tau = 1` is a hard copy. */
  queueTargetUpdate(tau: number): void;
  /** Runs everything queued and reads back the statistics and parameters once. */
  flush(): Promise<DqnStats>;
  /** Reads the full state (after running anything queued). */
  getState(): Promise<LearnerState>;
  /** Replaces the full state. */
  setState(state: LearnerState): void;
  /** Frees device memory. */
  destroy(): void;
}

/** The action head of an actor-critic. */
export type ActionHead =
  | { kind: "discrete"; n: number }
  | { kind: "continuous"; dim: number; initLogStd: number };

/** Configuration of a PPO / A2C learner with separate actor and critic MLPs. */
export interface ActorCriticConfig {
  /** Observation size. */
  obsSize: number;
  /** Categorical logits or a Gaussian mean with a state-independent log-std. */
  action: ActionHead;
  /** Hidden widths of both actor and critic, e.g. `[64, 64]`. */
  hidden: readonly number[];
  /** Hidden activation of both nets. */
  activation: "relu" | "tanh";
  /** `ppo`: clipped surrogate; `a2c`: plain policy gradient `−A·log π`. */
  objective: "ppo" | "a2c";
  /** PPO ratio clip ε. */
  clipCoef: number;
  /** Clip the value loss around the old values with `clipCoef`. */
  clipValueLoss: boolean;
  /** Entropy bonus coefficient. */
  entCoef: number;
  /** Value loss coefficient. */
  vfCoef: number;
  /** Global-norm gradient clipping; `null` disables it. */
  maxGradNorm: number | null;
  /** Normalise advantages per minibatch. */
  normAdvantages: boolean;
  /** Passes over the rollout per update. */
  updateEpochs: number;
  /** Minibatches per epoch (the rollout size must be divisible by it). */
  numMinibatches: number;
  /** Optimizer (its `learningRate` is the initial rate; `update` may pass another). */
  adam: AdamConfig;
  /** Seed of the minibatch shuffler. */
  seed: number;
  /**
   * CPU threads per gradient step: 2 trains the critic in a worker thread beside the actor
   * (the same results bit for bit); default 1. The WebGPU backend ignores it.
   */
  threads?: 1 | 2;
}

/** One rollout of `size` samples, flattened over time and envs. */
export interface Rollout {
  /** Number of samples. */
  size: number;
  /** `size × obsSize`. */
  obs: Float32Array;
  /** `size` indices (discrete) or `size × dim` values (continuous), stored as float32. */
  actions: Float32Array;
  /** Log-probabilities of the actions under the acting policy. */
  logProbs: Float32Array;
  /** GAE advantages. */
  advantages: Float32Array;
  /** Returns (advantages + values). */
  returns: Float32Array;
  /** Values predicted when acting. */
  values: Float32Array;
}

/** Statistics of one update phase (means over all minibatches). */
export interface ActorCriticStats {
  /** Policy loss. */
  policyLoss: number;
  /** Value loss (0.5 · squared error, or the clipped variant). */
  valueLoss: number;
  /** Mean policy entropy. */
  entropy: number;
  /** Approximate KL `mean((ratio − 1) − log ratio)`. */
  approxKl: number;
  /** Fraction of samples whose ratio was clipped. */
  clipFraction: number;
  /** The parameters now (a copy the caller owns), layout as `actorCriticLayout`. */
  params: Float32Array;
}

/** PPO / A2C learning on a backend: one update phase per call, one readback at its end. */
export interface ActorCriticLearner {
  /** Runs `updateEpochs × numMinibatches` gradient steps on the rollout. */
  update(rollout: Rollout, learningRate: number): Promise<ActorCriticStats>;
  /** Reads the full state. */
  getState(): Promise<LearnerState>;
  /** Replaces the full state. */
  setState(state: LearnerState): void;
  /** Frees device memory. */
  destroy(): void;
  /**
   * Where the learner's work went, for the user, when it chose between ways (the CPU learner
   * with `threads: 2`: the critic in its own thread or not, with the timings behind the choice);
   * null otherwise.
   */
  threading?(): string | null;
}

/**
 * A standalone MLP on a backend, for supervised use, tests and benchmarks: forward, backward,
 * Adam, and parameter access. `forward` keeps the activations for the following `backward`.
 */
export interface Mlp {
  /** Architecture. */
  readonly spec: MlpSpec;
  /** Number of float32 parameters. */
  readonly paramCount: number;
  /** Computes the outputs of `batch` rows of `x` (`batch × sizes[0]`). */
  forward(x: Float32Array, batch: number): Promise<Float32Array>;
  /**
   * Backpropagates `dY` (`batch × sizes[L]`, the loss gradient w.r.t. the last forward's
   * outputs), stores the parameter gradients and returns the gradient w.r.t. the inputs.
   */
  backward(dY: Float32Array): Promise<Float32Array>;
  /** Queues one Adam step on the stored gradients (after optional global-norm clipping). */
  adamStep(adam: AdamConfig, maxGradNorm?: number | null): void;
  /** Reads the parameters. */
  getParams(): Promise<Float32Array>;
  /** Replaces the parameters (and resets Adam's state). */
  setParams(params: Float32Array): void;
  /** Reads the gradients stored by the last `backward`. */
  getGrads(): Promise<Float32Array>;
  /** Frees device memory. */
  destroy(): void;
}

/** A compute backend. */
export interface Backend {
  /** Which backend this is. */
  readonly kind: BackendKind;
  /** Human-readable description, e.g. the adapter name. */
  readonly description: string;
  /** Creates a standalone MLP holding `params`. */
  createMlp(spec: MlpSpec, params: Float32Array): Promise<Mlp>;
  /** Creates a DQN learner whose online and target nets start from `params`. */
  createDqnLearner(config: DqnLearnerConfig, params: Float32Array): Promise<DqnLearner>;
  /** Creates an actor-critic learner starting from `params` (layout of `actorCriticLayout`). */
  createActorCriticLearner(
    config: ActorCriticConfig,
    params: Float32Array,
  ): Promise<ActorCriticLearner>;
  /** Releases the device. */
  destroy(): void;
}
