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
  TrainContext,
  TrainResult,
} from "./algorithm.ts";
export { algorithmIds, getAlgorithm, registerAlgorithm } from "./algorithms.ts";
export { type EvaluateOptions, evaluatePolicy, isSuccess } from "./evaluate.ts";
export {
  loadQTable,
  qLearning,
  type QLearningHyper,
  QTable,
  type QTableFile,
  saveQTable,
} from "./q_learning.ts";
export { dqn, type DqnHyper } from "./dqn.ts";
export { a2c, ppo, type PpoHyper } from "./ppo.ts";
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
export { type ActionBounds, loadNetworkPolicy, networkPolicy } from "./network_policy.ts";
export { type EpsilonScheduleKind } from "./schedules.ts";
export { recordEpisode, type RecordOptions, type RecordResult } from "./record.ts";
