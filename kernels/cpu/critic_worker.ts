/**
 * The worker script of `CriticThread` (`critic_thread.ts`): holds the critic's WebAssembly
 * trainer and, for each update the learner posts, runs the critic's half of every gradient
 * step in the learner's minibatch order: gather, forward, value loss, backward, publish
 * `Σ g²`, wait for the clip scale, Adam. A failure is written into shared memory, where the
 * waiting learner finds it. Not meant to be imported: it acts only when loaded as a worker.
 * @module
 */

import { actorCriticLayout } from "../layout.ts";
import type { ActorCriticConfig } from "../types.ts";
import { WasmMlpTrainer } from "../wasm/mlp.ts";
import { forEachMinibatch } from "./minibatch_order.ts";
import { allocMinibatch, LOSS_STAT_COUNT, LossStat, valueLoss } from "./actor_critic_loss.ts";
import {
  CRITIC_PROTOCOL as P,
  type CriticReady,
  type CriticRequest,
  type CriticShared,
  publish,
  waitFor,
} from "./critic_thread.ts";

/** The parts of a worker's global scope used here (the project type-checks with window types). */
interface WorkerScope {
  onmessage: ((e: MessageEvent<CriticRequest>) => void) | null;
  postMessage(message: CriticReady): void;
}

/** The critic's trainer and what its updates reuse. */
interface Critic {
  config: ActorCriticConfig;
  shared: CriticShared;
  net: WasmMlpTrainer;
  perm: Int32Array;
  minibatches: number;
  updates: number;
  states: number;
}

if ("WorkerGlobalScope" in globalThis) {
  const scope = globalThis as unknown as WorkerScope;
  let critic: Critic | undefined;
  scope.onmessage = (e) => {
    const request = e.data;
    if (request.type === "init") {
      try {
        const layout = actorCriticLayout(request.config);
        critic = {
          config: request.config,
          shared: request.shared,
          net: new WasmMlpTrainer(layout.critic.spec, request.params),
          perm: new Int32Array(0),
          minibatches: 0,
          updates: 0,
          states: 0,
        };
        scope.postMessage({ type: "ready" });
      } catch (err) {
        scope.postMessage({ type: "error", message: String(err) });
      }
      return;
    }
    if (critic === undefined) return;
    try {
      serve(critic, request);
    } catch (err) {
      fail(critic.shared, err);
    }
  };
}

/** Runs one request of the learner. */
function serve(c: Critic, request: CriticRequest): void {
  const control = c.shared.control;
  const failed = () => {};
  if (request.type === "update") {
    const { config } = c;
    const { rollout } = request;
    const mbSize = rollout.size / config.numMinibatches;
    const aw = config.action.kind === "discrete" ? 1 : config.action.dim;
    if (c.perm.length !== rollout.size) c.perm = new Int32Array(rollout.size);
    const mb = allocMinibatch(mbSize, config.obsSize, aw);
    const values = new Float32Array(mbSize), dValues = new Float64Array(mbSize);
    const stats = new Float64Array(LOSS_STAT_COUNT);
    let valueSum = 0;
    forEachMinibatch(config, rollout, aw, request.adamStep, c.perm, mb, () => {
      c.net.forward(mb.obs, mbSize, values);
      c.net.zeroGrads();
      valueLoss(config, mbSize, values, mb, dValues, stats);
      valueSum += stats[LossStat.value];
      c.net.backward(dValues);
      c.shared.values[P.SQUARES] = c.net.gradSquaredNorm();
      c.minibatches = (c.minibatches + 1) | 0;
      publish(control, P.SQUARES_SEQ, c.minibatches);
      waitFor(control, P.SCALE_SEQ, c.minibatches, failed);
      const scale = c.shared.values[P.SCALE];
      if (scale < 1) c.net.scaleGrads(scale);
      c.net.adamStep(config.adam, request.learningRate);
    });
    c.shared.values[P.VALUE_SUM] = valueSum;
    c.updates = (c.updates + 1) | 0;
    publish(control, P.DONE_SEQ, c.updates);
  } else if (request.type === "state") {
    const s = c.net.getState();
    c.shared.params.set(s.params);
    c.shared.adamM.set(s.adamM);
    c.shared.adamV.set(s.adamV);
    c.states = (c.states + 1) | 0;
    publish(control, P.STATE_SEQ, c.states);
  } else if (request.type === "setState") {
    c.net.setState(request.state);
  }
}

/** Records a failure for the learner, and wakes it from whichever wait it is in. */
function fail(shared: CriticShared, err: unknown): void {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const written = new TextEncoder().encodeInto(message, shared.error).written;
  Atomics.store(shared.control, P.ERROR_LEN, written);
  Atomics.store(shared.control, P.FAILED, 1);
  for (const index of [P.SQUARES_SEQ, P.DONE_SEQ, P.STATE_SEQ]) {
    Atomics.notify(shared.control, index);
  }
}
