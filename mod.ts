/**
 * Eagle: reinforcement learning for Deno. Gymnasium-compatible environments (CartPole,
 * FrozenLake, LunarLander), agents (Q-learning, DQN, PPO, A2C) whose networks train on
 * hand-written WGSL kernels through WebGPU, and the run folders the CLI and dashboard share.
 *
 * @example Tabular Q-learning on FrozenLake, then a greedy evaluation
 * ```ts
 * import { evaluatePolicy, make, QTable, Rng } from "@eagle/rl";
 *
 * const env = make("FrozenLake-v1", { isSlippery: false });
 * const q = new QTable(16, 4);
 * const rng = new Rng(0);
 * for (let episode = 0; episode < 1000; episode++) {
 *   let s = env.reset({ seed: episode }).obs, done = false;
 *   while (!done) {
 *     const a = q.epsilonGreedy(s, Math.max(0.05, 1 - episode / 500), rng);
 *     const r = env.step(a);
 *     q.update(s, a, r.reward, r.obs, r.terminated, 0.7, 0.95);
 *     s = r.obs;
 *     done = r.terminated || r.truncated;
 *   }
 * }
 * const report = evaluatePolicy(
 *   { decide: (obs) => ({ action: q.greedy(obs as number) }) },
 *   "FrozenLake-v1",
 *   { envOptions: { isSlippery: false }, episodes: 10 },
 * );
 * console.log(report.success_rate); // 1
 * ```
 * @module
 */
export * from "./envs/mod.ts";
export * from "./agents/mod.ts";
export * from "./core/mod.ts";
export * from "./kernels/mod.ts";
export { VERSION } from "./version.ts";
