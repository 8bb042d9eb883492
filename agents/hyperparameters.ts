/**
 * Hyperparameter schemas: each algorithm declares every key once, with its type, default,
 * range or choices, a one-line doc and per-env presets. From that declaration come the
 * TypeScript type ({@link HyperOf}), validation of every source (presets, `--config`,
 * `--set`, sweep files) before anything runs, `train.ts --help --algo X`, `config.json` and
 * the README tables ({@link schemaMarkdown}).
 * @module
 */
import { UsageError } from "../core/cli.ts";

/** A real-valued hyperparameter; `float32` ones must survive the trip to float32 kernels. */
export interface NumberSpec {
  /** Kind tag. */
  kind: "number";
  /** Default value. */
  default: number;
  /** Smallest accepted value. */
  min?: number;
  /** Whether `min` itself is excluded. */
  minExclusive?: boolean;
  /** Largest accepted value. */
  max?: number;
  /** Whether the value feeds float32 arithmetic (finite, and non-zero stays non-zero). */
  float32?: boolean;
  /** One line for `--help` and the README. */
  doc: string;
}

/** An integer hyperparameter, optionally with special values outside its range (e.g. −1). */
export interface IntSpec {
  /** Kind tag. */
  kind: "int";
  /** Default value. */
  default: number;
  /** Smallest accepted value. */
  min: number;
  /** Largest accepted value. */
  max: number;
  /** Values accepted besides `[min, max]`, with their meaning. */
  special?: Readonly<Record<number, string>>;
  /** One line for `--help` and the README. */
  doc: string;
}

/** A boolean hyperparameter. */
export interface BooleanSpec {
  /** Kind tag. */
  kind: "boolean";
  /** Default value. */
  default: boolean;
  /** One line for `--help` and the README. */
  doc: string;
}

/** One of a fixed set of strings. */
export interface ChoiceSpec<C extends string = string> {
  /** Kind tag. */
  kind: "choice";
  /** Default value. */
  default: C;
  /** Accepted values. */
  choices: readonly C[];
  /** One line for `--help` and the README. */
  doc: string;
}

/** A list of integers (e.g. hidden layer widths). */
export interface IntListSpec {
  /** Kind tag. */
  kind: "int-list";
  /** Default value. */
  default: readonly number[];
  /** Smallest accepted item. */
  itemMin: number;
  /** Largest accepted item. */
  itemMax: number;
  /** Fewest items. */
  minLength: number;
  /** Most items. */
  maxLength: number;
  /** One line for `--help` and the README. */
  doc: string;
}

/** Any hyperparameter declaration. */
export type HyperSpec = NumberSpec | IntSpec | BooleanSpec | ChoiceSpec | IntListSpec;

/** The declarations of an algorithm's keys. */
export type HyperSpecs = Readonly<Record<string, HyperSpec>>;

/** The value type a declaration accepts. */
export type ValueOf<S extends HyperSpec> = S extends NumberSpec | IntSpec ? number
  : S extends BooleanSpec ? boolean
  : S extends ChoiceSpec<infer C> ? C
  : S extends IntListSpec ? number[]
  : never;

/** The hyperparameter record a set of declarations describes. */
export type HyperOf<T extends HyperSpecs> = { -readonly [K in keyof T]: ValueOf<T[K]> };

/** A real-valued key. */
export function real(
  doc: string,
  def: number,
  range: Omit<NumberSpec, "kind" | "default" | "doc"> = {},
): NumberSpec {
  return { kind: "number", default: def, doc, ...range };
}

/** An integer key in `[min, max]`. */
export function int(
  doc: string,
  def: number,
  min: number,
  max: number,
  special?: Readonly<Record<number, string>>,
): IntSpec {
  return { kind: "int", default: def, min, max, doc, ...(special ? { special } : {}) };
}

/** A boolean key. */
export function bool(doc: string, def: boolean): BooleanSpec {
  return { kind: "boolean", default: def, doc };
}

/** A key taking one of `choices`. */
export function choice<const C extends string>(
  doc: string,
  def: NoInfer<C>,
  choices: readonly C[],
): ChoiceSpec<C> {
  return { kind: "choice", default: def, choices, doc };
}

