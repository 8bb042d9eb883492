/**
 * The sweep file: a JSON description of a hyperparameter sweep (`deno task sweep SWEEP.json`),
 * checked whole before anything runs and expanded into configurations.
 *
 * A sweep trains one configuration per experiment (`experiments`), per cell of a cartesian
 * product (`grid`) or per sampled point of a search space (`search`, with `trials`, `sampler`
 * and `pruner`), always plus the `baseline` configuration (the preset with the file's
 * `hyperparameters`), each once per seed in `seeds`. Every hyperparameter key and value is
 * validated against the algorithm's schema (`agents/hyperparameters.ts`) with the same messages
 * as `train.ts --set`, naming the experiment, the key, the value and what is accepted.
 *
 * `sweeps/sweep.schema.json` describes the same format as a JSON Schema for editors; the
 * parser here is the authority (it also knows each algorithm's keys and ranges).
 * @module
 */
import { UsageError } from "../core/cli.ts";
import type { Hyperparameters } from "../agents/algorithm.ts";
import { algorithmIds, getAlgorithm } from "../agents/algorithms.ts";
import {
  checkValue,
  describeAccepted,
  type HyperSchema,
  type HyperSource,
  resolveHyperparameters,
} from "../agents/hyperparameters.ts";
import { listEnvs, make } from "../envs/registry.ts";
import { parseMedianPruner } from "./median_pruner.ts";
import { type ParamSpec, parseSearchSpace, type SearchSpace } from "./search_space.ts";
import type { Params } from "./sampler_types.ts";

/** Where networks learn, as `train.ts --device`. */
export const SWEEP_DEVICES = ["auto", "cpu", "webgpu"] as const;

/** The samplers a `search` sweep may name. */
export const SWEEP_SAMPLERS = ["tpe", "random"] as const;

/** How a sweep makes its configurations. */
export type SweepMode = "experiments" | "grid" | "search";

/** One named experiment: a description and the hyperparameters it changes. */
export interface SweepExperiment {
  /** One line for people (default: the changed values). */
  description?: string;
  /** Hyperparameters over the baseline. */
  [key: string]: unknown;
}

/** The median pruner's settings, with Optuna's snake_case names. */
export interface MedianPrunerSettings {
  /** No pruning until this many trials are complete (default 5). */
  startup_trials?: number;
  /** No pruning before this global step (default 0). */
  warmup_steps?: number;
  /** Steps between checks (default 1). */
  interval_steps?: number;
  /** Complete trials that must have a value at the step (default 1). */
  min_trials?: number;
}

/** A sweep file with every default filled in (what `sweep.json` in the sweep folder holds). */
export interface SweepFile {
  /** Sweep name: the folder `runs/<name>/` and the study name. */
  name: string;
  /** One line for people. */
  description: string;
  /** Algorithm id (`train.ts --algo`). */
  algo: string;
  /** Env id (`train.ts --env`). */
  env: string;
  /** Env options (`train.ts --env-option`). */
  envOptions: Record<string, unknown>;
  /** Env steps per trial (default: the algorithm's default for the env). */
  steps: number;
  /** Seeds each configuration trains with. */
  seeds: number[];
  /** Where networks learn. */
  device: typeof SWEEP_DEVICES[number];
  /** The baseline: values over the algorithm's preset for the env. */
  hyperparameters: Record<string, unknown>;
  /** Named experiments, each over the baseline (mode `experiments`). */
  experiments?: Record<string, SweepExperiment>;
  /** Lists of values per key; every combination is a configuration (mode `grid`). */
  grid?: Record<string, unknown[]>;
  /** Distributions per key (mode `search`; see `search_space.ts`). */
  search?: Record<string, unknown>;
  /** Sampled configurations of a search (default 20). */
  trials?: number;
  /** `tpe` (default) or `random`. */
  sampler?: typeof SWEEP_SAMPLERS[number];
  /** Seed of the sampler (default 0). */
  samplerSeed?: number;
  /** Pruning of unpromising trials, or null (default: none). */
  pruner?: { median: MedianPrunerSettings } | null;
  /** The final greedy evaluation of every trial, on the same episode seeds. */
  evaluation: { episodes: number; seed: number };
}

/** What a configuration is. */
export type ConfigurationKind = "baseline" | "experiment" | "grid" | "search";

