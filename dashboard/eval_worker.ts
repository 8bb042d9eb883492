/**
 * Worker that runs `/api/evaluate` requests, so that a long evaluation (up to 1000 episodes)
 * never blocks the server's event loop. It loads the run's policy itself, cached by the
 * checkpoint signature the server sends along.
 * @module
 */
import { RunFolder } from "../core/run_folder.ts";
import { getAlgorithm } from "../agents/algorithms.ts";
import { evaluatePolicy } from "../agents/evaluate.ts";
import type { Policy } from "../agents/algorithm.ts";
import type { EvalJob, EvalReply } from "./eval_pool.ts";

/** The worker global, typed here because the package's lib is `deno.window`. */
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<EvalJob>) => void) | null;
  postMessage(reply: EvalReply): void;
};
const policies = new Map<string, { signature: string; policy: Policy }>();

scope.onmessage = async (e: MessageEvent<EvalJob>) => {
  const job = e.data;
  let reply: EvalReply;
  try {
    let hit = policies.get(job.runDir);
    if (!hit || hit.signature !== job.signature) {
      const run = new RunFolder(job.runDir);
      const policy = await getAlgorithm(job.config.algo).loadPolicy(run, job.config);
      hit = { signature: job.signature, policy };
      policies.set(job.runDir, hit);
    }
    const report = evaluatePolicy(hit.policy, job.config.env, {
      envOptions: job.config.envOptions ?? {},
      episodes: job.episodes,
      seed: job.seed,
      algo: job.config.algo,
    });
    reply = { id: job.id, report };
  } catch (err) {
    reply = { id: job.id, error: err instanceof Error ? err.message : String(err) };
  }
  scope.postMessage(reply);
};
