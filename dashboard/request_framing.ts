/**
 * Where each HTTP/1.1 request starts and ends in the bytes a client sends, found as they stream
 * past without holding them back: the head up to its blank line, then a body framed by
 * `Content-Length` or `Transfer-Encoding: chunked`. `http_guard.ts` times each head and body
 * with it (`Deno.serve` has no such timeouts) and caps the head's size; the server behind it
 * still parses every request itself, so this only has to find the boundaries.
 * @module
 */

/**
 * What the client is sending now: nothing (`idle`, between requests), a request head, a
 * request body, or bytes this framer does not follow (`opaque`: a malformed head or body, an
 * upgrade or a CONNECT; the server answers those itself and the guard only bounds their time).
 */
export type FramingPhase = "idle" | "head" | "body" | "opaque";

type ChunkState = "size" | "data" | "data-end" | "trailer";

/** Longest chunk-size or trailer line followed (real ones are a few bytes). */
const MAX_LINE = 4096;
/** One character per byte: heads are ASCII, and only their delimiters matter here. */
const LATIN1 = new TextDecoder("latin1");

/** Follows the requests in one connection's client-to-server bytes. */
export class RequestFramer {
  /** The phase after the bytes pushed so far. */
  phase: FramingPhase = "idle";
  /** When the current phase began (the clock given to {@link push}). */
  phaseStartedAt: number;
  /** Requests whose head and body were seen in full. */
  completed = 0;
  /** Heads begun (a request's head starts each). */
  heads = 0;
  readonly #maxHead: number;
  #head = "";
  #remaining = 0;
  #chunked: ChunkState | null = null;
  #line = "";

  /** A framer refusing heads longer than `maxHeadBytes`; `now` starts the idle phase. */
  constructor(maxHeadBytes: number, now: number) {
    this.#maxHead = maxHeadBytes;
    this.phaseStartedAt = now;
  }

  /**
   * Follows `bytes` sent at time `now`. Returns false when a head grew past the limit without
   * ending (the caller refuses the request); true otherwise.
   */
  push(bytes: Uint8Array, now: number): boolean {
    let i = 0;
    while (i < bytes.length && this.phase !== "opaque") {
      if (this.phase === "idle") {
        // Blank lines before a request line are allowed (RFC 9112 §2.2).
        if (bytes[i] === 13 || bytes[i] === 10) {
          i++;
          continue;
        }
        this.#enter("head", now);
        this.heads++;
        this.#head = "";
      }
      if (this.phase === "head") {
        const end = this.#headBytes(bytes, i);
        if (end < 0) return this.#head.length <= this.#maxHead;
        i = end;
        this.#startBody(now);
      } else if (this.phase === "body") {
        i = this.#chunked ? this.#chunkBytes(bytes, i, now) : this.#lengthBytes(bytes, i);
        if (this.phase === "body" && this.#chunked === null && this.#remaining === 0) {
          this.#finish(now);
        }
      }
    }
    return true;
  }

  #enter(phase: FramingPhase, now: number): void {
    this.phase = phase;
    this.phaseStartedAt = now;
  }

  #finish(now: number): void {
    this.completed++;
    this.#enter("idle", now);
  }

  /** Appends head bytes from `at`; returns the index just past the blank line, or -1. */
  #headBytes(bytes: Uint8Array, at: number): number {
    const before = this.#head.length;
    // Never hold more than the limit (plus the blank line) of an unfinished head.
    const take = bytes.subarray(at, at + this.#maxHead + 4 - before);
    this.#head += LATIN1.decode(take);
    const from = Math.max(0, before - 3);
    const crlf = this.#head.indexOf("\r\n\r\n", from);
    const lf = this.#head.indexOf("\n\n", from);
    if (crlf < 0 && lf < 0) return -1;
    const end = Math.min(crlf < 0 ? Infinity : crlf + 4, lf < 0 ? Infinity : lf + 2);
    this.#head = this.#head.slice(0, end);
    return at + end - before;
  }

  /** Reads the framing headers of the head just ended and enters its body (or the next head). */
  #startBody(now: number): void {
    const lines = this.#head.split(/\r?\n/);
    const method = lines[0].split(" ")[0].toUpperCase();
    const lengths = new Set<string>();
    let codings: string | null = null, upgrade = false;
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === "content-length") { for (const v of value.split(",")) lengths.add(v.trim()); }
      else if (name === "transfer-encoding") codings = codings ? `${codings},${value}` : value;
      else if (name === "upgrade") upgrade = true;
    }
    this.#head = "";
    if (method === "CONNECT" || method === "PRI" || upgrade) return this.#enter("opaque", now);
    if (codings !== null) {
      const last = codings.split(",").at(-1)!.trim().toLowerCase();
      // Only chunked can end a request body; anything else the server refuses.
      if (last !== "chunked") return this.#enter("opaque", now);
      this.#chunked = "size";
      this.#line = "";
      return this.#enter("body", now);
    }
    if (lengths.size > 1) return this.#enter("opaque", now);
    const length = lengths.size ? [...lengths][0] : "0";
    if (!/^\d{1,15}$/.test(length)) return this.#enter("opaque", now);
    this.#remaining = Number(length);
    if (this.#remaining === 0) return this.#finish(now);
    this.#enter("body", now);
  }

  #lengthBytes(bytes: Uint8Array, at: number): number {
    const take = Math.min(this.#remaining, bytes.length - at);
    this.#remaining -= take;
    return at + take;
  }

  /**
   * Follows chunked framing: size line, data, CRLF, …, a zero size, trailers, blank line. Bad
   * framing turns opaque from the body's start, so the body's deadline still holds.
   */
  #chunkBytes(bytes: Uint8Array, at: number, now: number): number {
    let i = at;
    while (i < bytes.length && this.phase === "body") {
      if (this.#chunked === "data") {
        const take = Math.min(this.#remaining, bytes.length - i);
        this.#remaining -= take;
        i += take;
        if (this.#remaining === 0) this.#chunked = "data-end";
        continue;
      }
      const b = bytes[i++];
      if (b !== 10) {
        this.#line += String.fromCharCode(b);
        if (this.#line.length > MAX_LINE) this.#enter("opaque", this.phaseStartedAt);
        continue;
      }
      const line = this.#line.replace(/\r$/, "");
      this.#line = "";
      if (this.#chunked === "data-end") {
        if (line !== "") this.#enter("opaque", this.phaseStartedAt);
        else this.#chunked = "size";
      } else if (this.#chunked === "size") {
        const hex = line.split(";")[0].trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) {
          this.#enter("opaque", this.phaseStartedAt);
        } else {
          this.#remaining = parseInt(hex, 16);
          this.#chunked = this.#remaining === 0 ? "trailer" : "data";
        }
      } else if (line === "") {
        this.#chunked = null;
        this.#finish(now);
      }
    }
    return i;
  }
}
