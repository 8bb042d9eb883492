/**
 * `deno run -A train.ts`: trains an agent and writes a run folder (config.json, metrics.jsonl,
 * episodes.jsonl, status.json, checkpoints). With no flags: PPO on LunarLander-v3 with tuned
 * defaults. Every flag, hyperparameter, env option and config file is checked before the run
 * folder is made; Ctrl-C, SIGTERM and SIGHUP stop the run resumably.
 * @module
 */
import {
  type CommandSpec,
  type FlagValues,
  parseFlags,
  runCommand,
  UsageError,
} from "./core/cli.ts";
import { defaultRunName, RunFolder } from "./core/run_folder.ts";
import { readLock, whyStale } from "./core/run_lock.ts";
import type { RunConfig } from "./core/run_log.ts";
import type { Algorithm, Hyperparameters } from "./agents/algorithm.ts";
import { algorithmIds, getAlgorithm } from "./agents/algorithms.ts";
import { DivergenceError } from "./agents/divergence.ts";
import {
  type HyperSource,
  parseAssignment,
  resolveHyperparameters,
  schemaHelp,
} from "./agents/hyperparameters.ts";
import {
  parseRecordSchedule,
  PROGRESS_VIDEO_FLAGS,
  RecordSchedule,
  type RecordScheduleSpec,
} from "./agents/progress_video.ts";
import { createRunFolder, runTraining } from "./agents/training_run.ts";
import { buildEnvOnce, catalogEntry, listCatalog } from "./envs/catalog.ts";
import { MAKE_OPTION_NAMES } from "./envs/registry.ts";
import type { DevicePreference } from "./kernels/types.ts";

const DEVICES = ["auto", "cpu", "webgpu"] as const;
const MAX_STEPS = 1e12;

const command: CommandSpec = {
  usage: "deno run -A train.ts",
  description: "Trains an agent and writes a run folder with its config, metrics and checkpoints.",
  flags: {
    algo: { type: "string", help: "Algorithm", default: "ppo", choices: algorithmIds() },
    env: {
      type: "string",
      help: "Environment id",
      default: "LunarLander-v3",
      choices: listCatalog().map((e) => e.id),
    },
    steps: {
      type: "int",
      help: "Total env steps (default: the algorithm's preset)",
      valueName: "N",
    },
    seed: { type: "int", help: "Random seed (an integer ≥ 0)", default: 1, valueName: "S" },
    envs: { type: "int", help: "Parallel envs (sets numEnvs)", valueName: "N" },
    device: { type: "string", help: "Where networks learn", default: "auto", choices: DEVICES },
    out: { type: "string", help: "Folder holding run folders", default: "runs", valueName: "DIR" },
    name: { type: "string", help: "Run folder name (default <env>__<algo>__<seed>__<time>)" },
    config: {
      type: "string",
      help: "JSON file: hyperparameters, and optionally algo, env, seed, steps, envOptions",
      valueName: "FILE.json",
    },
    set: { type: "list", help: "Set a hyperparameter (repeatable)", valueName: "key=value" },
    "env-option": {
      type: "list",
      help: "Set an env option, value as JSON or text (repeatable)",
      valueName: "key=value",
    },
    "stop-when-solved": {
      type: "boolean",
      help: "Stop when the 100-episode training mean reaches the env's threshold",
    },
    "stop-at": {
      type: "number",
      help: "Stop when the 100-episode training mean reaches R",
      valueName: "R",
    },
    resume: {
      type: "string",
      help: "Continue a stopped or killed run (--steps N trains it further)",
      valueName: "RUN_DIR",
    },
    ...PROGRESS_VIDEO_FLAGS,
    quiet: { type: "boolean", help: "No progress bar" },
  },
  helpFooter: (f) => {
    const algoId = String(f.algo), envId = String(f.env);
    let algo: Algorithm, options: readonly string[];
    try {
      algo = getAlgorithm(algoId);
      const entry = catalogEntry(envId);
      // Single-agent envs also take make's own options (a step limit, a frame stack).
      options = entry.kind === "single-agent"
        ? [...entry.optionNames, ...MAKE_OPTION_NAMES]
        : entry.optionNames;
    } catch {
      return "";
    }
    return [
      `Hyperparameters of ${algoId} on ${envId} (--set key=value; --algo/--env change them):`,
      ...schemaHelp(algo.schema, envId),
      "",
      `Env options of ${envId} (--env-option key=value): ${options.join(", ") || "none"}`,
    ].join("\n");
  },
};

/** Keys a `--config` file may hold besides hyperparameters. */
const CONFIG_KEYS = [
  "algo",
  "env",
  "seed",
  "steps",
  "totalSteps",
  "envOptions",
  "hyperparameters",
  "stopAt",
  "device",
  "videos",
  "eagleVersion",
  "createdAt",
];

