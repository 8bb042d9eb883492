/**
 * The worker script of `EvaluationThread` (`evaluation_thread.ts`): takes its setup once, then
 * plays each share of episodes it is sent with `playEpisodes` and posts the results back. Not
 * meant to be imported: it acts only when loaded as a worker.
 * @module
 */
import { playEpisodes } from "./evaluate.ts";
import type { EvaluationReply, EvaluationSetup, EvaluationShare } from "./evaluation_thread.ts";
import { networkPolicy } from "./policy_loading.ts";

/** The parts of a worker's global scope used here (the project type-checks with window types). */
interface WorkerScope {
  onmessage: ((e: MessageEvent<EvaluationSetup | EvaluationShare>) => void) | null;
  postMessage(message: EvaluationReply): void;
}

if ("WorkerGlobalScope" in globalThis) {
  const scope = globalThis as unknown as WorkerScope;
  let setup: EvaluationSetup | undefined;
  scope.onmessage = (e) => {
    try {
      const data = e.data;
      if ("arch" in data) {
        setup = data;
        scope.postMessage({ type: "ready" });
        return;
      }
      if (setup === undefined) throw new TypeError("a share arrived before the setup");
      const policy = networkPolicy(setup.arch, data.params, setup.bounds);
      const options = { envOptions: setup.envOptions, seed: data.seed };
      scope.postMessage({
        type: "played",
        played: playEpisodes(policy, setup.envId, options, data.from, data.to),
      });
    } catch (err) {
      scope.postMessage({
        type: "error",
        message: err instanceof Error ? err.message : String(err),
      });
    }
  };
}
