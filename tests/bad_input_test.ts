/**
 * Bad input to `train.ts`, through real processes: every hyperparameter of every algorithm's
 * schema with a bad value, bad flags, env options and config files. Each must exit 2 with one
 * line naming what was wrong and what is accepted, and must not create a run folder.
 */
import assert from "node:assert/strict";
import { algorithmIds, getAlgorithm } from "../agents/algorithms.ts";
import type { HyperSpec } from "../agents/hyperparameters.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const ENV_OF: Record<string, string> = {
  qlearning: "FrozenLake-v1",
  dqn: "CartPole-v1",
  ppo: "CartPole-v1",
  a2c: "CartPole-v1",
};

/** A value each kind of key must refuse, with what the message must show of it. */
function badValue(spec: HyperSpec): [string, RegExp] {
  switch (spec.kind) {
    case "number":
      return spec.max !== undefined
        ? [String(spec.max + 1), /above the range/]
        : [String(spec.min !== undefined ? spec.min - 1 : "1e400"), /below the range|not a finite/];
    case "int":
      return ["1.5", /not an integer/];
    case "boolean":
      return ['"yes"', /not true or false/];
    case "choice":
      return ["sigmoid", /not one of the choices/];
    case "int-list":
      return ["[0]", /a list with item 0 out of range/];
  }
}

interface Case {
  args: string[];
  want: RegExp;
}