/** One configuration of a sweep: resolved hyperparameters, trained once per seed. */
export interface ConfigurationPlan {
  /** Name: `baseline`, the experiment's, `grid_007`, `trial_012`. */
  name: string;
  /** How it was made. */
  kind: ConfigurationKind;
  /** One line for people. */
  description: string;
  /** The values this configuration sets over the baseline (experiment, grid cell, sample). */
  params: Record<string, unknown>;
  /** Every hyperparameter of the algorithm, resolved and validated. */
  hyperparameters: Hyperparameters;
  /** Env steps each of its trials really trains (after the algorithm's rounding). */
  totalSteps: number;
}

/** Top-level keys a sweep file may hold. */
export const SWEEP_KEYS = [
  "$schema",
  "name",
  "description",
  "algo",
  "env",
  "envOptions",
  "steps",
  "seeds",
  "device",
  "hyperparameters",
  "experiments",
  "grid",
  "search",
  "trials",
  "sampler",
  "samplerSeed",
  "pruner",
  "evaluation",
] as const;

/** Names a configuration may not take (sweep-folder entries). */
const RESERVED_NAMES = ["baseline", "best"];

/** Largest grid (configurations) accepted, against typos such as a 1e6-element list. */
const MAX_GRID = 10_000;

/** A plain folder-friendly name: letters, digits, `.`, `_`, `-`; no `__` (the seed separator). */
export const NAME_PATTERN: RegExp = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

function checkName(what: string, name: unknown, source: string): string {
  if (typeof name !== "string" || !NAME_PATTERN.test(name) || name.includes("__")) {
    throw new UsageError(
      `${source}: ${what} must be 1–100 letters, digits, ".", "_" or "-" (no "__", starting and ` +
        `ending with a letter or digit), got ${show(name)}`,
    );
  }
  return name;
}

function checkInt(source: string, key: string, v: unknown, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new UsageError(
      `${source}: "${key}" must be an integer in [${min}, ${max}], got ${show(v)}`,
    );
  }
  return v;
}

/**
 * Checks a sweep file and fills in its defaults; nothing is trained or written. Throws a
 * `UsageError` naming the file (`source`), the key, the value and what is accepted, e.g.
 * `Hyperparameter learningRate=-1 in experiment "exp1" of sweeps/x.json is below the range;
 * accepted: a number in (0, ∞) representable in float32`.
 */
