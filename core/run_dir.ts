/**
 * Finding and reading run folders, with clear errors for user mistakes.
 * @module
 */
import type { RunConfig } from "./run_log.ts";
import { UsageError } from "./cli.ts";

/** Reads `RUN_DIR/config.json`, or throws a `UsageError` saying what is missing. */
export async function readRunConfig(runDir: string): Promise<RunConfig> {
  let stat;
  try {
    stat = await Deno.stat(runDir);
  } catch {
    throw new UsageError(`Run folder "${runDir}" does not exist`);
  }
  if (!stat.isDirectory) throw new UsageError(`"${runDir}" is not a folder`);
  let text;
  try {
    text = await Deno.readTextFile(`${runDir}/config.json`);
  } catch {
    throw new UsageError(
      `"${runDir}" is not a run folder: it has no config.json (train.ts writes one)`,
    );
  }
  let config: RunConfig;
  try {
    config = JSON.parse(text);
  } catch {
    throw new UsageError(`${runDir}/config.json is not valid JSON`);
  }
  if (typeof config?.algo !== "string" || typeof config?.env !== "string") {
    throw new UsageError(`${runDir}/config.json lacks "algo" and "env"`);
  }
  return config;
}

/** A default run folder name: `<env>__<algo>__<seed>__<YYYYMMDD-HHMMSS>`. */
export function defaultRunName(env: string, algo: string, seed: number, date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${
    p(date.getHours())
  }${p(date.getMinutes())}${p(date.getSeconds())}`;
  return `${env}__${algo}__${seed}__${stamp}`;
}
