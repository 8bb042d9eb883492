/**
 * The sweep's live display on stderr: one line for the sweep (trials ended, running, steps,
 * ETA) and one per running trial (name, progress bar, steps/s, current training return). On a
 * terminal the block is redrawn in place; elsewhere (CI logs, pipes) a status line is printed
 * every 10 s. Event lines (a trial started, ended, pruned) scroll above the block.
 * @module
 */
import { fmtCount, fmtTime } from "../core/progress.ts";

/** One running trial as the display shows it. */
export interface TrialView {
  /** Run folder name, `<configuration>__s<seed>`. */
  run: string;
  /** `training`, `evaluating` (final evaluation), `stopping` or `starting`. */
  phase: "starting" | "training" | "evaluating" | "stopping";
  /** Env steps reached. */
  step: number;
  /** Env steps planned. */
  totalSteps: number;
  /** Training env steps per second (latest). */
  stepsPerSecond: number | null;
  /** Mean training return of the latest episodes. */
  currentReturn: number | null;
}

/** The sweep as a whole. */
export interface SweepView {
  /** Sweep name. */
  name: string;
  /** Trials ended. */
  ended: number;
  /** Trials planned. */
  trials: number;
  /** Env steps done across the sweep. */
  stepsDone: number;
  /** Env steps planned. */
  steps: number;
  /** Estimated seconds left. */
  etaSeconds: number | null;
}

const enc = new TextEncoder();

function bar(frac: number, width: number): string {
  const full = Math.round(Math.min(1, Math.max(0, frac)) * width);
  return "█".repeat(full) + "░".repeat(width - full);
}

function fmtReturn(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return "–";
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/** The lines of the display (no colours, no escapes): the sweep line, then one per trial. */
export function renderDisplay(sweep: SweepView, trials: readonly TrialView[]): string[] {
  const frac = sweep.steps > 0 ? sweep.stepsDone / sweep.steps : 0;
  const lines = [
    `${sweep.name} ${bar(frac, 24)} ${
      (frac * 100).toFixed(1).padStart(5)
    }% · ${sweep.ended}/${sweep.trials} trials · ` +
    `${trials.length} running · ETA ${fmtTime(sweep.etaSeconds ?? Infinity)}`,
  ];
  const width = Math.max(0, ...trials.map((t) => t.run.length));
  for (const t of trials) {
    const f = t.totalSteps > 0 ? t.step / t.totalSteps : 0;
    const detail = t.phase === "training"
      ? `${fmtCount(t.stepsPerSecond ?? NaN)} steps/s · return ${fmtReturn(t.currentReturn)}`
      : t.phase;
    lines.push(
      `  ${t.run.padEnd(width)} ${bar(f, 16)} ${(f * 100).toFixed(0).padStart(3)}% ` +
        `${fmtCount(t.step)}/${fmtCount(t.totalSteps)} · ${detail}`,
    );
  }
  return lines;
}

/** Draws the display; `log` prints an event line above it. */
export class LiveDisplay {
  #tty: boolean;
  #quiet: boolean;
  #drawn = 0;
  #lastPlain = 0;
  #columns: number;
  #block: string[] = [];

  /** A display on stderr; `quiet` prints event lines only. */
  constructor(options: { quiet?: boolean } = {}) {
    this.#quiet = options.quiet ?? false;
    this.#tty = Deno.stderr.isTerminal();
    let columns = 120;
    try {
      if (this.#tty) columns = Deno.consoleSize().columns;
    } catch { /* not a console */ }
    this.#columns = columns;
  }

  #write(text: string): void {
    Deno.stderr.writeSync(enc.encode(text));
  }

  #clear(): void {
    if (this.#drawn > 0) this.#write(`\x1b[${this.#drawn}A\r\x1b[J`);
    this.#drawn = 0;
  }

  /** Redraws the block (terminal) or prints a status line every 10 s (elsewhere). */
  update(sweep: SweepView, trials: readonly TrialView[]): void {
    if (this.#quiet) return;
    const lines = renderDisplay(sweep, trials);
    if (this.#tty) {
      this.#block = lines.map((l) =>
        l.length > this.#columns - 1 ? l.slice(0, this.#columns - 1) : l
      );
      this.#clear();
      this.#draw();
      return;
    }
    const now = performance.now();
    if (now - this.#lastPlain < 10_000) return;
    this.#lastPlain = now;
    this.#write(lines.join("\n") + "\n");
  }

  #draw(): void {
    if (this.#block.length === 0) return;
    this.#write(this.#block.join("\n") + "\n");
    this.#drawn = this.#block.length;
  }

  /** Prints an event line (above the block on a terminal, which is drawn again below it). */
  log(line: string): void {
    if (!this.#tty) return this.#write(line + "\n");
    this.#clear();
    this.#write(line + "\n");
    this.#draw();
  }

  /** Removes the block (before the final table). */
  finish(): void {
    if (this.#tty) this.#clear();
    this.#block = [];
  }
}
