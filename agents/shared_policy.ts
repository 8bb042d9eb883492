/**
 * The policy of a parameter-shared multi-agent run: one actor network acting for every agent of
 * a parallel env, each agent on its own observation followed, when the run was trained with
 * `agentIdOneHot`, by its one-hot index (the slot layout of `ParallelVectorEnv`). Used by
 * multi-agent evaluation, `eval`, `record` and the API's `/predict` and `/play`.
 * @module
 */
import { writeSlotObservation } from "../envs/multi_agent/vector.ts";
import type { Observation } from "../envs/types.ts";
import type { Decision, Policy } from "./algorithm.ts";

/** What a {@link sharedPolicy} acts for. */
export interface SharedPolicyShape {
  /** The agents, in the env's `possibleAgents` order (which fixes each one-hot index). */
  agents: readonly string[];
  /** Whether the network's input ends with the agent's one-hot index. */
  agentIdOneHot: boolean;
  /** Floats per network input (an agent's observation, plus `agents.length` with the one-hot). */
  inputSize: number;
}

/**
 * One actor for every agent. `decide` is the bare network policy on a full network input; use
 * `decideAgents` for agents' observations.
 */
export interface SharedPolicy extends Policy, SharedPolicyShape {
  /** Floats of one agent's observation (the network input without the one-hot). */
  readonly agentObsSize: number;
  /**
   * Each given agent's greedy decision for its observation (one-hot added here when needed).
   * Any subset of the agents may be given, e.g. the live ones.
   *
   * @throws {RangeError} For an unknown agent or an observation of the wrong size.
   */
  decideAgents(obs: Readonly<Record<string, Observation>>): Record<string, Decision>;
}

/** Wraps the greedy `actor` policy (on network inputs) as the policy of every agent. */
export function sharedPolicy(actor: Policy, shape: SharedPolicyShape): SharedPolicy {
  const { agents, agentIdOneHot, inputSize } = shape;
  const A = agents.length;
  const agentObsSize = inputSize - (agentIdOneHot ? A : 0);
  if (A === 0 || !Number.isInteger(agentObsSize) || agentObsSize < 1) {
    throw new RangeError(
      `A shared policy needs agents and an input of more than ${agentIdOneHot ? A : 0} ` +
        `floats; got ${A} agents and inputSize ${inputSize}`,
    );
  }
  const index = new Map(agents.map((a, i) => [a, i]));
  return {
    agents: [...agents],
    agentIdOneHot,
    inputSize,
    agentObsSize,
    decide: (obs) => actor.decide(obs),
    decideAgents(obs) {
      const out: Record<string, Decision> = {};
      for (const [agent, o] of Object.entries(obs)) {
        const i = index.get(agent);
        if (i === undefined) {
          throw new RangeError(
            `Unknown agent "${agent}"; the policy acts for ${agents.join(", ")}`,
          );
        }
        const size = typeof o === "number" ? 1 : o.length;
        if (size !== agentObsSize) {
          throw new RangeError(
            `The observation of ${agent} must hold ${agentObsSize} values, got ${size}`,
          );
        }
        const input = new Float32Array(inputSize);
        writeSlotObservation(input, 0, typeof o === "number" ? [o] : o, i, A, agentIdOneHot);
        out[agent] = actor.decide(input);
      }
      return out;
    },
  };
}

/** Whether `policy` is a {@link SharedPolicy} (a multi-agent run's). */
export function isSharedPolicy(policy: Policy): policy is SharedPolicy {
  return typeof (policy as Partial<SharedPolicy>).decideAgents === "function";
}
