/**
 * What the run page and the replay page show, gathered from the run folder and the env
 * registry in one place, so that the app's routes only render: the run's summary and config,
 * its checkpoints, stored evaluations, progress videos and divergence; the env's threshold,
 * success rule and action names.
 * @module
 */
import { checkpointFile, type CheckpointFormat, RunFolder } from "../core/run_folder.ts";
import type { MetricEvent } from "../core/run_log.ts";
import { envSpec, make, successRule } from "../envs/registry.ts";
import { fromEvalJson, listEvaluations, readEvaluation } from "./evaluations.ts";
import type { CheckpointChoice } from "./islands/protocol.ts";
import type { ReplayPageProps } from "./pages/replay.tsx";
import type { RunPageProps } from "./pages/run.tsx";
import { listVideos } from "./run_videos.ts";
import type { RunStore } from "./runs.ts";

/** A checkpoint a run has. */
export interface CheckpointInfo {
  /** Which one. */
  which: CheckpointChoice;
  /** Its file name. */
  file: string;
  /** Its modification time (ISO). */
  time: string;
}

const FORMATS: readonly CheckpointFormat[] = ["safetensors", "qtable"];

/** The checkpoints present in a run folder (best first), whichever format they have. */
export async function runCheckpoints(runDir: string): Promise<CheckpointInfo[]> {
  const out: CheckpointInfo[] = [];
  for (const which of ["best", "latest"] as const) {
    for (const format of FORMATS) {
      const file = checkpointFile(which, format);
      const st = await Deno.stat(`${runDir}/${file}`).catch(() => null);
      if (st?.isFile) {
        out.push({ which, file, time: (st.mtime ?? new Date(0)).toISOString() });
        break;
      }
    }
  }
  return out;
}

/** What the env registry says about an env, with neutral answers for an unknown id. */
export function envFacts(envId: string): {
  threshold: number | null;
  successRule: string;
  actionNames: string[] | null;
  fps: number;
} {
  try {
    const spec = envSpec(envId);
    return {
      threshold: spec.rewardThreshold ?? null,
      successRule: successRule(envId),
      actionNames: spec.actionNames ? [...spec.actionNames] : null,
      fps: spec.renderFps ?? 30,
    };
  } catch {
    return { threshold: null, successRule: "none", actionNames: null, fps: 30 };
  }
}

/** The run page's props for run `id` (an `HttpError` for an unknown or broken run). */
export async function runPageData(runs: RunStore, id: string): Promise<RunPageProps> {
  const dir = await runs.runDir(id);
  const [summary, config, evalJson, checkpoints, evaluations, videos] = await Promise.all([
    runs.summary(id),
    runs.config(id),
    runs.evalReport(id),
    runCheckpoints(dir),
    listEvaluations(dir),
    listVideos(dir),
  ]);
  const facts = envFacts(config.env);
  // The panel opens on the newest stored evaluation, else on `deno task eval`'s report.
  const newest = evaluations[0];
  const initial = (newest ? await readEvaluation(dir, newest) : null) ??
    (evalJson ? fromEvalJson(evalJson, facts.actionNames) : null);
  let diverged: MetricEvent | null = null;
  if (summary.state === "diverged") {
    const events = await new RunFolder(dir).readMetricEvents();
    diverged = events.findLast((e) => e.event === "diverged") ?? null;
  }
  return {
    summary,
    config,
    threshold: facts.threshold,
    successRule: facts.successRule,
    checkpoints,
    evaluations,
    initialEvaluation: initial,
    videos,
    diverged,
  };
}

/** The replay page's props; `seedQuery` is the page's `?seed=` (random when absent or bad). */
export async function replayPageData(
  runs: RunStore,
  id: string,
  seedQuery?: string,
): Promise<ReplayPageProps> {
  const dir = await runs.runDir(id);
  const [summary, config, checkpoints] = await Promise.all([
    runs.summary(id),
    runs.config(id),
    runCheckpoints(dir),
  ]);
  const seed = seedQuery && /^\d{1,9}$/.test(seedQuery)
    ? Number(seedQuery)
    : Math.floor(Math.random() * 1e6);
  let renders = false;
  try {
    const env = make(config.env, config.envOptions ?? {});
    renders = typeof env.render === "function";
    env.close();
  } catch { /* an env this build does not know: nothing to draw */ }
  return { summary, seed, checkpoints: checkpoints.map((c) => c.which), renders };
}
