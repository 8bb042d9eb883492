/**
 * Resolving hyperparameters: an algorithm's defaults, overridden by a JSON config file, then by
 * `--set key=value` flags, each checked against the default's type.
 * @module
 */
import { UsageError } from "../core/cli.ts";
import type { Hyperparameters, HyperValue } from "./algorithm.ts";

/** Parses `key=value` (value as JSON, else as a plain string). */
export function parseAssignment(text: string): [string, unknown] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`--set expects key=value, got "${text}"`);
  const key = text.slice(0, eq).trim(), raw = text.slice(eq + 1).trim();
  try {
    return [key, JSON.parse(raw)];
  } catch {
    return [key, raw];
  }
}

/** Applies `overrides` to `defaults`, rejecting unknown keys and values of the wrong type. */
export function applyOverrides<H extends Hyperparameters>(
  defaults: H,
  overrides: Record<string, unknown>,
  source: string,
): H {
  const out: Hyperparameters = { ...defaults };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in defaults)) {
      throw new UsageError(
        `Unknown hyperparameter "${key}" in ${source}; accepted: ${
          Object.keys(defaults).join(", ")
        }`,
      );
    }
    out[key] = checkType(key, defaults[key], value, source);
  }
  return out as H;
}

function checkType(key: string, def: HyperValue, value: unknown, source: string): HyperValue {
  const bad = (want: string) =>
    new UsageError(
      `Hyperparameter "${key}" in ${source} must be ${want}, got ${JSON.stringify(value)}`,
    );
  if (typeof def === "number" || def === null) {
    if (value === null && def === null) return null;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw bad(def === null ? "a finite number or null" : "a finite number");
    }
    if (typeof def === "number" && Number.isInteger(def) && !Number.isInteger(value)) {
      // Integer-valued defaults (sizes, counts) must stay integers; rates are never integers.
      if (/(Steps|Size|Every|Envs|Epochs|Minibatches|Episodes|Capacity|Freq|Starts)$/i.test(key)) {
        throw bad("an integer");
      }
    }
    return value;
  }
  if (typeof def === "boolean") {
    if (typeof value !== "boolean") throw bad("true or false");
    return value;
  }
  if (typeof def === "string") {
    if (typeof value !== "string") throw bad("a string");
    return value;
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === "number" && Number.isFinite(v))) {
    throw bad("an array of numbers");
  }
  return value as number[];
}
