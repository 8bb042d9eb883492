/**
 * Bad input against the real server: every case gets a 4xx JSON error naming the field and
 * what is accepted; path-like run ids never reach a file outside the runs folder; an internal
 * failure is a 500 without a stack; and the server keeps answering afterwards.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { serveDashboard } from "./app.ts";
import { MAX_BODY_BYTES } from "./validate.ts";
import { rawRequest, trainRun } from "./_testing.ts";

interface Case {
  name: string;
  path: string;
  method?: string;
  /** Raw body text (not JSON-encoded again). */
  body?: string;
  headers?: Record<string, string>;
  status: number;
  field?: string | null;
}

const J = JSON.stringify;

const CASES: Case[] = [
  // predict: body
  { name: "missing body", path: "/api/predict", status: 400, field: "body" },
  { name: "empty body", path: "/api/predict", body: "  ", status: 400, field: "body" },
  { name: "non-JSON body", path: "/api/predict", body: "state=1", status: 400, field: "body" },
  { name: "JSON array body", path: "/api/predict", body: "[0]", status: 400, field: "body" },
  { name: "JSON string body", path: "/api/predict", body: '"x"', status: 400, field: "body" },
  {
    name: "multipart body",
    path: "/api/predict",
    body: "--x--",
    headers: { "content-type": "multipart/form-data; boundary=x" },
    status: 415,
    field: "body",
  },
  {
    name: "unknown field",
    path: "/api/predict",
    body: J({ state: [0], stat: 1 }),
    status: 400,
    field: "stat",
  },
  // predict: state
  {
    name: "state missing",
    path: "/api/predict",
    body: J({ run: "fl" }),
    status: 400,
    field: "state",
  },
  {
    name: "state string",
    path: "/api/predict",
    body: J({ state: "0" }),
    status: 400,
    field: "state",
  },
  {
    name: "state 'NaN'",
    path: "/api/predict",
    body: J({ state: ["NaN"] }),
    status: 400,
    field: "state",
  },
  {
    name: "state Infinity (1e400)",
    path: "/api/predict",
    body: '{"state":[1e400]}',
    status: 400,
    field: "state",
  },
  {
    name: "state null",
    path: "/api/predict",
    body: J({ state: null }),
    status: 400,
    field: "state",
  },
  {
    name: "state [null]",
    path: "/api/predict",
    body: J({ state: [null] }),
    status: 400,
    field: "state",
  },
  {
    name: "state nested",
    path: "/api/predict",
    body: J({ state: [[1]] }),
    status: 400,
    field: "state",
  },
  {
    name: "state boolean",
    path: "/api/predict",
    body: J({ state: [true] }),
    status: 400,
    field: "state",
  },
  {
    name: "state too long",
    path: "/api/predict",
    body: J({ state: [1, 2] }),
    status: 400,
    field: "state",
  },
  {
    name: "state empty",
    path: "/api/predict",
    body: J({ state: [] }),
    status: 400,
    field: "state",
  },
  {
    name: "state out of range",
    path: "/api/predict",
    body: J({ state: [16] }),
    status: 400,
    field: "state",
  },
  {
    name: "state fractional",
    path: "/api/predict",
    body: J({ state: [1.5] }),
    status: 400,
    field: "state",
  },
  {
    name: "state object",
    path: "/api/predict",
    body: J({ state: { 0: 1 } }),
    status: 400,
    field: "state",
  },
  // run ids in bodies
  {
    name: "run number",
    path: "/api/predict",
    body: J({ state: [0], run: 5 }),
    status: 400,
    field: "run",
  },
  {
    name: "run ../",
    path: "/api/predict",
    body: J({ state: [0], run: "../fl" }),
    status: 400,
    field: "run",
  },
  { name: "run ..", path: "/api/play", body: J({ run: ".." }), status: 400, field: "run" },
  { name: "run absolute", path: "/api/play", body: J({ run: "/etc" }), status: 400, field: "run" },
  {
    name: "run backslash",
    path: "/api/play",
    body: J({ run: "..\\fl" }),
    status: 400,
    field: "run",
  },
  { name: "run drive", path: "/api/play", body: J({ run: "C:x" }), status: 400, field: "run" },
  { name: "run NUL", path: "/api/play", body: J({ run: "fl\u0000" }), status: 400, field: "run" },
  { name: "run %2e%2e", path: "/api/play", body: J({ run: "%2e%2e" }), status: 404, field: "run" },
  {
    name: "run unknown",
    path: "/api/evaluate",
    body: J({ run: "nope", episodes: 1 }),
    status: 404,
    field: "run",
  },
  {
    name: "run without checkpoint",
    path: "/api/predict",
    body: J({ state: [0], run: "empty" }),
    status: 409,
    field: "run",
  },
  {
    name: "run with broken config",
    path: "/api/predict",
    body: J({ state: [0], run: "garbled" }),
    status: 409,
    field: "run",
  },
  // play and evaluate numbers
  { name: "seed string", path: "/api/play", body: J({ seed: "1" }), status: 400, field: "seed" },
  { name: "seed negative", path: "/api/play", body: J({ seed: -1 }), status: 400, field: "seed" },
  {
    name: "seed too large",
    path: "/api/play",
    body: J({ seed: 2 ** 32 }),
    status: 400,
    field: "seed",
  },
  { name: "episodes missing", path: "/api/evaluate", body: J({}), status: 400, field: "episodes" },
  {
    name: "episodes 0",
    path: "/api/evaluate",
    body: J({ episodes: 0 }),
    status: 400,
    field: "episodes",
  },
  {
    name: "episodes 1001",
    path: "/api/evaluate",
    body: J({ episodes: 1001 }),
    status: 400,
    field: "episodes",
  },
  {
    name: "episodes 2.5",
    path: "/api/evaluate",
    body: J({ episodes: 2.5 }),
    status: 400,
    field: "episodes",
  },
  {
    name: "episodes '10'",
    path: "/api/evaluate",
    body: J({ episodes: "10" }),
    status: 400,
    field: "episodes",
  },
  {
    name: "per_episode 1",
    path: "/api/evaluate",
    body: J({ episodes: 1, per_episode: 1 }),
    status: 400,
    field: "per_episode",
  },
  // GET routes
  {
    name: "since negative",
    path: "/api/runs/fl/metrics?since=-1",
    method: "GET",
    status: 400,
    field: "since",
  },
  {
    name: "since text",
    path: "/api/runs/fl/metrics?since=abc",
    method: "GET",
    status: 400,
    field: "since",
  },
  {
    name: "unknown run metrics",
    path: "/api/runs/nope/metrics",
    method: "GET",
    status: 404,
    field: "id",
  },
  {
    name: "encoded ../",
    path: "/api/runs/..%2F..%2Fetc/metrics",
    method: "GET",
    status: 400,
    field: "id",
  },
  {
    name: "encoded absolute",
    path: "/api/runs/%2Fetc%2Fpasswd",
    method: "GET",
    status: 400,
    field: "id",
  },
  {
    name: "encoded backslash",
    path: "/api/runs/..%5Cfl/metrics",
    method: "GET",
    status: 400,
    field: "id",
  },
  { name: "hidden folder", path: "/api/runs/.hidden", method: "GET", status: 400, field: "id" },
  { name: "symlinked run", path: "/api/runs/linked", method: "GET", status: 404, field: "id" },
  { name: "unknown API route", path: "/api/nope", method: "GET", status: 404, field: null },
  { name: "wrong method", path: "/api/predict", method: "GET", status: 405, field: null },
];

