/**
 * A sweep's study in its storage, as Optuna keeps one in an RDB: the sweep file, its
 * configurations (baseline, experiments, grid cells, sampled points), one trial per
 * configuration × seed with its state, lease, score and result, and the trials' intermediate
 * values. Every machine that works on the study goes through these tables:
 *
 * - **Claiming**: a worker takes the oldest `waiting` trial, or a `running` one whose lease
 *   has expired (its worker died), locking the row (`FOR UPDATE SKIP LOCKED` in PostgreSQL,
 *   `BEGIN IMMEDIATE` in SQLite), and holds it under a lease it renews while the trial runs.
 *   A search samples its next configuration inside the claim, from the trials so far, under a
 *   lock of the study row, so two workers never sample the same slot.
 * - **Ending exactly once**: finishing, pruning and releasing a trial are conditional on the
 *   worker still holding it (`WHERE id = ? AND worker = ? AND state = 'running'`); a worker
 *   that lost its lease learns it from a renewal or a finish that changes no row, and drops its
 *   result, so each trial ends once, with one result.
 * - **Configurations** are complete once all their seeds are, scored by the mean over seeds;
 *   one diverged seed makes the configuration `diverged`, one pruned seed `pruned` (its other
 *   seeds are then pruned too).
 *
 * Tables: `eagle_sweep_studies`, `eagle_sweep_configs`, `eagle_sweep_trials`,
 * `eagle_sweep_intermediates` (one database may hold many studies). The dashboard reads a
 * study through {@link SweepStudy.snapshot} and {@link listStudies}.
 * @module
 */
import { hostname } from "node:os";
import { UsageError } from "../core/cli.ts";
import { whyStale } from "../core/run_lock.ts";
import { Rng } from "../core/rng.ts";
import type { Hyperparameters } from "../agents/algorithm.ts";
import type { EvalReport } from "../core/run_log.ts";
import { RandomSampler } from "./random_sampler.ts";
import { TpeSampler } from "./tpe_sampler.ts";
import type { Params, Sampler, TrialRecord, TrialState } from "./sampler_types.ts";
import {
  type ConfigurationKind,
  type ConfigurationPlan,
  describeValues,
  planConfigurations,
  resolveConfiguration,
  searchConfigurationName,
  searchParamsOf,
  type SweepFile,
  sweepMode,
  sweepSearchSpace,
  trialRunName,
} from "./sweep_file.ts";
import type { SqlDriver, SqlQuery, SqlRow, SqlValue } from "./sql_driver.ts";

/** A trial's state in the storage. */
export type StoredTrialState =
  | "waiting"
  | "running"
  | "complete"
  | "pruned"
  | "failed"
  | "diverged";

/** The states a trial ends in. */
export const TERMINAL_STATES: readonly StoredTrialState[] = [
  "complete",
  "pruned",
  "failed",
  "diverged",
];

/** A configuration's state: `pending` until one of its trials starts. */
export type ConfigState = "pending" | "running" | "complete" | "pruned" | "failed" | "diverged";

/** The figures of a trial's final greedy evaluation (`eval.json` without the episodes). */
export type EvalSummary = Omit<EvalReport, "per_episode" | "action_counts">;

/** What a trial left besides its state and score. */
export interface TrialResult {
  /** The final evaluation (complete trials). */
  eval?: EvalSummary;
  /** Seconds the training itself took (this session of it). */
  trainSeconds?: number;
  /** Seconds the final evaluation took. */
  evalSeconds?: number;
  /** Seconds from spawning the trial process to its exit. */
  wallSeconds?: number;
  /** Training env steps per second. */
  stepsPerSecond?: number | null;
  /** Best periodic evaluation mean return during training. */
  bestEvalReturn?: number | null;
  /** The step whose intermediate value got the trial pruned. */
  prunedAtStep?: number;
  /** Set when the trial was pruned because another seed of its configuration was. */
  prunedWith?: string;
  /** What went wrong (failed, diverged). */
  error?: string;
}

/** A configuration row. */
export interface ConfigRow {
  /** Row id. */
  id: number;
  /** 0 for the baseline, then in creation order. */
  ordinal: number;
  /** Configuration name. */
  name: string;
  /** How it was made. */
  kind: ConfigurationKind;
  /** One line for people. */
  description: string;
  /** The values it sets over the baseline. */
  params: Record<string, unknown>;
  /** Every hyperparameter, resolved. */
  hyperparameters: Hyperparameters;
  /** Env steps per trial. */
  totalSteps: number;
  /** Aggregate state of its trials. */
  state: ConfigState;
  /** Mean score over its complete seeds (null until one completes). */
  value: number | null;
  /** Why the configuration could not be made (a sampled point failing a cross-key check). */
  error: string | null;
}

