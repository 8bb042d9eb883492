/**
 * Reading run folders live for the dashboard. A run id is the name of a folder directly inside
 * the runs folder, or `<sweep>/<run>` for a trial's run folder inside a sweep folder (one
 * holding `sweep.json`, see `sweeps/sweep_folder.ts`); every segment is a plain folder name,
 * never `..` or a path, and neither sweep folders, run folders nor the files in them are
 * followed through symbolic links, so no request can reach a file outside the runs folder (a
 * run folder copied from elsewhere may hold links to anywhere). Messages name files relative to
 * the runs folder's parent, never by their absolute path. Parsed files are cached by
 * modification time and size, and `metrics.jsonl` is read incrementally as a run appends to it.
 * @module
 */
import { basename, join, resolve, sep } from "node:path";
import { CHECKPOINT_FILES, RUN_FILES } from "../core/run_folder.ts";
import type { EvalReport, MetricRecord, RunConfig, RunStatus } from "../core/run_log.ts";
import { SWEEP_FILES } from "../sweeps/sweep_folder.ts";
import { HttpError } from "./validate.ts";

/** What the runs list shows of one run. */
export interface RunSummary {
  /** Folder name inside the runs folder. */
  id: string;
  /** Env id from `config.json`. */
  env: string;
  /** Algorithm id from `config.json`. */
  algo: string;
  /** Master seed. */
  seed: number;
  /** `status.json` state, or `unknown` when the file is missing or unreadable. */
  state: RunStatus["state"] | "unknown";
  /** Env steps taken (from `status.json`, else the last metrics line). */
  globalStep: number;
  /** Env steps planned. */
  totalSteps: number;
  /** Best periodic evaluation return recorded by training. */
  bestEvalReturn: number | null;
  /** Mean reward of the latest `eval.json`, if any. */
  evalMeanReward: number | null;
  /** Success rate of the latest `eval.json`, if any. */
  evalSuccessRate: number | null;
  /** ISO time of the newest file change in the run folder. */
  updatedAt: string;
  /** ISO time the run finished (its last `status.json` update), or null unless finished. */
  finishedAt: string | null;
  /** Whether a checkpoint file exists (the run can serve `/api/predict`). */
  hasCheckpoint: boolean;
  /** Animated GIFs in the folder (file names). */
  gifs: string[];
  /** ISO time the run started. */
  createdAt: string;
  /** Error message of a failed run. */
  error?: string;
}

/** File names served from a run folder. */
const SERVABLE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.gif$/;
const MAX_ID = 255;

/**
 * Why `name` cannot be one folder name inside the runs folder (a run or a sweep): empty, too
 * long, path separators, `..`, hidden names, control characters; null when it is well formed.
 */
export function folderNameProblem(name: string): string | null {
  if (name.length === 0) return "must not be empty";
  if (name.length > MAX_ID) return `must be at most ${MAX_ID} characters`;
  // deno-lint-ignore no-control-regex
  if (/[/\\\u0000-\u001f\u007f]/.test(name)) {
    return "must be a folder name, without slashes, backslashes or control characters";
  }
  if (name.startsWith(".")) return "must not start with a dot (no hidden folders, no ..)";
  if (/^[A-Za-z]:/.test(name)) return "must be a folder name, not a path";
  return null;
}

/**
 * Why `id` cannot name a run folder, or null when it is well formed: a folder name
 * ({@link folderNameProblem}), or `<sweep>/<run>`, two folder names joined by one slash (a
 * sweep's trial). Well-formed ids still have to exist.
 */
export function runIdProblem(id: string): string | null {
  if (id.length > MAX_ID) return `must be at most ${MAX_ID} characters`;
  const parts = id.split("/");
  if (parts.length > 2) {
    return "must be a run folder name, or <sweep>/<run> for a sweep's trial (one slash at most)";
  }
  for (const part of parts) {
    const problem = folderNameProblem(part);
    if (problem) return parts.length === 2 ? `segment ${JSON.stringify(part)} ${problem}` : problem;
  }
  return null;
}

interface Cached<T> {
  mtime: number;
  size: number;
  value: T;
}

interface MetricsCache {
  mtime: number;
  size: number;
  /** Byte offset just past the last complete line parsed. */
  offset: number;
  /** Records of complete lines. */
  records: MetricRecord[];
  /** The record of a final line without its newline, if it already parses. */
  tail: MetricRecord | null;
  /** Sorted metric names seen. */
  keys: Set<string>;
}

/** Files of a run folder with their modification times, as listed once per request. */
interface Listing {
  /** Absolute folder path. */
  dir: string;
  /** Regular files by name → stat. */
  files: Map<string, Deno.FileInfo>;
}