Deno.test("dashboard API rejects bad input with 4xx JSON and stays up", async (t) => {
  const runsDir = await Deno.makeTempDir({ prefix: "eagle-dash-err-" });
  const outside = await Deno.makeTempDir({ prefix: "eagle-dash-outside-" });
  await trainRun(runsDir, "fl", { evalEpisodes: 0 });
  // A run that has not written a checkpoint yet, one with a garbled config, one whose
  // metrics.jsonl is a folder (reading it fails inside the server), and a symlinked run.
  await Deno.mkdir(join(runsDir, "empty"));
  await Deno.copyFile(join(runsDir, "fl", "config.json"), join(runsDir, "empty", "config.json"));
  await Deno.mkdir(join(runsDir, "garbled"));
  await Deno.writeTextFile(join(runsDir, "garbled", "config.json"), "{not json");
  await Deno.writeTextFile(join(runsDir, "garbled", "qtable.json"), "{}");
  await Deno.mkdir(join(runsDir, "broken"));
  await Deno.copyFile(join(runsDir, "fl", "config.json"), join(runsDir, "broken", "config.json"));
  await Deno.mkdir(join(runsDir, "broken", "metrics.jsonl"));
  await Deno.copyFile(join(runsDir, "fl", "config.json"), join(outside, "config.json"));
  await Deno.writeTextFile(join(outside, "secret.gif"), "GIF89a-secret");
  await Deno.symlink(outside, join(runsDir, "linked"));
  await Deno.symlink(join(outside, "secret.gif"), join(runsDir, "fl", "leak.gif"));
  await Deno.writeFile(join(runsDir, "fl", "episode.gif"), new TextEncoder().encode("GIF89a"));

  const server = serveDashboard({ runsDir, port: 0, model: "fl" });
  const errors = console.error;
  try {
    for (const c of CASES) {
      await t.step(c.name, async () => {
        const method = c.method ?? "POST";
        const res = await fetch(server.url + c.path, {
          method,
          headers: c.headers ??
            (c.body === undefined ? {} : { "content-type": "application/json" }),
          body: method === "GET" ? undefined : c.body,
        });
        const text = await res.text();
        assert.equal(res.status, c.status, text);
        assert.match(res.headers.get("content-type") ?? "", /application\/json/);
        const body = JSON.parse(text);
        assert.equal(typeof body.error.message, "string");
        assert.ok(body.error.message.length > 10, body.error.message);
        if (c.field !== undefined) assert.equal(body.error.field, c.field);
      });
    }

    await t.step("bodies over the size limit get 413, with or without Content-Length", async () => {
      const big = J({ state: [0], pad: "x".repeat(MAX_BODY_BYTES) });
      const res = await fetch(server.url + "/api/predict", { method: "POST", body: big });
      assert.equal(res.status, 413);
      assert.equal((await res.json()).error.field, "body");
      // A streamed (chunked) body has no Content-Length: the limit applies while reading.
      const chunk = new TextEncoder().encode(" ".repeat(16 * 1024));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(ctl) {
          if (sent++ < 8) ctl.enqueue(chunk);
          else ctl.close();
        },
      });
      const chunked = await fetch(server.url + "/api/predict", { method: "POST", body: stream });
      assert.equal(chunked.status, 413);
      await chunked.body?.cancel();
    });

    await t.step("raw traversal paths never leave the runs folder", async () => {
      for (
        const line of [
          "GET /api/runs/../../../../etc/passwd HTTP/1.1",
          "GET /api/runs/%2e%2e/%2e%2e/etc/passwd HTTP/1.1",
          "GET /api/runs/fl/../../secret HTTP/1.1",
          "GET /runs/fl/files/..%2Fconfig.json HTTP/1.1",
          "GET /runs/fl/files/../../../etc/passwd HTTP/1.1",
          "GET /runs/..%2F..%2Fetc HTTP/1.1",
          "GET /static/../../deno.json HTTP/1.1",
          "GET /static/%2e%2e/%2e%2e/deno.json HTTP/1.1",
        ]
      ) {
        const { status, body } = await rawRequest(server.port, line);
        assert.ok(status >= 400 && status < 500, `${line} → ${status}`);
        assert.ok(!body.includes("root:") && !body.includes('"imports"'), line);
      }
    });

    await t.step("GIFs: served from the run folder, never through a symlink", async () => {
      const ok = await fetch(server.url + "/runs/fl/files/episode.gif");
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get("content-type"), "image/gif");
      assert.equal(await ok.text(), "GIF89a");
      const leak = await fetch(server.url + "/runs/fl/files/leak.gif");
      assert.equal(leak.status, 404);
      assert.ok(!(await leak.text()).includes("secret"));
      const notGif = await fetch(server.url + "/runs/fl/files/config.json");
      assert.equal(notGif.status, 404);
      await notGif.body?.cancel();
      const runs = await (await fetch(server.url + "/api/runs")).json();
      const fl = runs.runs.find((r: { id: string }) => r.id === "fl");
      assert.deepEqual(fl.gifs, ["episode.gif"]);
      assert.ok(!runs.runs.some((r: { id: string }) => r.id === "linked"));
    });

    await t.step("an internal failure is a 500 JSON without a stack", async () => {
      console.error = () => {}; // the server logs the failure; keep the test output clean
      const api = await fetch(server.url + "/api/runs/broken/metrics");
      assert.equal(api.status, 500);
      const text = await api.text();
      assert.deepEqual(JSON.parse(text), {
        error: { field: null, message: "Internal server error" },
      });
      assert.ok(!/\bat \S+:\d+/.test(text) && !text.includes("metrics.jsonl"));
      const page = await fetch(server.url + "/runs/broken");
      assert.equal(page.status, 200); // the page itself reads no metrics server-side
      await page.body?.cancel();
      console.error = errors;
    });

    await t.step("the server still answers", async () => {
      const res = await fetch(server.url + "/api/health");
      assert.equal(res.status, 200);
      assert.equal((await res.json()).model, "fl");
      const ok = await fetch(server.url + "/api/predict", {
        method: "POST",
        body: J({ state: [0] }),
      });
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
    });
  } finally {
    console.error = errors;
    await server.shutdown();
    await Deno.remove(runsDir, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});
