/**
 * Hyperparameter sweeps: the sweep file, the samplers (random, Optuna-default TPE) and the
 * median pruner, the study storage (embedded SQLite or shared PostgreSQL), the parallel
 * runner and the ranked summary. `deno task sweep SWEEP.json` is the command; the dashboard
 * reads `summary.json` ({@link SweepSummary}) or the study itself ({@link SweepStudy.snapshot},
 * {@link listStudies}).
 *
 * @example
 * ```ts
 * import { parseSweepFile, planConfigurations } from "./mod.ts";
 * const file = parseSweepFile({
 *   name: "lr",
 *   algo: "dqn",
 *   env: "CartPole-v1",
 *   experiments: { high: { learningRate: 1e-2 } },
 * });
 * planConfigurations(file).map((c) => c.name); // ["baseline", "high"]
 * ```
 * @module
 */
export {
  type ConfigurationKind,
  type ConfigurationPlan,
  loadSweepFile,
  parseSweepFile,
  planConfigurations,
  resolveConfiguration,
  type SweepFile,
  type SweepMode,
  sweepMode,
  trialRunName,
} from "./sweep_file.ts";
export { finalRunName, SWEEP_FILES, SweepFolder } from "./sweep_folder.ts";
export {
  type ConfigRow,
  type ConfigState,
  type EvalSummary,
  listStudies,
  type StoredTrialState,
  type StudySnapshot,
  SweepStudy,
  TERMINAL_STATES,
  thisWorker,
  type TrialResult,
  type TrialRow,
  type TrialTicket,
  type WorkerId,
} from "./study.ts";
export { isPostgresUrl, openSqlDriver, redactUrl, type SqlDriver } from "./sql_driver.ts";
export {
  buildSummary,
  type ConfigurationSummary,
  type FinalRunSummary,
  formatSummaryMarkdown,
  formatSummaryTable,
  type SummaryOptions,
  type SweepSummary,
  type SweptParameter,
  type TrialSummary,
} from "./summary.ts";
export {
  INTERMEDIATE_METRIC,
  runSweep,
  runWorker,
  type SweepOptions,
  type SweepResult,
  type TrialTiming,
  type WorkerOptions,
  type WorkerReport,
} from "./runner.ts";
export { LiveDisplay, renderDisplay, type SweepView, type TrialView } from "./live_display.ts";
export { parseSearchSpace, type SearchSpace } from "./search_space.ts";
export { RandomSampler } from "./random_sampler.ts";
export { TpeSampler } from "./tpe_sampler.ts";
export { MedianPruner, parseMedianPruner } from "./median_pruner.ts";
export { compareSamplers } from "./sampler_comparison.ts";
export type { Params, Sampler, TrialRecord } from "./sampler_types.ts";
