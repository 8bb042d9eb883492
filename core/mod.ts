/**
 * Core utilities: numpy-compatible seeded randomness, the run folder contract, atomic writes
 * and progress display.
 *
 * @example
 * ```ts
 * import { Rng } from "@eagle/rl/core";
 * const rng = new Rng(0); // numpy.random.default_rng(0)
 * console.log(rng.uniform(-1, 1), rng.integers(0, 4));
 * ```
 * @module
 */
export { type RandomSource, Rng, type RngState, type SavedRngState } from "./rng.ts";
export { type GifOptions, GifWriter, type PaletteColor, writeGif } from "../render/gif.ts";
export { encodePng, type PngOptions } from "../render/png.ts";
export { writeFileAtomic, writeFileAtomicSync, writeJsonAtomic } from "./atomic_write.ts";
export {
  type EpisodeRecord,
  type EpisodeResult,
  type EvalReport,
  JsonlWriter,
  type MetricEvent,
  type MetricRecord,
  MetricsWriter,
  type RunConfig,
  type RunState,
  type RunStatus,
  type ScalarSink,
  type SolvedInfo,
} from "./run_log.ts";
export {
  CHECKPOINT_FILES,
  checkpointFile,
  type CheckpointFormat,
  type CheckpointWhich,
  defaultRunName,
  RUN_FILES,
  type RunFile,
  RunFolder,
} from "./run_folder.ts";
export { readLock, RunLock, type RunLockInfo, type RunLockOptions } from "./run_lock.ts";
export { fmtCount, fmtTime, Progress, type ProgressOptions } from "./progress.ts";
export { crc32c, maskCrc32c, maskedCrc32c } from "./crc32c.ts";
export {
  EVENT_FILE_PREFIX,
  EVENT_FILE_VERSION,
  TensorBoardWriter,
  type TensorBoardWriterOptions,
} from "./tensorboard.ts";