/** A trial row. */
export interface TrialRow {
  /** Row id (claim order). */
  id: number;
  /** Its configuration's id. */
  configId: number;
  /** Its configuration's name. */
  configName: string;
  /** Training seed. */
  seed: number;
  /** Run folder name inside the sweep folder, `<configuration>__s<seed>`. */
  runName: string;
  /** State. */
  state: StoredTrialState;
  /** Worker holding it (running), else null. */
  worker: string | null;
  /** When its lease ends (Unix ms), while running. */
  leaseUntil: number | null;
  /** Times it was claimed. */
  attempts: number;
  /** Env steps reached, as last reported. */
  globalStep: number;
  /** Final evaluation mean return (complete trials). */
  score: number | null;
  /** Everything else it left. */
  result: TrialResult | null;
  /** First claim (Unix ms). */
  startedAt: number | null;
  /** End (Unix ms). */
  finishedAt: number | null;
}

/** A claimed trial: what a worker needs to run it. */
export interface TrialTicket {
  /** Trial row id. */
  id: number;
  /** Configuration row id. */
  configId: number;
  /** Configuration name. */
  configName: string;
  /** How the configuration was made. */
  kind: ConfigurationKind;
  /** Training seed. */
  seed: number;
  /** Run folder name inside the sweep folder. */
  runName: string;
  /** Resolved hyperparameters. */
  hyperparameters: Hyperparameters;
  /** Env steps to train. */
  totalSteps: number;
  /** 1 on the first claim; more when the trial is resumed or restarted. */
  attempts: number;
}

/** Who works on a study: one per worker process. */
export interface WorkerId {
  /** Unique id: `host:pid:random`. */
  id: string;
  /** Host name. */
  host: string;
  /** Process id. */
  pid: number;
}

/** This process as a worker. */
export function thisWorker(): WorkerId {
  const host = hostname();
  return { id: `${host}:${Deno.pid}:${crypto.randomUUID().slice(0, 8)}`, host, pid: Deno.pid };
}

/** Everything a study holds, read at once (what summaries and the dashboard show). */
export interface StudySnapshot {
  /** Study name. */
  name: string;
  /** Its sweep file. */
  file: SweepFile;
  /** Creation time (Unix ms). */
  createdAt: number;
  /** Configurations by ordinal. */
  configs: ConfigRow[];
  /** Trials by id. */
  trials: TrialRow[];
  /** Intermediate values `[step, value]` by trial id, by step. */
  intermediates: Map<number, [number, number][]>;
  /** Whether every trial has ended and a search has sampled all its configurations. */
  done: boolean;
}

const T = {
  studies: "eagle_sweep_studies",
  configs: "eagle_sweep_configs",
  trials: "eagle_sweep_trials",
  intermediates: "eagle_sweep_intermediates",
} as const;

