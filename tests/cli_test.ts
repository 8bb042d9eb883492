/** End-to-end tests of the CLI: real subprocesses, real run folders. */
import assert from "node:assert/strict";

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("train.ts Q-learning on FrozenLake, then eval --json reaches a 0.70 win rate", async () => {
  const out = await Deno.makeTempDir();
  const t = await run([
    "train.ts",
    "--algo",
    "qlearning",
    "--env",
    "FrozenLake-v1",
    "--out",
    out,
    "--name",
    "fl",
    "--quiet",
  ]);
  assert.equal(t.code, 0, t.stderr);
  const dir = `${out}/fl`;
  const config = JSON.parse(await Deno.readTextFile(`${dir}/config.json`));
  assert.equal(config.algo, "qlearning");
  assert.equal(config.hyperparameters.gamma, 0.99);
  const lines = (await Deno.readTextFile(`${dir}/metrics.jsonl`)).trim().split("\n");
  const recs = lines.map((l) => JSON.parse(l));
  assert.ok(
    recs.every((r) => typeof r.global_step === "number" && typeof r.wall_time === "number"),
  );
  assert.ok(recs.some((r) => "charts/episodic_return" in r));
  assert.ok(recs.some((r) => "eval/mean_return" in r));
  const status = JSON.parse(await Deno.readTextFile(`${dir}/status.json`));
  assert.equal(status.state, "finished");

  const e = await run(["eval.ts", dir, "--json"]);
  assert.equal(e.code, 0, e.stderr);
  const report = JSON.parse(e.stdout);
  for (
    const k of [
      "env",
      "episodes",
      "mean_reward",
      "std_reward",
      "min_reward",
      "max_reward",
      "median_reward",
      "success_rate",
      "mean_steps",
      "action_counts",
    ]
  ) assert.ok(k in report, k);
  assert.equal(report.episodes, 100);
  assert.ok(report.success_rate >= 0.7, `win rate ${report.success_rate}`);
  const saved = JSON.parse(await Deno.readTextFile(`${dir}/eval.json`));
  assert.equal(saved.per_episode.length, 100);
  await Deno.remove(out, { recursive: true });
});

Deno.test("bad flags give one clear line and a non-zero exit", async () => {
  const cases: [string[], RegExp][] = [
    [["train.ts", "--bogus"], /^error: Unknown flag --bogus/],
    [["train.ts", "--algo", "sarsa"], /--algo must be one of .*qlearning/],
    [["train.ts", "--steps", "many"], /--steps must be an integer, got "many"/],
    [
      ["train.ts", "--algo", "qlearning", "--env", "FrozenLake-v1", "--set", "gama=1"],
      /Unknown hyperparameter "gama"/,
    ],
    [
      ["train.ts", "--algo", "qlearning", "--env", "LunarLanderContinuous-v3"],
      /qlearning cannot train on LunarLanderContinuous-v3: .*discrete action space/,
    ],
    [["eval.ts", "/nonexistent/run"], /Run folder "\/nonexistent\/run" does not exist/],
    [["eval.ts"], /Expected RUN_DIR/],
  ];
  for (const [args, re] of cases) {
    const r = await run(args);
    assert.notEqual(r.code, 0, args.join(" "));
    assert.match(r.stderr.trim(), re);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line for ${args.join(" ")}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  }
});

Deno.test("--help lists every flag with its default", async () => {
  const r = await run(["train.ts", "--help"]);
  assert.equal(r.code, 0);
  for (
    const flag of [
      "--algo",
      "--env",
      "--steps",
      "--seed",
      "--out",
      "--name",
      "--config",
      "--set",
      "--resume",
      "--device",
      "--quiet",
    ]
  ) {
    assert.match(r.stdout, new RegExp(flag));
  }
  assert.match(r.stdout, /\[default: ppo\]/);
  const e = await run(["eval.ts", "--help"]);
  assert.match(e.stdout, /--episodes N.*\[default: 100\]/);
});