/** Runs `train.ts` with command-line `args` (also the `eagle train` subcommand). */
export async function main(args: string[] = Deno.args): Promise<void> {
  const parsed = parseFlags(command, args);
  if (!parsed) return;
  const f = parsed.flags;
  const resumeDir = f.resume as string | undefined;
  const { config, run, note } = resumeDir ? await resumeRun(resumeDir, f) : await newRun(f, args);
  const controller = new AbortController();
  let interrupts = 0;
  const stop = (why: string) => () => {
    if (++interrupts > 1) Deno.exit(130);
    console.error(`\n${why}: stopping after the current step; Ctrl-C again to quit at once.`);
    controller.abort();
  };
  const signals = [["SIGINT", "Interrupted"], ["SIGTERM", "Terminated"], [
    "SIGHUP",
    "Hung up",
  ]] as const;
  const listeners = signals.map(([sig, why]) => [sig, stop(why)] as const);
  for (const [sig, fn] of listeners) Deno.addSignalListener(sig, fn);
  const steps = `${config.totalSteps.toLocaleString("en")} steps${note ? `: ${note}` : ""}`;
  if (!f.quiet) {
    console.error(
      `${resumeDir ? "Resuming" : "Training"} ${config.algo} on ${config.env} ` +
        `(seed ${config.seed}, ${steps}) → ${run.dir}`,
    );
  } else if (note) {
    // Quiet hides progress, not a change to what was asked for.
    console.error(`Training ${steps}`);
  }
  try {
    const result = await runTraining(run, config, {
      resume: !!resumeDir,
      quiet: f.quiet as boolean,
      signal: controller.signal,
    });
    const best = result.bestEvalReturn === null ? "–" : result.bestEvalReturn.toFixed(3);
    if (result.solved) {
      const s = result.solved;
      console.error(
        `Solved at episode ${s.episode.toLocaleString("en")} (step ${
          s.step.toLocaleString("en")
        }): 100-episode mean ${s.mean.toFixed(1)}`,
      );
    }
    console.error(
      `${result.stopped ? "Stopped" : "Done"} at step ${result.globalStep.toLocaleString("en")}; ` +
        `best eval return ${best}. Run folder: ${run.dir}`,
    );
    console.error(
      result.stopped
        ? `Resume with: deno run -A train.ts --resume ${run.dir}`
        : `Evaluate with: deno task eval ${run.dir}`,
    );
  } catch (err) {
    if (!(err instanceof DivergenceError)) throw err;
    console.error(`\nDiverged: ${err.message}.`);
    console.error(`${run.dir} keeps the last finite checkpoints; status.json says "diverged".`);
    Deno.exit(1);
  } finally {
    for (const [sig, fn] of listeners) Deno.removeSignalListener(sig, fn);
  }
}

interface Prepared {
  config: RunConfig;
  run: RunFolder;
  /** How the requested steps were rounded, if they were. */
  note: string | null;
}

/** Reads `--config`: a JSON object, its metadata keys split from its hyperparameters. */
async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(await Deno.readTextFile(path));
  } catch (err) {
    throw new UsageError(`Cannot read --config ${path}: ${(err as Error).message}`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(`--config ${path} must hold a JSON object of hyperparameters`);
  }
  return value as Record<string, unknown>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

async function newRun(f: FlagValues, args: readonly string[]): Promise<Prepared> {
  const file = f.config ? await readConfigFile(f.config as string) : {};
  const src = `--config ${f.config}`;
  // Flags given on the command line win over the file, the file over the flags' defaults.
  const given = (flag: string) => args.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
  const pick = (flag: string, fromFile: unknown) =>
    given(flag) || fromFile === undefined ? f[flag] : fromFile;

  const algoId = String(pick("algo", file.algo));
  const envId = String(pick("env", file.env));
  const algo = getAlgorithm(algoId);
  const spec = catalogEntry(envId);

  const seed = pick("seed", file.seed);
  if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) {
    throw new UsageError(`--seed must be an integer ≥ 0 (numpy seeds), got ${seed}`);
  }

  // Env options: the file's, then --env-option; checked by building the env once.
  if (file.envOptions !== undefined && !isObject(file.envOptions)) {
    throw new UsageError(`"envOptions" in ${src} must be a JSON object`);
  }
  const envOptions: Record<string, unknown> = { ...(file.envOptions as object | undefined) };
  for (const text of (f["env-option"] as string[] | undefined) ?? []) {
    const [k, v] = parseAssignment(text, "--env-option");
    envOptions[k] = v;
  }
  checkEnvOptions(envId, envOptions);
  const why = algo.unsupported(envId, envOptions);
  if (why) throw new UsageError(`${algoId} cannot train on ${envId}: ${why}`);

  const steps = pick("steps", file.steps ?? file.totalSteps) ?? algo.defaultSteps(envId);
  if (typeof steps !== "number" || !Number.isInteger(steps) || steps < 1 || steps > MAX_STEPS) {
    throw new UsageError(`--steps must be an integer in [1, ${MAX_STEPS}], got ${steps}`);
  }

  // Hyperparameters: the preset, then the file (flat keys or a "hyperparameters" object),
  // then --set, then --envs; every key and range is checked here, before any folder exists.
  const fileHyper: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(file)) {
    if (k === "hyperparameters") {
      if (!isObject(v)) throw new UsageError(`"hyperparameters" in ${src} must be a JSON object`);
      Object.assign(fileHyper, v);
    } else if (!CONFIG_KEYS.includes(k)) fileHyper[k] = v;
  }
  const sources: HyperSource[] = f.config ? [{ source: src, values: fileHyper }] : [];
  const sets = ((f.set as string[] | undefined) ?? []).map((t) => parseAssignment(t));
  sources.push({ source: "--set", values: Object.fromEntries(sets) });
  if (f.envs !== undefined) {
    if (!("numEnvs" in algo.schema.specs)) {
      throw new UsageError(`--envs does not apply to ${algoId}`);
    }
    sources.push({ source: "--envs", values: { numEnvs: f.envs } });
  }
  const hyper = resolveHyperparameters(algo.schema, { envId, totalSteps: steps }, sources);
  const plan = algo.stepPlan?.(hyper, steps) ?? { steps, note: null };
  const note = plan.note === null
    ? null
    : `${plan.note}; --steps ${steps.toLocaleString("en")} rounded`;

  const device = String(pick("device", file.device));
  if (!(DEVICES as readonly string[]).includes(device)) {
    throw new UsageError(`"device" in ${src} must be one of ${DEVICES.join(", ")}; got ${device}`);
  }
  const stopAt = stopTarget(f, envId, spec.rewardThreshold, file.stopAt, src);
  const videos = parseRecordSchedule(f) ??
    (isObject(file.videos)
      ? new RecordSchedule(file.videos as unknown as RecordScheduleSpec)
      : null);

  const name = (f.name as string | undefined) ?? defaultRunName(envId, algoId, seed);
  if (/[\/\\]|^\.\.?$/.test(name) || name.trim() === "") {
    throw new UsageError(`--name must be a plain folder name, got "${name}"`);
  }
  const run = new RunFolder(`${f.out}/${name}`);
  if (await run.isRun()) {
    throw new UsageError(
      `Run folder ${run.dir} already exists; pick another --name or --resume it`,
    );
  }
  const config = await createRunFolder(run, {
    algo: algoId,
    env: envId,
    seed,
    totalSteps: plan.steps,
    hyperparameters: hyper,
    envOptions,
    device: device as DevicePreference,
    stopAt,
    videos,
  });
  return { config, run, note };
}

