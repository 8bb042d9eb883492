/**
 * The sweep folder `runs/<sweep>/`: what a sweep leaves on disk, with every name spelled here
 * (as `core/run_folder.ts` does for a run). It holds
 *
 * - `sweep.json`: the sweep file with its defaults filled in (marks the folder as a sweep);
 * - `study.sqlite` (+ `-wal`, `-shm`): the embedded study storage, unless `--storage` names a
 *   PostgreSQL database;
 * - `summary.json` ({@link SweepSummary} in `summary.ts`), rewritten as the sweep goes, and
 *   `summary.md`, the ranked table, at the end;
 * - one ordinary run folder per configuration × seed, `<configuration>__s<seed>/`;
 * - `best/`: a copy of the best trial's run folder (a plain folder, not a link).
 *
 * The final run of `--final STEPS` sits beside the sweep folder: `runs/<sweep>__final/`.
 * @module
 */
import { writeFileAtomic, writeJsonAtomic } from "../core/atomic_write.ts";
import { RUN_FILES } from "../core/run_folder.ts";
import { type SweepFile, trialRunName } from "./sweep_file.ts";
import type { SweepSummary } from "./summary.ts";

/** The fixed file names of a sweep folder. */
export const SWEEP_FILES = {
  sweep: "sweep.json",
  storage: "study.sqlite",
  summary: "summary.json",
  summaryMarkdown: "summary.md",
  best: "best",
} as const;

/** The name of a sweep's final run folder, beside the sweep folder. */
export function finalRunName(sweep: string): string {
  return `${sweep}__final`;
}

/** A sweep folder on disk. */
export class SweepFolder {
  /** The folder's path. */
  readonly dir: string;

  /** The sweep folder at `dir` (nothing is read or created). */
  constructor(dir: string) {
    this.dir = dir.replace(/\/+$/, "") || "/";
  }

  /** The sweep folder of sweep `name` in `out` (e.g. `runs`). */
  static of(out: string, name: string): SweepFolder {
    return new SweepFolder(`${out.replace(/\/+$/, "")}/${name}`);
  }

  /** Path of a fixed file. */
  path(file: keyof typeof SWEEP_FILES): string {
    return `${this.dir}/${SWEEP_FILES[file]}`;
  }

  /** Path of a trial's run folder. */
  trialDir(configuration: string, seed: number): string {
    return `${this.dir}/${trialRunName(configuration, seed)}`;
  }

  /** Path of the run folder named `runName` inside the sweep. */
  runDir(runName: string): string {
    return `${this.dir}/${runName}`;
  }

  /** Path of the final run (beside the sweep folder). */
  finalDir(): string {
    const slash = this.dir.lastIndexOf("/");
    const parent = slash > 0 ? this.dir.slice(0, slash) : slash === 0 ? "" : ".";
    const name = this.dir.slice(slash + 1);
    return `${parent}/${finalRunName(name)}`;
  }

  /** Whether the folder holds a `sweep.json`. */
  async isSweep(): Promise<boolean> {
    try {
      await Deno.stat(this.path("sweep"));
      return true;
    } catch {
      return false;
    }
  }

  /** Reads `sweep.json` (null when missing or unreadable). */
  readSweepFile(): Promise<SweepFile | null> {
    return readJson<SweepFile>(this.path("sweep"));
  }

  /** Creates the folder and writes `sweep.json`. */
  async create(file: SweepFile): Promise<void> {
    await Deno.mkdir(this.dir, { recursive: true });
    await writeJsonAtomic(this.path("sweep"), file);
  }

  /** Reads `summary.json` (null when missing or unreadable). */
  readSummary(): Promise<SweepSummary | null> {
    return readJson<SweepSummary>(this.path("summary"));
  }

  /** Rewrites `summary.json` atomically. */
  writeSummary(summary: SweepSummary): Promise<void> {
    return writeJsonAtomic(this.path("summary"), summary);
  }

  /** Writes `summary.md` atomically. */
  writeSummaryMarkdown(text: string): Promise<void> {
    return writeFileAtomic(this.path("summaryMarkdown"), text);
  }

  /**
   * Copies the run folder `runName` to `best/`, replacing an older copy: the copy is built
   * beside it and renamed into place, so `best/` is never half-written. The liveness lock is
   * not copied (the copy is a finished run nobody trains).
   */
  async promote(runName: string): Promise<string> {
    const target = this.path("best");
    const tmp = `${target}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    await copyTree(this.runDir(runName), tmp, new Set([RUN_FILES.lock]));
    await Deno.remove(target, { recursive: true }).catch(() => {});
    await Deno.rename(tmp, target);
    return target;
  }
}

/** Copies a folder tree (files and folders; links are copied as the files they point to). */
async function copyTree(from: string, to: string, skip: ReadonlySet<string>): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (skip.has(entry.name) || entry.name.endsWith(".tmp")) continue;
    const src = `${from}/${entry.name}`, dst = `${to}/${entry.name}`;
    const info = await Deno.stat(src);
    if (info.isDirectory) await copyTree(src, dst, new Set());
    else await Deno.copyFile(src, dst);
  }
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch {
    return null;
  }
}
