/**
 * A worker of `policy_pool.ts`: plays or evaluates one job at a time (the pool never sends a
 * second before the first is answered). It loads each run's policy itself, keeping the few
 * most recently used, reloaded when the checkpoint signature the server sends changes.
 * @module
 */
import { RunFolder } from "../core/run_folder.ts";
import { getAlgorithm } from "../agents/algorithms.ts";
import { evaluatePolicy } from "../agents/evaluate.ts";
import type { Policy } from "../agents/algorithm.ts";
import { playEpisode } from "./play.ts";
import type { WorkerReply, WorkerRequest } from "./policy_pool.ts";

/** Policies kept loaded: a worker rarely serves more than one or two runs. */
const KEEP = 4;

/** The worker global, typed here because the package's lib is `deno.window`. */
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(reply: WorkerReply): void;
};
const policies = new Map<string, { signature: string; policy: Policy }>();

async function policyOf(job: WorkerRequest): Promise<Policy> {
  const hit = policies.get(job.runDir);
  policies.delete(job.runDir); // re-inserted below: the Map's order is recency
  if (hit && hit.signature === job.signature) {
    policies.set(job.runDir, hit);
    return hit.policy;
  }
  const policy = await getAlgorithm(job.config.algo).loadPolicy(
    new RunFolder(job.runDir),
    job.config,
  );
  policies.set(job.runDir, { signature: job.signature, policy });
  if (policies.size > KEEP) policies.delete(policies.keys().next().value!);
  return policy;
}

scope.onmessage = async (e: MessageEvent<WorkerRequest>) => {
  const job = e.data;
  let reply: WorkerReply;
  try {
    const policy = await policyOf(job);
    reply = job.kind === "play"
      ? { id: job.id, episode: playEpisode(policy, job.config, job.runId, job.seed) }
      : {
        id: job.id,
        report: evaluatePolicy(policy, job.config.env, {
          envOptions: job.config.envOptions ?? {},
          episodes: job.episodes,
          seed: job.seed,
          algo: job.config.algo,
        }),
      };
  } catch (err) {
    reply = { id: job.id, error: err instanceof Error ? err.message : String(err) };
  }
  scope.postMessage(reply);
};
