/**
 * The SQL databases a sweep's study can live in, behind one small interface: the embedded
 * SQLite file of the sweep folder (`node:sqlite`, nothing to install) or a shared PostgreSQL
 * database (`--storage postgres://user:pass@host:5432/db`, through `npm:pg`).
 *
 * Statements are written once, with `$1, $2, ...` placeholders, in the SQL both accept; the few
 * differences (row locks, the clock, id columns) are properties of the driver. Every call is
 * serialised per driver, so concurrent callers in one process never interleave inside a
 * transaction; across processes and machines, the database's own locks do the work.
 * @module
 */
import { UsageError } from "../core/cli.ts";

/** A value bound to a placeholder or read from a column. */
export type SqlValue = string | number | null;

/** A result row, by column name. */
export type SqlRow = Record<string, unknown>;

/** Runs one statement (inside or outside a transaction). */
export type SqlQuery = (sql: string, params?: readonly SqlValue[]) => Promise<SqlRow[]>;

/** A database connection. */
export interface SqlDriver {
  /** Which database. */
  readonly kind: "sqlite" | "postgres";
  /** Where it is, for messages (no password). */
  readonly location: string;
  /** SQL for the current time in Unix milliseconds, from the database's clock. */
  readonly nowMs: string;
  /** Suffix of a SELECT that locks the rows it returns, skipping rows others hold ("" in SQLite,
   * whose transactions already hold the whole database). */
  readonly lockRowsSkipLocked: string;
  /** Suffix of a SELECT that locks its rows, waiting for them. */
  readonly lockRows: string;
  /** Column type of an auto-numbered primary key. */
  readonly idColumn: string;
  /** Runs one statement on its own. */
  query: SqlQuery;
  /** Runs `fn` in one transaction (rolled back if it throws), serialised with other calls. */
  transaction<T>(fn: (q: SqlQuery) => Promise<T>): Promise<T>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Whether `storage` names a PostgreSQL database. */
export function isPostgresUrl(storage: string): boolean {
  return /^postgres(ql)?:\/\//.test(storage);
}

/** `postgres://user:***@host:5432/db`: a storage URL safe to print. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/, "$1:***@");
}

/**
 * Opens the storage named by `storage`: a `postgres://` or `postgresql://` URL, or the path of
 * a SQLite file (`sqlite:` prefix optional; created if missing).
 *
 * @throws {UsageError} If the database cannot be reached or opened, naming it.
 */
export async function openSqlDriver(storage: string): Promise<SqlDriver> {
  if (isPostgresUrl(storage)) {
    const { openPostgres } = await import("./_postgres_driver.ts");
    return await openPostgres(storage);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(storage)) {
    throw new UsageError(
      `--storage ${redactUrl(storage)}: expected postgres://user:pass@host:5432/db or a SQLite ` +
        `file path`,
    );
  }
  const { openSqlite } = await import("./_sqlite_driver.ts");
  return openSqlite(storage.replace(/^sqlite:/, ""));
}

/** A FIFO lock: `run(fn)` calls run one at a time, in call order. */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every earlier call has settled. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(fn, fn);
    this.#tail = next.catch(() => {});
    return next;
  }
}