Deno.test("Ctrl-C stops cleanly with a resumable state; --resume continues", async () => {
  const out = await Deno.makeTempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "train.ts",
      "--algo",
      "qlearning",
      "--env",
      "FrozenLake-v1",
      "--steps",
      "500000000",
      "--out",
      out,
      "--name",
      "long",
    ],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const dir = `${out}/long`;
  // Wait until training has written its first evaluation, then interrupt.
  for (let i = 0; i < 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      if ((await Deno.readTextFile(`${dir}/metrics.jsonl`)).includes("eval/")) break;
    } catch { /* not yet created */ }
  }
  child.kill("SIGINT");
  const res = await child.output();
  const stderr = new TextDecoder().decode(res.stderr);
  assert.equal(res.code, 0, stderr);
  assert.match(stderr, /Resume with: deno run -A train.ts --resume/);
  const status = JSON.parse(await Deno.readTextFile(`${dir}/status.json`));
  assert.equal(status.state, "stopped");
  assert.ok(status.globalStep > 0 && status.globalStep < 500_000_000);
  const saved = JSON.parse(await Deno.readTextFile(`${dir}/qtable.json`));
  assert.equal(saved.globalStep, status.globalStep);

  const target = status.globalStep + 100_000;
  const r = await run(["train.ts", "--resume", dir, "--steps", String(target), "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  const after = JSON.parse(await Deno.readTextFile(`${dir}/status.json`));
  assert.deepEqual([after.state, after.globalStep], ["finished", target]);
  const steps = (await Deno.readTextFile(`${dir}/metrics.jsonl`)).trim().split("\n")
    .map((l) => JSON.parse(l).global_step as number);
  assert.ok(steps.every((s, i) => i === 0 || s >= steps[i - 1]), "global_step never goes back");
  await Deno.remove(out, { recursive: true });
});

Deno.test("--help --algo dqn lists every hyperparameter with its default and range", async () => {
  const r = await run(["train.ts", "--help", "--algo", "dqn", "--env", "CartPole-v1"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Hyperparameters of dqn on CartPole-v1/);
  assert.match(r.stdout, /learningRate +Adam step size \[default: 0\.0023; a number in \(0, ∞\)/);
  assert.match(r.stdout, /loss +TD loss.*\[default: "huber"; huber \| mse\]/);
  assert.match(r.stdout, /gradientSteps .*or -1 \(one per transition/);
  assert.match(
    r.stdout,
    /Env options of CartPole-v1 \(--env-option key=value\): suttonBartoReward/,
  );
});

Deno.test("rounded --steps are announced, and env options reach config.json", async () => {
  const out = await Deno.makeTempDir();
  const a = await run([
    "train.ts",
    "--env",
    "CartPole-v1",
    "--steps",
    "10",
    "--envs",
    "64",
    "--set",
    "numSteps=64",
    "--set",
    "evalEvery=0",
    "--out",
    out,
    "--name",
    "r",
    "--quiet",
  ]);
  assert.equal(a.code, 0, a.stderr);
  // --quiet hides the progress, not a change to what was asked for.
  assert.match(
    a.stderr,
    /^Training 4,096 steps: 1 rollout of 64 envs × 64 steps; --steps 10 rounded/,
  );
  const b = await run([
    "train.ts",
    "--env",
    "LunarLander-v3",
    "--steps",
    "10",
    "--envs",
    "8",
    "--set",
    "numSteps=16",
    "--set",
    "numMinibatches=2",
    "--set",
    "evalEvery=0",
    "--env-option",
    "enableWind=true",
    "--env-option",
    "windPower=15",
    "--device",
    "cpu",
    "--out",
    out,
    "--name",
    "w",
  ]);
  assert.equal(b.code, 0, b.stderr);
  assert.match(
    b.stderr,
    /Training ppo on LunarLander-v3 \(seed 1, 128 steps: 1 rollout of 8 envs × 16 steps; --steps 10 rounded\)/,
  );
  const config = JSON.parse(await Deno.readTextFile(`${out}/w/config.json`));
  assert.equal(config.totalSteps, 128);
  assert.deepEqual(config.envOptions, { enableWind: true, windPower: 15 });
  assert.equal(config.hyperparameters.numEnvs, 8);
  await Deno.remove(out, { recursive: true });
});

Deno.test("--device auto measures the learner and writes its decision to config.json", async () => {
  const out = await Deno.makeTempDir();
  const r = await run([
    "train.ts",
    ...["--algo", "ppo", "--env", "CartPole-v1", "--steps", "512", "--set", "evalEvery=0"],
    ...["--out", out, "--name", "auto"],
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Learning on auto → (cpu|webgpu)/);
  const config = JSON.parse(await Deno.readTextFile(`${out}/auto/config.json`));
  assert.equal(config.deviceDecision.preference, "auto");
  assert.ok(["cpu", "webgpu"].includes(config.deviceDecision.chosen));
  assert.equal(typeof config.deviceDecision.reason, "string");
  await Deno.remove(out, { recursive: true });
});
