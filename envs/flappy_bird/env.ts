/**
 * FlappyBird-v0, reproducing flappy-bird-gymnasium 0.4.0's `FlappyBirdEnv` draw for draw and
 * step for step: the same integer-pixel game, the same 180-ray LIDAR (pygame's clipping in
 * whole pixels) or 12-feature observation, the same rewards.
 * @module
 */
import { type RandomSource, Rng } from "../../core/rng.ts";
import { Box, Discrete } from "../spaces.ts";
import type { Env, EnvSpec, ResetOptions, ResetResult, RgbaFrame, StepResult } from "../types.ts";
import {
  BASE_SHIFT,
  GAP_Y_OFFSET,
  GAP_YS,
  GROUND_Y,
  LIDAR_MAX_DISTANCE,
  LIDAR_RAYS,
  NEW_PIPE_X,
  PIPE_GAP,
  PIPE_HEIGHT,
  PIPE_VEL_X,
  PIPE_WIDTH,
  PLAYER_ACC_Y,
  PLAYER_FLAP_ACC,
  PLAYER_HEIGHT,
  PLAYER_MAX_VEL_Y,
  PLAYER_PRIVATE_ZONE,
  PLAYER_START_ROT,
  PLAYER_START_VEL_Y,
  PLAYER_START_Y,
  PLAYER_VEL_ROT,
  PLAYER_WIDTH,
  PLAYER_X,
  SCREEN_HEIGHT,
  SCREEN_WIDTH,
  WING_CYCLE,
} from "./constants.ts";
import { type LidarPipes, lidarScan } from "./lidar.ts";
import { type FlappyBirdRenderOptions, renderFlappyBird } from "./render.ts";
import type { FlappyBirdState } from "./state.ts";

/** Options of {@link FlappyBird}; they mirror the upstream keyword arguments that change play. */
export interface FlappyBirdOptions {
  /** Observe the 180 LIDAR ray lengths (true, default) or the 12 game features (false). */
  useLidar?: boolean;
  /** Divide the observation by fixed scales (LIDAR by 196; features see below). Default true. */
  normalizeObs?: boolean;
  /** Vertical gap between an upper and a lower pipe, a positive integer. Default 100. */
  pipeGap?: number;
  /** Truncate the episode once the score reaches this positive integer. Default: never. */
  scoreLimit?: number | null;
  /**
   * Source of every random draw, used until a `reset({ seed })` replaces it with
   * `new Rng(seed)`. Default: a generator with a random seed, created at the first reset.
   */
  rng?: RandomSource;
}

/** What FlappyBird reports besides the observation. */
export interface FlappyBirdInfo {
  /** Pipes passed so far in the episode. */
  score: number;
}

type Phase = "new" | "running" | "ended";

/**
 * Fly a bird through gaps between pipes (flappy-bird-gymnasium 0.4.0, after FlapPyBird). The
 * screen is 288 × 512 pixels with y down; the bird stays at x = 57 while the pipes move left by
 * 4 pixels per step; the ground's top is at y = 404.48.
 *
 * - **Action space**: `Discrete(2)`: 0 idle, 1 flap. A flap sets the vertical velocity to −9
 *   and the rotation to 45°, unless the bird is 48 pixels or more above the screen.
 * - **Observation space**: float64. Default (`useLidar`): 180 LIDAR ray lengths, one per degree
 *   from straight up to straight down (turned up to 20° with the bird's nose), divided by their
 *   length of 196: `Box(0, 1, (180,))`. As upstream, values leave the declared box: a ray that
 *   hits nothing measures 196 give or take rounding (1.0000000000000002), and one whose end
 *   pixel, truncated toward zero, lies in a pipe is measured to that pixel, up to √2 px beyond
 *   the ray (1.0058 seen). Unnormalised: pixels in `Box(0, ∞, (180,))`. With `useLidar: false`, 12 features in `Box(−1, 1, (12,))`:
 *   for the 3 pipe pairs sorted by x, their x / 288, gap top / 512 and gap bottom / 512 (a pair
 *   still right of the screen reads as x 288, gap 0..512), then the bird's y / 512, vertical
 *   velocity / 10 and rotation / 90; unnormalised, the same in pixels and degrees in
 *   `Box(−∞, ∞, (12,))`.
 * - **Rewards**: +1 on a step that passes a pipe; otherwise, with the LIDAR, −0.5 when any ray
 *   is shorter than 32 pixels (the bird's private zone) and +0.1 when none is; without it +0.1.
 *   Then −0.5 replaces it whenever the bird is above the screen (y < 0), and −1 replaces it on
 *   a crash. The tutorial bar for "solved" is a return above 20.
 * - **Starting state**: the bird at y = 244 with velocity −9 and rotation 45°; three pipe pairs
 *   at x = 288, 432 and 576 with gap tops drawn uniformly from 100, 110, …, 170. As upstream,
 *   the ground's scroll offset and the wing-frame cycle carry over from the previous episode
 *   (they only change the picture).
 * - **Episode end**: terminated when the bird touches the ground or a pipe (pixel rectangles).
 *   Truncated when the score reaches `scoreLimit`. No time limit.
 * - **Arguments**: {@link FlappyBirdOptions}. Upstream's `screen_size` (the layout is fixed
 *   at 288 × 512 here), colours, background, `audio_on`, `render_mode` and `debug` only change
 *   sound and pictures and are not ported.
 * - **Version history**: package 0.4.0 added the LIDAR observation (and made it the default),
 *   `score_limit` and `debug`; earlier packages observed the 12 features in `Box(−∞, ∞, (12,))`.
 *
 * Random draws are made on the {@link RandomSource} exactly as upstream: `integers(0, 8)` three
 * times in reset and once per pipe recycled off the left edge during a step, so the same seed
 * gives the same episode as the Python environment. The LIDAR takes its ray directions from the
 * recording CPU's numpy trigonometry (see `trig_table.ts`).
 *
 * @example Fly one episode with random actions
 * ```ts
 * import { FlappyBird } from "./env.ts";
 * const env = new FlappyBird();
 * let { obs } = env.reset({ seed: 0 });
 * for (;;) {
 *   const r = env.step(env.actionSpace.sample());
 *   obs = r.obs;
 *   if (r.terminated || r.truncated) break;
 * }
 * ```
 */
