/**
 * The embedded study storage: a SQLite file through `node:sqlite` (built into Deno). WAL
 * journaling and a busy timeout let several local processes share one file; every transaction
 * is `BEGIN IMMEDIATE`, so it holds the write lock from its first statement and two claims
 * cannot pick the same trial.
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { UsageError } from "../core/cli.ts";
import { Serial, type SqlDriver, type SqlQuery, type SqlRow, type SqlValue } from "./sql_driver.ts";

/**
 * One queue for every SQLite connection of this process: `node:sqlite` is synchronous, so a
 * connection waiting for another one's lock in the same thread would block the thread that
 * must release it. Across processes the busy timeout does the waiting.
 */
const serial = new Serial();

/** `$1` → `?1`: SQLite's numbered placeholders. */
function toSqlite(sql: string): string {
  return sql.replace(/\$(\d+)/g, "?$1");
}

/** Opens (creating if needed) the SQLite file at `path`. */
export function openSqlite(path: string): SqlDriver {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
    db.exec("PRAGMA busy_timeout = 15000");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
  } catch (err) {
    throw new UsageError(`Cannot open the SQLite study storage ${path}: ${(err as Error).message}`);
  }
  const run: SqlQuery = (sql: string, params: readonly SqlValue[] = []) => {
    const rows = db.prepare(toSqlite(sql)).all(...params);
    return Promise.resolve(rows.map((r) => ({ ...r })) as SqlRow[]);
  };
  return {
    kind: "sqlite",
    location: path,
    nowMs: "((julianday('now') - 2440587.5) * 86400000.0)",
    lockRowsSkipLocked: "",
    lockRows: "",
    idColumn: "INTEGER PRIMARY KEY AUTOINCREMENT",
    query: (sql, params) => serial.run(() => run(sql, params)),
    transaction: <T>(fn: (q: SqlQuery) => Promise<T>) =>
      serial.run(async () => {
        db.exec("BEGIN IMMEDIATE");
        try {
          const out = await fn(run);
          db.exec("COMMIT");
          return out;
        } catch (err) {
          db.exec("ROLLBACK");
          throw err;
        }
      }),
    close: () =>
      serial.run(() => {
        db.close();
        return Promise.resolve();
      }),
  };
}
