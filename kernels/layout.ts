/**
 * Where each parameter lives in the flat float32 vectors of the kernels layer (see
 * `kernels/types.ts` for the MLP layout), for MLPs and for actor-critics. Shared by every
 * backend, by initialisation and by checkpoints.
 * @module
 */

import type { ActionHead, Activation, ActorCriticConfig, MlpSpec } from "./types.ts";
import { validateMlpSpec } from "./validate.ts";

/** One dense layer `y = act(x·W + b)` inside a flat parameter vector. */
export interface DenseLayer {
  /** Input width. */
  inSize: number;
  /** Output width. */
  outSize: number;
  /** Offset of `W` (`inSize × outSize`, row-major: `W[i * outSize + j]`). */
  weightOffset: number;
  /** Offset of `b` (`outSize` values), right after `W`. */
  biasOffset: number;
  /** Activation applied to this layer's output. */
  activation: Activation;
}

/** Number of parameters of an MLP: `Σ_l n_l·n_{l+1} + n_{l+1}`. */
export function paramCount(spec: MlpSpec): number {
  validateMlpSpec(spec);
  let count = 0;
  for (let l = 0; l + 1 < spec.sizes.length; l++) {
    count += spec.sizes[l] * spec.sizes[l + 1] + spec.sizes[l + 1];
  }
  return count;
}

/** The dense layers of `spec`, with offsets relative to `offset` (where the MLP starts). */
export function mlpLayers(spec: MlpSpec, offset = 0): DenseLayer[] {
  validateMlpSpec(spec);
  const layers: DenseLayer[] = [];
  const last = spec.sizes.length - 2;
  let at = offset;
  for (let l = 0; l <= last; l++) {
    const inSize = spec.sizes[l];
    const outSize = spec.sizes[l + 1];
    layers.push({
      inSize,
      outSize,
      weightOffset: at,
      biasOffset: at + inSize * outSize,
      activation: l === last ? (spec.output ?? "identity") : spec.hidden,
    });
    at += inSize * outSize + outSize;
  }
  return layers;
}

/** A block of a flat parameter vector. */
export interface ParamBlock {
  /** First index. */
  offset: number;
  /** Number of values. */
  count: number;
}

/** Where the actor, the critic and the log-std live in an actor-critic's parameters. */
export interface ActorCriticLayout {
  /** Actor MLP `[obsSize, ...hidden, n | dim]` (hidden activation, identity output). */
  actor: ParamBlock & { spec: MlpSpec };
  /** Critic MLP `[obsSize, ...hidden, 1]` (hidden activation, identity output). */
  critic: ParamBlock & { spec: MlpSpec };
  /** State-independent log standard deviations (`dim` of them; `count` 0 when discrete). */
  logStd: ParamBlock;
  /** Width of the actor's output: `n` logits or `dim` means. */
  actionSize: number;
  /** Total number of parameters. */
  total: number;
}

/** The architecture fields of an actor-critic configuration. */
export type ActorCriticShape = Pick<
  ActorCriticConfig,
  "obsSize" | "action" | "hidden" | "activation"
>;

/** Width of the actor's output for an action head. */
export function actionSize(action: ActionHead): number {
  return action.kind === "discrete" ? action.n : action.dim;
}

/** Parameter layout of an actor-critic: actor params, then critic params, then log-std. */
export function actorCriticLayout(config: ActorCriticShape): ActorCriticLayout {
  const out = actionSize(config.action);
  const actorSpec: MlpSpec = {
    sizes: [config.obsSize, ...config.hidden, out],
    hidden: config.activation,
    output: "identity",
  };
  const criticSpec: MlpSpec = {
    sizes: [config.obsSize, ...config.hidden, 1],
    hidden: config.activation,
    output: "identity",
  };
  const actorCount = paramCount(actorSpec);
  const criticCount = paramCount(criticSpec);
  const logStdCount = config.action.kind === "continuous" ? config.action.dim : 0;
  return {
    actor: { spec: actorSpec, offset: 0, count: actorCount },
    critic: { spec: criticSpec, offset: actorCount, count: criticCount },
    logStd: { offset: actorCount + criticCount, count: logStdCount },
    actionSize: out,
    total: actorCount + criticCount + logStdCount,
  };
}
