/**
 * FlappyBird-v0 with flappy-bird-gymnasium 0.4.0's exact rules: the env, its LIDAR (pygame's
 * whole-pixel clipping), the game constants, the state snapshot and the renderer.
 * @module
 */
export { FlappyBird, type FlappyBirdInfo, type FlappyBirdOptions } from "./env.ts";
export { clipLine, type LidarPipes, lidarScan } from "./lidar.ts";
export type { FlappyBirdPipePair, FlappyBirdState } from "./state.ts";
export { FLAPPY_COLORS, type FlappyBirdRenderOptions, renderFlappyBird } from "./render.ts";