/** A list-of-integers key. */
export function intList(
  doc: string,
  def: readonly number[],
  items: { min: number; max: number; minLength: number; maxLength: number },
): IntListSpec {
  return {
    kind: "int-list",
    default: def,
    itemMin: items.min,
    itemMax: items.max,
    minLength: items.minLength,
    maxLength: items.maxLength,
    doc,
  };
}

/** What cross-key checks see besides the values. */
export interface RunShape {
  /** Env id. */
  envId: string;
  /** Env steps requested. */
  totalSteps: number;
}

/** An algorithm's hyperparameter schema. */
export interface HyperSchema<T extends HyperSpecs = HyperSpecs> {
  /** Every key, declared once. */
  specs: T;
  /** Tuned values per env id, over the defaults (validated like any other source). */
  presets: Readonly<Record<string, Partial<HyperOf<T>>>>;
  /** Checks between keys (e.g. minibatches dividing the rollout): a message, or null. */
  check?(h: HyperOf<T>, run: RunShape): string | null;
}

/** Builds a schema, keeping its literal types. */
export function defineSchema<const T extends HyperSpecs>(schema: HyperSchema<T>): HyperSchema<T> {
  return schema;
}

/** The defaults of every key. */
export function schemaDefaults<T extends HyperSpecs>(schema: HyperSchema<T>): HyperOf<T> {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(schema.specs)) {
    out[k] = Array.isArray(s.default) ? [...s.default] : s.default;
  }
  return out as HyperOf<T>;
}

/** The defaults with `envId`'s preset applied (presets are trusted: a test validates them). */
export function presetFor<T extends HyperSpecs>(schema: HyperSchema<T>, envId: string): HyperOf<T> {
  return { ...schemaDefaults(schema), ...(schema.presets[envId] ?? {}) } as HyperOf<T>;
}

/** "a number in (0, 1]", "an integer in [1, 4096]", "relu | tanh": what a key accepts. */
export function describeAccepted(spec: HyperSpec): string {
  switch (spec.kind) {
    case "number": {
      const lo = spec.min === undefined ? "(-∞" : `${spec.minExclusive ? "(" : "["}${spec.min}`;
      const hi = spec.max === undefined ? "∞)" : `${spec.max}]`;
      return `a number in ${lo}, ${hi}${spec.float32 ? " representable in float32" : ""}`;
    }
    case "int": {
      const special = Object.entries(spec.special ?? {}).map(([v, what]) => `${v} (${what})`);
      return `an integer in [${spec.min}, ${spec.max}]${
        special.length ? ` or ${special.join(", ")}` : ""
      }`;
    }
    case "boolean":
      return "true or false";
    case "choice":
      return spec.choices.join(" | ");
    case "int-list":
      return `a list of ${spec.minLength}–${spec.maxLength} integers in [${spec.itemMin}, ${spec.itemMax}]`;
  }
}

/** Why `value` is not acceptable for `spec`, or null when it is. */
export function checkValue(spec: HyperSpec, value: unknown): string | null {
  switch (spec.kind) {
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return "not a finite number";
      if (spec.min !== undefined && (spec.minExclusive ? value <= spec.min : value < spec.min)) {
        return "below the range";
      }
      if (spec.max !== undefined && value > spec.max) return "above the range";
      if (spec.float32) {
        const f = Math.fround(value);
        if (!Number.isFinite(f)) return "too large for float32";
        if (f === 0 && value !== 0) return "too small for float32 (it would become 0)";
      }
      return null;
    }
    case "int": {
      if (typeof value !== "number" || !Number.isInteger(value)) return "not an integer";
      if (spec.special && value in spec.special) return null;
      return value < spec.min || value > spec.max ? "out of range" : null;
    }
    case "boolean":
      return typeof value === "boolean" ? null : "not true or false";
    case "choice":
      return typeof value === "string" && (spec.choices as readonly string[]).includes(value)
        ? null
        : "not one of the choices";
    case "int-list": {
      if (!Array.isArray(value)) return "not a list";
      if (value.length < spec.minLength || value.length > spec.maxLength) {
        return `a list of the wrong length (${value.length})`;
      }
      const bad = value.find((v) =>
        typeof v !== "number" || !Number.isInteger(v) || v < spec.itemMin || v > spec.itemMax
      );
      return bad === undefined ? null : `a list with item ${JSON.stringify(bad)} out of range`;
    }
  }
}