export function parseSweepFile(json: unknown, source = "sweep file"): SweepFile {
  if (!isObject(json)) throw new UsageError(`${source}: expected a JSON object, got ${show(json)}`);
  for (const key of Object.keys(json)) {
    if (!(SWEEP_KEYS as readonly string[]).includes(key)) {
      throw new UsageError(
        `${source}: unknown key "${key}"; accepted: ${
          SWEEP_KEYS.filter((k) => k !== "$schema").join(", ")
        }`,
      );
    }
  }
  const name = checkName('"name"', json.name, source);
  const description = json.description ?? "";
  if (typeof description !== "string") {
    throw new UsageError(`${source}: "description" must be a string, got ${show(description)}`);
  }
  if (typeof json.algo !== "string" || !algorithmIds().includes(json.algo)) {
    throw new UsageError(
      `${source}: "algo" must be one of ${algorithmIds().join(", ")}, got ${show(json.algo)}`,
    );
  }
  const envIds = listEnvs().map((e) => e.id);
  if (typeof json.env !== "string" || !envIds.includes(json.env)) {
    throw new UsageError(
      `${source}: "env" must be one of ${envIds.join(", ")}, got ${show(json.env)}`,
    );
  }
  const algo = getAlgorithm(json.algo);
  const envId = json.env;
  const envOptions = json.envOptions ?? {};
  if (!isObject(envOptions)) {
    throw new UsageError(`${source}: "envOptions" must be an object, got ${show(envOptions)}`);
  }
  try {
    make(envId, envOptions).close();
  } catch (err) {
    throw new UsageError(
      `${source}: "envOptions" ${show(envOptions)} for ${envId}: ${(err as Error).message}`,
    );
  }
  const why = algo.unsupported(envId, envOptions);
  if (why) throw new UsageError(`${source}: ${algo.id} cannot train on ${envId}: ${why}`);
  const steps = json.steps === undefined
    ? algo.defaultSteps(envId)
    : checkInt(source, "steps", json.steps, 1, 1e12);

  const seeds = json.seeds ?? [1];
  if (!Array.isArray(seeds) || seeds.length === 0 || seeds.length > 1000) {
    throw new UsageError(
      `${source}: "seeds" must be a list of 1–1000 integers ≥ 0, got ${show(seeds)}`,
    );
  }
  for (const s of seeds) {
    if (typeof s !== "number" || !Number.isSafeInteger(s) || s < 0) {
      throw new UsageError(
        `${source}: "seeds" must hold integers ≥ 0, got ${show(s)} in ${show(seeds)}`,
      );
    }
    if (seeds.indexOf(s) !== seeds.lastIndexOf(s)) {
      throw new UsageError(`${source}: "seeds" must be distinct, got ${s} twice`);
    }
  }
  const device = json.device ?? "auto";
  if (!(SWEEP_DEVICES as readonly unknown[]).includes(device)) {
    throw new UsageError(
      `${source}: "device" must be one of ${SWEEP_DEVICES.join(", ")}, got ${show(device)}`,
    );
  }
  const baseline = json.hyperparameters ?? {};
  if (!isObject(baseline)) {
    throw new UsageError(
      `${source}: "hyperparameters" must be an object of key → value, got ${show(baseline)}`,
    );
  }

  const modes = (["experiments", "grid", "search"] as const).filter((m) => json[m] !== undefined);
  if (modes.length !== 1) {
    throw new UsageError(
      `${source}: give exactly one of "experiments", "grid" or "search", got ${
        modes.length === 0 ? "none" : modes.map((m) => `"${m}"`).join(" and ")
      }`,
    );
  }
  const mode = modes[0];
  const out: SweepFile = {
    name,
    description,
    algo: algo.id,
    env: envId,
    envOptions,
    steps,
    seeds: [...seeds] as number[],
    device: device as SweepFile["device"],
    hyperparameters: { ...baseline },
    evaluation: parseEvaluation(json.evaluation, source),
  };
  if (mode === "experiments") out.experiments = parseExperiments(json.experiments, source);
  if (mode === "grid") out.grid = parseGrid(json.grid, algo.schema, source);
  if (mode === "search") {
    out.search = json.search as Record<string, unknown>;
    checkSearch(out.search, algo.schema, source);
    out.trials = json.trials === undefined
      ? 20
      : checkInt(source, "trials", json.trials, 1, 100_000);
    const sampler = json.sampler ?? "tpe";
    if (!(SWEEP_SAMPLERS as readonly unknown[]).includes(sampler)) {
      throw new UsageError(
        `${source}: "sampler" must be one of ${SWEEP_SAMPLERS.join(", ")}, got ${show(sampler)}`,
      );
    }
    out.sampler = sampler as SweepFile["sampler"];
    out.samplerSeed = json.samplerSeed === undefined
      ? 0
      : checkInt(source, "samplerSeed", json.samplerSeed, 0, Number.MAX_SAFE_INTEGER);
  } else {
    for (const key of ["trials", "sampler", "samplerSeed"] as const) {
      if (json[key] !== undefined) {
        throw new UsageError(`${source}: "${key}" applies only to a "search" sweep`);
      }
    }
  }
  out.pruner = parsePruner(json.pruner, source);
  // Every configuration that exists before training is resolved now, so a bad value or a
  // failing cross-key check stops the sweep before anything runs.
  planConfigurations(out, source);
  return out;
}

function parseExperiments(v: unknown, source: string): Record<string, SweepExperiment> {
  if (!isObject(v) || Object.keys(v).length === 0) {
    throw new UsageError(
      `${source}: "experiments" must be an object of name → {"description": ..., key: value}, ` +
        `with at least one entry, got ${show(v)}`,
    );
  }
  const out: Record<string, SweepExperiment> = {};
  for (const [name, exp] of Object.entries(v)) {
    checkName(`experiment name`, name, source);
    if (RESERVED_NAMES.includes(name)) {
      throw new UsageError(
        `${source}: experiment name "${name}" is reserved (${RESERVED_NAMES.join(", ")})`,
      );
    }
    if (!isObject(exp)) {
      throw new UsageError(
        `${source}: experiment "${name}" must be an object of hyperparameters, got ${show(exp)}`,
      );
    }
    if (exp.description !== undefined && typeof exp.description !== "string") {
      throw new UsageError(
        `${source}: experiment "${name}": "description" must be a string, got ${
          show(exp.description)
        }`,
      );
    }
    out[name] = { ...exp };
  }
  return out;
}

