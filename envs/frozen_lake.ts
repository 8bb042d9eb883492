/**
 * FrozenLake-v1, with Gymnasium's maps, slippery transitions and draws.
 * @module
 */
import { Rng } from "../core/rng.ts";
import { type FrozenLakeRenderOptions, renderFrozenLake } from "./frozen_lake_render.ts";
import { Discrete } from "./spaces.ts";
import type { Env, EnvSpec, ResetOptions, ResetResult, RgbaFrame, StepResult } from "./types.ts";

/** The built-in maps: `S` start, `F` frozen, `H` hole, `G` goal. */
export const FROZEN_LAKE_MAPS: Readonly<Record<"4x4" | "8x8", readonly string[]>> = {
  "4x4": ["SFFF", "FHFH", "FFFH", "HFFG"],
  "8x8": [
    "SFFFFFFF",
    "FFFFFFFF",
    "FFFHFFFF",
    "FFFFFHFF",
    "FFFHFFFF",
    "FHHFFFHF",
    "FHFFHFHF",
    "FFFHFFFG",
  ],
};

/** Action names, indexed by action. */
export const FROZEN_LAKE_ACTIONS = ["Left", "Down", "Right", "Up"] as const;

/** Options of {@link FrozenLake}. */
export interface FrozenLakeOptions {
  /** A built-in map name (default `4x4`). */
  mapName?: "4x4" | "8x8";
  /** A custom map (rows of `S`, `F`, `H`, `G`), overriding `mapName`. */
  desc?: readonly string[];
  /** Slippery ice: the intended move or either perpendicular one, 1/3 each (default true). */
  isSlippery?: boolean;
}

/** The info of a FrozenLake step: probability of the transition that happened. */
export interface FrozenLakeInfo {
  /** Probability of the sampled transition. */
  prob: number;
}

/**
 * Cross a frozen lake from the start (top-left) to the goal (bottom-right) without falling into
 * a hole; on slippery ice a move may go sideways.
 *
 * - **Action space**: `Discrete(4)`: 0 left, 1 down, 2 right, 3 up.
 * - **Observation space**: `Discrete(rows × cols)`: the cell `row × cols + col`.
 * - **Rewards**: 1 on reaching the goal, 0 otherwise.
 * - **Starting state**: a start cell (`S`), drawn with one `random()` call.
 * - **Episode end**: terminated in a hole or at the goal; truncated by `make`'s `TimeLimit`
 *   after 100 steps (4x4) or 200 (8x8).
 * - **Arguments**: {@link FrozenLakeOptions}.
 * - **Version history**: v1 (Gymnasium) is the current version.
 *
 * Each step draws one `random()` and picks among the moves `[(a − 1) mod 4, a, (a + 1) mod 4]`
 * by cumulative probability, as Gymnasium does, so seeds give Gymnasium's episodes.
 */
export class FrozenLake implements Env<number, number, FrozenLakeInfo> {
  /** The cells. */
  readonly observationSpace: Discrete;
  /** Left, down, right, up. */
  readonly actionSpace: Discrete = new Discrete(4);
  /** Registry spec. */
  spec?: EnvSpec;
  /** Map rows. */
  readonly desc: readonly string[];
  /** Number of rows. */
  readonly rows: number;
  /** Number of columns. */
  readonly cols: number;
  /** Whether moves slip. */
  readonly isSlippery: boolean;
  #rng: Rng = new Rng();
  #state = 0;
  #lastAction: number | null = null;
  #done = true;
  #starts: number[];

  /** Creates the env; call `reset` before `step`. */
  constructor(options: FrozenLakeOptions = {}) {
    const mapName = options.mapName ?? "4x4";
    if (!(mapName in FROZEN_LAKE_MAPS)) {
      throw new RangeError(`FrozenLake mapName must be "4x4" or "8x8", got "${mapName}"`);
    }
    const desc = options.desc ?? FROZEN_LAKE_MAPS[mapName];
    validateMap(desc);
    this.desc = [...desc];
    this.rows = desc.length;
    this.cols = desc[0].length;
    this.isSlippery = options.isSlippery ?? true;
    if (typeof this.isSlippery !== "boolean") {
      throw new TypeError(`FrozenLake isSlippery must be a boolean, got ${options.isSlippery}`);
    }
    this.observationSpace = new Discrete(this.rows * this.cols);
    this.#starts = [];
    for (let s = 0; s < this.rows * this.cols; s++) if (this.cell(s) === "S") this.#starts.push(s);
  }

