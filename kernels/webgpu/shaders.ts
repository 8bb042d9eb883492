/**
 * The WGSL kernels of the WebGPU backend: their sources (imported as text, so they ship with
 * the package and need no file access) and their bindings.
 * @module
 */

import type { KernelDef } from "./pipeline_cache.ts";
import actorCriticLoss from "../wgsl/actor_critic_loss.wgsl" with { type: "text" };
import activationBackward from "../wgsl/activation_backward.wgsl" with { type: "text" };
import adam from "../wgsl/adam.wgsl" with { type: "text" };
import counterRng from "../wgsl/counter_rng.wgsl" with { type: "text" };
import dqnLoss from "../wgsl/dqn_loss.wgsl" with { type: "text" };
import gradNorm from "../wgsl/grad_norm.wgsl" with { type: "text" };
import gradReduce from "../wgsl/grad_reduce.wgsl" with { type: "text" };
import linearBackwardInput from "../wgsl/linear_backward_input.wgsl" with { type: "text" };
import linearBackwardWeights from "../wgsl/linear_backward_weights.wgsl" with { type: "text" };
import linearForward from "../wgsl/linear_forward.wgsl" with { type: "text" };
import minibatchGather from "../wgsl/minibatch_gather.wgsl" with { type: "text" };
import mseLoss from "../wgsl/mse_loss.wgsl" with { type: "text" };
import polyak from "../wgsl/polyak.wgsl" with { type: "text" };
import replaySample from "../wgsl/replay_sample.wgsl" with { type: "text" };
import step from "../wgsl/step.wgsl" with { type: "text" };

/** Every WGSL file by name (kernels and the files they `//!include`). */
export const SHADER_SOURCES: Readonly<Record<string, string>> = {
  "actor_critic_loss.wgsl": actorCriticLoss,
  "activation_backward.wgsl": activationBackward,
  "adam.wgsl": adam,
  "counter_rng.wgsl": counterRng,
  "dqn_loss.wgsl": dqnLoss,
  "grad_norm.wgsl": gradNorm,
  "grad_reduce.wgsl": gradReduce,
  "linear_backward_input.wgsl": linearBackwardInput,
  "linear_backward_weights.wgsl": linearBackwardWeights,
  "linear_forward.wgsl": linearForward,
  "minibatch_gather.wgsl": minibatchGather,
  "mse_loss.wgsl": mseLoss,
  "polyak.wgsl": polyak,
  "replay_sample.wgsl": replaySample,
  "step.wgsl": step,
};

/** The kernels, with their group-0 bindings in order (see each `.wgsl` file). */
export const KERNELS = {
  linearForward: {
    file: "linear_forward.wgsl",
    bindings: ["uniform", "read", "read", "write"],
  },
  linearBackwardInput: {
    file: "linear_backward_input.wgsl",
    bindings: ["uniform", "read", "read", "read", "write"],
  },
  linearBackwardWeights: {
    file: "linear_backward_weights.wgsl",
    bindings: ["uniform", "read", "read", "write"],
  },
  activationBackward: {
    file: "activation_backward.wgsl",
    bindings: ["uniform", "read", "read", "write"],
  },
  gradReduce: { file: "grad_reduce.wgsl", bindings: ["uniform", "read", "write"] },
  gradNorm: { file: "grad_norm.wgsl", bindings: ["uniform", "read", "write"], step: true },
  adam: {
    file: "adam.wgsl",
    bindings: ["uniform", "read", "read", "write", "write", "write"],
    step: true,
  },
  polyak: { file: "polyak.wgsl", bindings: ["uniform", "read", "write"], step: true },
  mseLoss: { file: "mse_loss.wgsl", bindings: ["uniform", "read", "read", "write", "write"] },
  replaySample: {
    file: "replay_sample.wgsl",
    bindings: ["uniform", "read", "read", "read", "write", "write"],
    step: true,
  },
  dqnLoss: {
    file: "dqn_loss.wgsl",
    bindings: ["uniform", "read", "read", "read", "write", "write"],
  },
  minibatchGather: {
    file: "minibatch_gather.wgsl",
    bindings: ["uniform", "read", "read", "read", "write", "write", "write"],
    step: true,
  },
  actorCriticLoss: {
    file: "actor_critic_loss.wgsl",
    bindings: [
      "uniform",
      "read",
      "read",
      "read",
      "read",
      "read",
      "write",
      "write",
      "write",
      "write",
    ],
  },
} as const satisfies Record<string, KernelDef>;
