/**
 * The return curve's data: every training episode of a run (`episodes.jsonl`), read
 * incrementally while the run appends to it (only new bytes are parsed on each poll), with the
 * periodic evaluation means and, once the run has stopped, the event lines of `metrics.jsonl`
 * (a divergence). Runs written before `episodes.jsonl` existed fall back to the
 * `charts/episodic_return` lines of `metrics.jsonl`.
 * @module
 */
import { RUN_FILES, RunFolder } from "../core/run_folder.ts";
import {
  type EpisodeRecord,
  isEpisodeRecord,
  type MetricEvent,
  type MetricRecord,
  parseJsonl,
} from "../core/run_log.ts";
import type { EpisodeFeed } from "./islands/protocol.ts";
import type { RunStore } from "./runs.ts";

const RETURN = "charts/episodic_return";
const EVAL_RETURN = "eval/mean_return";

/** The parsed part of one `episodes.jsonl`. */
interface Tail {
  /** Identity of the file (inode and birth time): a rewrite makes a new one. */
  epoch: string;
  /** Bytes parsed (up to the end of the last complete line). */
  offset: number;
  episode: number[];
  step: number[];
  ret: number[];
  success: (0 | 1)[];
}

/** Episode feeds of the runs of one store, with their parse caches. */
export class EpisodeFeeds {
  readonly #runs: RunStore;
  #tails = new Map<string, Tail>();
  #metrics = new Map<string, { key: string; records: MetricRecord[] }>();
  #events = new Map<string, { key: string; events: MetricEvent[] }>();

  /** Feeds of the runs in `runs`. */
  constructor(runs: RunStore) {
    this.#runs = runs;
  }

  /** The episodes of run `id` from index `since` on (an `HttpError` 404 for an unknown run). */
  async feed(id: string, since: number): Promise<EpisodeFeed> {
    const dir = await this.#runs.runDir(id);
    const run = new RunFolder(dir);
    const state = (await this.#runs.status(id))?.state ?? "unknown";
    const records = await this.#readMetrics(run);
    const evals = { step: [] as number[], mean: [] as number[] };
    for (const r of records) {
      if (typeof r[EVAL_RETURN] === "number") {
        evals.step.push(r.global_step);
        evals.mean.push(round(r[EVAL_RETURN]));
      }
    }
    const events = state === "running" ? [] : await this.#readEvents(run);
    const tail = await this.#readEpisodes(run.path("episodes"));
    if (tail) {
      return {
        run: id,
        state,
        source: "episodes",
        since,
        next: tail.episode.length,
        epoch: tail.epoch,
        episode: tail.episode.slice(since),
        step: tail.step.slice(since),
        return: tail.ret.slice(since),
        success: tail.success.slice(since),
        evals,
        events,
      };
    }
    // An older run: one point per logged return.
    const logged = records.filter((r) => typeof r[RETURN] === "number");
    return {
      run: id,
      state,
      source: "metrics",
      since,
      next: logged.length,
      epoch: RUN_FILES.metrics,
      episode: logged.slice(since).map((_, i) => since + i + 1),
      step: logged.slice(since).map((r) => r.global_step),
      return: logged.slice(since).map((r) => round(r[RETURN])),
      success: null,
      evals,
      events,
    };
  }

  /** The parsed episodes of `path`, or null when the run has no episodes log. */
  async #readEpisodes(path: string): Promise<Tail | null> {
    let st: Deno.FileInfo;
    try {
      st = await Deno.stat(path);
    } catch {
      this.#tails.delete(path);
      return null;
    }
    const epoch = `${st.ino ?? 0}-${st.birthtime?.getTime() ?? 0}`;
    let tail = this.#tails.get(path);
    if (!tail || tail.epoch !== epoch || st.size < tail.offset) {
      tail = { epoch, offset: 0, episode: [], step: [], ret: [], success: [] };
      this.#tails.set(path, tail);
    }
    if (st.size > tail.offset) await appendEpisodes(path, tail, st.size);
    return tail;
  }

  /**
   * The scalar lines of `metrics.jsonl`, re-read when it changes. Read here rather than through
   * `RunStore.metrics`, whose incremental cache must not be entered twice at once (the
   * training charts poll it at the same moment).
   */
  async #readMetrics(run: RunFolder): Promise<MetricRecord[]> {
    const path = run.path("metrics");
    const key = await fileKey(path);
    if (key === null) return [];
    const hit = this.#metrics.get(path);
    if (hit?.key === key) return hit.records;
    const records = await run.readMetrics();
    this.#metrics.set(path, { key, records });
    return records;
  }

  async #readEvents(run: RunFolder): Promise<MetricEvent[]> {
    const path = run.path("metrics");
    const key = await fileKey(path);
    if (key === null) return [];
    const hit = this.#events.get(path);
    if (hit?.key === key) return hit.events;
    const events = await run.readMetricEvents();
    this.#events.set(path, { key, events });
    return events;
  }
}

/** Modification time and size of a file, or null when it is missing. */
async function fileKey(path: string): Promise<string | null> {
  const st = await Deno.stat(path).catch(() => null);
  return st ? `${st.mtime?.getTime() ?? 0}:${st.size}` : null;
}

/** Parses the complete lines in bytes `[tail.offset, size)` of `path` into `tail`. */
async function appendEpisodes(path: string, tail: Tail, size: number): Promise<void> {
  const file = await Deno.open(path, { read: true });
  let bytes: Uint8Array;
  try {
    await file.seek(tail.offset, Deno.SeekMode.Start);
    const buf = new Uint8Array(size - tail.offset);
    let got = 0;
    while (got < buf.length) {
      const n = await file.read(buf.subarray(got));
      if (n === null) break;
      got += n;
    }
    bytes = buf.subarray(0, got);
  } finally {
    file.close();
  }
  // A last line without its newline is still being written: leave it for the next read.
  const complete = bytes.subarray(0, bytes.lastIndexOf(10) + 1);
  const text = new TextDecoder().decode(complete);
  for (const e of parseJsonl<EpisodeRecord>(text, isEpisodeRecord)) {
    tail.episode.push(typeof e.episode === "number" ? e.episode : tail.episode.length + 1);
    tail.step.push(e.global_step);
    tail.ret.push(round(e.return));
    tail.success.push(e.success ? 1 : 0);
  }
  tail.offset += complete.length;
}

/** Four decimals are plenty for a chart, and halve the JSON. */
function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
