/**
 * The slow-client guard over real sockets, with short limits: ordinary requests (keep-alive,
 * chunked uploads, a slow answer) pass untouched, while a trickled head or body gets a 408
 * and a closed connection, a silent or idle connection is closed, and an oversized head gets a
 * 431. Timing bounds are loose (a loaded 2-core machine may be slow), but each is far from the
 * case where the guard would not act at all.
 */
import assert from "node:assert/strict";
import { type ConnectionLimits, serveGuarded } from "./http_guard.ts";

const LIMITS: ConnectionLimits = {
  headMs: 400,
  bodyMs: 400,
  idleMs: 400,
  sendMs: 2000,
  maxHeadBytes: 2048,
};

const enc = (s: string) => new TextEncoder().encode(s);

function start() {
  return serveGuarded({ hostname: "127.0.0.1", port: 0, limits: LIMITS }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/slow") await new Promise((r) => setTimeout(r, 1500));
    // A client the guard cut off mid-body: the read fails, and nobody reads the answer.
    const body = req.body ? await req.text().catch(() => "") : "";
    return Response.json({ path: url.pathname, length: body.length });
  });
}

/** Everything the server sends until it closes (or `limitMs` passes), and when it closed. */
async function readAll(conn: Deno.Conn, limitMs = 5000): Promise<{ text: string; ms: number }> {
  const t0 = performance.now();
  const timer = setTimeout(() => conn.close(), limitMs);
  const chunks: string[] = [];
  const buf = new Uint8Array(4096);
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(new TextDecoder().decode(buf.subarray(0, n)));
    }
  } catch { /* reset, or closed by the timer */ }
  clearTimeout(timer);
  try {
    conn.close();
  } catch { /* already closed */ }
  return { text: chunks.join(""), ms: performance.now() - t0 };
}

Deno.test("guard: ordinary requests pass, kept alive, with chunked uploads and slow answers", async () => {
  const server = start();
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${base}/a${i}`);
      assert.deepEqual(await res.json(), { path: `/a${i}`, length: 0 });
    }
    assert.equal(server.connections(), 1, "fetch reused one kept-alive connection");
    const stream = ReadableStream.from([enc("x".repeat(10_000)), enc("y".repeat(5))]);
    const up = await fetch(`${base}/up`, { method: "POST", body: stream });
    assert.deepEqual(await up.json(), { path: "/up", length: 10_005 });
    // The answer takes longer than every client limit: a request being served is never cut.
    const slow = await fetch(`${base}/slow`);
    assert.deepEqual(await slow.json(), { path: "/slow", length: 0 });
  } finally {
    await server.shutdown();
  }
});

Deno.test("guard: a trickled head gets 408 and a closed connection", async () => {
  const server = start();
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    await conn.write(enc("GET / HTTP/1.1\r\nHost: x\r\n"));
    const trickle = setInterval(() => conn.write(enc("X-A: 1\r\n")).catch(() => {}), 100);
    const { text, ms } = await readAll(conn);
    clearInterval(trickle);
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.match(text, /request head took over 400 ms/);
    assert.ok(ms > 300 && ms < 4000, `closed after ${ms} ms`);
  } finally {
    await server.shutdown();
  }
});

Deno.test("guard: a trickled body gets 408; a silent connection is closed", async () => {
  const server = start();
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    await conn.write(enc("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"));
    const trickle = setInterval(() => conn.write(enc("a")).catch(() => {}), 100);
    const body = await readAll(conn);
    clearInterval(trickle);
    assert.match(body.text, /^HTTP\/1\.1 408 /);
    assert.match(body.text, /request body took over 400 ms/);

    const silent = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    const quiet = await readAll(silent);
    assert.equal(quiet.text, "");
    assert.ok(quiet.ms > 300 && quiet.ms < 4000, `closed after ${quiet.ms} ms`);
  } finally {
    await server.shutdown();
  }
});

Deno.test("guard: an idle kept-alive connection is closed; an oversized head gets 431", async () => {
  const server = start();
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    await conn.write(enc("GET /one HTTP/1.1\r\nHost: x\r\n\r\n"));
    const { text, ms } = await readAll(conn);
    assert.match(text, /^HTTP\/1\.1 200 /);
    assert.match(text, /"path":"\/one"/);
    assert.ok(ms > 300 && ms < 4000, `idle connection closed after ${ms} ms`);

    const big = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    await big.write(enc("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(4096)));
    const refused = await readAll(big);
    assert.match(refused.text, /^HTTP\/1\.1 431 /);
    assert.match(refused.text, /over 2048 bytes/);
    assert.equal(server.connections(), 0);
  } finally {
    await server.shutdown();
  }
});

Deno.test("guard: a client that stops reading a long answer is dropped", async () => {
  const big = new Uint8Array(64 * 1024 * 1024); // far past what the sockets can buffer
  const server = serveGuarded(
    { hostname: "127.0.0.1", port: 0, limits: { ...LIMITS, idleMs: 60_000, sendMs: 300 } },
    () => new Response(big),
  );
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    await conn.write(enc("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
    // Never read: the guard's write to this client stalls, then the connection is dropped.
    const t0 = performance.now();
    while (server.connections() > 0 && performance.now() - t0 < 10_000) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(server.connections(), 0, "the stalled connection is still open");
    conn.close();
  } finally {
    await server.shutdown();
  }
});