/** Options of {@link RunStore}. */
export interface RunStoreOptions {
  /** Show only this run of the folder (`deno task serve RUN_DIR` serves one run). */
  only?: string;
}

/** Reads the runs folder live, with caches keyed by file modification time and size. */
export class RunStore {
  /** Absolute path of the runs folder. */
  readonly root: string;
  readonly #only?: string;
  #json = new Map<string, Cached<unknown>>();
  #metrics = new Map<string, MetricsCache>();
  #refreshing = new Map<string, Promise<MetricsCache | null>>();

  /** A store over `root` (which need not exist yet: it then lists no runs). */
  constructor(root: string, options: RunStoreOptions = {}) {
    this.root = resolve(root);
    this.#only = options.only;
  }

  /** A run folder (or a file in it) as messages and `/health` name it: `runs/<id>[/file]`. */
  displayPath(id: string, file?: string): string {
    return [basename(this.root) || ".", id, ...(file ? [file] : [])].join("/");
  }

  /** `message` with the runs folder's absolute path replaced by its name. */
  relative(message: string): string {
    return message.replaceAll(this.root + sep, (basename(this.root) || ".") + "/")
      .replaceAll(this.root, basename(this.root) || ".");
  }

  /** Ids of the run folders (folders holding `config.json`), not following symlinks. */
  async ids(): Promise<string[]> {
    if (this.#only !== undefined) {
      return await this.runDir(this.#only).then(() => [this.#only!], () => []);
    }
    const out: string[] = [];
    try {
      for await (const e of Deno.readDir(this.root)) {
        // Symlinked folders are skipped: they could point outside the runs folder.
        if (!e.isDirectory || e.isSymlink || runIdProblem(e.name)) continue;
        if (await exists(join(this.root, e.name, RUN_FILES.config))) out.push(e.name);
      }
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return [];
      throw err;
    }
    return out.sort();
  }

  /**
   * The folder of run `id`, or an `HttpError` (422 for a malformed id, 404 for an unknown one).
   * `field` names the request field that carried the id.
   */
  async runDir(id: string, field = "id"): Promise<string> {
    const problem = runIdProblem(id);
    if (problem) throw new HttpError(422, field, `Run id ${problem}; got ${JSON.stringify(id)}`);
    if (this.#only !== undefined && id !== this.#only) throw this.#unknown(id, field);
    const slash = id.indexOf("/");
    if (slash >= 0) {
      // A trial: its sweep folder must be a real folder (not a link) holding sweep.json.
      const sweep = join(this.root, id.slice(0, slash));
      if (!(await isFolder(sweep)) || !(await exists(join(sweep, SWEEP_FILES.sweep)))) {
        throw this.#unknown(id, field);
      }
    }
    const dir = join(this.root, ...id.split("/"));
    if (!(await isFolder(dir)) || !(await exists(join(dir, RUN_FILES.config)))) {
      throw this.#unknown(id, field);
    }
    return dir;
  }

  #unknown(id: string, field: string): HttpError {
    return new HttpError(
      404,
      field,
      `No run ${JSON.stringify(id)} in ${this.displayPath("")}; ${
        id.includes("/")
          ? `the sweep's page (/sweeps/${id.slice(0, id.indexOf("/"))}) lists its trials`
          : "GET /api/runs lists the run ids"
      }`,
    );
  }

  async #list(id: string, field = "id"): Promise<Listing> {
    const dir = await this.runDir(id, field);
    const files = new Map<string, Deno.FileInfo>();
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile) continue; // symlinks and folders are never read
      try {
        files.set(e.name, await Deno.stat(join(dir, e.name)));
      } catch { /* removed while listing */ }
    }
    return { dir, files };
  }

  /**
   * Parses a JSON file, cached until its mtime or size changes; null when absent, invalid, or
   * not a regular file (a symbolic link is never followed).
   */
  async #readJson<T>(path: string, info?: Deno.FileInfo): Promise<T | null> {
    let st = info;
    if (!st) {
      try {
        st = await Deno.lstat(path);
      } catch {
        return null;
      }
    }
    if (!st.isFile) return null;
    const mtime = st.mtime?.getTime() ?? 0;
    const hit = this.#json.get(path);
    if (hit && hit.mtime === mtime && hit.size === st.size) return hit.value as T | null;
    let value: T | null = null;
    try {
      value = JSON.parse(await Deno.readTextFile(path)) as T;
    } catch { /* absent, or half-written by a non-atomic writer: null until fixed */ }
    this.#json.set(path, { mtime, size: st.size, value });
    return value;
  }

  /** The parsed `config.json` of a run. */
  async config(id: string, field = "id"): Promise<RunConfig> {
    const dir = await this.runDir(id, field);
    const config = await this.#readJson<RunConfig>(join(dir, RUN_FILES.config));
    if (!config || typeof config.algo !== "string" || typeof config.env !== "string") {
      throw new HttpError(409, field, `Run ${JSON.stringify(id)} has an invalid config.json`);
    }
    return config;
  }

  /** The parsed `status.json` of a run, or null. */
  async status(id: string): Promise<RunStatus | null> {
    return await this.#readJson<RunStatus>(join(await this.runDir(id), RUN_FILES.status));
  }

  /** The parsed `eval.json` of a run, or null. */
  async evalReport(id: string): Promise<EvalReport | null> {
    const report = await this.#readJson<EvalReport>(join(await this.runDir(id), RUN_FILES.eval));
    return report && Array.isArray(report.per_episode) ? report : null;
  }

  /** Summaries of every run, most recently updated first. Unreadable runs are left out. */
  async list(): Promise<RunSummary[]> {
    const out: RunSummary[] = [];
    for (const id of await this.ids()) {
      try {
        out.push(await this.summary(id));
      } catch { /* removed or broken while listing */ }
    }
    return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.id.localeCompare(b.id));
  }

  /** The summary of one run. */
  async summary(id: string): Promise<RunSummary> {
    const { dir, files } = await this.#list(id);
    const config = await this.config(id);
    const status = await this.#readJson<RunStatus>(
      join(dir, RUN_FILES.status),
      files.get(RUN_FILES.status),
    );
    const report = files.has(RUN_FILES.eval) ? await this.evalReport(id) : null;
    let newest = 0;
    for (const st of files.values()) newest = Math.max(newest, st.mtime?.getTime() ?? 0);
    let globalStep = num(status?.globalStep);
    if (globalStep === null) {
      // No status.json yet: the last metrics line tells the progress, if it can be read.
      globalStep = await this.metrics(id).then((m) => m.records.at(-1)?.global_step ?? 0, () => 0);
    }
    const finished = status?.state === "finished" && typeof status.updatedAt === "string";
    const summary: RunSummary = {
      id,
      env: config.env,
      algo: config.algo,
      seed: num(config.seed) ?? 0,
      state: isState(status?.state) ? status.state : "unknown",
      globalStep,
      totalSteps: num(status?.totalSteps) ?? num(config.totalSteps) ?? 0,
      bestEvalReturn: num(status?.bestEvalReturn),
      evalMeanReward: num(report?.mean_reward),
      evalSuccessRate: num(report?.success_rate),
      updatedAt: new Date(newest).toISOString(),
      finishedAt: finished ? status.updatedAt : null,
      hasCheckpoint: [...files.keys()].some((n) => CHECKPOINT_FILES.includes(n)),
      gifs: [...files.keys()].filter((n) => SERVABLE.test(n)).sort(),
      createdAt: typeof config.createdAt === "string" ? config.createdAt : "",
    };
    if (typeof status?.error === "string") summary.error = status.error;
    return summary;
  }

  /**
   * A signature of the run's checkpoint files (names, mtimes, sizes): it changes whenever a
   * checkpoint is rewritten, which is when a cached policy must be reloaded. Empty when the
   * run has no checkpoint. A checkpoint name that is not a regular file (a symbolic link, a
   * folder) is a 409: the policy loaders would follow it.
   */
  async checkpointSignature(id: string, field = "id"): Promise<string> {
    const dir = await this.runDir(id, field);
    for await (const e of Deno.readDir(dir)) {
      if (CHECKPOINT_FILES.includes(e.name) && !e.isFile) {
        throw new HttpError(
          409,
          field,
          `${this.displayPath(id, e.name)} is ${
            e.isSymlink ? "a symbolic link" : "not a regular file"
          }; checkpoints are only read from regular files inside the run folder`,
        );
      }
    }
    const { files } = await this.#list(id, field);
    return [...files.entries()]
      .filter(([n]) => CHECKPOINT_FILES.includes(n))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([n, st]) => `${n}@${st.mtime?.getTime() ?? 0}:${st.size}`)
      .join("|");
  }

  /**
   * The metric records of a run, read incrementally: only bytes appended since the last call
   * are parsed. Blank, corrupt and half-written lines are skipped (as `readMetrics` does); a
   * final line without its newline is included once it parses, and re-read until complete.
   */
  async metrics(id: string): Promise<{ records: MetricRecord[]; keys: string[] }> {
    const path = join(await this.runDir(id), RUN_FILES.metrics);
    // One refresh at a time per file: two requests on a cold cache would both append the same
    // bytes' records to it.
    const previous = this.#refreshing.get(path) ?? Promise.resolve(null);
    const refresh = previous.catch(() => null).then(() => this.#refreshMetrics(id, path));
    this.#refreshing.set(path, refresh);
    try {
      const cache = await refresh;
      if (!cache) return { records: [], keys: [] };
      const records = cache.tail ? [...cache.records, cache.tail] : cache.records;
      return { records, keys: [...cache.keys].sort() };
    } finally {
      if (this.#refreshing.get(path) === refresh) this.#refreshing.delete(path);
    }
  }

  /** Brings the cache of `path` up to date; null when the run has no metrics file. */
  async #refreshMetrics(id: string, path: string): Promise<MetricsCache | null> {
    let st: Deno.FileInfo;
    try {
      st = await Deno.lstat(path);
    } catch {
      return null;
    }
    if (st.isSymlink) {
      throw new HttpError(
        409,
        "id",
        `${
          this.displayPath(id, RUN_FILES.metrics)
        } is a symbolic link; run files are never read through links`,
      );
    }
    const mtime = st.mtime?.getTime() ?? 0;
    let cache = this.#metrics.get(path);
    if (!cache || st.size < cache.offset) {
      // First read, or the file was truncated or replaced: start over.
      cache = { mtime: -1, size: -1, offset: 0, records: [], tail: null, keys: new Set() };
      this.#metrics.set(path, cache);
    }
    if (cache.mtime !== mtime || cache.size !== st.size) {
      await readAppended(path, cache, st.size);
      cache.mtime = mtime;
      cache.size = st.size;
    }
    return cache;
  }

  /**
   * The path of a GIF inside a run folder, checked to be a regular file whose real path lies
   * inside the runs folder; an `HttpError` 404 otherwise.
   */
  async gifPath(id: string, name: string): Promise<string> {
    const { dir, files } = await this.#list(id);
    if (!SERVABLE.test(name) || !files.has(name)) {
      throw new HttpError(404, "name", `Run ${JSON.stringify(id)} has no GIF named ${name}`);
    }
    const real = await Deno.realPath(join(dir, name));
    const root = await Deno.realPath(this.root);
    if (!real.startsWith(root + sep)) {
      throw new HttpError(404, "name", `Run ${JSON.stringify(id)} has no GIF named ${name}`);
    }
    return real;
  }
}

/** Reads bytes `[cache.offset, size)` and parses the complete lines among them. */
async function readAppended(path: string, cache: MetricsCache, size: number): Promise<void> {
  const file = await Deno.open(path, { read: true });
  try {
    await file.seek(cache.offset, Deno.SeekMode.Start);
    const want = size - cache.offset;
    const buf = new Uint8Array(want);
    let got = 0;
    while (got < want) {
      const n = await file.read(buf.subarray(got));
      if (n === null) break;
      got += n;
    }
    const bytes = buf.subarray(0, got);
    const lastNl = bytes.lastIndexOf(10);
    const complete = lastNl >= 0 ? bytes.subarray(0, lastNl + 1) : new Uint8Array(0);
    for (const line of new TextDecoder().decode(complete).split("\n")) {
      const rec = parseRecord(line);
      if (rec) {
        cache.records.push(rec);
        for (const k of Object.keys(rec)) cache.keys.add(k);
      }
    }
    cache.offset += complete.length;
    cache.tail = parseRecord(new TextDecoder().decode(bytes.subarray(complete.length)));
    if (cache.tail) { for (const k of Object.keys(cache.tail)) cache.keys.add(k); }
  } finally {
    file.close();
  }
}

/** One metrics line as a record, or null when blank, corrupt or not a record. */
function parseRecord(line: string): MetricRecord | null {
  if (!line.trim()) return null;
  try {
    const v: unknown = JSON.parse(line);
    if (!v || typeof v !== "object" || Array.isArray(v)) return null;
    const rec = v as Record<string, unknown>;
    // Event lines (a divergence, a non-finite value) are not scalar records.
    if (typeof rec.global_step !== "number" || "event" in rec) return null;
    // Keep only finite numbers: the charts and the API promise numeric series.
    const out: MetricRecord = { global_step: rec.global_step, wall_time: 0 };
    for (const [k, x] of Object.entries(rec)) if (typeof x === "number" && isFinite(x)) out[k] = x;
    return out;
  } catch {
    return null;
  }
}

function num(x: unknown): number | null {
  return typeof x === "number" && Number.isFinite(x) ? x : null;
}

function isState(x: unknown): x is RunStatus["state"] {
  return x === "running" || x === "finished" || x === "stopped" || x === "failed" ||
    x === "diverged";
}

/** Whether `path` is a folder itself (a symbolic link to one is not). */
async function isFolder(path: string): Promise<boolean> {
  try {
    return (await Deno.lstat(path)).isDirectory;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await Deno.lstat(path)).isFile;
  } catch {
    return false;
  }
}
