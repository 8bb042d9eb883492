/**
 * One lookup over both env registries, the single-agent one (`registry.ts`, `make`) and the
 * parallel multi-agent one (`multi_agent/registry.ts`, `makeParallel`), for the code that
 * accepts either kind of id: the CLI's `--env`, vector envs, policy loading and the API.
 * @module
 */
import { listParallelEnvs, makeParallel } from "./multi_agent/registry.ts";
import { listEnvs, make, successRule } from "./registry.ts";
import type { Space } from "./spaces.ts";
import type { Action } from "./types.ts";

/** Which registry an env id belongs to. */
export type EnvKind = "single-agent" | "parallel";

/** What both registries know of an env. */
export interface CatalogEntry {
  /** Registry id. */
  id: string;
  /** `single-agent` (`make`) or `parallel` (`makeParallel`, several agents acting at once). */
  kind: EnvKind;
  /** One line describing the env. */
  description: string;
  /** Option names the env accepts. */
  optionNames: readonly string[];
  /** Return counted as solved (a parallel env's is the team return); undefined: none. */
  rewardThreshold?: number;
  /** Names of the discrete actions (of each agent, for a parallel env), if any. */
  actionNames?: readonly string[];
  /** Frames per second of recorded videos, if the env says. */
  renderFps?: number;
  /** A fixed palette that renders the env's frames exactly (GIF), if the env has one. */
  palette?: readonly (readonly [number, number, number])[];
}

/** Every registered env of both kinds, sorted by id. */
export function listCatalog(): CatalogEntry[] {
  const single = listEnvs().map((e): CatalogEntry => ({
    id: e.id,
    kind: "single-agent",
    description: e.description,
    optionNames: e.optionNames,
    rewardThreshold: e.rewardThreshold,
    actionNames: e.actionNames,
    renderFps: e.renderFps,
    palette: e.palette,
  }));
  const parallel = listParallelEnvs().map((e): CatalogEntry => ({
    id: e.id,
    kind: "parallel",
    description: e.description,
    optionNames: e.optionNames,
    rewardThreshold: e.rewardThreshold,
    actionNames: e.actionNames,
    renderFps: e.renderFps,
  }));
  return [...single, ...parallel].sort((a, b) => a.id.localeCompare(b.id));
}

/** Whether `id` is a registered parallel (multi-agent) env. */
export function isParallelEnv(id: string): boolean {
  return listParallelEnvs().some((e) => e.id === id);
}

/** The entry of `id`, or a `RangeError` listing the ids of both registries. */
export function catalogEntry(id: string): CatalogEntry {
  const entry = listCatalog().find((e) => e.id === id);
  if (!entry) {
    throw new RangeError(
      `Unknown env "${id}"; registered envs: ${listCatalog().map((e) => e.id).join(", ")}`,
    );
  }
  return entry;
}

/**
 * The success rule of `id` in words: the single-agent registry's (e.g. "return ≥ 200"), or
 * for a parallel env the team-return threshold ("none" without one).
 */
export function successRuleOf(id: string): string {
  if (!isParallelEnv(id)) return successRule(id);
  const threshold = catalogEntry(id).rewardThreshold;
  return threshold === undefined ? "none" : `team return ≥ ${threshold}`;
}

/**
 * Builds the env `id` once with `options` and closes it, so that a bad option fails early
 * with the env's own error.
 */
export function buildEnvOnce(id: string, options: Record<string, unknown> = {}): void {
  if (isParallelEnv(id)) makeParallel(id, options).close();
  else make(id, options).close();
}

/**
 * The action space of one actor of `id`: the env's, or for a parallel env its first agent's
 * (parameter-shared training requires every agent to share it).
 */
export function actorActionSpace(id: string, options: Record<string, unknown> = {}): Space<Action> {
  if (isParallelEnv(id)) {
    const env = makeParallel(id, options);
    const space = env.actionSpace(env.possibleAgents[0]) as Space<Action>;
    env.close();
    return space;
  }
  const env = make(id, options);
  const space = env.actionSpace;
  env.close();
  return space;
}
