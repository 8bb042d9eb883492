import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomic_write.ts";
import { trainRun } from "./_testing.ts";
import type { EpisodeFeed, EvaluationEvent, StoredEvaluation } from "./islands/protocol.ts";
import { ReplayDecoder } from "./islands/replay_stream.ts";
import { pageRoutes } from "./page_routes.ts";
import { RunStore } from "./runs.ts";

const runsDir = await Deno.makeTempDir({ prefix: "eagle-page-routes-" });
const fl = await trainRun(runsDir, "fl", { steps: 5000, evalEpisodes: 0 });
/** A copy of `fl` under another name, with `status` fields replaced. */
async function copyRun(name: string, status: Record<string, unknown> = {}): Promise<string> {
  const dir = join(runsDir, name);
  await Deno.mkdir(dir);
  for await (const e of Deno.readDir(fl)) {
    if (e.isFile) await Deno.copyFile(join(fl, e.name), join(dir, e.name));
  }
  const old = JSON.parse(await Deno.readTextFile(join(fl, "status.json")));
  await Deno.writeTextFile(join(dir, "status.json"), JSON.stringify({ ...old, ...status }));
  return dir;
}
const old = await copyRun("old");
await Deno.remove(join(old, "episodes.jsonl"));
const diverged = await copyRun("div", { state: "diverged", error: "NaN loss" });
await Deno.writeTextFile(
  join(diverged, "metrics.jsonl"),
  JSON.stringify({ global_step: 4000, wall_time: 1, event: "diverged", message: "NaN loss" }) +
    "\n",
  { append: true },
);
const running = await copyRun("running", { state: "running" });

const routes = pageRoutes({ runs: new RunStore(runsDir) });
const get = (path: string, init?: RequestInit) =>
  routes.app.fetch(new Request(`http://x${path}`, init));
const json = { "content-type": "application/json" };
const lines = async (path: string) =>
  (await Deno.readTextFile(path)).split("\n").filter((l) => l.trim());

Deno.test("episodes.json sends every training episode as columns, from `since` on", async () => {
  const all: EpisodeFeed = await (await get("/runs/fl/episodes.json")).json();
  const records = (await lines(join(fl, "episodes.jsonl"))).map((l) => JSON.parse(l));
  assert.equal(all.source, "episodes");
  assert.equal(all.state, "finished");
  assert.equal(all.next, records.length);
  assert.deepEqual(all.episode, records.map((r) => r.episode));
  assert.deepEqual(all.step, records.map((r) => r.global_step));
  assert.deepEqual(all.return, records.map((r) => Math.round(r.return * 1e4) / 1e4));
  assert.deepEqual(all.success, records.map((r) => (r.success ? 1 : 0)));
  assert.ok(all.evals.step.length > 0, "no periodic evaluation in the feed");
  assert.deepEqual(all.events, []);
  const tail: EpisodeFeed = await (await get(`/runs/fl/episodes.json?since=${records.length - 3}`))
    .json();
  assert.deepEqual(tail.episode, all.episode.slice(-3));
  assert.equal(tail.next, records.length);
  assert.equal(tail.epoch, all.epoch);
});

Deno.test("episodes.json follows a run as it appends, and starts over when the log is rewritten", async () => {
  const path = join(running, "episodes.jsonl");
  const first: EpisodeFeed = await (await get("/runs/running/episodes.json")).json();
  const line = (n: number) =>
    JSON.stringify({
      global_step: 9000 + n,
      episode: first.next + n,
      return: n,
      length: 3,
      success: false,
      env_index: 0,
      wall_time: 9,
    });
  // A line still being written (no newline yet) is left for the next poll.
  await Deno.writeTextFile(path, line(1) + "\n" + line(2).slice(0, 20), { append: true });
  const grown: EpisodeFeed = await (await get(`/runs/running/episodes.json?since=${first.next}`))
    .json();
  assert.deepEqual(grown.return, [1]);
  assert.equal(grown.next, first.next + 1);
  assert.deepEqual(grown.events, [], "events are sent once the run stops");
  // A resume rewrites the file (atomically): a new epoch tells the page to start over.
  const kept = (await lines(path)).slice(0, 5).join("\n") + "\n";
  await writeFileAtomic(path, kept);
  const rewritten: EpisodeFeed = await (await get(`/runs/running/episodes.json?since=0`)).json();
  assert.notEqual(rewritten.epoch, first.epoch);
  assert.equal(rewritten.next, 5);
});