/** Creates the tables if needed (safe when many workers start at once). */
async function ensureSchema(db: SqlDriver): Promise<void> {
  await db.transaction(async (q) => {
    // Concurrent CREATE TABLE IF NOT EXISTS can collide in PostgreSQL's catalog.
    if (db.kind === "postgres") await q("SELECT pg_advisory_xact_lock(7231946)");
    await q(`CREATE TABLE IF NOT EXISTS ${T.studies} (
      name TEXT PRIMARY KEY,
      spec TEXT NOT NULL,
      created_at DOUBLE PRECISION NOT NULL)`);
    await q(`CREATE TABLE IF NOT EXISTS ${T.configs} (
      id ${db.idColumn},
      study TEXT NOT NULL,
      ordinal INTEGER NOT NULL,
      name TEXT NOT NULL,
      kind TEXT NOT NULL,
      description TEXT NOT NULL,
      params TEXT NOT NULL,
      hyperparameters TEXT NOT NULL,
      total_steps DOUBLE PRECISION NOT NULL,
      state TEXT NOT NULL,
      value DOUBLE PRECISION,
      error TEXT,
      created_at DOUBLE PRECISION NOT NULL,
      UNIQUE (study, name))`);
    await q(`CREATE TABLE IF NOT EXISTS ${T.trials} (
      id ${db.idColumn},
      study TEXT NOT NULL,
      config_id INTEGER NOT NULL,
      seed DOUBLE PRECISION NOT NULL,
      run_name TEXT NOT NULL,
      state TEXT NOT NULL,
      worker TEXT,
      worker_host TEXT,
      worker_pid INTEGER,
      lease_until DOUBLE PRECISION,
      attempts INTEGER NOT NULL,
      global_step DOUBLE PRECISION NOT NULL,
      score DOUBLE PRECISION,
      result TEXT,
      started_at DOUBLE PRECISION,
      finished_at DOUBLE PRECISION,
      updated_at DOUBLE PRECISION,
      UNIQUE (study, run_name))`);
    await q(
      `CREATE INDEX IF NOT EXISTS eagle_sweep_trials_claim ON ${T.trials} (study, state, id)`,
    );
    await q(`CREATE TABLE IF NOT EXISTS ${T.intermediates} (
      trial_id INTEGER NOT NULL,
      step DOUBLE PRECISION NOT NULL,
      value DOUBLE PRECISION NOT NULL,
      PRIMARY KEY (trial_id, step))`);
  });
}