function parseGrid(v: unknown, schema: HyperSchema, source: string): Record<string, unknown[]> {
  if (!isObject(v) || Object.keys(v).length === 0) {
    throw new UsageError(
      `${source}: "grid" must be an object of key → list of values, e.g. ` +
        `{"learningRate": [1e-4, 1e-3]}, got ${show(v)}`,
    );
  }
  let cells = 1;
  for (const [key, values] of Object.entries(v)) {
    const spec = schema.specs[key];
    if (!spec) {
      throw new UsageError(
        `Unknown hyperparameter "${key}" in grid of ${source}; accepted: ${
          Object.keys(schema.specs).join(", ")
        }`,
      );
    }
    if (!Array.isArray(values) || values.length === 0) {
      throw new UsageError(`${source}: grid.${key} must be a non-empty list, got ${show(values)}`);
    }
    for (const value of values) {
      const why = checkValue(spec, value);
      if (why) {
        throw new UsageError(
          `Hyperparameter ${key}=${show(value)} in grid of ${source} is ${why}; ` +
            `accepted: ${describeAccepted(spec)}`,
        );
      }
    }
    cells *= values.length;
  }
  if (cells > MAX_GRID) {
    throw new UsageError(`${source}: the grid has ${cells} combinations; at most ${MAX_GRID}`);
  }
  return v as Record<string, unknown[]>;
}

/** Checks that each search distribution can only produce values the schema accepts. */
function checkSearch(v: unknown, schema: HyperSchema, source: string): SearchSpace {
  let space: SearchSpace;
  try {
    space = parseSearchSpace(v);
  } catch (err) {
    throw new UsageError(`${source}: ${(err as Error).message}`);
  }
  for (const [key, p] of Object.entries(space)) {
    const spec = schema.specs[key];
    if (!spec) {
      throw new UsageError(
        `Unknown hyperparameter "${key}" in search of ${source}; accepted: ${
          Object.keys(schema.specs).join(", ")
        }`,
      );
    }
    const fits: Record<ParamSpec["kind"], readonly string[]> = {
      uniform: ["number"],
      log_uniform: ["number"],
      int: ["int", "number"],
      int_log: ["int", "number"],
      choice: ["number", "int", "boolean", "choice"],
    };
    if (!fits[p.kind].includes(spec.kind)) {
      throw new UsageError(
        `search.${key} in ${source}: a ${p.kind} distribution cannot set ${key}, which accepts ` +
          `${describeAccepted(spec)}${
            spec.kind === "int-list" ? " (search lists with grid or experiments)" : ""
          }`,
      );
    }
    const ends = p.kind === "choice" ? p.values : [p.low, p.high];
    for (const value of ends) {
      const why = checkValue(spec, value);
      if (why) {
        throw new UsageError(
          `Hyperparameter ${key}=${show(value)} in search.${key} of ${source} is ${why}; ` +
            `accepted: ${describeAccepted(spec)}`,
        );
      }
    }
  }
  return space;
}

function parsePruner(v: unknown, source: string): SweepFile["pruner"] {
  if (v === undefined || v === null) return null;
  if (!isObject(v) || Object.keys(v).length !== 1 || !("median" in v)) {
    throw new UsageError(
      `${source}: "pruner" must be {"median": {"startup_trials": 5, "warmup_steps": 0}} or null, ` +
        `got ${show(v)}`,
    );
  }
  try {
    parseMedianPruner(v.median);
  } catch (err) {
    throw new UsageError(`${source}: ${(err as Error).message}`);
  }
  return { median: { ...(v.median as MedianPrunerSettings) } };
}

function parseEvaluation(v: unknown, source: string): SweepFile["evaluation"] {
  const e = v ?? {};
  if (!isObject(e)) {
    throw new UsageError(
      `${source}: "evaluation" must be {"episodes": 100, "seed": 0}, got ${show(e)}`,
    );
  }
  for (const key of Object.keys(e)) {
    if (key !== "episodes" && key !== "seed") {
      throw new UsageError(`${source}: unknown key "evaluation.${key}"; accepted: episodes, seed`);
    }
  }
  return {
    episodes: e.episodes === undefined
      ? 100
      : checkInt(source, "evaluation.episodes", e.episodes, 1, 100_000),
    seed: e.seed === undefined
      ? 0
      : checkInt(source, "evaluation.seed", e.seed, 0, Number.MAX_SAFE_INTEGER),
  };
}

