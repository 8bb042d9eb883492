/**
 * Sweeps over many machines, with a real PostgreSQL server that the test starts in a temporary
 * folder: two `sweep.ts --worker` processes share a study of 6 short CartPole trials, one is
 * killed with `kill -9` in the middle of a trial; its trial goes back to the queue when the
 * lease expires and the other worker resumes it from its checkpoint (the run folders are
 * shared). Every trial ends exactly once with a result, none is lost, the ranking is complete.
 *
 * Needs Debian's `postgresql` package (`initdb`, `pg_ctl` under /usr/lib/postgresql/<v>/bin);
 * without it the test is skipped with a message.
 */
import assert from "node:assert/strict";
import { RunFolder } from "../core/run_folder.ts";
import { openSqlDriver } from "../sweeps/sql_driver.ts";
import { SweepStudy } from "../sweeps/study.ts";
import { parseSweepFile } from "../sweeps/sweep_file.ts";
import { SweepFolder } from "../sweeps/sweep_folder.ts";
import { buildSummary } from "../sweeps/summary.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const dec = new TextDecoder();

/** The newest installed PostgreSQL's bin folder, or null. */
function findPostgres(): string | null {
  const versions: number[] = [];
  try {
    for (const e of Deno.readDirSync("/usr/lib/postgresql")) {
      if (/^\d+$/.test(e.name)) versions.push(Number(e.name));
    }
  } catch {
    return null;
  }
  for (const v of versions.sort((a, b) => b - a)) {
    const bin = `/usr/lib/postgresql/${v}/bin`;
    try {
      Deno.statSync(`${bin}/initdb`);
      Deno.statSync(`${bin}/pg_ctl`);
      return bin;
    } catch { /* incomplete install */ }
  }
  return null;
}

