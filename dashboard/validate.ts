/**
 * The REST API's errors and request bodies. Every failed request gets a JSON body that works
 * for both kinds of client: FastAPI's `detail` (a message, or for a 422 the list of field
 * errors with their `loc`), as the tutorial's clients expect, and `error: { field, message }`,
 * which the dashboard's pages show. Bodies are read here with a size limit and only as
 * `application/json` (a cross-site page cannot send that without a CORS preflight); the
 * route schemas (`api_schema.ts`) then check their fields, and {@link validationHook} turns
 * what zod reports into a 422 naming the field.
 * @module
 */
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "@hono/zod-openapi";

/** The largest request body accepted, in bytes (64 KiB); larger bodies get 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/** One field error of a 422, as FastAPI writes them. */
export interface FieldProblem {
  /** Where: `["body", "state", 1]`, `["query", "n_episodes"]`, `["path", "id"]`. */
  loc: (string | number)[];
  /** What is wrong and what is accepted. */
  msg: string;
  /** The kind of problem (zod's issue code). */
  type: string;
}

/** The JSON body of every failed API request. */
export interface ErrorBody {
  /** FastAPI's field: the message, or the field errors of a 422. */
  detail: string | FieldProblem[];
  /** The error as the dashboard reads it. */
  error: {
    /** The request field at fault (`body`, `state[1]`, `run`, …), or null when none is. */
    field: string | null;
    /** What went wrong and what is accepted. */
    message: string;
  };
}

/** HTTP statuses the API answers errors with. */
export type ErrorStatus = 400 | 403 | 404 | 405 | 408 | 409 | 413 | 415 | 422 | 431 | 500 | 503;

/** Options of {@link HttpError}. */
export interface HttpErrorOptions {
  /** `detail` when it differs from the message (e.g. the tutorial's "Model not loaded"). */
  detail?: string | FieldProblem[];
  /** Seconds to send in `Retry-After` (503). */
  retryAfter?: number;
  /** Methods to send in `Allow` (405). */
  allow?: string;
}

/** An error with an HTTP status, rendered as an {@link ErrorBody}. */
export class HttpError extends Error {
  /** HTTP status code. */
  readonly status: ErrorStatus;
  /** The request field at fault, or null. */
  readonly field: string | null;
  /** `Retry-After` seconds, if any. */
  readonly retryAfter?: number;
  /** `Allow` methods, if any. */
  readonly allow?: string;
  readonly #detail?: string | FieldProblem[];

  /** Creates the error. */
  constructor(
    status: ErrorStatus,
    field: string | null,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.field = field;
    this.retryAfter = options.retryAfter;
    this.allow = options.allow;
    this.#detail = options.detail;
  }

  /** The JSON body. */
  toJSON(): ErrorBody {
    return {
      detail: this.#detail ?? this.message,
      error: { field: this.field, message: this.message },
    };
  }
}

/** The client went away before its answer: nothing is logged and nobody reads the reply. */
export class ClientGone extends Error {
  /** Creates the error. */
  constructor() {
    super("The client closed the connection");
    this.name = "ClientGone";
  }
}

/**
 * Middleware reading a route's JSON body before its schema checks it: at most
 * {@link MAX_BODY_BYTES}, and typed `application/json` whenever it is not empty or has a type
 * at all (415 otherwise). An empty body is a 422 when `required`, else it stands for `{}`
 * (`POST /play` with no body, as the tutorial's client sends it). The text is left in Hono's
 * body cache, where the schema validator reads it.
 */
export function jsonBody(required: boolean): MiddlewareHandler {
  return async (c, next) => {
    const type = c.req.header("content-type");
    const text = await readBodyText(c.req.raw);
    const empty = !text.trim();
    if (
      (type !== undefined || !empty) && !/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(type ?? "")
    ) {
      throw new HttpError(
        415,
        "body",
        `Content-Type must be application/json; got ${
          type === undefined ? "none" : JSON.stringify(type)
        } (with curl: -H 'Content-Type: application/json')`,
      );
    }
    if (empty && required) {
      throw problem("body", "missing", "Request body is missing; send a JSON object");
    }
    if (!empty) {
      try {
        JSON.parse(text);
      } catch {
        throw problem("body", "json_invalid", "Request body is not valid JSON; send a JSON object");
      }
    }
    // No body and no type: the route's validator then sees no JSON at all and checks `{}`.
    cacheBody(c, empty ? (type === undefined ? "" : "{}") : text);
    await next();
  };
}

