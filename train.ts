/**
 * `deno run -A train.ts`: trains an agent and writes a run folder (config.json, metrics.jsonl,
 * status.json, checkpoints). With no flags: PPO on LunarLander-v3 with tuned defaults.
 * @module
 */
import { type CommandSpec, parseFlags, runCommand, UsageError } from "./core/cli.ts";
import { writeJsonAtomic } from "./core/atomic_write.ts";
import { defaultRunName, readRunConfig } from "./core/run_dir.ts";
import type { RunConfig } from "./core/run_log.ts";
import { algorithmIds, getAlgorithm } from "./agents/algorithms.ts";
import { applyOverrides, parseAssignment } from "./agents/hyperparameters.ts";
import { createRunFolder, readRunStatus, runTraining } from "./agents/training_run.ts";
import { envSpec, listEnvs } from "./envs/registry.ts";

const command: CommandSpec = {
  usage: "deno run -A train.ts",
  description: "Trains an agent and writes a run folder with its config, metrics and checkpoints.",
  flags: {
    algo: { type: "string", help: "Algorithm", default: "ppo", choices: algorithmIds() },
    env: {
      type: "string",
      help: "Environment id",
      default: "LunarLander-v3",
      choices: listEnvs().map((e) => e.id),
    },
    steps: {
      type: "int",
      help: "Total env steps (default: the algorithm's preset)",
      valueName: "N",
    },
    seed: { type: "int", help: "Random seed", default: 1, valueName: "S" },
    envs: { type: "int", help: "Parallel envs (algorithms with numEnvs)", valueName: "N" },
    device: {
      type: "string",
      help: "Where networks learn",
      default: "auto",
      choices: ["auto", "cpu", "webgpu"],
    },
    out: { type: "string", help: "Folder holding run folders", default: "runs", valueName: "DIR" },
    name: { type: "string", help: "Run folder name (default <env>__<algo>__<seed>__<time>)" },
    config: { type: "string", help: "JSON file of hyperparameters", valueName: "FILE.json" },
    set: { type: "list", help: "Override a hyperparameter (repeatable)", valueName: "key=value" },
    resume: { type: "string", help: "Continue a stopped run", valueName: "RUN_DIR" },
    quiet: { type: "boolean", help: "No progress bar" },
  },
};

async function main(): Promise<void> {
  const parsed = parseFlags(command, Deno.args);
  if (!parsed) return;
  const f = parsed.flags;
  const resumeDir = f.resume as string | undefined;
  const { config, runDir } = resumeDir ? await resumeConfig(resumeDir, f) : await newRun(f);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) Deno.exit(130);
    console.error("\nStopping after the current step; Ctrl-C again to quit at once.");
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", onSigint);
  if (!f.quiet) {
    console.error(
      `${resumeDir ? "Resuming" : "Training"} ${config.algo} on ${config.env} ` +
        `(seed ${config.seed}, ${config.totalSteps.toLocaleString("en")} steps) → ${runDir}`,
    );
  }
  try {
    const result = await runTraining(runDir, config, {
      resume: !!resumeDir,
      quiet: f.quiet as boolean,
      signal: controller.signal,
    });
    const best = result.bestEvalReturn === null ? "–" : result.bestEvalReturn.toFixed(3);
    console.error(
      `${result.stopped ? "Stopped" : "Done"} at step ${result.globalStep.toLocaleString("en")}; ` +
        `best eval return ${best}. Run folder: ${runDir}`,
    );
    console.error(
      result.stopped
        ? `Resume with: deno run -A train.ts --resume ${runDir}`
        : `Evaluate with: deno task eval ${runDir}`,
    );
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
  }
}

async function newRun(f: Record<string, unknown>): Promise<{ config: RunConfig; runDir: string }> {
  let fileValues: Record<string, unknown> = {};
  if (f.config) {
    try {
      fileValues = JSON.parse(await Deno.readTextFile(f.config as string));
    } catch (err) {
      throw new UsageError(`Cannot read --config ${f.config}: ${(err as Error).message}`);
    }
    if (!fileValues || typeof fileValues !== "object" || Array.isArray(fileValues)) {
      throw new UsageError(`--config ${f.config} must hold a JSON object of hyperparameters`);
    }
  }
  // A config file may also name the algorithm, env, seed and steps; flags win over it.
  const { algo: fAlgo, env: fEnv, seed: fSeed, steps: fSteps, ...fileHyper } = fileValues;
  const pick = (flag: string, fromFile: unknown) =>
    Deno.args.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`)) || fromFile === undefined
      ? f[flag]
      : fromFile;
  const algoId = String(pick("algo", fAlgo));
  const envId = String(pick("env", fEnv));
  const seed = Number(pick("seed", fSeed));
  const algo = getAlgorithm(algoId);
  envSpec(envId);
  const why = algo.unsupported(envId);
  if (why) throw new UsageError(`${algoId} cannot train on ${envId}: ${why}`);
  let hyper = applyOverrides(algo.defaults(envId), fileHyper, `--config ${f.config}`);
  const sets = Object.fromEntries(((f.set as string[] | undefined) ?? []).map(parseAssignment));
  hyper = applyOverrides(hyper, sets, "--set");
  if (f.envs !== undefined) {
    if (!("numEnvs" in hyper)) throw new UsageError(`--envs does not apply to ${algoId}`);
    if ((f.envs as number) < 1) throw new UsageError(`--envs must be at least 1, got ${f.envs}`);
    hyper = applyOverrides(hyper, { numEnvs: f.envs }, "--envs");
  }
  const steps = pick("steps", fSteps) ?? algo.defaultSteps(envId);
  if (!Number.isInteger(steps) || (steps as number) < 1) {
    throw new UsageError(`--steps must be a positive integer, got ${steps}`);
  }
  const name = (f.name as string | undefined) ?? defaultRunName(envId, algoId, seed);
  if (/[\/\\]|^\.\.?$/.test(name)) {
    throw new UsageError(`--name must be a plain folder name, got "${name}"`);
  }
  const runDir = `${f.out}/${name}`;
  try {
    await Deno.stat(`${runDir}/config.json`);
    throw new UsageError(`Run folder ${runDir} already exists; pick another --name or --resume it`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
  }
  const config = await createRunFolder(runDir, {
    algo: algoId,
    env: envId,
    seed,
    totalSteps: steps as number,
    hyperparameters: { ...hyper, device: f.device as string },
  });
  return { config, runDir };
}

async function resumeConfig(
  runDir: string,
  f: Record<string, unknown>,
): Promise<{ config: RunConfig; runDir: string }> {
  const config = await readRunConfig(runDir);
  const st = await readRunStatus(runDir);
  if (st?.state === "running") {
    throw new UsageError(`${runDir} is still marked running; stop that process first`);
  }
  if (f.steps !== undefined) config.totalSteps = f.steps as number;
  if (st && st.globalStep >= config.totalSteps) {
    throw new UsageError(
      `${runDir} already reached ${st.globalStep} of ${config.totalSteps} steps; ` +
        `pass --steps N with a larger N to train further`,
    );
  }
  await writeJsonAtomic(`${runDir}/config.json`, config);
  return { config, runDir };
}

if (import.meta.main) await runCommand(main);
