/**
 * Deterministic policies of trained networks, for `eval`, `record`, periodic evaluation and the
 * dashboard's `/api/predict`: greedy on Q-values (DQN), argmax of the action probabilities
 * (discrete actor-critics) or the Gaussian mean clipped to the action box (continuous ones),
 * and loading them from a run folder's checkpoints.
 * @module
 */
import type { CheckpointWhich, RunFolder } from "../core/run_folder.ts";
import type { RunConfig } from "../core/run_log.ts";
import { actorActionSpace } from "../envs/catalog.ts";
import { Box } from "../envs/spaces.ts";
import type { Observation } from "../envs/types.ts";
import { actorCriticLayout } from "../kernels/layout.ts";
import { ActingMlp } from "../kernels/cpu/acting_mlp.ts";
import { argmax, softmax } from "./action_distributions.ts";
import type { Decision, Policy } from "./algorithm.ts";
import { type Architecture, CheckpointError, loadNetworkCheckpoint } from "./checkpoint.ts";

/** Bounds continuous actions are clipped to. */
export interface ActionBounds {
  /** Lower bounds. */
  low: ArrayLike<number>;
  /** Upper bounds. */
  high: ArrayLike<number>;
}

function toInput(obs: Observation, size: number): Float32Array {
  const x = typeof obs === "number" ? Float32Array.of(obs) : obs;
  if (x.length !== size) {
    throw new RangeError(`The network expects observations of ${size} values, got ${x.length}`);
  }
  return x instanceof Float32Array ? x : Float32Array.from(x);
}

/**
 * The deterministic policy of a network with parameters `params` (copied). `bounds` clips
 * Gaussian means (continuous actor-critics); without it the mean is returned as is.
 */
export function networkPolicy(
  arch: Architecture,
  params: Float32Array,
  bounds?: ActionBounds,
): Policy {
  const p = params.slice();
  if (arch.kind === "q") {
    const net = new ActingMlp(arch.spec, p);
    const obsSize = arch.spec.sizes[0];
    return {
      decide(obs): Decision {
        const q = net.forward(toInput(obs, obsSize));
        return { action: argmax(q), qValues: Array.from(q) };
      },
    };
  }
  const layout = actorCriticLayout(arch.shape);
  const actor = new ActingMlp(layout.actor.spec, p, layout.actor.offset);
  const obsSize = arch.shape.obsSize;
  if (arch.shape.action.kind === "discrete") {
    return {
      decide(obs): Decision {
        const logits = actor.forward(toInput(obs, obsSize));
        return { action: argmax(logits), probs: softmax(logits) };
      },
    };
  }
  return {
    decide(obs): Decision {
      const mean = actor.forward(toInput(obs, obsSize));
      const a = new Float32Array(mean.length);
      for (let d = 0; d < a.length; d++) {
        a[d] = bounds ? Math.min(Math.max(mean[d], bounds.low[d]), bounds.high[d]) : mean[d];
      }
      return { action: a };
    },
  };
}

/** The action box of `envId` (of its agents, for a parallel env), or undefined if discrete. */
export function actionBounds(
  envId: string,
  envOptions: Record<string, unknown> = {},
): ActionBounds | undefined {
  const space = actorActionSpace(envId, envOptions);
  return space instanceof Box ? { low: space.low, high: space.high } : undefined;
}

/**
 * Loads the policy of a network run: the best checkpoint (falling back to the latest when no
 * evaluation has saved a best one yet) or the latest.
 */
export async function loadNetworkPolicy(
  run: RunFolder,
  config: RunConfig,
  which: CheckpointWhich = "best",
): Promise<Policy> {
  const best = run.checkpoint("best", "safetensors");
  const latest = run.checkpoint("latest", "safetensors");
  let path = which === "best" ? best : latest;
  if (path === best && !(await exists(best))) path = latest;
  if (!(await exists(path))) {
    throw new CheckpointError(
      which === "best"
        ? `No checkpoint in ${run.dir}: neither ${basename(best)} nor ${basename(latest)} exists`
        : `No checkpoint in ${run.dir}: ${basename(latest)} does not exist`,
    );
  }
  const ckpt = await loadNetworkCheckpoint(path, { algo: config.algo, env: config.env });
  return networkPolicy(ckpt.arch, ckpt.params, actionBounds(config.env, config.envOptions));
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
