/**
 * The `search` section of a sweep file: one distribution per hyperparameter, parsed from JSON
 * such as `{"learningRate": {"log_uniform": [1e-5, 1e-2]}, "batchSize": {"choice": [32, 64]}}`,
 * with membership tests and independent random draws.
 *
 * The kinds map onto Optuna's distributions (`optuna/distributions.py`, v4.9.0):
 * `uniform` = `FloatDistribution(low, high)`, `log_uniform` = `FloatDistribution(log=True)`,
 * `int` = `IntDistribution(low, high)` (both ends included), `int_log` =
 * `IntDistribution(log=True)` and `choice` = `CategoricalDistribution`. Random draws follow
 * Optuna's `RandomSampler` (`samplers/_random.py` through `_transform.py`): uniform in the
 * transformed range (log for the log kinds, widened by half a step for integers), then mapped
 * back, rounded to the nearest integer and clipped. Unlike Optuna, a range must have
 * `low < high` (a fixed value is a one-element `choice`) and a `choice` rejects duplicates.
 *
 * @example
 * ```ts
 * import { parseSearchSpace, sampleParam } from "./search_space.ts";
 * import { Rng } from "../core/rng.ts";
 * const space = parseSearchSpace({ gamma: { uniform: [0.95, 0.999] }, numEnvs: { int: [4, 32] } });
 * const rng = new Rng(0);
 * sampleParam(space.numEnvs, rng); // an integer in 4..32
 * ```
 * @module
 */
import type { Rng } from "../core/rng.ts";

/** A hyperparameter value: a number (ints are integral numbers), a string or a boolean. */
export type ParamValue = number | string | boolean;

/** The distribution kinds a `search` entry may name, in the order errors list them. */
export const PARAM_KINDS = ["log_uniform", "uniform", "int", "int_log", "choice"] as const;

/** One of {@link PARAM_KINDS}. */
export type ParamKind = typeof PARAM_KINDS[number];

/** A real in [low, high], sampled uniformly (`uniform`) or log-uniformly (`log_uniform`). */
export interface FloatSpec {
  /** `uniform`, or `log_uniform` (requires 0 < low). */
  kind: "uniform" | "log_uniform";
  /** Lower bound, included. */
  low: number;
  /** Upper bound, included. */
  high: number;
}

/** An integer in low..high (both included), uniform (`int`) or log-uniform (`int_log`). */
export interface IntSpec {
  /** `int`, or `int_log` (requires 1 <= low). */
  kind: "int" | "int_log";
  /** Smallest value, included. */
  low: number;
  /** Largest value, included. */
  high: number;
}

/** One of a fixed list of values. */
export interface ChoiceSpec {
  /** Always `choice`. */
  kind: "choice";
  /** The candidates, distinct, in file order. */
  values: readonly ParamValue[];
}

/** One parsed `search` entry. */
export type ParamSpec = FloatSpec | IntSpec | ChoiceSpec;

/** A parsed `search` section: parameter name → distribution, in file order. */
export type SearchSpace = Readonly<Record<string, ParamSpec>>;

/** Formats a JSON-ish value for an error message: arrays as `[0, 1]`, strings quoted. */
function show(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || typeof value !== "object") return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads `[low, high]` of a range kind, checking shape and number type. */
function readPair(kind: ParamKind, args: unknown, path: string, what: string): [number, number] {
  if (!Array.isArray(args) || args.length !== 2) {
    throw new TypeError(`${path}: ${kind} needs [low, high] (${what}), got ${show(args)}`);
  }
  const [low, high] = args;
  if (typeof low !== "number" || typeof high !== "number") {
    throw new TypeError(`${path}: ${kind} needs numbers [low, high] (${what}), got ${show(args)}`);
  }
  return [low, high];
}

/**
 * Parses one `search` entry, an object with exactly one key naming the kind:
 * `{"log_uniform": [low, high]}` (0 < low < high), `{"uniform": [low, high]}` (low < high),
 * `{"int": [low, high]}` (integers, low < high, both included), `{"int_log": [low, high]}`
 * (integers, 1 <= low < high) or `{"choice": [v, ...]}` (distinct finite numbers, strings or
 * booleans, at least one).
 *
 * @param json The entry as parsed from JSON.
 * @param path Where it sits, for messages, e.g. `search.learningRate`.
 * @throws {TypeError} If the entry is not a one-key object or the arguments have the wrong type.
 * @throws {RangeError} If the kind is unknown or the bounds or choices break the rules above,
 *   e.g. `search.learningRate: log_uniform needs 0 < low < high, got [0, 1]`.
 */
