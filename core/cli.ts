/**
 * Typed command-line flags for Eagle's commands: `--help` lists every flag with its default,
 * and a user mistake (unknown flag, bad value, missing folder) ends with one clear line and a
 * non-zero exit, never a stack trace.
 * @module
 */
import { parseArgs } from "node:util";

/** A user mistake: printed as one line, exit code 2. */
export class UsageError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** One flag. */
export interface FlagSpec {
  /** Value type; `list` may repeat and collects strings. */
  type: "string" | "int" | "number" | "boolean" | "list";
  /** Help text. */
  help: string;
  /** Default value shown in `--help` (undefined: none). */
  default?: string | number | boolean;
  /** Allowed values of a string flag. */
  choices?: readonly string[];
  /** Name of the value in help, e.g. `N`. */
  valueName?: string;
}

/** Parsed values: strings, numbers, booleans or string lists. */
export type FlagValues = Record<string, string | number | boolean | string[] | undefined>;

/** A command: its usage line, description, flags and positional argument names. */
export interface CommandSpec {
  /** e.g. `deno run -A train.ts`. */
  usage: string;
  /** What the command does. */
  description: string;
  /** Flags by long name (kebab-case). */
  flags: Record<string, FlagSpec>;
  /** Positional arguments, e.g. `["RUN_DIR"]`; all required. */
  positionals?: readonly string[];
  /** More `--help` text, given the flags parsed so far (e.g. the chosen algorithm's keys). */
  helpFooter?: (flags: FlagValues) => string;
}

/** Renders `--help`. */
export function helpText(cmd: CommandSpec): string {
  const pos = (cmd.positionals ?? []).join(" ");
  const lines = [`Usage: ${cmd.usage}${pos ? " " + pos : ""} [flags]`, "", cmd.description, ""];
  lines.push("Flags:");
  const rows = Object.entries(cmd.flags).map(([name, f]) => {
    const value = f.type === "boolean" ? "" : ` ${f.valueName ?? f.type.toUpperCase()}`;
    const choices = f.choices ? ` (${f.choices.join(" | ")})` : "";
    const def = f.default === undefined ? "" : ` [default: ${f.default}]`;
    return [`  --${name}${value}`, `${f.help}${choices}${def}`];
  });
  rows.push(["  -h, --help", "Show this help"]);
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  for (const [a, b] of rows) lines.push(a.padEnd(width) + b);
  return lines.join("\n");
}

/**
 * Parses `args` against `cmd`. Returns `null` after printing help for `--help`; throws
 * `UsageError` for any mistake.
 */
export function parseFlags(
  cmd: CommandSpec,
  args: readonly string[],
): { flags: FlagValues; positionals: string[] } | null {
  const options: Record<
    string,
    { type: "string" | "boolean"; multiple?: boolean; short?: string }
  > = { help: { type: "boolean", short: "h" } };
  for (const [name, f] of Object.entries(cmd.flags)) {
    options[name] = { type: f.type === "boolean" ? "boolean" : "string" };
    if (f.type === "list") options[name].multiple = true;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(cmd, args),
      options,
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError(`${describeParseError(err)}; run with --help to see the accepted flags`);
  }
  if (parsed.values.help) {
    let footer = "";
    if (cmd.helpFooter) {
      const lenient: FlagValues = {};
      for (const [name, f] of Object.entries(cmd.flags)) {
        const raw = parsed.values[name] as string | boolean | string[] | undefined;
        try {
          lenient[name] = raw === undefined ? f.default : convert(name, f, raw);
        } catch {
          lenient[name] = f.default;
        }
      }
      footer = "\n\n" + cmd.helpFooter(lenient);
    }
    console.log(helpText(cmd) + footer);
    return null;
  }
  const want = cmd.positionals ?? [];
  if (parsed.positionals.length !== want.length) {
    throw new UsageError(
      want.length === 0
        ? `Unexpected argument "${parsed.positionals[0]}"; this command takes only flags`
        : `Expected ${want.join(" ")}, got ${parsed.positionals.length} argument(s)`,
    );
  }
  const flags: FlagValues = {};
  for (const [name, f] of Object.entries(cmd.flags)) {
    const raw = parsed.values[name] as string | boolean | string[] | undefined;
    flags[name] = raw === undefined ? f.default : convert(name, f, raw);
  }
  return { flags, positionals: parsed.positionals };
}

/**
 * `--steps -5` as `--steps=-5`: node's parser reads a value that starts with `-` as a flag
 * ("argument is ambiguous"), which hides the real mistake behind a confusing message.
 */
function joinNegativeValues(cmd: CommandSpec, args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i], next = args[i + 1];
    const spec = a.startsWith("--") && !a.includes("=") ? cmd.flags[a.slice(2)] : undefined;
    if (
      spec && spec.type !== "boolean" && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)
    ) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

function convert(name: string, f: FlagSpec, raw: string | boolean | string[]) {
  if (f.type === "boolean" || f.type === "list") return raw;
  const s = raw as string;
  if (f.type === "int" || f.type === "number") {
    const v = Number(s.replaceAll("_", ""));
    if (s.trim() === "" || !Number.isFinite(v) || (f.type === "int" && !Number.isInteger(v))) {
      const kind = f.type === "int" ? "an integer" : "a number";
      throw new UsageError(`--${name} must be ${kind}, got "${s}"`);
    }
    return v;
  }
  if (f.choices && !f.choices.includes(s)) {
    throw new UsageError(`--${name} must be one of ${f.choices.join(", ")}; got "${s}"`);
  }
  return s;
}

function describeParseError(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const unknown = msg.match(/Unknown option '([^']+)'/);
  if (unknown) return `Unknown flag ${unknown[1]}`;
  const missing = msg.match(/Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/);
  if (missing) return `Flag ${missing[1]} needs a value`;
  return msg.split("\n")[0].replace(/\.$/, "");
}

/**
 * Runs a command's main function and turns user mistakes (`UsageError`, `RangeError`,
 * `TypeError` raised on bad input, a missing file) into one line on stderr and exit code 2.
 * Set `EAGLE_DEBUG=1` to see stack traces.
 */
export async function runCommand(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (Deno.env.get("EAGLE_DEBUG")) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    const kind = err instanceof UsageError || err instanceof RangeError ||
        err instanceof TypeError || err instanceof Deno.errors.NotFound
      ? "error"
      : "unexpected error";
    console.error(`${kind}: ${msg}`);
    Deno.exit(kind === "error" ? 2 : 1);
  }
}
