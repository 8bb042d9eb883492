/**
 * LunarLander-v3 (discrete and continuous) with Gymnasium 1.3.0's exact rules, its heuristic
 * controller, the scene snapshot and renderer, and the physics backend interface.
 * @module
 */
export { LunarLander, type LunarLanderOptions } from "./env.ts";
export { lunarLanderHeuristic } from "./heuristic.ts";
export type { LanderPhysics, PhysicsBackend } from "./physics.ts";
export type { FlameParticle, LanderScene, Point } from "./scene.ts";
export { type LanderRenderOptions, renderLanderScene } from "./render.ts";
