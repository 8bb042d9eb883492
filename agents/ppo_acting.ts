/**
 * PPO's acting while it collects a rollout, as a {@link ShareActor}: each thread that steps
 * envs (the training thread, and with `envWorkers` each env worker) runs the actor and critic
 * on its own share of the observations and samples that share's actions, so that acting is
 * spread over the cores with the stepping. Everything the threads share lives in
 * {@link PpoActingBuffers} on `SharedArrayBuffer`s: the parameters (refreshed in place after
 * every update), the random draws of the step and what the actors hand back (samples,
 * log-probabilities, values).
 *
 * The run stays the same whichever thread acts for which env: the training thread draws the
 * step's random numbers for every env in env order (`drawActingNoise`), as a single thread
 * acting on all of them would consume them, and every row's forward pass is independent of
 * the others (`MlpCpu` sums each output in one fixed order).
 * @module
 */
import type { Rng } from "../core/rng.ts";
import type { ShareActor } from "../envs/vector_types.ts";
import { MlpCpu } from "../kernels/cpu/mlp.ts";
import { actorCriticLayout, type ActorCriticShape } from "../kernels/layout.ts";
import { gaussianLogProb, sampleCategorical } from "./action_distributions.ts";

/** The arrays PPO's actors share, one row per env (`numEnvs × actionWidth` for actions). */
export interface PpoActingBuffers {
  /** The actor-critic's parameters (`actorCriticLayout(shape).total`). */
  params: Float32Array;
  /** This step's draws: a uniform per env (discrete) or a standard normal per action dim. */
  draws: Float64Array;
  /** The sampled actions as stored in the rollout (continuous: before clipping to the box). */
  sampled: Float32Array;
  /** `log π(sampled)`, one per env. */
  logProbs: Float32Array;
  /** The critic's values of the observations acted on, one per env. */
  values: Float32Array;
}

/** What builds a PPO actor in any thread: structured-cloneable, its buffers shared. */
export interface PpoActingInit {
  /** The actor-critic's shape. */
  shape: ActorCriticShape;
  /** The action box's bounds (continuous actions), to clip the samples for the env. */
  low: number[];
  /** Upper bounds of the action box. */
  high: number[];
  /** The shared arrays. */
  buffers: PpoActingBuffers;
}

/** Numbers per action row: 1 for a discrete action, the box's size for a continuous one. */
function actionWidth(shape: ActorCriticShape): number {
  return shape.action.kind === "discrete" ? 1 : shape.action.dim;
}

/** Allocates the shared arrays for `numEnvs` envs acting with an actor-critic of `shape`. */
export function allocatePpoActing(shape: ActorCriticShape, numEnvs: number): PpoActingBuffers {
  const aw = actionWidth(shape);
  const f32 = (n: number) => new Float32Array(new SharedArrayBuffer(4 * n));
  return {
    params: f32(actorCriticLayout(shape).total),
    draws: new Float64Array(new SharedArrayBuffer(8 * numEnvs * aw)),
    sampled: f32(numEnvs * aw),
    logProbs: f32(numEnvs),
    values: f32(numEnvs),
  };
}

/**
 * Fills `buffers.draws` for one step, in env order: `rng.random()` per env for a discrete
 * action, `rng.normal()` per env and action dimension for a continuous one.
 */
export function drawActingNoise(
  shape: ActorCriticShape,
  buffers: PpoActingBuffers,
  rng: Rng,
): void {
  const draws = buffers.draws;
  if (shape.action.kind === "discrete") {
    for (let i = 0; i < draws.length; i++) draws[i] = rng.random();
  } else {
    for (let i = 0; i < draws.length; i++) draws[i] = rng.normal();
  }
}

/**
 * The actor of one thread: for rows `[start, end)` samples each env's action from the actor's
 * categorical or Gaussian (with the parameters' state-independent log-std) using that row's
 * draws, writes the action for the env (clipped to the box), the sample, its log-probability
 * and the critic's value. The vector env's threads call it as `createShareActor`.
 */
export function createShareActor(init: PpoActingInit): ShareActor {
  const { shape, low, high } = init;
  const { params, draws, sampled, logProbs, values } = init.buffers;
  const layout = actorCriticLayout(shape);
  const actor = new MlpCpu(layout.actor.spec, params, layout.actor.offset);
  const critic = new MlpCpu(layout.critic.spec, params, layout.critic.offset);
  const d = shape.obsSize, aw = actionWidth(shape), logStdAt = layout.logStd.offset;
  const n = shape.action.kind === "discrete" ? shape.action.n : 0;
  return {
    act(obs: Float32Array, actions: Float64Array, start: number, end: number): void {
      const rows = end - start;
      if (rows <= 0) return;
      const x = obs.subarray(start * d, end * d);
      const out = actor.forward(x, rows);
      const v = critic.forward(x, rows);
      for (let r = 0; r < rows; r++) {
        const i = start + r;
        values[i] = v[r];
        if (n > 0) {
          const draw = sampleCategorical(out, r * n, n, draws[i]);
          actions[i] = sampled[i] = draw.action;
          logProbs[i] = draw.logProb;
          continue;
        }
        let lp = 0;
        for (let k = 0; k < aw; k++) {
          const z = draws[i * aw + k], logStd = params[logStdAt + k];
          const a = out[r * aw + k] + Math.exp(logStd) * z;
          sampled[i * aw + k] = a;
          // The env sees the float32 of the clipped sample, as from a Float32Array of actions.
          actions[i * aw + k] = Math.fround(Math.min(Math.max(a, low[k]), high[k]));
          lp += gaussianLogProb(z, logStd);
        }
        logProbs[i] = lp;
      }
    },
  };
}
