/**
 * Bad input and attacks against the real server: every case gets a 4xx JSON error (FastAPI's
 * `detail` and `error: { field, message }`) naming the field and what is accepted, never an
 * absolute path or a linked file's content; path-like run ids and symbolic links never reach a
 * file outside the runs folder; foreign Host and Origin headers are refused; a client that
 * leaves is neither logged nor left running; a full queue is a 503 with Retry-After; no model
 * is the tutorial's 503; an internal failure is a 500 without a stack; and the server keeps
 * answering afterwards.
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
  { name: "missing body", path: "/api/predict", status: 422, field: "body" },
  { name: "empty body", path: "/api/predict", body: "  ", status: 422, field: "body" },
  { name: "non-JSON body", path: "/api/predict", body: "state=1", status: 422, field: "body" },
  { name: "JSON array body", path: "/api/predict", body: "[0]", status: 422, field: "body" },
  { name: "JSON string body", path: "/api/predict", body: '"x"', status: 422, field: "body" },
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
    status: 422,
    field: "stat",
  },
  // predict: state
  {
    name: "state missing",
    path: "/api/predict",
    body: J({ run: "fl" }),
    status: 422,
    field: "state",
  },
  {
    name: "state string",
    path: "/api/predict",
    body: J({ state: "0" }),
    status: 422,
    field: "state",
  },
  {
    name: "state 'NaN'",
    path: "/api/predict",
    body: J({ state: ["NaN"] }),
    status: 422,
    field: "state[0]",
  },
  {
    name: "state Infinity (1e400)",
    path: "/api/predict",
    body: '{"state":[1e400]}',
    status: 422,
    field: "state[0]",
  },
  {
    name: "state null",
    path: "/api/predict",
    body: J({ state: null }),
    status: 422,
    field: "state",
  },
  {
    name: "state [null]",
    path: "/api/predict",
    body: J({ state: [null] }),
    status: 422,
    field: "state[0]",
  },
  {
    name: "state nested",
    path: "/api/predict",
    body: J({ state: [[1]] }),
    status: 422,
    field: "state[0]",
  },
  {
    name: "state boolean",
    path: "/api/predict",
    body: J({ state: [true] }),
    status: 422,
    field: "state[0]",
  },
  {
    name: "state too long",
    path: "/api/predict",
    body: J({ state: [1, 2] }),
    status: 422,
    field: "state",
  },
  {
    name: "state empty",
    path: "/api/predict",
    body: J({ state: [] }),
    status: 422,
    field: "state",
  },
  {
    name: "state out of range",
    path: "/api/predict",
    body: J({ state: [16] }),
    status: 422,
    field: "state[0]",
  },
  {
    name: "state fractional",
    path: "/api/predict",
    body: J({ state: [1.5] }),
    status: 422,
    field: "state[0]",
  },
  {
    name: "state object",
    path: "/api/predict",
    body: J({ state: { 0: 1 } }),
    status: 422,
    field: "state",
  },
  // run ids in bodies
  {
    name: "run number",
    path: "/api/predict",
    body: J({ state: [0], run: 5 }),
    status: 422,
    field: "run",
  },
  {
    name: "run ../",
    path: "/api/predict",
    body: J({ state: [0], run: "../fl" }),
    status: 422,
    field: "run",
  },
  { name: "run ..", path: "/api/play", body: J({ run: ".." }), status: 422, field: "run" },
  { name: "run absolute", path: "/api/play", body: J({ run: "/etc" }), status: 422, field: "run" },
  {
    name: "run backslash",
    path: "/api/play",
    body: J({ run: "..\\fl" }),
    status: 422,
    field: "run",
  },
  { name: "run drive", path: "/api/play", body: J({ run: "C:x" }), status: 422, field: "run" },
  { name: "run NUL", path: "/api/play", body: J({ run: "fl\u0000" }), status: 422, field: "run" },
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
  { name: "seed string", path: "/api/play", body: J({ seed: "1" }), status: 422, field: "seed" },
  { name: "seed negative", path: "/api/play", body: J({ seed: -1 }), status: 422, field: "seed" },
  {
    name: "seed too large",
    path: "/api/play",
    body: J({ seed: 2 ** 32 }),
    status: 422,
    field: "seed",
  },
  { name: "episodes missing", path: "/api/evaluate", body: J({}), status: 422, field: "episodes" },
  {
    name: "episodes 0",
    path: "/api/evaluate",
    body: J({ episodes: 0 }),
    status: 422,
    field: "episodes",
  },
  {
    name: "episodes 1001",
    path: "/api/evaluate",
    body: J({ episodes: 1001 }),
    status: 422,
    field: "episodes",
  },
  {
    name: "episodes 2.5",
    path: "/api/evaluate",
    body: J({ episodes: 2.5 }),
    status: 422,
    field: "episodes",
  },
  {
    name: "episodes '10'",
    path: "/api/evaluate",
    body: J({ episodes: "10" }),
    status: 422,
    field: "episodes",
  },
  {
    name: "per_episode 1",
    path: "/api/evaluate",
    body: J({ episodes: 1, per_episode: 1 }),
    status: 422,
    field: "per_episode",
  },
  // GET routes
  {
    name: "since negative",
    path: "/api/runs/fl/metrics?since=-1",
    method: "GET",
    status: 422,
    field: "since",
  },
  {
    name: "since text",
    path: "/api/runs/fl/metrics?since=abc",
    method: "GET",
    status: 422,
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
    status: 422,
    field: "id",
  },
  {
    name: "encoded absolute",
    path: "/api/runs/%2Fetc%2Fpasswd",
    method: "GET",
    status: 422,
    field: "id",
  },
  {
    name: "encoded backslash",
    path: "/api/runs/..%5Cfl/metrics",
    method: "GET",
    status: 422,
    field: "id",
  },
  { name: "hidden folder", path: "/api/runs/.hidden", method: "GET", status: 422, field: "id" },
  { name: "symlinked run", path: "/api/runs/linked", method: "GET", status: 404, field: "id" },
  { name: "unknown API route", path: "/api/nope", method: "GET", status: 404, field: null },
  { name: "wrong method", path: "/api/predict", method: "GET", status: 405, field: null },
  // content types: JSON only, whenever there is a body or a type
  {
    name: "text/plain body (a cross-site form can send it)",
    path: "/api/evaluate",
    body: J({ episodes: 1 }),
    headers: { "content-type": "text/plain" },
    status: 415,
    field: "body",
  },
  {
    name: "form-urlencoded body",
    path: "/play",
    body: "seed=1",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    status: 415,
    field: "body",
  },
  { name: "body without a type", path: "/play", body: J({ seed: 1 }), headers: {}, status: 415 },
  {
    name: "empty text/plain body",
    path: "/play",
    body: "",
    headers: { "content-type": "text/plain" },
    status: 415,
  },
  // the root routes and the GET evaluate
  {
    name: "root predict",
    path: "/predict",
    body: J({ state: [0, 1] }),
    status: 422,
    field: "state",
  },
  { name: "root play seed", path: "/play", body: J({ seed: 1.5 }), status: 422, field: "seed" },
  {
    name: "n_episodes 0",
    path: "/evaluate?n_episodes=0",
    method: "GET",
    status: 422,
    field: "n_episodes",
  },
  {
    name: "n_episodes 1001",
    path: "/api/evaluate?n_episodes=1001",
    method: "GET",
    status: 422,
    field: "n_episodes",
  },
  {
    name: "n_episodes text",
    path: "/evaluate?n_episodes=twenty",
    method: "GET",
    status: 422,
    field: "n_episodes",
  },
  { name: "GET seed -1", path: "/evaluate?seed=-1", method: "GET", status: 422, field: "seed" },
  { name: "GET run ..", path: "/evaluate?run=..", method: "GET", status: 422, field: "run" },
  { name: "GET run unknown", path: "/evaluate?run=nope", method: "GET", status: 404, field: "run" },
  { name: "wrong method, root", path: "/play", method: "GET", status: 405, field: null },
  // runs whose files cannot be trusted
  {
    name: "checkpoint that is a symlink",
    path: "/api/predict",
    body: J({ state: [0], run: "linkckpt" }),
    status: 409,
    field: "run",
  },
  {
    name: "metrics.jsonl that is a symlink",
    path: "/api/runs/linkmetrics/metrics",
    method: "GET",
    status: 409,
    field: "id",
  },
  {
    name: "garbage checkpoint",
    path: "/api/play",
    body: J({ run: "badckpt" }),
    status: 409,
    field: "run",
  },
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
  // Runs whose checkpoint or metrics are links to a file outside, and one with a garbage
  // checkpoint (its loader's error would name the file by its absolute path).
  for (const id of ["linkckpt", "linkmetrics", "badckpt"]) {
    await Deno.mkdir(join(runsDir, id));
    await Deno.copyFile(join(runsDir, "fl", "config.json"), join(runsDir, id, "config.json"));
  }
  await Deno.symlink(join(outside, "secret.gif"), join(runsDir, "linkckpt", "qtable_best.json"));
  await Deno.symlink(join(outside, "secret.gif"), join(runsDir, "linkmetrics", "metrics.jsonl"));
  await Deno.writeTextFile(join(runsDir, "badckpt", "qtable_best.json"), "{oops");

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
        // FastAPI's form: a 422 lists the fields, with where each was.
        if (c.status === 422) {
          assert.equal(body.detail[0].msg, body.error.message);
          assert.ok(["body", "query", "path"].includes(body.detail[0].loc[0]), text);
        } else assert.equal(body.detail, body.error.message);
        // Relative paths only, and nothing of what a link points to.
        for (const secret of [runsDir, outside, "GIF89a-secret", "/tmp/"]) {
          assert.ok(!text.includes(secret), `${c.name} shows ${secret}: ${text}`);
        }
      });
    }

    await t.step("bodies over the size limit get 413, with or without Content-Length", async () => {
      const big = J({ state: [0], pad: "x".repeat(MAX_BODY_BYTES) });
      const res = await fetch(server.url + "/api/predict", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: big,
      });
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
      const chunked = await fetch(server.url + "/api/predict", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: stream,
      });
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

    await t.step("only the bound host and localhost are served (DNS rebinding)", async () => {
      const port = server.port;
      for (const host of ["127.0.0.1", `127.0.0.1:${port}`, `localhost:${port}`, "LOCALHOST."]) {
        const { status } = await rawRequest(port, "GET /health HTTP/1.1", { Host: host });
        assert.equal(status, 200, host);
      }
      for (const path of ["/health", "/api/runs", "/", "/runs/fl"]) {
        const { status, body } = await rawRequest(port, `GET ${path} HTTP/1.1`, {
          Host: `rebound.example:${port}`,
        });
        assert.equal(status, 403, path);
        assert.match(body, /Host (\\"|&quot;)rebound\.example(\\"|&quot;) is not served here/);
        assert.match(body, /--allow-host rebound\.example/);
      }
      const allowing = serveDashboard({ runsDir, port: 0, allowHosts: ["rebound.example"] });
      try {
        const { status } = await rawRequest(allowing.port, "GET /health HTTP/1.1", {
          Host: "rebound.example",
        });
        assert.equal(status, 200);
      } finally {
        await allowing.shutdown();
      }
    });

    await t.step("another site's pages cannot call the API", async () => {
      const send = (path: string, headers: Record<string, string>, method = "POST") =>
        fetch(server.url + path, {
          method,
          headers: method === "POST" ? { "content-type": "application/json", ...headers } : headers,
          body: method === "POST" ? J({ seed: 1 }) : undefined,
        });
      for (
        const [path, headers, method] of [
          ["/play", { origin: "https://evil.example" }, "POST"],
          ["/api/play", { origin: "null" }, "POST"],
          ["/evaluate?n_episodes=1000", { "sec-fetch-site": "cross-site" }, "GET"],
          ["/api/evaluate?n_episodes=1000", { "sec-fetch-site": "cross-site" }, "GET"],
        ] as const
      ) {
        const res = await send(path, headers, method);
        assert.equal(res.status, 403, path);
        assert.match((await res.json()).error.message, /Cross-site requests are refused/);
      }
      // The dashboard's own pages (same origin), and links from elsewhere to a page, work.
      const own = await send("/api/play", {
        origin: server.url,
        "sec-fetch-site": "same-origin",
      });
      assert.equal(own.status, 200);
      await own.body?.cancel();
      const link = { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" };
      const page = await send("/runs/fl", link, "GET");
      assert.equal(page.status, 200);
      await page.body?.cancel();
      // But no other site's script or image may load even a page's data.
      for (const path of ["/runs/fl", "/evaluate"]) {
        const res = await send(
          path,
          path === "/evaluate" ? link : { "sec-fetch-site": "cross-site" },
          "GET",
        );
        assert.equal(res.status, 403, path);
        await res.body?.cancel();
      }
    });

    await t.step("a client that leaves is not logged, and its work stops", async () => {
      const logged: unknown[][] = [];
      console.error = (...args: unknown[]) => logged.push(args);
      // A body cut off half-way.
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
      await conn.write(
        new TextEncoder().encode(
          "POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
            'Content-Length: 100\r\n\r\n{"state":',
        ),
      );
      await new Promise((r) => setTimeout(r, 100));
      conn.close();
      // An evaluation abandoned while it runs.
      const before = server.pool.status().cancelled;
      const abort = new AbortController();
      const long = fetch(server.url + "/evaluate?n_episodes=1000&run=fl", { signal: abort.signal });
      for (let i = 0; i < 100 && server.pool.status().running === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      abort.abort();
      await long.catch(() => {});
      for (let i = 0; i < 100 && server.pool.status().cancelled === before; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      console.error = errors;
      assert.deepEqual(logged, []);
      assert.equal(server.pool.status().cancelled, before + 1);
      assert.equal(server.pool.status().running, 0);
    });

    await t.step(
      "a full queue is a 503 with Retry-After; no model is the tutorial's 503",
      async () => {
        const busy = serveDashboard({ runsDir, port: 0, model: "fl", workers: 1, queueLimit: 0 });
        const empty = await Deno.makeTempDir({ prefix: "eagle-dash-none-" });
        const none = serveDashboard({ runsDir: empty, port: 0 });
        try {
          const first = fetch(busy.url + "/evaluate?n_episodes=1000");
          for (let i = 0; i < 100 && busy.pool.status().running === 0; i++) {
            await new Promise((r) => setTimeout(r, 20));
          }
          const second = await fetch(busy.url + "/play", { method: "POST" });
          assert.equal(second.status, 503);
          assert.ok(Number(second.headers.get("retry-after")) >= 1);
          assert.match((await second.json()).error.message, /busy/);
          assert.equal((await first).status, 200);
          await (await first).body?.cancel();

          const health = await (await fetch(none.url + "/health")).json();
          assert.equal(health.status, "healthy");
          assert.equal(health.model_loaded, false);
          assert.equal(health.model, null);
          for (
            const [path, init] of [
              ["/predict", {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: J({ state: [0] }),
              }],
              ["/play", { method: "POST" }],
              ["/evaluate?n_episodes=20", {}],
            ] as const
          ) {
            const res = await fetch(none.url + path, init);
            assert.equal(res.status, 503, path);
            const body = await res.json();
            assert.equal(body.detail, "Model not loaded");
            assert.match(body.error.message, /no finished run with a checkpoint/);
          }
        } finally {
          await busy.shutdown();
          await none.shutdown();
          await Deno.remove(empty, { recursive: true });
        }
      },
    );

    await t.step("an internal failure is a 500 JSON without a stack", async () => {
      console.error = () => {}; // the server logs the failure; keep the test output clean
      const api = await fetch(server.url + "/api/runs/broken/metrics");
      assert.equal(api.status, 500);
      const text = await api.text();
      assert.deepEqual(JSON.parse(text), {
        detail: "Internal server error",
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
        headers: { "content-type": "application/json" },
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
