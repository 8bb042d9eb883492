/**
 * The shared study storage: a PostgreSQL database through `npm:pg` (one connection per
 * process). Claims lock the trial row they take with `FOR UPDATE SKIP LOCKED`, so workers on
 * many machines claim different trials without waiting on each other; the clock is the
 * server's, so leases do not depend on the workers' clocks agreeing.
 * @module
 */
// @ts-types="npm:@types/pg@8.23.1"
import pg from "pg";
import { UsageError } from "../core/cli.ts";
import {
  redactUrl,
  Serial,
  type SqlDriver,
  type SqlQuery,
  type SqlRow,
  type SqlValue,
} from "./sql_driver.ts";

/** Connects to the database at `url`. */
export async function openPostgres(url: string): Promise<SqlDriver> {
  const location = redactUrl(url);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 15_000 });
  // A connection lost later surfaces as an error of the next query; this keeps it from
  // crashing the process as an unhandled event first.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    throw new UsageError(`Cannot connect to PostgreSQL at ${location}: ${(err as Error).message}`);
  }
  const serial = new Serial();
  const run: SqlQuery = async (sql: string, params: readonly SqlValue[] = []) =>
    (await client.query(sql, [...params])).rows as SqlRow[];
  return {
    kind: "postgres",
    location,
    nowMs: "(extract(epoch from clock_timestamp()) * 1000)::double precision",
    lockRowsSkipLocked: " FOR UPDATE SKIP LOCKED",
    lockRows: " FOR UPDATE",
    idColumn: "SERIAL PRIMARY KEY",
    query: (sql, params) => serial.run(() => run(sql, params)),
    transaction: <T>(fn: (q: SqlQuery) => Promise<T>) =>
      serial.run(async () => {
        await client.query("BEGIN");
        try {
          const out = await fn(run);
          await client.query("COMMIT");
          return out;
        } catch (err) {
          await client.query("ROLLBACK").catch(() => {});
          throw err;
        }
      }),
    close: () => serial.run(() => client.end()),
  };
}
