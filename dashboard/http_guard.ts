/**
 * A TCP front for `Deno.serve` that drops slow clients. `Deno.serve` waits for a request's head
 * and body as long as a client cares to take (it has no read timeouts), so a few clients
 * trickling bytes could hold the server's sockets forever. This front accepts the connections,
 * follows each request's framing as the bytes stream past (`request_framing.ts`) and pipes them
 * to the real `Deno.serve`, listening on a private Unix socket; a head, a body, an idle
 * keep-alive gap or a write to a client that stopped reading that takes too long closes the
 * connection (after a 408 when no answer is under way), and an oversized head gets a 431.
 * @module
 */
import { join } from "node:path";
import { RequestFramer } from "./request_framing.ts";
import { HttpError } from "./validate.ts";

/** How long a client may take, and how big a head may be. */
export interface ConnectionLimits {
  /** Milliseconds a request head may take from its first byte (from accept, for a new connection). */
  headMs: number;
  /** Milliseconds a request body may take after its head. */
  bodyMs: number;
  /** Milliseconds a kept-alive connection may sit idle between requests. */
  idleMs: number;
  /** Milliseconds one write of an answer may wait for a client that stopped reading. */
  sendMs: number;
  /** Largest request head (request line and headers), bytes. */
  maxHeadBytes: number;
}

/** The limits used when none are given: generous for any real client, fatal to a trickle. */
export const DEFAULT_LIMITS: ConnectionLimits = {
  headMs: 10_000,
  bodyMs: 30_000,
  idleMs: 60_000,
  sendMs: 30_000,
  maxHeadBytes: 32 * 1024,
};

/** Options of {@link serveGuarded}. */
export interface GuardedServeOptions {
  /** Interface to bind. */
  hostname: string;
  /** Port (0: any free one). */
  port: number;
  /** Limits overriding {@link DEFAULT_LIMITS}. */
  limits?: Partial<ConnectionLimits>;
  /** `Deno.serve`'s last-resort error handler. */
  onError?: (error: unknown) => Response | Promise<Response>;
}

/** A running guarded server. */
export interface GuardedServer {
  /** The address clients connect to. */
  addr: Deno.NetAddr;
  /** Client connections open now. */
  connections(): number;
  /** Stops accepting, lets open requests finish, then closes every connection. */
  shutdown(): Promise<void>;
}

/** Silence after the server's last byte that means its answer is complete (ours never pause). */
const ANSWER_SETTLED_MS = 250;

/** Serves `handler` behind the guard; throws `Deno.errors.AddrInUse` like `Deno.serve`. */
export function serveGuarded(
  options: GuardedServeOptions,
  handler: Deno.ServeHandler<Deno.Addr>,
): GuardedServer {
  const limits: ConnectionLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const listener = Deno.listen({ hostname: options.hostname, port: options.port });
  const onListen = () => {};
  let inner: Deno.HttpServer<Deno.Addr>, connect: () => Promise<Deno.Conn>;
  let socketDir: string | null = null;
  if (Deno.build.os === "windows") {
    // No Unix sockets: a loopback port, which local users could reach, but which the Host
    // check in app.ts still guards like the public one.
    inner = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen, onError: options.onError },
      handler,
    );
    const port = (inner.addr as Deno.NetAddr).port;
    connect = () => Deno.connect({ hostname: "127.0.0.1", port });
  } else {
    socketDir = Deno.makeTempDirSync({ prefix: "eagle-http-" }); // mode 0700: ours alone
    const path = join(socketDir, "http.sock");
    inner = Deno.serve({ transport: "unix", path, onListen, onError: options.onError }, handler);
    connect = () => Deno.connect({ transport: "unix", path });
  }
  const open = new Set<PipedConnection>();
  const tasks = new Set<Promise<void>>();
  const tick = Math.min(1000, Math.max(20, Math.min(limits.headMs, limits.bodyMs) / 4));
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const c of open) {
      const due = c.deadline();
      if (due !== null && now >= due) c.expire(now);
    }
  }, tick);
  const accepting = (async () => {
    for await (const conn of listener) {
      const piped = new PipedConnection(conn, limits);
      open.add(piped);
      const task: Promise<void> = piped.run(connect).finally(() => {
        open.delete(piped);
        tasks.delete(task);
      });
      tasks.add(task);
    }
  })().catch(() => {/* the listener was closed */});
  return {
    addr: listener.addr as Deno.NetAddr,
    connections: () => open.size,
    async shutdown() {
      clearInterval(sweep);
      try {
        listener.close();
      } catch { /* shut down before */ }
      await accepting;
      await inner.shutdown();
      for (const c of open) c.close();
      await Promise.allSettled([...tasks]);
      if (socketDir) await Deno.remove(socketDir, { recursive: true }).catch(() => {});
    },
  };
}