/** Named sets of values applied in order over the preset (e.g. `--config`, then `--set`). */
export interface HyperSource {
  /** Where the values come from, for messages: `--set`, `--config run.json`, `experiment x`. */
  source: string;
  /** The values. */
  values: Record<string, unknown>;
}

/**
 * Resolves hyperparameters: `envId`'s preset, then each source in order; every key and value
 * is checked (unknown keys, types, ranges, choices), then the cross-key checks. Throws a
 * `UsageError` naming the source, the key, the bad value and what is accepted.
 */
export function resolveHyperparameters<T extends HyperSpecs>(
  schema: HyperSchema<T>,
  run: RunShape,
  sources: readonly HyperSource[],
): HyperOf<T> {
  const out: Record<string, unknown> = { ...presetFor(schema, run.envId) };
  for (const { source, values } of sources) {
    for (const [key, value] of Object.entries(values)) {
      const spec = schema.specs[key];
      if (!spec) {
        throw new UsageError(
          `Unknown hyperparameter "${key}" in ${source}; accepted: ${
            Object.keys(schema.specs).join(", ")
          }`,
        );
      }
      const why = checkValue(spec, value);
      if (why) {
        throw new UsageError(
          `Hyperparameter ${key}=${JSON.stringify(value)} in ${source} is ${why}; ` +
            `accepted: ${describeAccepted(spec)}`,
        );
      }
      out[key] = Array.isArray(value) ? [...value] : value;
    }
  }
  const h = out as HyperOf<T>;
  const why = schema.check?.(h, run);
  if (why) {
    const from = sources.filter((s) => Object.keys(s.values).length).map((s) => s.source);
    throw new UsageError(`${why} (${from.join(", ") || `the ${run.envId} preset`})`);
  }
  return h;
}

/** Parses `key=value` (value as JSON, else as a plain string) for `flag`. */
export function parseAssignment(text: string, flag = "--set"): [string, unknown] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new UsageError(`${flag} expects key=value, got "${text}"`);
  const key = text.slice(0, eq).trim(), raw = text.slice(eq + 1).trim();
  try {
    return [key, JSON.parse(raw)];
  } catch {
    return [key, raw];
  }
}

/** `--help` lines: each key with its default for `envId` and what it accepts. */
export function schemaHelp<T extends HyperSpecs>(schema: HyperSchema<T>, envId: string): string[] {
  const preset = presetFor(schema, envId);
  const rows = Object.entries(schema.specs).map(([k, s]) => [
    `  ${k}`,
    `${s.doc} [default: ${JSON.stringify(preset[k as keyof typeof preset])}; ${
      describeAccepted(s)
    }]`,
  ]);
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  return rows.map(([a, b]) => a.padEnd(width) + b);
}

/**
 * A Markdown table of the schema: key, default, the presets, accepted values and meaning, with
 * columns padded as `deno fmt` pads them, so the README can hold it verbatim.
 */
export function schemaMarkdown<T extends HyperSpecs>(schema: HyperSchema<T>): string {
  const envs = Object.keys(schema.presets);
  const fmt = (v: unknown) => v === undefined ? "" : `\`${JSON.stringify(v)}\``;
  const rows = [["key", "default", ...envs, "accepted", "meaning"]];
  for (const [k, s] of Object.entries(schema.specs)) {
    const presets = envs.map((e) => fmt((schema.presets[e] as Record<string, unknown>)[k]));
    rows.push([`\`${k}\``, fmt(s.default), ...presets, describeAccepted(s), s.doc]);
  }
  const cells = rows.map((r) => r.map((c) => c.replaceAll("|", "\\|")));
  // Display width, as deno fmt measures it: code points, combining marks taking no room.
  const width = (c: string) => [...c.replace(/\p{M}/gu, "")].length;
  const widths = cells[0].map((_, j) => Math.max(3, ...cells.map((r) => width(r[j]))));
  const line = (r: string[]) =>
    `| ${r.map((c, j) => c + " ".repeat(widths[j] - width(c))).join(" | ")} |`;
  return [line(cells[0]), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)]
    .join("\n");
}