/** The studies a storage holds, oldest first. */
export async function listStudies(
  db: SqlDriver,
): Promise<{ name: string; createdAt: number; sweep: SweepFile }[]> {
  await ensureSchema(db);
  const rows = await db.query(
    `SELECT name, spec, created_at FROM ${T.studies} ORDER BY created_at`,
  );
  return rows.map((r) => ({
    name: String(r.name),
    createdAt: Number(r.created_at),
    sweep: JSON.parse(String(r.spec)) as SweepFile,
  }));
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function parseJson<T>(v: unknown): T | null {
  return typeof v === "string" ? JSON.parse(v) as T : null;
}

function toConfig(r: SqlRow): ConfigRow {
  return {
    id: Number(r.id),
    ordinal: Number(r.ordinal),
    name: String(r.name),
    kind: String(r.kind) as ConfigurationKind,
    description: String(r.description),
    params: JSON.parse(String(r.params)),
    hyperparameters: JSON.parse(String(r.hyperparameters)),
    totalSteps: Number(r.total_steps),
    state: String(r.state) as ConfigState,
    value: num(r.value),
    error: r.error === null || r.error === undefined ? null : String(r.error),
  };
}

function toTrial(r: SqlRow): TrialRow {
  return {
    id: Number(r.id),
    configId: Number(r.config_id),
    configName: String(r.config_name),
    seed: Number(r.seed),
    runName: String(r.run_name),
    state: String(r.state) as StoredTrialState,
    worker: r.worker === null || r.worker === undefined ? null : String(r.worker),
    leaseUntil: num(r.lease_until),
    attempts: Number(r.attempts),
    globalStep: Number(r.global_step),
    score: num(r.score),
    result: parseJson<TrialResult>(r.result),
    startedAt: num(r.started_at),
    finishedAt: num(r.finished_at),
  };
}

const TRIAL_COLUMNS = `t.id, t.config_id, c.name AS config_name, t.seed, t.run_name, t.state,
  t.worker, t.lease_until, t.attempts, t.global_step, t.score, t.result, t.started_at,
  t.finished_at`;

/** How a stored trial state reads for the samplers and the pruner. */
function samplerState(state: string): TrialState {
  if (state === "complete" || state === "pruned") return state;
  if (state === "failed" || state === "diverged") return "failed";
  return "running";
}

/** A study opened in a storage. */
export class SweepStudy {
  /** The storage. */
  readonly db: SqlDriver;
  /** Study name. */
  readonly name: string;
  /** The sweep file it runs. */
  readonly file: SweepFile;
  #sampler: Sampler | null;

  private constructor(db: SqlDriver, name: string, file: SweepFile) {
    this.db = db;
    this.name = name;
    this.file = file;
    this.#sampler = sweepMode(file) !== "search"
      ? null
      : file.sampler === "random"
      ? new RandomSampler()
      : new TpeSampler({ direction: "maximize" });
  }

  /**
   * Creates the study `name` from `file` (its baseline, experiments or grid cells and their
   * trials, all `waiting`), or joins it if it exists with the same file.
   *
   * @throws {UsageError} If a study of that name exists with a different sweep file.
   */
  static async create(db: SqlDriver, file: SweepFile, name = file.name): Promise<SweepStudy> {
    await ensureSchema(db);
    const spec = JSON.stringify(file);
    const plans = planConfigurations(file);
    await db.transaction(async (q) => {
      const inserted = await q(
        `INSERT INTO ${T.studies} (name, spec, created_at) VALUES ($1, $2, ${db.nowMs})
         ON CONFLICT (name) DO NOTHING RETURNING name`,
        [name, spec],
      );
      if (inserted.length === 0) {
        const [row] = await q(`SELECT spec FROM ${T.studies} WHERE name = $1`, [name]);
        if (String(row.spec) !== spec) {
          throw new UsageError(
            `Study "${name}" in ${db.location} was created from a different sweep file; ` +
              `run the same file, or give the sweep another "name"`,
          );
        }
        return;
      }
      for (const [ordinal, plan] of plans.entries()) {
        await insertConfig(q, db, name, file, ordinal, plan);
      }
    });
    return new SweepStudy(db, name, file);
  }

  /**
   * Opens the existing study `name` (what `--worker --study NAME` does).
   *
   * @throws {UsageError} If the storage has no such study, listing the ones it has.
   */
  static async open(db: SqlDriver, name: string): Promise<SweepStudy> {
    await ensureSchema(db);
    const rows = await db.query(`SELECT spec FROM ${T.studies} WHERE name = $1`, [name]);
    if (rows.length === 0) {
      const names = (await listStudies(db)).map((s) => s.name);
      throw new UsageError(
        `No study "${name}" in ${db.location}; ${
          names.length ? `it has ${names.join(", ")}` : "it has none"
        } (create one with: deno task sweep SWEEP.json --storage URL)`,
      );
    }
    return new SweepStudy(db, name, JSON.parse(String(rows[0].spec)));
  }

  /**
   * Claims the next trial for `worker`, holding it for `leaseMs`: the oldest waiting trial, or
   * a running one whose lease expired; a search samples a new configuration when none is
   * left. Null when there is nothing to claim now (trials may still run elsewhere: see
   * {@link isDone}).
   */
  claim(worker: WorkerId, leaseMs: number): Promise<TrialTicket | null> {
    const db = this.db;
    return db.transaction(async (q) => {
      let id = await this.#claimable(q);
      if (id === null && this.#sampler) {
        // Sampling reads the whole history: one sampler at a time per study.
        await q(`SELECT name FROM ${T.studies} WHERE name = $1${db.lockRows}`, [this.name]);
        id = await this.#claimable(q) ?? await this.#sampleNext(q);
      }
      if (id === null) return null;
      await q(
        `UPDATE ${T.trials} SET state = 'running', worker = $2, worker_host = $3, worker_pid = $4,
           lease_until = ${db.nowMs} + $5, attempts = attempts + 1,
           started_at = COALESCE(started_at, ${db.nowMs}), updated_at = ${db.nowMs}
         WHERE id = $1`,
        [id, worker.id, worker.host, worker.pid, leaseMs],
      );
      const [r] = await q(
        `SELECT t.id, t.config_id, t.seed, t.run_name, t.attempts, c.name, c.kind,
           c.hyperparameters, c.total_steps, c.state AS config_state
         FROM ${T.trials} t JOIN ${T.configs} c ON c.id = t.config_id WHERE t.id = $1`,
        [id],
      );
      if (r.config_state === "pending") {
        await q(`UPDATE ${T.configs} SET state = 'running' WHERE id = $1`, [r.config_id as number]);
      }
      return {
        id: Number(r.id),
        configId: Number(r.config_id),
        configName: String(r.name),
        kind: String(r.kind) as ConfigurationKind,
        seed: Number(r.seed),
        runName: String(r.run_name),
        hyperparameters: JSON.parse(String(r.hyperparameters)),
        totalSteps: Number(r.total_steps),
        attempts: Number(r.attempts),
      };
    });
  }

  async #claimable(q: SqlQuery): Promise<number | null> {
    const rows = await q(
      `SELECT id FROM ${T.trials}
       WHERE study = $1 AND (state = 'waiting' OR (state = 'running' AND lease_until < ${this.db.nowMs}))
       ORDER BY id LIMIT 1${this.db.lockRowsSkipLocked}`,
      [this.name],
    );
    return rows.length ? Number(rows[0].id) : null;
  }

  /** Samples configurations until one resolves (or the search is full); its first trial's id. */
  async #sampleNext(q: SqlQuery): Promise<number | null> {
    const file = this.file;
    const space = sweepSearchSpace(file);
    for (;;) {
      const [{ n }] = await q(
        `SELECT COUNT(*) AS n FROM ${T.configs} WHERE study = $1 AND kind = 'search'`,
        [this.name],
      );
      const index = Number(n) + 1;
      if (index > (file.trials ?? 0)) return null;
      const history = await this.#samplerHistory(q);
      const params = this.#sampler!.sample(
        space,
        history,
        new Rng((file.samplerSeed ?? 0) + index),
      );
      const [{ m }] = await q(`SELECT MAX(ordinal) AS m FROM ${T.configs} WHERE study = $1`, [
        this.name,
      ]);
      const ordinal = Number(m) + 1;
      const name = searchConfigurationName(file, index);
      let plan: ConfigurationPlan;
      try {
        plan = resolveConfiguration(file, name, "search", params, describeValues(params));
      } catch (err) {
        // A sampled point that fails a cross-key check is a failed trial, as in Optuna.
        await insertConfig(q, this.db, this.name, file, ordinal, {
          name,
          kind: "search",
          description: describeValues(params),
          params,
          hyperparameters: {},
          totalSteps: file.steps,
        }, (err as Error).message);
        continue;
      }
      return await insertConfig(q, this.db, this.name, file, ordinal, plan);
    }
  }

  /** Configurations as the sampler sees them, in creation order. */
  async #samplerHistory(q: SqlQuery): Promise<TrialRecord[]> {
    const configs = (await q(
      `SELECT * FROM ${T.configs} WHERE study = $1 ORDER BY ordinal`,
      [this.name],
    )).map(toConfig);
    const rows = await q(
      `SELECT t.config_id, i.step, AVG(i.value) AS v FROM ${T.intermediates} i
       JOIN ${T.trials} t ON t.id = i.trial_id WHERE t.study = $1
       GROUP BY t.config_id, i.step ORDER BY i.step`,
      [this.name],
    );
    const inter = new Map<number, [number, number][]>();
    for (const r of rows) {
      const list = inter.get(Number(r.config_id)) ?? [];
      list.push([Number(r.step), Number(r.v)]);
      inter.set(Number(r.config_id), list);
    }
    return configs.map((c) => ({
      params: c.error ? {} : searchParamsOf(this.file, c.hyperparameters) as Params,
      value: c.state === "complete" ? c.value : null,
      state: samplerState(c.state),
      intermediate: inter.get(c.id) ?? [],
    }));
  }

  /**
   * Extends the lease of a trial `worker` holds and records its progress. False when the
   * worker no longer holds it (lease expired and taken, or pruned with another seed): the
   * worker must stop the trial and drop its result.
   */
  async renew(
    ticket: TrialTicket,
    worker: WorkerId,
    leaseMs: number,
    globalStep: number,
  ): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE ${T.trials} SET lease_until = ${this.db.nowMs} + $3, global_step = $4,
         updated_at = ${this.db.nowMs}
       WHERE id = $1 AND worker = $2 AND state = 'running' RETURNING id`,
      [ticket.id, worker.id, leaseMs, globalStep],
    );
    return rows.length === 1;
  }

  /** Puts a trial `worker` holds back in the queue (stopped: it resumes from its checkpoint). */
  async release(ticket: TrialTicket, worker: WorkerId, globalStep: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE ${T.trials} SET state = 'waiting', worker = NULL, lease_until = NULL,
         global_step = $3, updated_at = ${this.db.nowMs}
       WHERE id = $1 AND worker = $2 AND state = 'running' RETURNING id`,
      [ticket.id, worker.id, globalStep],
    );
    return rows.length === 1;
  }

  /**
   * Ends a trial `worker` holds with its state, score and result. False (nothing recorded)
   * when the worker no longer holds it.
   */
  finish(
    ticket: TrialTicket,
    worker: WorkerId,
    state: "complete" | "failed" | "diverged",
    score: number | null,
    result: TrialResult,
    globalStep: number,
  ): Promise<boolean> {
    return this.db.transaction(async (q) => {
      const rows = await q(
        `UPDATE ${T.trials} SET state = $3, score = $4, result = $5, global_step = $6,
           worker = NULL, lease_until = NULL, finished_at = ${this.db.nowMs},
           updated_at = ${this.db.nowMs}
         WHERE id = $1 AND worker = $2 AND state = 'running' RETURNING config_id`,
        [ticket.id, worker.id, state, score, JSON.stringify(result), globalStep],
      );
      if (rows.length === 0) return false;
      await this.#updateConfig(q, ticket.configId);
      return true;
    });
  }

  /**
   * Records a trial `worker` holds as pruned at `step`, and prunes its configuration's other
   * seeds that have not ended (their workers learn it at their next renewal). False when the
   * worker no longer holds it.
   */
  prune(
    ticket: TrialTicket,
    worker: WorkerId,
    step: number,
    result: TrialResult,
  ): Promise<boolean> {
    return this.db.transaction(async (q) => {
      const rows = await q(
        `UPDATE ${T.trials} SET state = 'pruned', result = $3, global_step = $4, worker = NULL,
           lease_until = NULL, finished_at = ${this.db.nowMs}, updated_at = ${this.db.nowMs}
         WHERE id = $1 AND worker = $2 AND state = 'running' RETURNING id`,
        [ticket.id, worker.id, JSON.stringify({ ...result, prunedAtStep: step }), step],
      );
      if (rows.length === 0) return false;
      await q(
        `UPDATE ${T.trials} SET state = 'pruned', result = $3, worker = NULL, lease_until = NULL,
           finished_at = ${this.db.nowMs}, updated_at = ${this.db.nowMs}
         WHERE config_id = $1 AND id <> $2 AND state IN ('waiting', 'running')`,
        [ticket.configId, ticket.id, JSON.stringify({ prunedWith: ticket.runName })],
      );
      await this.#updateConfig(q, ticket.configId);
      return true;
    });
  }

  /** Records a trial's intermediate value at `step` (a step reported twice keeps its first). */
  async report(trialId: number, step: number, value: number): Promise<void> {
    await this.db.query(
      `INSERT INTO ${T.intermediates} (trial_id, step, value) VALUES ($1, $2, $3)
       ON CONFLICT (trial_id, step) DO NOTHING`,
      [trialId, step, value],
    );
  }

  /** Every trial as the pruner sees it: state, score and intermediate values. */
  async prunerHistory(): Promise<(TrialRecord & { id: number })[]> {
    const trials = await this.db.query(
      `SELECT id, state, score FROM ${T.trials} WHERE study = $1 ORDER BY id`,
      [this.name],
    );
    const inter = await this.#intermediates();
    return trials.map((t) => ({
      id: Number(t.id),
      params: {},
      state: samplerState(String(t.state)),
      value: num(t.score),
      intermediate: inter.get(Number(t.id)) ?? [],
    }));
  }

  async #intermediates(q: SqlQuery = this.db.query): Promise<Map<number, [number, number][]>> {
    const rows = await q(
      `SELECT i.trial_id, i.step, i.value FROM ${T.intermediates} i
       JOIN ${T.trials} t ON t.id = i.trial_id WHERE t.study = $1 ORDER BY i.trial_id, i.step`,
      [this.name],
    );
    const out = new Map<number, [number, number][]>();
    for (const r of rows) {
      const list = out.get(Number(r.trial_id)) ?? [];
      list.push([Number(r.step), Number(r.value)]);
      out.set(Number(r.trial_id), list);
    }
    return out;
  }

  /** Recomputes a configuration's state and value from its trials. */
  async #updateConfig(q: SqlQuery, configId: number): Promise<void> {
    const trials = await q(`SELECT state, score FROM ${T.trials} WHERE config_id = $1`, [configId]);
    const states = trials.map((t) => String(t.state));
    const scores = trials.filter((t) => t.state === "complete").map((t) => Number(t.score));
    const value = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
    const ended = states.every((s) => (TERMINAL_STATES as readonly string[]).includes(s));
    const state: ConfigState = !ended
      ? "running"
      : states.includes("diverged")
      ? "diverged"
      : states.includes("pruned")
      ? "pruned"
      : states.includes("failed")
      ? "failed"
      : "complete";
    await q(`UPDATE ${T.configs} SET state = $2, value = $3 WHERE id = $1`, [
      configId,
      state,
      value,
    ]);
  }

  /**
   * Puts back in the queue the trials held by workers of this host whose process is gone
   * (a sweep killed with `kill -9` and started again with `--resume`), without waiting for
   * their leases to expire. Returns how many.
   */
  async releaseDeadLocal(): Promise<number> {
    const host = hostname();
    const rows = await this.db.query(
      `SELECT id, worker, worker_pid FROM ${T.trials}
       WHERE study = $1 AND state = 'running' AND worker_host = $2`,
      [this.name, host],
    );
    let released = 0;
    const now = new Date().toISOString();
    for (const r of rows) {
      const pid = Number(r.worker_pid);
      if (whyStale({ pid, hostname: host, startedAt: now, heartbeatAt: now }) === null) continue;
      const done = await this.db.query(
        `UPDATE ${T.trials} SET state = 'waiting', worker = NULL, lease_until = NULL
         WHERE id = $1 AND worker = $2 AND state = 'running' RETURNING id`,
        [Number(r.id), String(r.worker)],
      );
      released += done.length;
    }
    return released;
  }

  /** Whether every trial has ended and a search has sampled all its configurations. */
  isDone(): Promise<boolean> {
    return this.#isDone(this.db.query);
  }

  async #isDone(q: SqlQuery): Promise<boolean> {
    const open = await q(
      `SELECT COUNT(*) AS n FROM ${T.trials} WHERE study = $1 AND state IN ('waiting', 'running')`,
      [this.name],
    );
    if (Number(open[0].n) > 0) return false;
    if (!this.#sampler) return true;
    const [{ n }] = await q(
      `SELECT COUNT(*) AS n FROM ${T.configs} WHERE study = $1 AND kind = 'search'`,
      [this.name],
    );
    return Number(n) >= (this.file.trials ?? 0);
  }

  /** One trial by run folder name (null if none). */
  async trial(runName: string): Promise<TrialRow | null> {
    const rows = await this.db.query(
      `SELECT ${TRIAL_COLUMNS} FROM ${T.trials} t JOIN ${T.configs} c ON c.id = t.config_id
       WHERE t.study = $1 AND t.run_name = $2`,
      [this.name, runName],
    );
    return rows.length ? toTrial(rows[0]) : null;
  }

  /** Everything the study holds, read in one transaction. */
  snapshot(): Promise<StudySnapshot> {
    return this.db.transaction(async (q) => {
      const [study] = await q(`SELECT created_at FROM ${T.studies} WHERE name = $1`, [this.name]);
      const configs = (await q(
        `SELECT * FROM ${T.configs} WHERE study = $1 ORDER BY ordinal`,
        [this.name],
      )).map(toConfig);
      const trials = (await q(
        `SELECT ${TRIAL_COLUMNS} FROM ${T.trials} t JOIN ${T.configs} c ON c.id = t.config_id
         WHERE t.study = $1 ORDER BY t.id`,
        [this.name],
      )).map(toTrial);
      return {
        name: this.name,
        file: this.file,
        createdAt: Number(study.created_at),
        configs,
        trials,
        intermediates: await this.#intermediates(q),
        done: await this.#isDone(q),
      };
    });
  }
}