/** How the sweep makes its configurations. */
export function sweepMode(file: SweepFile): SweepMode {
  return file.experiments ? "experiments" : file.grid ? "grid" : "search";
}

/** The parsed `search` section (throws a `UsageError` on a bad one). */
export function sweepSearchSpace(file: SweepFile): SearchSpace {
  const algo = getAlgorithm(file.algo);
  return checkSearch(file.search, algo.schema, "search");
}

/** "learningRate=0.001, batchSize=64". */
export function describeValues(values: Record<string, unknown>): string {
  return Object.entries(values).map(([k, v]) => `${k}=${show(v)}`).join(", ");
}

/** Resolves one configuration: preset, then the baseline, then its own values. */
export function resolveConfiguration(
  file: SweepFile,
  name: string,
  kind: ConfigurationKind,
  params: Record<string, unknown>,
  description: string,
  source = "sweep file",
): ConfigurationPlan {
  const algo = getAlgorithm(file.algo);
  const what = kind === "baseline"
    ? `"hyperparameters" (the baseline) of ${source}`
    : kind === "experiment"
    ? `experiment "${name}" of ${source}`
    : `${kind} configuration "${name}" (${describeValues(params)}) of ${source}`;
  const sources: HyperSource[] = [
    { source: `"hyperparameters" (the baseline) of ${source}`, values: file.hyperparameters },
  ];
  if (kind !== "baseline") sources.push({ source: what, values: params });
  let hyper: Hyperparameters;
  try {
    hyper = resolveHyperparameters(
      algo.schema,
      { envId: file.env, totalSteps: file.steps },
      sources,
    ) as Hyperparameters;
  } catch (err) {
    // Cross-key checks name all sources; say which configuration it was.
    const msg = (err as Error).message;
    throw new UsageError(msg.includes(what) ? msg : `${what}: ${msg}`);
  }
  const plan = algo.stepPlan?.(hyper, file.steps) ?? { steps: file.steps, note: null };
  return { name, kind, description, params, hyperparameters: hyper, totalSteps: plan.steps };
}

/** Pads a 1-based index to the width of `count` (at least 3 digits). */
function ordinalName(prefix: string, i: number, count: number): string {
  return `${prefix}_${String(i).padStart(Math.max(3, String(count).length), "0")}`;
}

/** Name of the i-th (1-based) sampled configuration of a search. */
export function searchConfigurationName(file: SweepFile, i: number): string {
  return ordinalName("trial", i, file.trials ?? 1);
}

/**
 * The configurations known before training: the baseline, then each experiment or each grid
 * cell in order (last key varying fastest). A search adds its configurations as it samples
 * them ({@link resolveConfiguration} with kind `search`).
 */
export function planConfigurations(file: SweepFile, source = "sweep file"): ConfigurationPlan[] {
  const plans = [resolveConfiguration(file, "baseline", "baseline", {}, "Baseline", source)];
  if (file.experiments) {
    for (const [name, exp] of Object.entries(file.experiments)) {
      const { description, ...values } = exp;
      plans.push(
        resolveConfiguration(
          file,
          name,
          "experiment",
          values,
          (description as string | undefined) ?? describeValues(values),
          source,
        ),
      );
    }
  }
  if (file.grid) {
    const keys = Object.keys(file.grid);
    let cells: Record<string, unknown>[] = [{}];
    for (const key of keys) {
      cells = cells.flatMap((c) => file.grid![key].map((v) => ({ ...c, [key]: v })));
    }
    cells.forEach((cell, i) => {
      const name = ordinalName("grid", i + 1, cells.length);
      plans.push(resolveConfiguration(file, name, "grid", cell, describeValues(cell), source));
    });
  }
  return plans;
}

/** The run folder name of a configuration's trial with `seed`: `<configuration>__s<seed>`. */
export function trialRunName(configuration: string, seed: number): string {
  return `${configuration}__s${seed}`;
}

/** The search keys' values of a configuration (for the sampler's history). */
export function searchParamsOf(file: SweepFile, hyper: Hyperparameters): Params {
  const out: Params = {};
  for (const key of Object.keys(file.search ?? {})) {
    const v = hyper[key];
    if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") out[key] = v;
  }
  return out;
}

/** Reads and checks a sweep file from disk. */
export async function loadSweepFile(path: string): Promise<SweepFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new UsageError(`Cannot read sweep file ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseSweepFile(json, path);
}