/** One client connection piped to the server, with the state its deadlines depend on. */
class PipedConnection {
  readonly #client: Deno.Conn;
  readonly #limits: ConnectionLimits;
  readonly #framer: RequestFramer;
  #server: Deno.Conn | null = null;
  #closed = false;
  /** A refusal is being written: the server's bytes no longer reach the client. */
  #refused = false;
  /** A request arrived in full and the server has not begun its answer. */
  #owed = false;
  #lastActivity: number;
  #lastServerByte: number | null = null;
  /** When the write to the client now pending began. */
  #sendingSince: number | null = null;

  constructor(client: Deno.Conn, limits: ConnectionLimits) {
    this.#client = client;
    this.#limits = limits;
    const now = performance.now();
    this.#lastActivity = now;
    this.#framer = new RequestFramer(limits.maxHeadBytes, now);
    // Small answers must not wait for Nagle's algorithm.
    if ("setNoDelay" in client) (client as Deno.TcpConn).setNoDelay(true);
  }

  /** Pipes both ways until either side ends. */
  async run(connect: () => Promise<Deno.Conn>): Promise<void> {
    let server: Deno.Conn;
    try {
      server = await connect();
    } catch {
      return this.close();
    }
    if (this.#closed) return server.close();
    this.#server = server;
    await Promise.allSettled([this.#fromClient(server), this.#fromServer(server)]);
    this.close();
  }

  /** When this connection must be dropped unless something changes, or null for never. */
  deadline(): number | null {
    const l = this.#limits, f = this.#framer;
    const send = this.#sendingSince === null ? Infinity : this.#sendingSince + l.sendMs;
    let phase = Infinity;
    if (f.phase === "head") phase = f.phaseStartedAt + l.headMs;
    else if (f.phase === "body" || f.phase === "opaque") phase = f.phaseStartedAt + l.bodyMs;
    else if (!this.#owed) phase = this.#lastActivity + (f.heads === 0 ? l.headMs : l.idleMs);
    const due = Math.min(send, phase);
    return due === Infinity ? null : due;
  }

  /** Drops the connection whose deadline passed, telling the client why when it can. */
  expire(now: number): void {
    const phase = this.#framer.phase;
    if (phase === "head") {
      this.#refuse(408, `The request head took over ${sec(this.#limits.headMs)}`, now);
    } else if (phase === "body") {
      this.#refuse(408, `The request body took over ${sec(this.#limits.bodyMs)}`, now);
    } else this.close();
  }

  /** Closes both sides. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const c of [this.#client, this.#server]) {
      try {
        c?.close();
      } catch { /* already closed */ }
    }
  }

  /**
   * Answers `status` and closes, when no answer of the server's can be under way (none owed,
   * none being written, the last one settled); otherwise just closes.
   */
  #refuse(status: 408 | 431, message: string, now: number): void {
    const quiet = !this.#owed && this.#sendingSince === null &&
      (this.#lastServerByte === null || now - this.#lastServerByte > ANSWER_SETTLED_MS);
    if (this.#refused) return;
    if (!quiet || this.#closed) return this.close();
    this.#refused = true;
    this.#server?.close(); // the server drops the unfinished request
    const body = JSON.stringify(new HttpError(status, null, message).toJSON());
    const reason = status === 408 ? "Request Timeout" : "Request Header Fields Too Large";
    const head = `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${new TextEncoder().encode(body).length}\r\nConnection: close\r\n\r\n`;
    const written = writeAll(this.#client, new TextEncoder().encode(head + body));
    Promise.race([written, new Promise((r) => setTimeout(r, 100))]).finally(() => this.close());
  }

  async #fromClient(server: Deno.Conn): Promise<void> {
    const buf = new Uint8Array(16 * 1024);
    try {
      while (!this.#closed) {
        const n = await this.#client.read(buf);
        if (n === null) {
          // The client finished sending; it may still read the answer.
          await server.closeWrite();
          return;
        }
        const now = performance.now();
        this.#lastActivity = now;
        const done = this.#framer.completed;
        if (!this.#framer.push(buf.subarray(0, n), now)) {
          return this.#refuse(431, `Request head over ${this.#limits.maxHeadBytes} bytes`, now);
        }
        if (this.#framer.completed !== done) this.#owed = true;
        await writeAll(server, buf.subarray(0, n));
      }
    } catch {
      this.close();
    }
  }

  async #fromServer(server: Deno.Conn): Promise<void> {
    const buf = new Uint8Array(16 * 1024);
    try {
      while (!this.#closed && !this.#refused) {
        const n = await server.read(buf);
        if (n === null) break;
        const now = performance.now();
        this.#owed = false;
        this.#lastServerByte = this.#lastActivity = this.#sendingSince = now;
        await writeAll(this.#client, buf.subarray(0, n));
        this.#sendingSince = null;
        this.#lastActivity = performance.now();
      }
    } catch { /* either side went away */ }
    if (!this.#refused) this.close();
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

function sec(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