/** Builds the env once with `options`, so a bad option fails before any folder exists. */
function checkEnvOptions(envId: string, options: Record<string, unknown>): void {
  try {
    buildEnvOnce(envId, options);
  } catch (err) {
    throw new UsageError(`Env options ${JSON.stringify(options)}: ${(err as Error).message}`);
  }
}

function stopTarget(
  f: FlagValues,
  envId: string,
  threshold: number | undefined,
  fromFile: unknown,
  src: string,
): number | null {
  if (f["stop-when-solved"] && f["stop-at"] !== undefined) {
    throw new UsageError("Give --stop-when-solved or --stop-at R, not both");
  }
  if (f["stop-when-solved"]) {
    if (threshold === undefined) {
      throw new UsageError(`${envId} has no reward threshold; use --stop-at R instead`);
    }
    return threshold;
  }
  const r = f["stop-at"] ?? fromFile ?? null;
  if (r !== null && (typeof r !== "number" || !Number.isFinite(r))) {
    throw new UsageError(`"stopAt" in ${src} must be a finite number, got ${JSON.stringify(r)}`);
  }
  return r as number | null;
}

async function resumeRun(dir: string, f: FlagValues): Promise<Prepared> {
  const run = new RunFolder(dir);
  const config = await run.readConfig();
  const algo = getAlgorithm(config.algo);
  const held = await readLock(run.path("lock"));
  if (held && whyStale(held) === null) {
    throw new UsageError(
      `${run.dir} is being trained by pid ${held.pid} on ${held.hostname}; stop that process first`,
    );
  }
  const st = await run.readStatus();
  if (st?.state === "diverged") {
    throw new UsageError(
      `${run.dir} diverged (${st.error}); resuming would diverge again: start a new run`,
    );
  }
  // A hand-edited config is checked like any other source.
  resolveHyperparameters(algo.schema, { envId: config.env, totalSteps: config.totalSteps }, [{
    source: `${run.path("config")}`,
    values: config.hyperparameters,
  }]);
  checkEnvOptions(config.env, config.envOptions);
  let note: string | null = null;
  if (f.steps !== undefined) {
    const steps = f.steps as number;
    if (steps < 1 || steps > MAX_STEPS) {
      throw new UsageError(`--steps must be an integer in [1, ${MAX_STEPS}], got ${steps}`);
    }
    const plan = algo.stepPlan?.(config.hyperparameters as Hyperparameters, steps) ??
      { steps, note: null };
    config.totalSteps = plan.steps;
    note = plan.note;
  }
  // A run killed after its last save but before it was marked finished resumes to finish.
  if (st?.state === "finished" && st.globalStep >= config.totalSteps) {
    throw new UsageError(
      `${run.dir} already reached ${st.globalStep} of ${config.totalSteps} steps; ` +
        `pass --steps N with a larger N to train further`,
    );
  }
  await run.writeConfig(config);
  return { config, run, note };
}

if (import.meta.main) await runCommand(() => main());
