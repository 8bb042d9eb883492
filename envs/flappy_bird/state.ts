/**
 * A snapshot of a FlappyBird game: everything the step uses and the renderer draws, in the
 * upstream env's own units (pixels, pixels per step, degrees; y down).
 * @module
 */

/** One pipe pair: an upper pipe hanging from above the screen and a lower one on the ground. */
export interface FlappyBirdPipePair {
  /** Left edge of both pipes (it moves by −4 per step; a recycled pipe starts at 397.6). */
  readonly x: number;
  /** Top of the upper pipe; its bottom, the top of the gap, is `upperY + PIPE_HEIGHT`. */
  readonly upperY: number;
  /** Top of the lower pipe, the bottom of the gap (`upperY + PIPE_HEIGHT + pipeGap`). */
  readonly lowerY: number;
}

/** The game state after a reset or a step (upstream's private attributes of the same names). */
export interface FlappyBirdState {
  /** Top of the bird (`_player_y`); its left edge is always `PLAYER_X`. */
  readonly playerY: number;
  /** Vertical velocity in pixels per step, positive down (`_player_vel_y`). */
  readonly playerVelY: number;
  /** Rotation in degrees, positive nose up, in [−90, 45] (`_player_rot`). */
  readonly playerRot: number;
  /** Wing frame: 0 up, 1 middle, 2 down (`_player_idx`). */
  readonly playerIdx: number;
  /** Step counter modulo 30 that paces the wing frames (`_loop_iter`). */
  readonly loopIter: number;
  /** Pipes passed (`_score`). */
  readonly score: number;
  /** Scroll offset of the ground, in (−48, 0] (`_ground["x"]`). */
  readonly groundX: number;
  /** The three pipe pairs, in slot order (not sorted by x). */
  readonly pipes: readonly FlappyBirdPipePair[];
}
