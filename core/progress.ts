/**
 * A progress bar on stderr for long work: percentage, steps/s, ETA and a live figure such as
 * the recent mean return. Redraws at most 10 times a second; silent when `quiet`.
 * @module
 */

const enc = new TextEncoder();

/** Options of {@link Progress}. */
export interface ProgressOptions {
  /** Total units of work (e.g. env steps). */
  total: number;
  /** Label before the bar. */
  label?: string;
  /** Print nothing. */
  quiet?: boolean;
  /** Units already done (a resumed run). */
  start?: number;
}

/** A throttled one-line progress display. */
export class Progress {
  #total: number;
  #label: string;
  #quiet: boolean;
  #t0 = performance.now();
  #startUnits: number;
  #last = 0;
  #done: number;
  #isTty: boolean;

  /** Creates the bar (nothing is drawn until the first update). */
  constructor(options: ProgressOptions) {
    this.#total = Math.max(1, options.total);
    this.#label = options.label ?? "";
    this.#quiet = options.quiet ?? false;
    this.#startUnits = options.start ?? 0;
    this.#done = this.#startUnits;
    this.#isTty = Deno.stderr.isTerminal();
  }

  /** Units per second since the bar started. */
  get rate(): number {
    const secs = (performance.now() - this.#t0) / 1000;
    return secs > 0 ? (this.#done - this.#startUnits) / secs : 0;
  }

  /** Reports `done` units and extra fields (e.g. `{ return: 123.4 }`). */
  update(done: number, fields: Record<string, string | number> = {}, force = false): void {
    this.#done = done;
    if (this.#quiet) return;
    const now = performance.now();
    // Non-terminals (CI logs) get a line every 5 s instead of a redraw every 100 ms.
    const interval = this.#isTty ? 100 : 5000;
    if (!force && now - this.#last < interval) return;
    this.#last = now;
    const frac = Math.min(1, done / this.#total);
    const width = 24;
    const full = Math.round(frac * width);
    const bar = "█".repeat(full) + "░".repeat(width - full);
    const rate = this.rate;
    const eta = rate > 0 ? (this.#total - done) / rate : Infinity;
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k} ${typeof v === "number" ? fmtNum(v) : v}`)
      .join(" · ");
    const line = `${this.#label} ${bar} ${(frac * 100).toFixed(1).padStart(5)}% ` +
      `${fmtCount(done)}/${fmtCount(this.#total)} · ${fmtCount(rate)}/s · ETA ${fmtTime(eta)}${
        extra ? " · " + extra : ""
      }`;
    Deno.stderr.writeSync(enc.encode(this.#isTty ? `\r\x1b[2K${line}` : `${line}\n`));
  }

  /** Draws the final state and ends the line. */
  finish(fields: Record<string, string | number> = {}): void {
    if (this.#quiet) return;
    this.update(this.#done, fields, true);
    if (this.#isTty) Deno.stderr.writeSync(enc.encode("\n"));
  }
}

function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return "–";
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(1) : v.toFixed(3);
}

/** Formats a count compactly: 950, 12.3k, 1.20M. */
export function fmtCount(v: number): string {
  if (!Number.isFinite(v)) return "–";
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (v >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  return v.toFixed(0);
}

/** Formats seconds as `1h02m`, `3m05s` or `42s`. */
export function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return "–";
  s = Math.round(s);
  if (s >= 3600) {
    return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
  }
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}
