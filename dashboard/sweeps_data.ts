/**
 * What the sweep pages show, read live: the sweep folders of the runs folder (a folder holding
 * `sweep.json`, with the `summary.json` the sweep rewrites every 2 s, see
 * `sweeps/sweep_folder.ts`) and, with `--sweep-storage URL`, the studies of a database (a
 * shared PostgreSQL or a SQLite file), each read with {@link SweepStudy.snapshot} and ranked by
 * {@link buildSummary} exactly as the sweep itself does. A study found in both is read from
 * the database, which is never behind; its trials link to run folders where they exist here.
 *
 * Folder names go through the same checks as run ids (`runs.ts`): no `..`, no paths, and
 * neither sweep folders nor their files are read through symbolic links.
 * @module
 */
import { join } from "node:path";
import { buildSummary, type SweepSummary } from "../sweeps/summary.ts";
import { SweepFolder } from "../sweeps/sweep_folder.ts";
import type { SweepFile } from "../sweeps/sweep_file.ts";
import { isPostgresUrl, openSqlDriver, redactUrl, type SqlDriver } from "../sweeps/sql_driver.ts";
import { listStudies, SweepStudy } from "../sweeps/study.ts";
import {
  SWEEP_STALE_MS,
  type SweepEntry,
  type SweepSource,
  type SweepView,
} from "./components/sweep_view.ts";
import { envFacts } from "./page_data.ts";
import { folderNameProblem, type RunStore } from "./runs.ts";
import { HttpError } from "./validate.ts";

/** Options of {@link SweepStore}. */
export interface SweepStoreOptions {
  /**
   * A study storage to show as well (`--sweep-storage`): a `postgres://` URL or the path of a
   * SQLite file (which must exist: the dashboard never creates one).
   */
  storage?: string;
  /** The current time (tests). */
  now?: () => number;
}

/** The study storage's line on the sweeps list: where it is, and why it cannot be read. */
export interface StorageStatus {
  /** Where (no password). */
  location: string;
  /** Why it could not be read just now, or null. */
  error: string | null;
}

interface Cached {
  mtime: number;
  size: number;
  value: SweepSummary | SweepFile | null;
}

/** A study in the database: its name and file. */
interface StudyInfo {
  name: string;
  sweep: SweepFile;
}

/** Reads sweep folders and, optionally, a study storage. */
export class SweepStore {
  readonly #runs: RunStore;
  readonly #storage?: string;
  readonly #now: () => number;
  #db: Promise<SqlDriver> | null = null;
  #cache = new Map<string, Cached>();

  /** Sweeps of `runs`'s folder, and of `options.storage` when given. */
  constructor(runs: RunStore, options: SweepStoreOptions = {}) {
    this.#runs = runs;
    this.#storage = options.storage;
    this.#now = options.now ?? Date.now;
  }

  /** The storage shown besides the folders, or null. */
  get storageLocation(): string | null {
    return this.#storage === undefined ? null : redactUrl(this.#storage);
  }

