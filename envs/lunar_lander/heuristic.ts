/**
 * Gymnasium's hand-written LunarLander controller, for demonstrations and as a baseline: it
 * averages a return of about 250 (discrete) and 280 (continuous) over seeds 0..99.
 * @module
 */

/**
 * The action the heuristic takes after observation `obs`: an engine index 0..3 when
 * `env.continuous` is false, else `[main, lateral]` in [−1, 1] (float64, as Gymnasium computes it).
 *
 * It steers the angle towards a target that points the lander at the pad and keeps the height
 * near a target that shrinks with the horizontal distance; once a leg touches the ground it only
 * damps the vertical speed.
 *
 * @example
 * ```ts
 * import { LunarLander } from "./env.ts";
 * import { lunarLanderHeuristic } from "./heuristic.ts";
 * const env = new LunarLander();
 * let { obs } = env.reset({ seed: 1 });
 * let total = 0;
 * for (let t = 0; t < 1000; t++) {
 *   const r = env.step(lunarLanderHeuristic(env, obs));
 *   obs = r.obs;
 *   total += r.reward;
 *   if (r.terminated) break;
 * }
 * ```
 */
export function lunarLanderHeuristic(
  env: { readonly continuous: boolean },
  obs: ArrayLike<number>,
): number | number[] {
  const s0 = obs[0], s1 = obs[1], s2 = obs[2], s3 = obs[3], s4 = obs[4], s5 = obs[5];
  // Point towards the centre, but never tilt more than ~23°.
  const angleTarget = clip(s0 * 0.5 + s2 * 1.0, -0.4, 0.4);
  const hoverTarget = 0.55 * Math.abs(s0);
  let angleTodo = (angleTarget - s4) * 0.5 - s5 * 1.0;
  let hoverTodo = (hoverTarget - s1) * 0.5 - s3 * 0.5;
  if (obs[6] || obs[7]) {
    // Legs down: stop steering and only soften the touchdown.
    angleTodo = 0;
    hoverTodo = -s3 * 0.5;
  }
  if (env.continuous) {
    return [clip(hoverTodo * 20 - 1, -1, 1), clip(-angleTodo * 20, -1, 1)];
  }
  if (hoverTodo > Math.abs(angleTodo) && hoverTodo > 0.05) return 2;
  if (angleTodo < -0.05) return 3;
  if (angleTodo > +0.05) return 1;
  return 0;
}

function clip(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
