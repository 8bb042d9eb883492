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
export { type RandomSource, Rng, type RngState } from "./rng.ts";
export { type GifOptions, GifWriter, type PaletteColor, writeGif } from "../render/gif.ts";
export { encodePng, type PngOptions } from "../render/png.ts";
export { writeFileAtomic, writeFileAtomicSync, writeJsonAtomic } from "./atomic_write.ts";
export {
  type EpisodeResult,
  type EvalReport,
  type MetricRecord,
  MetricsWriter,
  readMetrics,
  type RunConfig,
  type RunStatus,
  writeStatus,
} from "./run_log.ts";
export { fmtCount, fmtTime, Progress, type ProgressOptions } from "./progress.ts";
