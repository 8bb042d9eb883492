/**
 * Worker playing one evaluate-panel job, so that up to a thousand episodes never block the
 * server's event loop. It loads the chosen checkpoint, counts each episode's actions (the
 * panel's action distribution is a mean over episodes) and posts progress after every
 * episode. One worker per job: cancelling a job terminates its worker mid-episode.
 * @module
 */
import { getAlgorithm } from "../agents/algorithms.ts";
import type { Policy } from "../agents/algorithm.ts";
import { evaluatePolicy } from "../agents/evaluate.ts";
import { RunFolder } from "../core/run_folder.ts";
import type { EvalReport, RunConfig } from "../core/run_log.ts";
import { make } from "../envs/registry.ts";
import { Discrete } from "../envs/spaces.ts";
import type { CheckpointChoice } from "./islands/protocol.ts";

/** The job a worker is started with. */
export interface WorkerJob {
  /** Absolute run folder. */
  runDir: string;
  /** The run's config. */
  config: RunConfig;
  /** Checkpoint to evaluate. */
  checkpoint: CheckpointChoice;
  /** Episodes to play. */
  episodes: number;
  /** First seed. */
  seed: number;
}

/** What the worker posts back. */
export type WorkerMessage =
  | { type: "episode"; done: number; reward: number; success: boolean }
  | { type: "done"; report: EvalReport; actions: number[][] | null }
  | { type: "error"; message: string };

/** The worker global, typed here because the package's lib is `deno.window`. */
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<WorkerJob>) => void) | null;
  postMessage(message: WorkerMessage): void;
};

scope.onmessage = async (e: MessageEvent<WorkerJob>) => {
  const job = e.data;
  try {
    const policy = await getAlgorithm(job.config.algo).loadPolicy(
      new RunFolder(job.runDir),
      job.config,
      job.checkpoint,
    );
    scope.postMessage(evaluate(job, policy));
  } catch (err) {
    scope.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) });
  }
};

function evaluate(job: WorkerJob, policy: Policy): WorkerMessage {
  const envOptions = job.config.envOptions ?? {};
  const probe = make(job.config.env, envOptions);
  const space = probe.actionSpace;
  probe.close();
  const n = space instanceof Discrete ? space.n : 0;
  const start = space instanceof Discrete ? space.start : 0;
  const perEpisode: number[][] = [];
  let counts = new Array<number>(n).fill(0);
  // evaluatePolicy counts actions over all episodes; the panel wants them per episode.
  const counting: Policy = {
    decide(obs) {
      const d = policy.decide(obs);
      if (typeof d.action === "number" && n > 0) counts[d.action - start]++;
      return d;
    },
  };
  const report = evaluatePolicy(counting, job.config.env, {
    envOptions,
    episodes: job.episodes,
    seed: job.seed,
    algo: job.config.algo,
    onEpisode: (done, result) => {
      perEpisode.push(counts);
      counts = new Array<number>(n).fill(0);
      scope.postMessage({ type: "episode", done, reward: result.reward, success: result.success });
    },
  });
  return { type: "done", report, actions: n > 0 ? perEpisode : null };
}