export class FlappyBird implements Env<Float64Array, number, FlappyBirdInfo> {
  /** 180 LIDAR lengths or 12 features, float64 (see the class doc for the bounds). */
  readonly observationSpace: Box<"float64">;
  /** `Discrete(2)`: 0 idle, 1 flap. */
  readonly actionSpace: Discrete = new Discrete(2);
  /** Registry spec, set by `make`. */
  spec?: EnvSpec;
  /** Whether the observation is the LIDAR (else the 12 features). */
  readonly useLidar: boolean;
  /** Whether observations are divided by their scales. */
  readonly normalizeObs: boolean;
  /** Vertical gap between an upper and a lower pipe. */
  readonly pipeGap: number;
  /** Score at which episodes are truncated, or null for none. */
  readonly scoreLimit: number | null;

  #rng: RandomSource | null;
  #phase: Phase = "new";
  #playerY = 0;
  #playerVelY = 0;
  #playerRot = 0;
  #playerIdx = 0;
  #loopIter = 0;
  #score = 0;
  // Upstream keeps these two on the env object, so they carry over from one episode to the next.
  #groundX = 0;
  #wingPhase = 0;
  readonly #pipeX = new Float64Array(3);
  readonly #upperY = new Float64Array(3);
  readonly #lowerY = new Float64Array(3);
  readonly #pipes: LidarPipes = { x: this.#pipeX, upperY: this.#upperY, lowerY: this.#lowerY };
  readonly #rays = new Float64Array(LIDAR_RAYS);
  // Set by #observe: whether a LIDAR ray entered the private zone.
  #inPrivateZone = false;

  /** Creates the environment; call `reset` before `step`. */
  constructor(options: FlappyBirdOptions = {}) {
    this.useLidar = checkBool(options.useLidar ?? true, "useLidar");
    this.normalizeObs = checkBool(options.normalizeObs ?? true, "normalizeObs");
    this.pipeGap = options.pipeGap ?? PIPE_GAP;
    if (typeof this.pipeGap !== "number" || !Number.isInteger(this.pipeGap) || this.pipeGap <= 0) {
      throw new RangeError(`FlappyBird pipeGap must be a positive integer, got ${options.pipeGap}`);
    }
    this.scoreLimit = options.scoreLimit ?? null;
    if (
      this.scoreLimit !== null &&
      (typeof this.scoreLimit !== "number" || !Number.isInteger(this.scoreLimit) ||
        this.scoreLimit <= 0)
    ) {
      throw new RangeError(
        `FlappyBird scoreLimit must be a positive integer or null, got ${options.scoreLimit}`,
      );
    }
    this.#rng = options.rng ?? null;
    const [low, high] = this.useLidar
      ? [0, this.normalizeObs ? 1 : Infinity]
      : this.normalizeObs
      ? [-1, 1]
      : [-Infinity, Infinity];
    this.observationSpace = new Box(low, high, [this.useLidar ? LIDAR_RAYS : 12], {
      dtype: "float64",
    });
  }