Deno.test("episodes.json falls back to metrics.jsonl and sends a diverged run's events", async () => {
  const feed: EpisodeFeed = await (await get("/runs/old/episodes.json")).json();
  const logged = (await lines(join(old, "metrics.jsonl"))).map((l) => JSON.parse(l))
    .filter((r) => typeof r["charts/episodic_return"] === "number");
  assert.equal(feed.source, "metrics");
  assert.equal(feed.success, null);
  assert.deepEqual(feed.step, logged.map((r) => r.global_step));
  assert.deepEqual(feed.episode, logged.map((_, i) => i + 1));
  const div: EpisodeFeed = await (await get("/runs/div/episodes.json")).json();
  assert.equal(div.state, "diverged");
  assert.deepEqual(div.events.map((e) => [e.event, e.global_step, e.message]), [[
    "diverged",
    4000,
    "NaN loss",
  ]]);
});

Deno.test("the page routes answer bad requests with a JSON error naming the field", async () => {
  const cases: [string, RequestInit | undefined, number, string | null][] = [
    ["/runs/nope/episodes.json", undefined, 404, "id"],
    ["/runs/fl/episodes.json?since=-1", undefined, 400, "since"],
    ["/runs/fl/evaluation?checkpoint=worst", undefined, 400, "checkpoint"],
    ["/runs/fl/evaluation?episodes=12", undefined, 404, null],
    ["/runs/fl/evaluate", { method: "POST", headers: json, body: "[1]" }, 400, "body"],
    [
      "/runs/fl/evaluate",
      { method: "POST", headers: json, body: '{"episodes": 0}' },
      400,
      "episodes",
    ],
    [
      "/runs/fl/evaluate",
      { method: "POST", headers: json, body: '{"episodes": 10, "x": 1}' },
      400,
      "x",
    ],
    ["/runs/fl/evaluate", { method: "POST", body: '{"episodes": 10}' }, 415, "body"],
    ["/runs/fl/replay/episode?seed=1.5", undefined, 400, "seed"],
    ["/runs/fl/videos/..%2Fconfig.json", undefined, 404, "name"],
  ];
  for (const [path, init, status, field] of cases) {
    const res = await get(path, init);
    const body = await res.json();
    assert.equal(res.status, status, `${path}: ${JSON.stringify(body)}`);
    assert.equal(body.error.field, field, path);
    assert.equal(typeof body.error.message, "string");
  }
  // A checkpoint the run does not have.
  await Deno.remove(join(old, "qtable_best.json"));
  const res = await get("/runs/old/evaluate", {
    method: "POST",
    headers: json,
    body: '{"episodes": 10}',
  });
  assert.equal(res.status, 409);
  assert.match((await res.json()).error.message, /no best checkpoint/);
});

Deno.test("POST evaluate streams NDJSON progress, then the stored result GET evaluation returns", async () => {
  const res = await get("/runs/fl/evaluate", {
    method: "POST",
    headers: json,
    body: JSON.stringify({ checkpoint: "latest", episodes: 10, seed: 3 }),
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /ndjson/);
  const events: EvaluationEvent[] = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(
    events.filter((e) => e.type === "progress").map((e) => e.type === "progress" && e.done),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  const last = events.at(-1)!;
  assert.equal(last.type, "result");
  const stored: StoredEvaluation =
    await (await get("/runs/fl/evaluation?checkpoint=latest&episodes=10&seed=3"))
      .json();
  assert.deepEqual(stored, last.type === "result" ? last.evaluation : null);
  const st = await Deno.stat(join(fl, "qtable.json"));
  assert.equal(stored.checkpoint_time, st.mtime!.toISOString());
});

Deno.test("closing the evaluate request cancels the evaluation on the server", async () => {
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    routes.app.fetch,
  );
  try {
    const abort = new AbortController();
    const res = await fetch(`http://127.0.0.1:${server.addr.port}/runs/fl/evaluate`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ episodes: 1000, seed: 11 }),
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    await reader.read(); // the first progress line
    assert.equal(routes.jobs.running, 1);
    abort.abort();
    await reader.cancel().catch(() => {});
    for (let i = 0; i < 100 && routes.jobs.running > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(routes.jobs.running, 0, "the evaluation kept running after the client left");
    await assert.rejects(
      Deno.stat(join(fl, "evaluations", "best_1000_11.json")),
      Deno.errors.NotFound,
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("replay/episode streams the played episode's frames", async () => {
  const res = await get("/runs/fl/replay/episode?seed=4&checkpoint=best");
  assert.equal(res.status, 200);
  const records = new ReplayDecoder().push(new Uint8Array(await res.arrayBuffer()));
  const kinds = records.map((r) => r.record.kind);
  assert.equal(kinds[0], "meta");
  assert.equal(kinds.at(-1), "end");
  assert.ok(records.slice(0, -1).every((r) => r.png !== null && r.png[1] === 0x50), "PNG frames");
  const end = records.at(-1)!.record;
  assert.equal(end.kind === "end" && end.steps, kinds.length - 2);
});

Deno.test({
  name: "remove the page routes' runs folder",
  sanitizeResources: false,
  fn: async () => {
    routes.close();
    await Deno.remove(runsDir, { recursive: true });
  },
});
