/**
 * Agents: the algorithm contract, tabular Q-learning and evaluation.
 *
 * @example
 * ```ts
 * import { make } from "@eagle/rl/envs";
 * import { QTable } from "@eagle/rl/agents";
 * import { Rng } from "@eagle/rl/core";
 * const env = make("FrozenLake-v1", { isSlippery: false });
 * const q = new QTable(16, 4);
 * const rng = new Rng(0);
 * for (let episode = 0; episode < 500; episode++) {
 *   let s = env.reset({ seed: episode }).obs, done = false;
 *   while (!done) {
 *     const a = q.epsilonGreedy(s, 0.3, rng);
 *     const r = env.step(a);
 *     q.update(s, a, r.reward, r.obs, r.terminated, 0.5, 0.95);
 *     s = r.obs;
 *     done = r.terminated || r.truncated;
 *   }
 * }
 * ```
 * @module
 */
export type {
  Algorithm,
  Decision,
  Hyperparameters,
  HyperValue,
  Policy,
  StepPlan,
  TrainContext,
  TrainResult,
} from "./algorithm.ts";
export { algorithmIds, getAlgorithm, registerAlgorithm } from "./algorithms.ts";
export { type EvaluateOptions, evaluatePolicy } from "./evaluate.ts";
export {
  type BooleanSpec,
  type ChoiceSpec,
  describeAccepted,
  type HyperOf,
  type HyperSchema,
  type HyperSource,
  type HyperSpec,
  type HyperSpecs,
  type IntListSpec,
  type IntSpec,
  type NumberSpec,
  presetFor,
  resolveHyperparameters,
  type RunShape,
  schemaDefaults,
  schemaMarkdown,
  type ValueOf,
} from "./hyperparameters.ts";
export { DivergenceError } from "./divergence.ts";
export {
  loadQTable,
  qLearning,
  QTable,
  type QTableFile,
  saveQTable,
  TabularReplay,
  type TabularTransitions,
} from "./q_learning.ts";
export { dqn } from "./dqn.ts";
export { a2c, ppo } from "./ppo.ts";
export { computeGae, explainedVariance, type GaeInput } from "./gae.ts";
export {
  type Architecture,
  CheckpointError,
  type CheckpointInfo,
  decodeSafetensors,
  encodeSafetensors,
  loadNetworkCheckpoint,
  loadSafetensors,
  type NetworkCheckpoint,
  type SafetensorsFile,
  saveNetworkCheckpoint,
  saveSafetensors,
  type Tensor,
} from "./checkpoint.ts";
export { type ActionBounds, loadNetworkPolicy, networkPolicy } from "./policy_loading.ts";
export { type EpsilonScheduleKind } from "./schedules.ts";
export {
  recordEpisode,
  recordEpisodes,
  type RecordOptions,
  type RecordResult,
  type VideoFormat,
  type VideoOptions,
  type VideoResult,
} from "./record.ts";
export {
  parseRecordSchedule,
  type ProgressVideoOptions,
  type ProgressVideoResult,
  recordProgressVideo,
  RecordSchedule,
  type RecordScheduleSpec,
} from "./progress_video.ts";
export {
  evaluateParallel,
  type ParallelEpisodeResult,
  type ParallelEvalReport,
  type ReturnStats,
  returnStats,
} from "./evaluate_parallel.ts";
export {
  isSharedPolicy,
  type SharedPolicy,
  sharedPolicy,
  type SharedPolicyShape,
} from "./shared_policy.ts";
export { TeamEpisode, type TeamStep } from "./team_episode.ts";