export function parseParamSpec(json: unknown, path: string): ParamSpec {
  const accepted = PARAM_KINDS.join(", ");
  if (!isPlainObject(json)) {
    throw new TypeError(
      `${path}: expected an object with one key (${accepted}), e.g. {"uniform": [0, 1]}, ` +
        `got ${show(json)}`,
    );
  }
  const keys = Object.keys(json);
  if (keys.length !== 1) {
    throw new TypeError(
      `${path}: expected exactly one distribution key (${accepted}), got ${
        keys.length === 0 ? "none" : keys.map((k) => JSON.stringify(k)).join(", ")
      }`,
    );
  }
  const kind = keys[0];
  const args = json[kind];
  switch (kind) {
    case "uniform": {
      const [low, high] = readPair(kind, args, path, "finite, low < high");
      if (!(Number.isFinite(low) && Number.isFinite(high) && low < high)) {
        throw new RangeError(`${path}: uniform needs finite low < high, got ${show(args)}`);
      }
      return { kind, low, high };
    }
    case "log_uniform": {
      const [low, high] = readPair(kind, args, path, "0 < low < high");
      if (!(0 < low && low < high && Number.isFinite(high))) {
        throw new RangeError(`${path}: log_uniform needs 0 < low < high, got ${show(args)}`);
      }
      return { kind, low, high };
    }
    case "int": {
      const [low, high] = readPair(kind, args, path, "integers, low < high");
      if (!(Number.isSafeInteger(low) && Number.isSafeInteger(high) && low < high)) {
        throw new RangeError(`${path}: int needs integers low < high, got ${show(args)}`);
      }
      return { kind, low, high };
    }
    case "int_log": {
      const [low, high] = readPair(kind, args, path, "integers, 1 <= low < high");
      if (!(Number.isSafeInteger(low) && Number.isSafeInteger(high) && 1 <= low && low < high)) {
        throw new RangeError(`${path}: int_log needs integers 1 <= low < high, got ${show(args)}`);
      }
      return { kind, low, high };
    }
    case "choice": {
      if (!Array.isArray(args) || args.length === 0) {
        throw new TypeError(
          `${path}: choice needs a non-empty array of numbers, strings or booleans, ` +
            `got ${show(args)}`,
        );
      }
      const values: ParamValue[] = [];
      for (const v of args) {
        const ok = typeof v === "string" || typeof v === "boolean" ||
          (typeof v === "number" && Number.isFinite(v));
        if (!ok) {
          throw new RangeError(
            `${path}: choice values must be finite numbers, strings or booleans, got ${show(v)} ` +
              `in ${show(args)}`,
          );
        }
        if (values.includes(v)) {
          throw new RangeError(`${path}: choice values must be distinct, got ${show(v)} twice`);
        }
        values.push(v);
      }
      return { kind, values };
    }
    default:
      throw new RangeError(
        `${path}: unknown distribution ${JSON.stringify(kind)}, expected one of ${accepted}`,
      );
  }
}

/**
 * Parses a whole `search` section: an object of at least one parameter name → entry (see
 * {@link parseParamSpec}). Key order is kept; it is the order parameters are sampled in.
 *
 * @param json The section as parsed from JSON.
 * @param path Its name in messages (default `search`); entries are reported as `search.name`.
 * @throws {TypeError | RangeError} As {@link parseParamSpec}, or if the section is not a
 *   non-empty object.
 */
export function parseSearchSpace(json: unknown, path = "search"): SearchSpace {
  if (!isPlainObject(json) || Object.keys(json).length === 0) {
    throw new TypeError(
      `${path}: expected an object of parameter name → distribution with at least one entry, ` +
        `e.g. {"gamma": {"uniform": [0.95, 0.999]}}, got ${show(json)}`,
    );
  }
  const space: Record<string, ParamSpec> = {};
  for (const [name, entry] of Object.entries(json)) {
    space[name] = parseParamSpec(entry, `${path}.${name}`);
  }
  return space;
}

/** Whether `value` is a possible draw of `spec` (right type, inside the bounds, or listed). */
export function contains(spec: ParamSpec, value: unknown): value is ParamValue {
  switch (spec.kind) {
    case "uniform":
    case "log_uniform":
      return typeof value === "number" && spec.low <= value && value <= spec.high;
    case "int":
    case "int_log":
      return Number.isInteger(value) && spec.low <= (value as number) &&
        (value as number) <= spec.high;
    case "choice":
      return (spec.values as readonly unknown[]).includes(value);
  }
}

/**
 * One independent random draw from `spec`, as Optuna's `RandomSampler`: `uniform` is
 * `rng.uniform(low, high)`; `log_uniform` is `exp(rng.uniform(ln low, ln high))`; `int` is
 * `rng.uniform(low − ½, high + ½)` rounded, `int_log` the same in log space
 * (`ln(low − ½)..ln(high + ½)`), both clipped to [low, high]; `choice` is uniform over the
 * values (`rng.integers`; Optuna takes the argmax of one uniform per value, the same law).
 */
export function sampleParam(spec: ParamSpec, rng: Rng): ParamValue {
  switch (spec.kind) {
    case "uniform":
      return clip(rng.uniform(spec.low, spec.high), spec.low, spec.high);
    case "log_uniform":
      return clip(
        Math.exp(rng.uniform(Math.log(spec.low), Math.log(spec.high))),
        spec.low,
        spec.high,
      );
    case "int":
      return roundToInt(rng.uniform(spec.low - 0.5, spec.high + 0.5), spec);
    case "int_log":
      return roundToInt(
        Math.exp(rng.uniform(Math.log(spec.low - 0.5), Math.log(spec.high + 0.5))),
        spec,
      );
    case "choice":
      return spec.values[rng.integers(0, spec.values.length)];
  }
}

/** `x` limited to [low, high]. */
export function clip(x: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, x));
}

/** `x` rounded to the nearest integer of `spec` (clipped; `+ 0` turns −0 into 0). */
export function roundToInt(x: number, spec: IntSpec): number {
  return clip(Math.round(x), spec.low, spec.high) + 0;
}