  /** Starts a game: the bird mid-screen rising, three new pipe pairs to the right. */
  reset(options: ResetOptions = {}): ResetResult<Float64Array, FlappyBirdInfo> {
    if (options.seed !== undefined) this.#rng = new Rng(options.seed);
    this.#rng ??= new Rng();
    this.#playerY = PLAYER_START_Y;
    this.#playerVelY = PLAYER_START_VEL_Y;
    this.#playerRot = PLAYER_START_ROT;
    this.#playerIdx = 0;
    this.#loopIter = 0;
    this.#score = 0;
    for (let i = 0; i < 3; i++) {
      const gapY = this.#drawGapY();
      this.#pipeX[i] = SCREEN_WIDTH + i * (SCREEN_WIDTH / 2);
      this.#upperY[i] = gapY - PIPE_HEIGHT;
      this.#lowerY[i] = gapY + this.pipeGap;
    }
    this.#phase = "running";
    return { obs: this.#observe(), info: { score: this.#score } };
  }

  /** Flaps (1) or not (0), then advances the game by one frame. */
  step(action: number): StepResult<Float64Array, FlappyBirdInfo> {
    if (this.#phase !== "running") {
      throw new TypeError(
        this.#phase === "new"
          ? "FlappyBird.step() was called before reset(): call reset() first"
          : "FlappyBird episode has ended (terminated or truncated): call reset() before step()",
      );
    }
    if (typeof action !== "number") {
      throw new TypeError(
        `FlappyBird action must be 0 (idle) or 1 (flap), got ${describe(action)}`,
      );
    }
    if (action !== 0 && action !== 1) {
      throw new RangeError(`FlappyBird action must be 0 (idle) or 1 (flap), got ${action}`);
    }
    let reward: number | null = null;

    let flapped = false;
    if (action === 1 && this.#playerY > -2 * PLAYER_HEIGHT) {
      this.#playerVelY = PLAYER_FLAP_ACC;
      flapped = true;
    }

    // Score: a pipe whose middle is within 4 pixels behind the bird's middle (checked before
    // the pipes move).
    const playerMid = PLAYER_X + PLAYER_WIDTH / 2;
    for (let i = 0; i < 3; i++) {
      const pipeMid = this.#pipeX[i] + PIPE_WIDTH / 2;
      if (pipeMid <= playerMid && playerMid < pipeMid + 4) {
        this.#score += 1;
        reward = 1;
      }
    }

    if ((this.#loopIter + 1) % 3 === 0) {
      this.#playerIdx = WING_CYCLE[this.#wingPhase];
      this.#wingPhase = (this.#wingPhase + 1) % WING_CYCLE.length;
    }
    this.#loopIter = (this.#loopIter + 1) % 30;
    // `0 -` keeps a whole wrap at +0 where Python's `-(0)` is 0.
    this.#groundX = 0 - ((-this.#groundX + 100) % BASE_SHIFT);

    if (this.#playerRot > -90) this.#playerRot -= PLAYER_VEL_ROT;
    if (this.#playerVelY < PLAYER_MAX_VEL_Y && !flapped) this.#playerVelY += PLAYER_ACC_Y;
    if (flapped) this.#playerRot = PLAYER_START_ROT;
    this.#playerY += Math.min(this.#playerVelY, GROUND_Y - this.#playerY - PLAYER_HEIGHT);

    for (let i = 0; i < 3; i++) {
      this.#pipeX[i] += PIPE_VEL_X;
      if (this.#pipeX[i] < -PIPE_WIDTH) {
        const gapY = this.#drawGapY();
        this.#pipeX[i] = NEW_PIPE_X;
        this.#upperY[i] = gapY - PIPE_HEIGHT;
        this.#lowerY[i] = gapY + this.pipeGap;
      }
    }

    const obs = this.#observe();
    if (reward === null) reward = this.#inPrivateZone ? -0.5 : 0.1;
    if (this.#playerY < 0) reward = -0.5;
    let terminated = false;
    if (this.#crashed()) {
      reward = -1;
      terminated = true;
      this.#playerVelY = 0;
    }
    const truncated = this.scoreLimit !== null && this.#score >= this.scoreLimit;
    if (terminated || truncated) this.#phase = "ended";
    return { obs, reward, terminated, truncated, info: { score: this.#score } };
  }

  /** A gap top for a new pipe pair: one `integers(0, 8)` draw. */
  #drawGapY(): number {
    return GAP_YS[this.#rng!.integers(0, GAP_YS.length)] + GAP_Y_OFFSET;
  }

  /** The observation of the current state; sets #inPrivateZone in LIDAR mode. */
  #observe(): Float64Array {
    if (this.useLidar) {
      const rays = this.#rays;
      lidarScan(rays, this.#playerY, this.#playerRot, this.#pipes);
      let near = false;
      for (let i = 0; i < LIDAR_RAYS; i++) if (rays[i] < PLAYER_PRIVATE_ZONE) near = true;
      this.#inPrivateZone = near;
      const obs = new Float64Array(LIDAR_RAYS);
      for (let i = 0; i < LIDAR_RAYS; i++) {
        obs[i] = this.normalizeObs ? rays[i] / LIDAR_MAX_DISTANCE : rays[i];
      }
      return obs;
    }
    // Pairs right of the screen read as (288, 0, 512); then sorted by x, ties in slot order.
    const px = [0, 0, 0], top = [0, 0, 0], bottom = [0, 0, 0], order: number[] = [];
    for (let i = 0; i < 3; i++) {
      const hidden = this.#pipeX[i] > SCREEN_WIDTH;
      px[i] = hidden ? SCREEN_WIDTH : this.#pipeX[i];
      top[i] = hidden ? 0 : this.#upperY[i] + PIPE_HEIGHT;
      bottom[i] = hidden ? SCREEN_HEIGHT : this.#lowerY[i];
      let j = order.length;
      while (j > 0 && px[order[j - 1]] > px[i]) j--;
      order.splice(j, 0, i);
    }
    const n = this.normalizeObs;
    const obs = new Float64Array(12);
    for (let k = 0; k < 3; k++) {
      const i = order[k];
      obs[3 * k] = n ? px[i] / SCREEN_WIDTH : px[i];
      obs[3 * k + 1] = n ? top[i] / SCREEN_HEIGHT : top[i];
      obs[3 * k + 2] = n ? bottom[i] / SCREEN_HEIGHT : bottom[i];
    }
    obs[9] = n ? this.#playerY / SCREEN_HEIGHT : this.#playerY;
    obs[10] = n ? this.#playerVelY / PLAYER_MAX_VEL_Y : this.#playerVelY;
    obs[11] = n ? this.#playerRot / 90 : this.#playerRot;
    return obs;
  }

  /** Whether the bird touches the ground or a pipe (pygame rects: truncated, half-open). */
  #crashed(): boolean {
    if (this.#playerY + PLAYER_HEIGHT >= GROUND_Y - 1) return true;
    const y = Math.trunc(this.#playerY);
    for (let i = 0; i < 3; i++) {
      const x = Math.trunc(this.#pipeX[i]);
      if (
        overlaps(PLAYER_X, y, PLAYER_WIDTH, PLAYER_HEIGHT, x, this.#upperY[i]) ||
        overlaps(PLAYER_X, y, PLAYER_WIDTH, PLAYER_HEIGHT, x, this.#lowerY[i])
      ) return true;
    }
    return false;
  }

  /** The current game state (a copy), for renderers, tests and scripted policies. */
  state(): FlappyBirdState {
    if (this.#phase === "new") {
      throw new TypeError("FlappyBird.state() was called before reset(): call reset() first");
    }
    return {
      playerY: this.#playerY,
      playerVelY: this.#playerVelY,
      playerRot: this.#playerRot,
      playerIdx: this.#playerIdx,
      loopIter: this.#loopIter,
      score: this.#score,
      groundX: this.#groundX,
      pipes: [0, 1, 2].map((i) => ({
        x: this.#pipeX[i],
        upperY: this.#upperY[i],
        lowerY: this.#lowerY[i],
      })),
    };
  }

  /** Draws the current state, 288 × 512 RGBA (our own artwork, upstream's layout). */
  render(options: FlappyBirdRenderOptions = {}): RgbaFrame {
    return renderFlappyBird(this.state(), options);
  }

  /** Ends the episode; `reset` starts a new one. */
  close(): void {
    this.#phase = "new";
  }
}

/** pygame's `colliderect` of a w × h rect at (ax, ay) with a pipe-sized rect at (bx, by). */
function overlaps(ax: number, ay: number, aw: number, ah: number, bx: number, by: number): boolean {
  return ax < bx + PIPE_WIDTH && ay < by + PIPE_HEIGHT && ax + aw > bx && ay + ah > by;
}

function checkBool(v: unknown, name: string): boolean {
  if (typeof v !== "boolean") {
    throw new TypeError(`FlappyBird ${name} must be a boolean, got ${describe(v)}`);
  }
  return v;
}

function describe(v: unknown): string {
  if (ArrayBuffer.isView(v) || Array.isArray(v)) {
    return `[${Array.from(v as ArrayLike<unknown>, String).join(", ")}]`;
  }
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}