const BIN = findPostgres();
if (!BIN) {
  console.log(
    "sweep_postgres_test: skipped — PostgreSQL is not installed (apt-get install postgresql)",
  );
}

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = dec.decode(out.stdout) + dec.decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed:\n${text}`);
  return text;
}

/** A throwaway PostgreSQL server; as root, it runs as an unprivileged user (initdb refuses root). */
class TempPostgres {
  readonly dir: string;
  readonly port: number;
  readonly url: string;
  readonly #user: string | null;

  private constructor(dir: string, port: number, user: string | null) {
    this.dir = dir;
    this.port = port;
    this.#user = user;
    this.url = `postgres://eagle@127.0.0.1:${port}/postgres`;
  }

  #as(bin: string, args: string[]): Promise<string> {
    return this.#user ? run("runuser", ["-u", this.#user, "--", bin, ...args]) : run(bin, args);
  }

  static async start(bin: string): Promise<TempPostgres> {
    const dir = await Deno.makeTempDir({ prefix: "eagle_pg_" });
    let user: string | null = null;
    if (Deno.uid() === 0) {
      user = await run("id", ["-u", "postgres"]).then(() => "postgres").catch(() => "nobody");
      const uid = Number((await run("id", ["-u", user])).trim());
      const gid = Number((await run("id", ["-g", user])).trim());
      await Deno.chown(dir, uid, gid);
    }
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const pg = new TempPostgres(dir, port, user);
    await pg.#as(`${bin}/initdb`, [
      "-D",
      `${dir}/data`,
      "-U",
      "eagle",
      "--auth=trust",
      "-E",
      "UTF8",
    ]);
    await pg.#as(`${bin}/pg_ctl`, [
      "-D",
      `${dir}/data`,
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "-l",
      `${dir}/server.log`,
      "-w",
      "start",
    ]);
    return pg;
  }

  async stop(bin: string): Promise<void> {
    await this.#as(`${bin}/pg_ctl`, ["-D", `${this.dir}/data`, "-m", "immediate", "stop"])
      .catch(() => {});
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

function spawnWorker(url: string, out: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "sweep.ts",
      "--worker",
      "--storage",
      url,
      "--study",
      "pg-six",
      "--out",
      out,
      "--parallel",
      "1",
      "--lease",
      "5",
      "--quiet",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

Deno.test({
  name: "two PostgreSQL workers, one killed with kill -9 mid-trial: every trial ends once",
  ignore: BIN === null,
  async fn() {
    const pg = await TempPostgres.start(BIN!);
    const out = await Deno.makeTempDir({ prefix: "eagle_pg_runs_" });
    const db = await openSqlDriver(pg.url);
    try {
      const file = parseSweepFile({
        name: "pg-six",
        algo: "dqn",
        env: "CartPole-v1",
        steps: 8000,
        seeds: [1, 2],
        device: "cpu",
        hyperparameters: {
          learningStarts: 200,
          trainFreq: 64,
          gradientSteps: 16,
          evalEvery: 1000,
          evalEpisodes: 2,
        },
        experiments: { lr_high: { learningRate: 1e-2 }, lr_low: { learningRate: 1e-4 } },
        evaluation: { episodes: 5, seed: 0 },
      });
      const study = await SweepStudy.create(db, file);
      const a = spawnWorker(pg.url, out), b = spawnWorker(pg.url, out);
      const logs = [a, b].map((c) =>
        Promise.all([c.stdout, c.stderr].map((s) => new Response(s).text()))
      );

      // Kill worker A once a trial it holds has saved some progress.
      let victim = "";
      const t0 = performance.now();
      while (!victim) {
        assert.ok(performance.now() - t0 < 40_000, "worker A claimed a trial");
        const snap = await study.snapshot();
        for (const t of snap.trials) {
          if (t.state !== "running" || !t.worker?.includes(`:${a.pid}:`)) continue;
          const st = await new RunFolder(`${out}/pg-six/${t.runName}`).readStatus();
          if (st?.state === "running" && st.globalStep >= 1000) victim = t.runName;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      a.kill("SIGKILL");
      assert.equal((await a.status).signal, "SIGKILL");
      const bStatus = await b.status;
      const [, [bOut, bErr]] = await Promise.all(logs);
      assert.equal(bStatus.code, 0, bErr);

      const snap = await study.snapshot();
      assert.equal(snap.done, true);
      assert.equal(snap.trials.length, 6, "no trial lost");
      for (const t of snap.trials) {
        assert.equal(t.state, "complete", `${t.runName}: ${JSON.stringify(t.result)}`);
        assert.equal(typeof t.score, "number");
        assert.equal(t.worker, null);
        assert.equal(t.result?.eval?.episodes, 5);
        const ev = await new RunFolder(`${out}/pg-six/${t.runName}`).readEval();
        assert.equal(ev?.mean_reward, t.score, "the stored result is the run's evaluation");
      }
      // The killed worker's trial was taken over and resumed from its checkpoint.
      const killed = snap.trials.find((t) => t.runName === victim)!;
      assert.ok(killed.attempts >= 2, `${victim} was claimed again (${killed.attempts} claims)`);
      const metrics = await new RunFolder(`${out}/pg-six/${victim}`).readMetrics();
      const steps = metrics.map((m) => m.global_step);
      assert.equal(new Set(steps).size, steps.length, "each step logged once");
      assert.match(bErr + bOut, new RegExp(`▶ ${victim} \\(attempt \\d+: resuming\\)`));
      // B reported each trial it ended once; none twice.
      for (const t of snap.trials) {
        const n = (bErr + bOut).split(`✓ ${t.runName} complete`).length - 1;
        assert.ok(n <= 1, `${t.runName} ended ${n} times`);
      }
      const summary = buildSummary(snap, { storage: { kind: db.kind, location: db.location } });
      assert.equal(summary.configurations.length, 3);
      assert.ok(summary.configurations.every((c) => c.state === "complete" && c.score.n === 2));
      assert.ok(summary.best);
      // B wrote the summary of the whole study in its sweep folder.
      const local = await SweepFolder.of(out, "pg-six").readSummary();
      assert.equal(local?.state, "finished");
      assert.equal(local?.storage.kind, "postgres");
    } finally {
      await db.close();
      await pg.stop(BIN!);
      await Deno.remove(out, { recursive: true }).catch(() => {});
    }
  },
});
