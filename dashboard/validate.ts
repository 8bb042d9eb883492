/**
 * Request validation for the REST API: a size-limited JSON body reader and field checks whose
 * errors say which field was wrong and what is accepted. Every error becomes the JSON body
 * `{ "error": { "field": ..., "message": ... } }` with a 4xx status.
 * @module
 */

/** The largest request body accepted, in bytes (64 KiB); larger bodies get 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/** The JSON error body of every failed API request. */
export interface ErrorBody {
  /** The error. */
  error: {
    /** The request field at fault (`body`, `state`, `run`, …), or null when none is. */
    field: string | null;
    /** What went wrong and what is accepted. */
    message: string;
  };
}

/** An error with an HTTP status, rendered as an {@link ErrorBody}. */
export class HttpError extends Error {
  /** HTTP status code. */
  readonly status: 400 | 404 | 405 | 409 | 413 | 415 | 500 | 503;
  /** The request field at fault, or null. */
  readonly field: string | null;

  /** Creates the error. */
  constructor(status: HttpError["status"], field: string | null, message: string) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.field = field;
  }

  /** The JSON body. */
  toJSON(): ErrorBody {
    return { error: { field: this.field, message: this.message } };
  }
}

/**
 * Reads a request body as a JSON object, at most `limit` bytes (checked against
 * `Content-Length` first, then while streaming, so a chunked body cannot exceed it either).
 */
export async function readJsonObject(
  req: Request,
  limit = MAX_BODY_BYTES,
): Promise<Record<string, unknown>> {
  const tooLarge = () =>
    new HttpError(413, "body", `Request body must be at most ${limit} bytes of JSON`);
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  // JSON is accepted under any textual type: `curl -d` sends form-urlencoded by default.
  const type = req.headers.get("content-type");
  if (
    type &&
    !/^(application\/(.+\+)?json|text\/plain|application\/x-www-form-urlencoded)\b/i.test(type)
  ) {
    throw new HttpError(
      415,
      "body",
      `Content-Type must be application/json; got ${JSON.stringify(type)}`,
    );
  }
  const text = Number.isFinite(declared)
    // The server frames the body by its Content-Length, so it cannot exceed what was declared.
    ? await req.text()
    : await readLimited(req, limit, tooLarge);
  if (text.length > limit) throw tooLarge(); // a Request built in-process may misdeclare
  if (!text.trim()) {
    throw new HttpError(400, "body", "Request body is missing; send a JSON object");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, "body", "Request body is not valid JSON; send a JSON object");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new HttpError(400, "body", `Request body must be a JSON object; got ${kind(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Reads a body of unknown length (chunked), failing as soon as it passes `limit` bytes. */
async function readLimited(
  req: Request,
  limit: number,
  tooLarge: () => HttpError,
): Promise<string> {
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
          await reader.cancel();
          throw tooLarge();
        }
        chunks.push(value);
      }
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

/** Rejects keys of `body` outside `accepted`, naming the first unknown one. */
export function onlyKeys(body: Record<string, unknown>, accepted: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!accepted.includes(key)) {
      throw new HttpError(
        400,
        key,
        `Unknown field ${JSON.stringify(key)}; accepted fields: ${accepted.join(", ")}`,
      );
    }
  }
}

/** An optional string field (a run id), or undefined when absent or null. */
export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") {
    throw new HttpError(400, field, `${field} must be a run id string; got ${kind(v)}`);
  }
  return v;
}

/**
 * An optional integer field in `[min, max]`, or `fallback` when absent. Numbers written as
 * strings are refused: the API is JSON, and a string usually means a client bug.
 */
export function optionalInt(
  body: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const v = body[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new HttpError(
      400,
      field,
      `${field} must be an integer from ${min} to ${max}; got ${kind(v)}`,
    );
  }
  return v;
}

/** An optional boolean field, or `fallback` when absent. */
export function optionalBool(
  body: Record<string, unknown>,
  field: string,
  fallback: boolean,
): boolean {
  const v = body[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "boolean") {
    throw new HttpError(400, field, `${field} must be true or false; got ${kind(v)}`);
  }
  return v;
}

/** A non-negative integer query parameter, or `fallback` when absent. */
export function queryInt(
  value: string | undefined,
  field: string,
  max: number,
  fallback: number,
): number {
  if (value === undefined || value === "") return fallback;
  const v = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(v) || v > max) {
    throw new HttpError(
      400,
      field,
      `${field} must be an integer from 0 to ${max}; got ${JSON.stringify(value)}`,
    );
  }
  return v;
}

/** A short description of a JSON value for error messages: its type and, if short, its text. */
export function kind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "string") {
    return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
  }
  if (typeof v === "object") return "an object";
  if (typeof v === "number") return String(v);
  return `${typeof v} ${String(v)}`;
}
