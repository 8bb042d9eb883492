/**
 * FlappyBird-v0's DQN settings: the env id's preset (LIDAR) and the config files
 * `examples/presets/flappy_features.json` (12 features) and `flappy_lidar.json` (two LIDAR
 * frames), checked as train.ts reads them, then short real training runs of both through the CLI.
 */
import assert from "node:assert/strict";
import { getAlgorithm } from "../agents/algorithms.ts";
import { loadNetworkCheckpoint } from "../agents/checkpoint.ts";
import "../agents/mod.ts";
import { presetFor, resolveHyperparameters } from "../agents/hyperparameters.ts";
import { make } from "../envs/registry.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const FEATURES = "examples/presets/flappy_features.json";
const LIDAR = "examples/presets/flappy_lidar.json";

/** Runs `deno ARGS` in the repository and returns its stdout; fails the test on a non-zero exit. */
async function deno(args: string[]): Promise<string> {
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
  return new TextDecoder().decode(r.stdout);
}

Deno.test("the features config sets useLidar false and every key of the LIDAR preset", async () => {
  const file = JSON.parse(await Deno.readTextFile(`${ROOT}${FEATURES}`));
  assert.deepEqual([file.algo, file.env, file.envOptions], ["dqn", "FlappyBird-v0", {
    useLidar: false,
  }]);
  const schema = getAlgorithm("dqn").schema;
  const lidar = schema.presets["FlappyBird-v0"];
  assert.ok(lidar, "FlappyBird-v0 has a DQN preset");
  // Keys the file leaves out would silently come from the LIDAR preset.
  const missing = Object.keys(lidar).filter((k) => !(k in file.hyperparameters));
  assert.deepEqual(missing, []);
  const h = resolveHyperparameters(schema, { envId: file.env, totalSteps: file.steps }, [{
    source: FEATURES,
    values: file.hyperparameters,
  }]);
  assert.equal(h.gamma, 0.95);
  assert.deepEqual(presetFor(schema, "FlappyBird-v0").hidden, lidar.hidden);
  const env = make(file.env, file.envOptions);
  assert.deepEqual(env.observationSpace.shape, [12]);
});

Deno.test("the LIDAR config is the env id's preset seen two frames at a time", async () => {
  const file = JSON.parse(await Deno.readTextFile(`${ROOT}${LIDAR}`));
  assert.deepEqual([file.algo, file.env, file.envOptions], ["dqn", "FlappyBird-v0", {
    frameStack: 2,
  }]);
  const schema = getAlgorithm("dqn").schema;
  // The file spells the preset out, so what it was measured with stays readable in one place.
  assert.deepEqual(file.hyperparameters, schema.presets["FlappyBird-v0"]);
  const env = make(file.env, file.envOptions);
  assert.deepEqual(env.observationSpace.shape, [2, 180]);
});

Deno.test("train.ts --config flappy_features.json trains DQN on the 12 features", async () => {
  const out = await Deno.makeTempDir();
  try {
    const args = ["run", "-A", "train.ts", "--config", FEATURES, "--env-option", "useLidar=false"];
    args.push("--steps", "3000", "--set", "evalEvery=0", "--device", "cpu", "--seed", "4");
    args.push("--out", out, "--name", "fb", "--quiet");
    await deno(args);
    const config = JSON.parse(await Deno.readTextFile(`${out}/fb/config.json`));
    assert.deepEqual([config.env, config.envOptions], ["FlappyBird-v0", { useLidar: false }]);
    assert.equal(config.hyperparameters.gamma, 0.95);
    const episodes = (await Deno.readTextFile(`${out}/fb/episodes.jsonl`)).trim().split("\n")
      .map((l) => JSON.parse(l));
    // Short episodes (a crash every ~50 steps this early), judged by the registry's rule.
    assert.ok(episodes.length > 10, `${episodes.length} episodes`);
    assert.ok(episodes.reduce((n, e) => n + e.length, 0) <= 3000);
    for (const e of episodes) assert.equal(e.success, e.return > 20, JSON.stringify(e));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("train.ts --config flappy_lidar.json trains DQN on two stacked LIDAR frames", async () => {
  const out = await Deno.makeTempDir();
  try {
    const args = ["run", "-A", "train.ts", "--config", LIDAR, "--steps", "2000"];
    args.push("--set", "evalEvery=0", "--device", "cpu", "--seed", "4", "--out", out);
    args.push("--name", "fb", "--quiet");
    await deno(args);
    const config = JSON.parse(await Deno.readTextFile(`${out}/fb/config.json`));
    assert.deepEqual(config.envOptions, { frameStack: 2 });
    assert.equal(config.hyperparameters.nSteps, 3);
    // The checkpoint's Q network reads both frames: 2 × 180 inputs.
    const ckpt = await loadNetworkCheckpoint(`${out}/fb/latest.safetensors`);
    assert.equal(ckpt.params.length, 360 * 128 + 128 + 128 * 128 + 128 + 128 * 2 + 2);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("DQN learns FlappyBird-v0's 12 features: greedy mean score ≥ 1 pipe at 100k steps", async () => {
  // Idle scores 0 pipes (return 2.0), random flapping 0 (−7.5); seeds 1–5 of this config reach
  // 2.9–6.3 pipes (return 16.9–32.9) over these 20 episodes at 100k steps, about 7 s.
  const out = await Deno.makeTempDir();
  try {
    const args = ["run", "-A", "train.ts", "--config", FEATURES, "--steps", "100000"];
    args.push("--set", "evalEvery=25000", "--device", "cpu", "--seed", "1", "--out", out);
    await deno([...args, "--name", "fb", "--quiet"]);
    const report = JSON.parse(
      await deno(["run", "-A", "eval.ts", `${out}/fb`, "--episodes", "20", "--json"]),
    );
    assert.ok(report.mean_score >= 1, `mean score ${report.mean_score} < 1 pipe`);
    assert.ok(report.mean_reward >= 8, `mean return ${report.mean_reward} < 8`);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