/** Inserts a configuration and its trials (one per seed); returns the first trial's id. */
async function insertConfig(
  q: SqlQuery,
  db: SqlDriver,
  study: string,
  file: SweepFile,
  ordinal: number,
  plan: ConfigurationPlan,
  error: string | null = null,
): Promise<number> {
  const [c] = await q(
    `INSERT INTO ${T.configs} (study, ordinal, name, kind, description, params, hyperparameters,
       total_steps, state, value, error, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, ${db.nowMs}) RETURNING id`,
    [
      study,
      ordinal,
      plan.name,
      plan.kind,
      plan.description,
      JSON.stringify(plan.params),
      JSON.stringify(plan.hyperparameters),
      plan.totalSteps,
      error ? "failed" : "pending",
      error,
    ] as SqlValue[],
  );
  let first = -1;
  for (const seed of file.seeds) {
    const [t] = await q(
      `INSERT INTO ${T.trials} (study, config_id, seed, run_name, state, attempts, global_step,
         result, finished_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $7, ${db.nowMs}) RETURNING id`,
      [
        study,
        Number(c.id),
        seed,
        trialRunName(plan.name, seed),
        error ? "failed" : "waiting",
        error ? JSON.stringify({ error }) : null,
        error ? Date.now() : null,
      ],
    );
    if (first < 0) first = Number(t.id);
  }
  return first;
}
