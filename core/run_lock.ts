/**
 * The liveness lock of a running run, `lock.json`: the owner's pid and host, when it started
 * and a heartbeat it refreshes every few seconds. A run whose owner is gone (its pid no
 * longer alive on this host, or a heartbeat older than a minute, e.g. after `kill -9`, an
 * OOM or a machine that went to sleep) can be taken over by `--resume`; a live owner cannot.
 *
 * The lock is created with an exclusive create, so two processes starting on one run at the
 * same moment cannot both take it.
 * @module
 */
import { hostname } from "node:os";
import { writeJsonAtomic } from "./atomic_write.ts";
import { UsageError } from "./cli.ts";

/** What `lock.json` holds. */
export interface RunLockInfo {
  /** Process id of the owner. */
  pid: number;
  /** Host the owner runs on. */
  hostname: string;
  /** ISO time the owner took the lock. */
  startedAt: string;
  /** ISO time of the owner's last heartbeat. */
  heartbeatAt: string;
}

/** Settings of {@link RunLock.acquire}. */
export interface RunLockOptions {
  /** Milliseconds between heartbeats (default 5,000). */
  heartbeatMs?: number;
  /** A heartbeat older than this means the owner is gone (default 60,000 ms). */
  staleAfterMs?: number;
  /** Told when a dead owner's lock is taken over. */
  log?: (line: string) => void;
}

/** Why a lock is not held by a live owner, or null if it is. */
export function whyStale(
  info: RunLockInfo,
  staleAfterMs = 60_000,
  now = Date.now(),
): string | null {
  const age = now - Date.parse(info.heartbeatAt);
  if (info.hostname === hostname() && !pidAlive(info.pid)) {
    return `its owner (pid ${info.pid}) is no longer running`;
  }
  if (!(age <= staleAfterMs)) {
    return `its owner (pid ${info.pid} on ${info.hostname}) last signalled ${
      Math.round(age / 1000)
    } s ago`;
  }
  return null;
}

/** A lock held by this process; `release()` when the run ends. */
export class RunLock {
  /** The lock file. */
  readonly path: string;
  #info: RunLockInfo;
  #timer: number;

  private constructor(path: string, info: RunLockInfo, heartbeatMs: number) {
    this.path = path;
    this.#info = info;
    // node:os brings Node's timer types into scope; Deno's timers are numbers.
    this.#timer = setInterval(() => this.#beat(), heartbeatMs) as unknown as number;
    // The heartbeat must not keep a finished process alive.
    Deno.unrefTimer(this.#timer);
  }

  /**
   * Takes the lock at `path`, taking over a stale one (and saying so through `log`). Throws a
   * `UsageError` naming the owner when a live process holds it.
   */
  static async acquire(path: string, options: RunLockOptions = {}): Promise<RunLock> {
    const staleAfter = options.staleAfterMs ?? 60_000;
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = new Date().toISOString();
      const info: RunLockInfo = {
        pid: Deno.pid,
        hostname: hostname(),
        startedAt: now,
        heartbeatAt: now,
      };
      try {
        await Deno.writeTextFile(path, JSON.stringify(info, null, 2) + "\n", { createNew: true });
        return new RunLock(path, info, options.heartbeatMs ?? 5000);
      } catch (err) {
        if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
      }
      const held = await readLock(path);
      if (held) {
        const why = whyStale(held, staleAfter);
        if (why === null) {
          throw new UsageError(
            `${dirOf(path)} is being trained by pid ${held.pid} on ${held.hostname} ` +
              `(since ${held.startedAt}); stop that process first`,
          );
        }
        options.log?.(`Taking over ${dirOf(path)}: ${why}.`);
      }
      // A stale or unreadable (half-written by a killed owner) lock: remove it and retry.
      await Deno.remove(path).catch(() => {});
    }
    throw new UsageError(`Could not take the lock ${path}: another process keeps taking it`);
  }

  /** The lock's contents. */
  get info(): RunLockInfo {
    return this.#info;
  }

  async #beat(): Promise<void> {
    this.#info = { ...this.#info, heartbeatAt: new Date().toISOString() };
    try {
      await writeJsonAtomic(this.path, this.#info);
    } catch { /* the next beat retries; a missing heartbeat only risks a takeover warning */ }
  }

  /** Stops the heartbeat and removes the lock file. */
  async release(): Promise<void> {
    clearInterval(this.#timer);
    const held = await readLock(this.path);
    if (held?.pid === this.#info.pid && held.hostname === this.#info.hostname) {
      await Deno.remove(this.path).catch(() => {});
    }
  }
}

/** Reads a lock file, or null when it is missing or unreadable. */
export async function readLock(path: string): Promise<RunLockInfo | null> {
  try {
    const v = JSON.parse(await Deno.readTextFile(path));
    return typeof v?.pid === "number" && typeof v?.heartbeatAt === "string" ? v : null;
  } catch {
    return null;
  }
}

/** Whether a process with `pid` exists on this host (Linux `/proc`; elsewhere: assume yes). */
function pidAlive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  if (Deno.build.os !== "linux") return true;
  try {
    Deno.statSync(`/proc/${pid}`);
  } catch {
    return false;
  }
  // A zombie (killed, not yet reaped by its parent) holds its pid but runs nothing.
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

function dirOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i > 0 ? path.slice(0, i) : ".";
}