const cases: Case[] = [];
for (const algo of algorithmIds()) {
  for (const [key, spec] of Object.entries(getAlgorithm(algo).schema.specs)) {
    const [value, why] = badValue(spec);
    cases.push({
      args: ["--algo", algo, "--env", ENV_OF[algo], "--set", `${key}=${value}`],
      want: new RegExp(`Hyperparameter ${key}=.* in --set is (?:${why.source}).*; accepted: `),
    });
  }
}
const more: [string[], RegExp][] = [
  [["--set", "gamma=5"], /gamma=5 in --set is above the range; accepted: a number in \[0, 1\]/],
  [["--set", "learningRate=1e300"], /learningRate=1e\+300 .* too large for float32/],
  [["--set", "learningRate=1e-50"], /too small for float32/],
  [["--set", "activation=sigmoid"], /activation="sigmoid" .*accepted: tanh \| relu/],
  [["--algo", "dqn", "--set", "loss=l1"], /loss="l1" .*accepted: huber \| mse/],
  [["--set", "batchSize=0"], /Unknown hyperparameter "batchSize" in --set; accepted: numEnvs/],
  [["--algo", "dqn", "--set", "batchSize=0"], /batchSize=0 .*accepted: an integer in \[1, 65536\]/],
  [["--set", "hidden=[0]"], /hidden=\[0\] in --set is a list with item 0 out of range/],
  [["--set", "numMinibatches=3"], /numMinibatches=3 must divide the rollout of .* = 512/],
  [["--set", "evalEpisodes=0"], /evalEpisodes=0 .*accepted: an integer in \[1, 100000\]/],
  [["--set", "gamma"], /--set expects key=value, got "gamma"/],
  [["--seed=-1"], /--seed must be an integer ≥ 0/],
  [["--seed", "-1"], /--seed must be an integer ≥ 0/],
  [["--steps", "-5"], /--steps must be an integer in \[1, /],
  [["--steps", "0"], /--steps must be an integer in \[1, /],
  [["--steps", "1.5"], /--steps must be an integer, got "1.5"/],
  [["--envs", "0"], /numEnvs=0 in --envs is out of range/],
  [["--algo", "qlearning", "--env", "FrozenLake-v1", "--envs", "4"], /--envs does not apply/],
  [["--env-option", "bogus=1"], /Unknown option "bogus" for CartPole-v1; accepted: /],
  [["--env", "LunarLander-v3", "--env-option", "gravity=5"], /gravity/],
  [["--env", "LunarLander-v3", "--env-option", "windPower=true"], /windPower/],
  [["--algo", "qlearning", "--env", "FrozenLake-v1", "--env-option", "mapName=9x9"], /9x9/],
  [["--env-option", "novalue"], /--env-option expects key=value/],
  [["--stop-at", "abc"], /--stop-at must be a number/],
  [["--stop-at", "10", "--stop-when-solved"], /not both/],
  [["--name", "a/b"], /--name must be a plain folder name/],
  [
    ["--algo", "qlearning", "--env", "LunarLanderContinuous-v3"],
    /qlearning cannot train on LunarLanderContinuous-v3: .*discrete action space/,
  ],
  [
    ["--algo", "qlearning", "--env", "LunarLander-v3"],
    /Box observations of 8 dimensions: set bins/,
  ],
  [["--device", "tpu"], /--device must be one of auto, cpu, webgpu/],
];
for (const [args, want] of more) {
  cases.push({ args: args[0] === "--algo" ? args : ["--env", "CartPole-v1", ...args], want });
}

async function check(c: Case, out: string, i: number, configs: string): Promise<string | null> {
  const args = c.args.map((a) => a.replace("@CONFIGS", configs));
  const res = await new Deno.Command(Deno.execPath(), {
    // Defaults first: a case's own flags come later and win (a case that wrongly passed
    // validation then trains briefly instead of for an hour).
    args: [
      "run",
      "-A",
      "train.ts",
      "--out",
      `${out}/${i}`,
      "--name",
      "r",
      "--steps",
      "1000",
      "--quiet",
      ...args,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(res.stderr).trim();
  const what = `train.ts ${args.join(" ")}`;
  if (res.code !== 2) return `${what}: exit ${res.code}, ${stderr}`;
  if (stderr.split("\n").length !== 1) return `${what}: more than one line:\n${stderr}`;
  if (!c.want.test(stderr)) return `${what}: "${stderr}" does not match ${c.want}`;
  try {
    await Deno.stat(`${out}/${i}`);
    return `${what}: created ${out}/${i}`;
  } catch {
    return null;
  }
}

Deno.test("every bad hyperparameter, flag, env option and config file: exit 2, one line, no folder", async () => {
  const out = await Deno.makeTempDir({ prefix: "eagle_bad_" });
  const configs = `${out}/configs`;
  await Deno.mkdir(configs);
  const files: Record<string, string> = {
    "array.json": "[1, 2]",
    "broken.json": "{ not json",
    "unknown.json": JSON.stringify({ algo: "ppo", gamma2: 0.9 }),
    "badopts.json": JSON.stringify({ env: "LunarLander-v3", envOptions: { gravity: 3 } }),
    "nested.json": JSON.stringify({ hyperparameters: { gamma: -1 } }),
  };
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${configs}/${name}`, text);
  }
  const fileCases: [string, RegExp][] = [
    ["array.json", /must hold a JSON object/],
    ["broken.json", /Cannot read --config .*broken.json/],
    ["unknown.json", /Unknown hyperparameter "gamma2" in --config/],
    ["badopts.json", /gravity must be a number in \(-12, 0\), got 3/],
    ["nested.json", /gamma=-1 in --config .* is below the range/],
  ];
  for (const [name, want] of fileCases) {
    cases.push({ args: ["--config", `@CONFIGS/${name}`], want });
  }
  try {
    const problems: string[] = [];
    // Four processes at a time: the cases are independent.
    for (let i = 0; i < cases.length; i += 4) {
      const batch = cases.slice(i, i + 4).map((c, k) => check(c, out, i + k, configs));
      for (const p of await Promise.all(batch)) if (p) problems.push(p);
    }
    assert.deepEqual(
      problems,
      [],
      `${problems.length} of ${cases.length} cases:\n${problems.join("\n")}`,
    );
    console.log(`${cases.length} bad inputs refused before any run folder existed`);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