  /** The letter of cell `s`. */
  cell(s: number): string {
    return this.desc[Math.floor(s / this.cols)][s % this.cols];
  }

  /** The current cell. */
  get state(): number {
    return this.#state;
  }

  /** The action of the last step (what was asked, not the slip), `null` since `reset`. */
  get lastAction(): number | null {
    return this.#lastAction;
  }

  /** Places the agent on a start cell. */
  reset(options: ResetOptions = {}): ResetResult<number, FrozenLakeInfo> {
    if (options.seed !== undefined) this.#rng = new Rng(options.seed);
    const p = 1 / this.#starts.length;
    this.#state = this.#starts[pickCumulative(this.#starts.length, p, this.#rng.random())];
    this.#lastAction = null;
    this.#done = false;
    return { obs: this.#state, info: { prob: 1 } };
  }

  /** Moves (possibly slipping) and reports reward 1 at the goal. */
  step(action: number): StepResult<number, FrozenLakeInfo> {
    if (!this.actionSpace.contains(action)) {
      throw new RangeError(
        `FrozenLake action must be an integer 0..3 (0 left, 1 down, 2 right, 3 up), got ${action}`,
      );
    }
    if (this.#done) {
      throw new Error(
        "FrozenLake episode has ended (or never started): call reset() before step()",
      );
    }
    let move = action, prob = 1;
    if (this.isSlippery) {
      prob = 1 / 3;
      move = (action + 3 + pickCumulative(3, prob, this.#rng.random())) % 4;
    } else {
      this.#rng.random(); // Gymnasium samples from the one-entry distribution too
    }
    this.#state = this.#move(this.#state, move);
    this.#lastAction = action;
    const c = this.cell(this.#state);
    const terminated = c === "G" || c === "H";
    this.#done = terminated;
    return {
      obs: this.#state,
      reward: c === "G" ? 1 : 0,
      terminated,
      truncated: false,
      info: { prob },
    };
  }

  /** The cell reached from `s` by `move` on solid ice (walls stop the move). */
  #move(s: number, move: number): number {
    let r = Math.floor(s / this.cols), c = s % this.cols;
    if (move === 0) c = Math.max(c - 1, 0);
    else if (move === 1) r = Math.min(r + 1, this.rows - 1);
    else if (move === 2) c = Math.min(c + 1, this.cols - 1);
    else r = Math.max(r - 1, 0);
    return r * this.cols + c;
  }

  /**
   * Draws the lake on Gymnasium's grid (64 px tiles, 256 × 256 for 4x4) with the agent facing
   * its last action; the artwork is our own.
   */
  render(options: FrozenLakeRenderOptions = {}): RgbaFrame {
    return renderFrozenLake(
      { desc: this.desc, state: this.#state, lastAction: this.#lastAction },
      options,
    );
  }

  /** Nothing to release. */
  close(): void {}
}

/** numpy's `argmax(cumsum(p) > u)` over `n` equal probabilities `p`. */
function pickCumulative(n: number, p: number, u: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += p;
    if (acc > u) return i;
  }
  return n - 1;
}

function validateMap(desc: readonly string[]): void {
  if (!Array.isArray(desc) || desc.length === 0) {
    throw new TypeError("FrozenLake desc must be a non-empty array of strings");
  }
  const cols = desc[0].length;
  for (const row of desc) {
    if (typeof row !== "string" || row.length !== cols || !/^[SFHG]+$/.test(row)) {
      throw new TypeError(
        `FrozenLake map rows must be equal-length strings of S, F, H, G; got "${row}"`,
      );
    }
  }
  const all = desc.join("");
  if (!all.includes("S") || !all.includes("G")) {
    throw new TypeError("FrozenLake map needs at least one start S and one goal G");
  }
}
