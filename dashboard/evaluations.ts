/**
 * Evaluations kept in the run folder: one JSON file per (checkpoint, episodes, first seed), so
 * the run page's evaluate panel shows a finished evaluation again after a reload, and a second
 * visitor sees it without playing the episodes again.
 *
 * The folder's name is the run folder contract's (`RUN_FILES.evaluations`).
 * @module
 */
import { RUN_FILES } from "../core/run_folder.ts";
import { writeJsonAtomic } from "../core/atomic_write.ts";
import type { EvalReport } from "../core/run_log.ts";
import type {
  CheckpointChoice,
  EvaluationKey,
  EvaluationListing,
  StoredEvaluation,
} from "./islands/protocol.ts";

/**
 * The folder of stored evaluations inside a run folder; each file is
 * `<checkpoint>_<episodes>_<seed>.json` (proposed for `RUN_FILES` as `evaluations`).
 */
export const EVALUATIONS_DIR: string = RUN_FILES.evaluations;

const FILE = /^(best|latest)_(\d{1,9})_(\d{1,10})\.json$/;

/** The file of the evaluation `key` in run folder `runDir`. */
export function evaluationPath(runDir: string, key: EvaluationKey): string {
  return `${runDir}/${EVALUATIONS_DIR}/${key.checkpoint}_${key.episodes}_${key.seed}.json`;
}

/** The stored evaluation `key` of a run, or null when there is none (or it is unreadable). */
export async function readEvaluation(
  runDir: string,
  key: EvaluationKey,
): Promise<StoredEvaluation | null> {
  try {
    const value = JSON.parse(await Deno.readTextFile(evaluationPath(runDir, key)));
    return isStoredEvaluation(value) ? value : null;
  } catch {
    return null;
  }
}

/** Stores an evaluation (atomically: a reader never sees half a file). */
export async function writeEvaluation(runDir: string, evaluation: StoredEvaluation): Promise<void> {
  await Deno.mkdir(`${runDir}/${EVALUATIONS_DIR}`, { recursive: true });
  await writeJsonAtomic(evaluationPath(runDir, evaluation), evaluation);
}

/** The stored evaluations of a run, newest first (read from the file names and times). */
export async function listEvaluations(runDir: string): Promise<EvaluationListing[]> {
  const out: EvaluationListing[] = [];
  try {
    for await (const e of Deno.readDir(`${runDir}/${EVALUATIONS_DIR}`)) {
      const m = e.isFile ? FILE.exec(e.name) : null;
      if (!m) continue;
      const st = await Deno.stat(`${runDir}/${EVALUATIONS_DIR}/${e.name}`).catch(() => null);
      if (!st) continue;
      out.push({
        checkpoint: m[1] as CheckpointChoice,
        episodes: Number(m[2]),
        seed: Number(m[3]),
        evaluated_at: (st.mtime ?? new Date(0)).toISOString(),
      });
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort((a, b) => b.evaluated_at.localeCompare(a.evaluated_at));
}

/**
 * An `eval.json` report (from `deno task eval`) as the panel shows it: it names neither the
 * checkpoint nor the actions of each episode, so those stay unknown.
 */
export function fromEvalJson(
  report: EvalReport,
  actionNames: readonly string[] | null,
): StoredEvaluation {
  return {
    checkpoint: "best",
    episodes: report.episodes,
    seed: report.seed,
    action_names: actionNames ? [...actionNames] : null,
    actions: null,
    checkpoint_time: null,
    source: "eval.json",
    report,
  };
}

function isStoredEvaluation(v: unknown): v is StoredEvaluation {
  const e = v as StoredEvaluation | null;
  return !!e && typeof e === "object" && (e.checkpoint === "best" || e.checkpoint === "latest") &&
    Number.isInteger(e.episodes) && Number.isInteger(e.seed) && !!e.report &&
    Array.isArray(e.report.per_episode);
}