/** Leaves `text` where Hono's `c.req.json()` (and so the schema validator) reads the body. */
function cacheBody(c: Context, text: string): void {
  // Hono keeps promises there, though its type says strings.
  (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
}

/**
 * Reads a request body as text, at most `limit` bytes (checked against `Content-Length` first,
 * then while streaming, so a chunked body cannot exceed it either). A client that leaves while
 * sending is {@link ClientGone}, not a server failure.
 */
export async function readBodyText(req: Request, limit = MAX_BODY_BYTES): Promise<string> {
  const tooLarge = () =>
    new HttpError(413, "body", `Request body must be at most ${limit} bytes of JSON`);
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (req.body) {
    const reader = req.body.getReader();
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.length;
        if (total > limit) {
          await reader.cancel().catch(() => {});
          throw tooLarge();
        }
        chunks.push(value);
      }
    } catch (err) {
      if (err instanceof HttpError) throw err;
      throw new ClientGone();
    } finally {
      reader.releaseLock();
    }
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(bytes);
}

/** A 422 for one field. */
export function problem(field: string, type: string, message: string): HttpError {
  const loc = field === "body" ? ["body"] : ["body", ...pathOf(field)];
  return new HttpError(422, field, message, { detail: [{ loc, msg: message, type }] });
}

/** Where a zod validator was pointed, as Hono names it. */
type Target = "json" | "query" | "param" | "header" | "cookie" | "form";

/**
 * The `defaultHook` of every API route: a failed schema check becomes a 422 whose message
 * names the field, says what the schema accepts and what was sent.
 */
export async function validationHook(
  result: { success: boolean; error?: z.ZodError; target: string },
  c: Context,
): Promise<void> {
  if (result.success || !result.error) return;
  const target = result.target as Target;
  const input: unknown = target === "json"
    ? await c.req.json().catch(() => undefined)
    : target === "query"
    ? c.req.query()
    : target === "param"
    ? c.req.param()
    : undefined;
  const where = target === "json" ? "body" : target === "param" ? "path" : target;
  const problems: FieldProblem[] = [];
  let first: { field: string; message: string } | null = null;
  for (const issue of result.error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
    const field = keys.length ? keys[0] : fieldName(path) || where;
    const value = valueAt(input, path);
    const message = keys.length
      ? issue.message
      : value === undefined
      ? `${field} is missing; it ${issue.message}`
      : `${field} ${issue.message}; got ${kind(value)}`;
    problems.push({ loc: [where, ...path, ...keys.slice(0, 1)], msg: message, type: issue.code });
    first ??= { field, message };
  }
  throw new HttpError(422, first!.field, first!.message, { detail: problems });
}

/** `["state", 1]` → `state[1]`; `["a", "b"]` → `a.b`. */
function fieldName(path: (string | number)[]): string {
  return path.map((p, i) => typeof p === "number" ? `[${p}]` : i ? `.${p}` : p).join("");
}

function pathOf(field: string): (string | number)[] {
  return field.split(/\.|(?=\[)/).map((p) => /^\[\d+\]$/.test(p) ? Number(p.slice(1, -1)) : p);
}

function valueAt(input: unknown, path: (string | number)[]): unknown {
  let v = input;
  for (const p of path) {
    if (!v || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** A short description of a JSON value for error messages: its type and, if short, its text. */
export function kind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === "string") {
    return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
  }
  if (typeof v === "object") return "an object";
  if (typeof v === "number") return String(v);
  return `${typeof v} ${String(v)}`;
}
