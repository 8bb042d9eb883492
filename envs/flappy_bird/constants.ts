/**
 * The game constants of flappy-bird-gymnasium 0.4.0 (`envs/constants.py` and the values its env
 * derives from the default 288 × 512 screen), in pixels and pixels per step, y down.
 * @module
 */

/** Screen width in pixels. */
export const SCREEN_WIDTH = 288;
/** Screen height in pixels. */
export const SCREEN_HEIGHT = 512;

/** Horizontal pipe velocity, pixels per step. */
export const PIPE_VEL_X = -4;
/** Largest downward velocity the bird reaches by gravity. */
export const PLAYER_MAX_VEL_Y = 10;
/** Downward acceleration per step. */
export const PLAYER_ACC_Y = 1;
/** Rotation lost per step, in degrees (the bird noses down). */
export const PLAYER_VEL_ROT = 3;
/** Vertical velocity set by a flap. */
export const PLAYER_FLAP_ACC = -9;

/** Bird sprite width. */
export const PLAYER_WIDTH = 34;
/** Bird sprite height. */
export const PLAYER_HEIGHT = 24;
/** Radius of the bird's private zone: a LIDAR ray shorter than this costs −0.5 (32.0). */
export const PLAYER_PRIVATE_ZONE = (Math.max(PLAYER_WIDTH, PLAYER_HEIGHT) + 30) / 2;
/** Rotation above which the bird is drawn (and the LIDAR aimed) at this angle, in degrees. */
export const PLAYER_ROT_THR = 20;
/** The bird's fixed x, `int(288 * 0.2)`. */
export const PLAYER_X = Math.trunc(SCREEN_WIDTH * 0.2);
/** The bird's y at reset, `int((512 - 24) / 2)`. */
export const PLAYER_START_Y = Math.trunc((SCREEN_HEIGHT - PLAYER_HEIGHT) / 2);
/** The bird's vertical velocity at reset. */
export const PLAYER_START_VEL_Y = -9;
/** The bird's rotation at reset and after every flap, in degrees. */
export const PLAYER_START_ROT = 45;

/** Length of a LIDAR ray, `int(288 * 0.8) - 34` (196); also the LIDAR normaliser. */
export const LIDAR_MAX_DISTANCE = Math.trunc(SCREEN_WIDTH * 0.8) - PLAYER_WIDTH;
/** Number of LIDAR rays, one per degree over a half turn. */
export const LIDAR_RAYS = 180;

/** Pipe sprite width. */
export const PIPE_WIDTH = 52;
/** Pipe sprite height (each of the upper and lower pipe). */
export const PIPE_HEIGHT = 320;
/** Default vertical gap between an upper and a lower pipe. */
export const PIPE_GAP = 100;
/** The gap tops a new pipe draws from (before {@link GAP_Y_OFFSET}). */
export const GAP_YS: readonly number[] = [20, 30, 40, 50, 60, 70, 80, 90];

/** Ground sprite width (wider than the screen, so it can scroll). */
export const BASE_WIDTH = 336;
/** Ground sprite height. */
export const BASE_HEIGHT = 112;
/** Top of the ground, `512 * 0.79` (404.48). */
export const GROUND_Y = SCREEN_HEIGHT * 0.79;
/** How far the ground scrolls before it wraps, `336 - 288`. */
export const BASE_SHIFT = BASE_WIDTH - SCREEN_WIDTH;
/** Added to every gap top, `int(404.48 * 0.2)` (80). */
export const GAP_Y_OFFSET = Math.trunc(GROUND_Y * 0.2);
/** The x of a pipe recycled off the left edge, `288 + 52 + 288 * 0.2` (397.6). */
export const NEW_PIPE_X = SCREEN_WIDTH + PIPE_WIDTH + SCREEN_WIDTH * 0.2;

/** The wing frames the bird cycles through, one step every 3 steps. */
export const WING_CYCLE: readonly number[] = [0, 1, 2, 1];