  /**
   * Every sweep, newest first, and the study storage's status (null without one, or with
   * `folders` set: only the sweep folders, nothing asked of the database).
   */
  async list(
    { folders = false }: { folders?: boolean } = {},
  ): Promise<{ sweeps: SweepEntry[]; storage: StorageStatus | null }> {
    const byName = new Map<string, SweepEntry>();
    for (const name of await this.#folderNames()) {
      const entry = await this.#folderEntry(name);
      if (entry) byName.set(name, entry);
    }
    let storage: StorageStatus | null = null;
    if (this.#storage !== undefined && !folders) {
      storage = { location: redactUrl(this.#storage), error: null };
      try {
        const db = await this.#open();
        for (const study of await this.#studies(db)) {
          const local = byName.get(study.name)?.summary ?? null;
          byName.set(study.name, await this.#studyEntry(db, study, local));
        }
      } catch (err) {
        storage.error = this.#message(err);
      }
    }
    const created = (e: SweepEntry) => e.summary?.createdAt ?? "";
    const sweeps = [...byName.values()].sort((a, b) =>
      created(b).localeCompare(created(a)) || a.name.localeCompare(b.name)
    );
    return { sweeps, storage };
  }

  /**
   * The sweep page's data for sweep `name`: an `HttpError` 422 for a malformed name, 404 for
   * one that is neither a sweep folder nor a study (503 when only the storage could tell and
   * it cannot be reached).
   */
  async view(name: string): Promise<SweepView> {
    const problem = folderNameProblem(name);
    if (problem) {
      throw new HttpError(422, "name", `Sweep name ${problem}; got ${JSON.stringify(name)}`);
    }
    const folder = await this.#isSweepFolder(name) ? await this.#folderEntry(name) : null;
    let entry: SweepEntry | null = null;
    let unreachable: string | null = null;
    if (this.#storage !== undefined) {
      try {
        const db = await this.#open();
        const study = (await this.#studies(db)).find((s) => s.name === name);
        if (study) entry = await this.#studyEntry(db, study, folder?.summary ?? null);
      } catch (err) {
        unreachable = this.#message(err);
      }
    }
    entry ??= folder;
    if (!entry) {
      if (unreachable) throw new HttpError(503, "name", unreachable);
      throw new HttpError(
        404,
        "name",
        `No sweep ${JSON.stringify(name)} in ${this.#runs.displayPath("")}${
          this.#storage === undefined ? "" : ` or ${redactUrl(this.#storage)}`
        }; /sweeps lists the sweeps`,
      );
    }
    const runIfHere = (id: string) => this.#runs.runDir(id).then(() => id, () => null);
    const trialRuns: Record<string, string | null> = {};
    for (const c of entry.summary?.configurations ?? []) {
      for (const t of c.trials) trialRuns[t.run] = await runIfHere(`${name}/${t.run}`);
    }
    const s = entry.summary;
    return {
      ...entry,
      threshold: envFacts(entry.env).threshold,
      trialRuns,
      bestRun: s?.best ? await runIfHere(`${name}/${s.best.folder}`) : null,
      finalRun: s?.final ? await runIfHere(s.final.run) : null,
    };
  }

  /** Closes the storage connection, if one was opened. */
  async close(): Promise<void> {
    const db = this.#db;
    this.#db = null;
    if (db) await db.then((d) => d.close(), () => {});
  }

  /** The runs folder's sweep folders (real folders holding `sweep.json`), by name. */
  async #folderNames(): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const e of Deno.readDir(this.#runs.root)) {
        // Symlinked folders are skipped: they could point outside the runs folder.
        if (!e.isDirectory || e.isSymlink || folderNameProblem(e.name)) continue;
        if (await this.#isSweepFolder(e.name)) names.push(e.name);
      }
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return [];
      throw err;
    }
    return names.sort();
  }

  async #isSweepFolder(name: string): Promise<boolean> {
    const dir = join(this.#runs.root, name);
    const info = await Deno.lstat(dir).catch(() => null);
    if (!info?.isDirectory) return false;
    const spec = await Deno.lstat(new SweepFolder(dir).path("sweep")).catch(() => null);
    return spec?.isFile ?? false;
  }

  /** A sweep folder's entry from its files (null when `sweep.json` is unreadable). */
  async #folderEntry(name: string): Promise<SweepEntry | null> {
    const folder = new SweepFolder(join(this.#runs.root, name));
    const file = await this.#readJson<SweepFile>(folder.path("sweep"));
    if (!file || typeof file !== "object") return null;
    const summary = await this.#readJson<SweepSummary>(folder.path("summary"));
    const valid = summary && summary.version === 1 && Array.isArray(summary.configurations)
      ? summary
      : null;
    const stale = valid?.state === "running" &&
      this.#now() - Date.parse(valid.updatedAt) > SWEEP_STALE_MS;
    return entryOf(name, "folder", file, valid, stale);
  }

  /** A study's entry, summarised from a snapshot of the database. */
  async #studyEntry(
    db: SqlDriver,
    study: StudyInfo,
    local: SweepSummary | null,
  ): Promise<SweepEntry> {
    const snap = await (await SweepStudy.open(db, study.name)).snapshot();
    const now = this.#now();
    // Nobody holds a live lease on an unfinished study: no worker is on it now.
    const working = snap.trials.some((t) => t.state === "running" && (t.leaseUntil ?? 0) > now);
    const summary = buildSummary(snap, {
      storage: { kind: db.kind, location: db.location },
      stopped: !snap.done && !working,
      // Only the sweep's own process knows of its final run; its summary.json says.
      final: local?.final ?? null,
      now,
    });
    return entryOf(study.name, "database", study.sweep, summary, false);
  }

  /** The studies of the storage whose names can be sweep folder names. */
  async #studies(db: SqlDriver): Promise<StudyInfo[]> {
    return (await listStudies(db)).filter((s) => folderNameProblem(s.name) === null);
  }

  /** The storage connection, opened on first use (and again after a failed attempt). */
  #open(): Promise<SqlDriver> {
    this.#db ??= (async () => {
      const storage = this.#storage!;
      if (!isPostgresUrl(storage)) {
        // openSqlDriver would create a missing file: a typo must not make an empty storage.
        const path = storage.replace(/^sqlite:/, "");
        const info = await Deno.stat(path).catch(() => null);
        if (!info?.isFile) {
          throw new Error(`No SQLite study storage at ${path} (the dashboard never creates one)`);
        }
      }
      return await openSqlDriver(storage);
    })();
    const db = this.#db;
    db.catch(() => {
      if (this.#db === db) this.#db = null;
    });
    return db;
  }

  #message(err: unknown): string {
    const text = this.#runs.relative(err instanceof Error ? err.message : String(err));
    const where = redactUrl(this.#storage ?? "");
    // The drivers' own messages already name the storage.
    return text.includes(where) ? text : `Cannot read the study storage ${where}: ${text}`;
  }

  /** A JSON file that is a regular file (never a link), cached by mtime and size; else null. */
  async #readJson<T>(path: string): Promise<T | null> {
    const st = await Deno.lstat(path).catch(() => null);
    if (!st?.isFile) return null;
    const mtime = st.mtime?.getTime() ?? 0;
    const hit = this.#cache.get(path);
    if (hit && hit.mtime === mtime && hit.size === st.size) return hit.value as T | null;
    let value: T | null = null;
    try {
      value = JSON.parse(await Deno.readTextFile(path)) as T;
    } catch { /* half-written by a non-atomic writer: null until rewritten */ }
    this.#cache.set(path, { mtime, size: st.size, value: value as Cached["value"] });
    return value;
  }
}

function entryOf(
  name: string,
  source: SweepSource,
  file: SweepFile,
  summary: SweepSummary | null,
  stale: boolean,
): SweepEntry {
  return {
    name,
    source,
    algo: summary?.algo ?? String(file.algo ?? "?"),
    env: summary?.env ?? String(file.env ?? "?"),
    description: summary?.description ?? String(file.description ?? ""),
    state: summary?.state ?? "starting",
    stale,
    summary,
  };
}
