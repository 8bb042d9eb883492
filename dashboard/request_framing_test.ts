/**
 * The request framer on hand-written HTTP/1.1 byte streams, fed whole and one byte at a time:
 * heads, Content-Length and chunked bodies, pipelining, the head limit, and what it leaves to
 * the server (opaque).
 */
import assert from "node:assert/strict";
import { RequestFramer } from "./request_framing.ts";

const enc = (s: string) => new TextEncoder().encode(s);

/** Feeds `text` whole, then byte by byte into a fresh framer; both must agree. */
function frame(text: string, maxHead = 1024) {
  const whole = new RequestFramer(maxHead, 0);
  const okWhole = whole.push(enc(text), 1);
  const bytewise = new RequestFramer(maxHead, 0);
  let okBytes = true;
  for (const b of enc(text)) okBytes &&= bytewise.push(new Uint8Array([b]), 1);
  assert.equal(okBytes, okWhole, "bytewise and whole feeding disagree on the head limit");
  for (const key of ["phase", "completed", "heads"] as const) {
    assert.equal(bytewise[key], whole[key], `${key} differs fed bytewise`);
  }
  return { phase: whole.phase, completed: whole.completed, heads: whole.heads, ok: okWhole };
}

Deno.test("framer: a GET completes at its blank line; a partial head is still a head", () => {
  assert.deepEqual(frame("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), {
    phase: "idle",
    completed: 1,
    heads: 1,
    ok: true,
  });
  assert.deepEqual(frame("GET / HTTP/1.1\r\nHost: x\r\n").phase, "head");
  // Bare LF line ends, and blank lines before a request line, are accepted as servers do.
  assert.equal(frame("\r\n\nGET / HTTP/1.1\nHost: x\n\n").completed, 1);
  assert.equal(frame("").phase, "idle");
});

Deno.test("framer: Content-Length bodies, and pipelined requests", () => {
  const post = 'POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n{"state":[]}';
  assert.deepEqual(frame(post), { phase: "idle", completed: 1, heads: 1, ok: true });
  const short = frame(post.slice(0, -3));
  assert.equal(short.phase, "body");
  assert.equal(short.completed, 0);
  const two = frame(post + "GET /h HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /i HTTP/1.1\r\n");
  assert.deepEqual(two, { phase: "head", completed: 2, heads: 3, ok: true });
});

Deno.test("framer: chunked bodies end at the zero chunk and its trailers", () => {
  const head = "POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  const body = "5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\n";
  assert.equal(frame(head + body).phase, "body"); // trailers not ended yet
  assert.deepEqual(frame(head + body + "\r\n"), {
    phase: "idle",
    completed: 1,
    heads: 1,
    ok: true,
  });
  assert.equal(frame(head + body + "X-Trailer: 1\r\n\r\n").completed, 1);
  assert.equal(frame(head + "zz\r\n").phase, "opaque");
  assert.equal(frame(head + "3\r\nabcX\r\n").phase, "opaque"); // data not followed by CRLF
});

Deno.test("framer: heads over the limit are refused; odd framing is left to the server", () => {
  const big = "GET / HTTP/1.1\r\nX: " + "a".repeat(2000);
  assert.equal(frame(big, 1024).ok, false);
  assert.equal(frame(big + "\r\n\r\n", 4096).ok, true);
  for (
    const head of [
      "GET / HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\n",
      "GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
      "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
      "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
      "CONNECT a:443 HTTP/1.1\r\n\r\n",
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    ]
  ) {
    assert.equal(frame(head).phase, "opaque", head);
  }
});

Deno.test("framer: phases start at the time of the bytes that began them", () => {
  const f = new RequestFramer(1024, 0);
  f.push(enc("GET / HT"), 5);
  assert.equal(f.phaseStartedAt, 5);
  f.push(enc("TP/1.1\r\nContent-Length: 3\r\n\r\n"), 9);
  assert.deepEqual([f.phase, f.phaseStartedAt], ["body", 9]);
  f.push(enc("abc"), 12);
  assert.deepEqual([f.phase, f.phaseStartedAt, f.completed], ["idle", 12, 1]);
});
