/**
 * The FastAPI tutorial's four client calls, unchanged but for the port — `GET /health`,
 * `POST /predict` with 8 numbers, `POST /play` with no body, `GET /evaluate?n_episodes=20` —
 * against a real server on 127.0.0.1 over a (barely trained) LunarLander DQN run, at the root
 * and under `/api`: from the dashboard, and from `deno task serve RUN_DIR` (the tutorial's
 * `uvicorn api:app`) in a child process.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { serveDashboard } from "./app.ts";
import { trainRun } from "./_testing.ts";

const NAMES = ["Do Nothing", "Fire Left Engine", "Fire Main Engine", "Fire Right Engine"];

/** The tutorial's client, as its requests calls send them, against `base`. */
async function tutorialClient(base: string, run: string): Promise<void> {
  const health = await (await fetch(`${base}/health`)).json();
  assert.equal(health.status, "healthy");
  assert.equal(health.model_loaded, true);
  assert.equal(typeof health.model_path, "string");
  assert.ok(health.model_path.endsWith(`/${run}`), health.model_path);
  assert.equal(health.env, "LunarLander-v3");
  assert.deepEqual(health.state_shape, { kind: "box", size: 8 });

  // requests.post(url, json={"state": [...]})
  const predict = await fetch(`${base}/predict`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ state: [0.0, 1.4, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0] }),
  });
  assert.equal(predict.status, 200);
  const p = await predict.json();
  assert.ok(Number.isInteger(p.action) && p.action >= 0 && p.action < 4, String(p.action));
  assert.equal(p.action_name, NAMES[p.action]);
  assert.equal(p.q_values.length, 4);
  assert.ok(p.q_values.every(Number.isFinite));
  assert.equal(p.q_values.indexOf(Math.max(...p.q_values)), p.action);

  // requests.post(url): no body, no Content-Type.
  const play = await fetch(`${base}/play`, { method: "POST" });
  assert.equal(play.status, 200);
  const ep = await play.json();
  assert.equal(ep.total_reward, Math.round(ep.total_reward * 100) / 100);
  assert.ok(Number.isInteger(ep.steps) && ep.steps > 0);
  assert.equal(typeof ep.success, "boolean");
  assert.equal(ep.success, ep.total_reward >= 200);
  assert.equal(ep.actions_taken.length, ep.steps);
  assert.equal(ep.rewards_per_step.length, ep.steps);
  assert.equal(ep.states_visited.length, ep.steps + 1);
  assert.ok(ep.states_visited.every((s: number[]) => s.length === 8));
  const sum = ep.rewards_per_step.reduce((a: number, b: number) => a + b, 0);
  assert.ok(
    Math.abs(sum - ep.total_reward) < 0.01 + 1e-6 * ep.steps,
    `${sum} vs ${ep.total_reward}`,
  );

  // requests.get(url, params={"n_episodes": 20})
  const evaluate = await fetch(`${base}/evaluate?n_episodes=20`);
  assert.equal(evaluate.status, 200);
  const e = await evaluate.json();
  for (
    const key of [
      "n_episodes",
      "mean_reward",
      "std_reward",
      "min_reward",
      "max_reward",
      "win_rate",
      "avg_steps",
    ]
  ) {
    assert.equal(typeof e[key], "number", key);
  }
  assert.equal(e.n_episodes, 20);
  assert.ok(e.min_reward <= e.mean_reward && e.mean_reward <= e.max_reward);
  assert.ok(e.win_rate >= 0 && e.win_rate <= 100);
  assert.equal(e.win_rate, Math.round(e.win_rate * 10) / 10);
  assert.equal(e.run, run);
}

Deno.test("the tutorial's client works against the dashboard and deno task serve", async (t) => {
  const runsDir = await Deno.makeTempDir({ prefix: "eagle-tutorial-" });
  const dir = await trainRun(runsDir, "lander", {
    algo: "dqn",
    env: "LunarLander-v3",
    steps: 1000,
    evalEpisodes: 0,
    extra: ["--device", "cpu"],
  });
  try {
    await t.step("dashboard: root and /api, as BASE_URL = http://localhost:PORT", async () => {
      const server = serveDashboard({ runsDir, port: 0 });
      try {
        const base = `http://localhost:${server.port}`;
        await tutorialClient(base, "lander");
        await tutorialClient(`${base}/api`, "lander");
      } finally {
        await server.shutdown();
      }
    });

    await t.step("deno task serve RUN_DIR: the API alone", async () => {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", join(import.meta.dirname!, "serve.ts"), dir, "--port", "0"],
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      try {
        let text = "";
        let url: string | null = null;
        while (!url) {
          const { value, done } = await reader.read();
          if (done) throw new Error(`serve.ts exited before printing its URL: ${text}`);
          text += value;
          url = /http:\/\/127\.0\.0\.1:\d+/.exec(text)?.[0] ?? null;
        }
        assert.match(text, /serving run lander/);
        await tutorialClient(url, "lander");
        await tutorialClient(`${url}/api`, "lander");
        const health = await (await fetch(`${url}/health`)).json();
        assert.equal(health.model_pinned, true);
        // The API alone: no pages, JSON everywhere, the OpenAPI document at the root too.
        const home = await fetch(`${url}/`);
        assert.equal(home.status, 404);
        assert.match(home.headers.get("content-type") ?? "", /application\/json/);
        await home.body?.cancel();
        const doc = await (await fetch(`${url}/openapi.json`)).json();
        assert.ok(doc.paths["/api/predict"].post);
      } finally {
        child.kill("SIGTERM");
        const status = await child.status;
        await reader.cancel().catch(() => {});
        await child.stderr.cancel().catch(() => {});
        assert.equal(status.code, 0, "serve.ts stops cleanly on SIGTERM");
      }
    });
  } finally {
    await Deno.remove(runsDir, { recursive: true });
  }
});
