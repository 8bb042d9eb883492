/**
 * `deno task eval RUN_DIR`: evaluates a trained run greedily over many seeded episodes, prints
 * a table (or JSON with `--json`) and writes `RUN_DIR/eval.json`.
 * @module
 */
import { type CommandSpec, parseFlags, runCommand, UsageError } from "./core/cli.ts";
import { Progress } from "./core/progress.ts";
import { RunFolder } from "./core/run_folder.ts";
import type { EvalReport } from "./core/run_log.ts";
import type { ParallelEvalReport } from "./agents/evaluate_parallel.ts";
import { getAlgorithm } from "./agents/algorithms.ts";
import { evaluatePolicy } from "./agents/evaluate.ts";
import { isParallelEnv, successRuleOf } from "./envs/catalog.ts";

const command: CommandSpec = {
  usage: "deno task eval",
  description: "Evaluates a trained run greedily and writes RUN_DIR/eval.json.",
  positionals: ["RUN_DIR"],
  flags: {
    episodes: { type: "int", help: "Episodes to play (1..100000)", default: 100, valueName: "N" },
    seed: {
      type: "int",
      help: "Episode i is reset with seed S + i",
      default: 0,
      valueName: "S",
    },
    checkpoint: {
      type: "string",
      help: "Which checkpoint",
      default: "best",
      choices: ["best", "latest"],
    },
    json: { type: "boolean", help: "Print one JSON object instead of a table" },
    quiet: { type: "boolean", help: "No progress bar" },
  },
};

/** Runs `deno task eval` with `args` (the flags and RUN_DIR). */
export async function main(args: string[] = Deno.args): Promise<void> {
  const parsed = parseFlags(command, args);
  if (!parsed) return;
  const { flags: f, positionals: [runDir] } = parsed;
  const episodes = f.episodes as number;
  if (episodes < 1 || episodes > 100_000) {
    throw new UsageError(`--episodes must be between 1 and 100000, got ${episodes}`);
  }
  const run = new RunFolder(runDir);
  const config = await run.readConfig();
  const algo = getAlgorithm(config.algo);
  const which = f.checkpoint as "best" | "latest";
  const policy = await algo.loadPolicy(run, config, which);
  const progress = new Progress({ total: episodes, label: "eval", quiet: !!f.quiet || !!f.json });
  let sum = 0;
  const report = evaluatePolicy(policy, config.env, {
    envOptions: config.envOptions,
    episodes,
    seed: f.seed as number,
    algo: config.algo,
    onEpisode: (done, r) => {
      sum += r.reward;
      progress.update(done, { mean: sum / done });
    },
  });
  progress.finish();
  await run.writeEval(report);
  if (f.json) {
    const { per_episode: _, ...summary } = report;
    console.log(JSON.stringify(summary));
  } else console.log(formatReport(report, runDir, which));
}

/** Renders an evaluation report as a small table. */
function formatReport(r: EvalReport, runDir: string, which: string): string {
  const n = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(3));
  // A multi-agent report's headline figures are of the team return (the agents' sum).
  const team = isParallelEnv(r.env) ? r as ParallelEvalReport : null;
  const what = team ? "team return" : "mean reward";
  const rows: [string, string][] = [
    ["episodes", `${r.episodes} (seeds ${r.seed}..${r.seed + r.episodes - 1})`],
    [what, `${n(r.mean_reward)} ± ${n(r.std_reward)}`],
    ["median", n(r.median_reward)],
    ["min / max", `${n(r.min_reward)} / ${n(r.max_reward)}`],
    ...(team?.agents ?? []).map((a): [string, string] => {
      const s = team!.per_agent[a];
      return [a, `${n(s.mean)} ± ${n(s.std)} (min ${n(s.min)}, max ${n(s.max)})`];
    }),
    ["success rate", `${(r.success_rate * 100).toFixed(1)}% (${successRuleOf(r.env)})`],
    ["mean steps", r.mean_steps.toFixed(1)],
    ...(r.mean_score === undefined ? [] : [["mean score", r.mean_score.toFixed(2)] as [
      string,
      string,
    ]]),
    [
      "actions",
      Object.entries(r.action_counts).map(([k, v]) => `${k} ${v}`).join(", ") || "continuous",
    ],
  ];
  const w = Math.max(...rows.map(([k]) => k.length)) + 2;
  return [
    `${r.algo} on ${r.env} — ${runDir} (${which} checkpoint)`,
    ...rows.map(([k, v]) => `  ${k.padEnd(w)}${v}`),
    `Wrote ${new RunFolder(runDir).path("eval")}`,
  ].join("\n");
}

if (import.meta.main) await runCommand(() => main());
