/**
 * End-to-end tests of `deno task record` and `deno task plot` (and the same commands through
 * `eagle.ts`) on a real Q-learning FrozenLake run: real subprocesses, real files, ffprobe.
 */
import assert from "node:assert/strict";
import { RunFolder } from "../core/run_folder.ts";
import { SOLVED_WINDOW } from "../agents/run_monitor.ts";
import { episodeVideoName } from "../agents/record.ts";
import { ffprobe, gifFrames, listNames, needsFfmpeg } from "../render/_video_testing.ts";
import { plotReturns } from "../render/line_plot.ts";
import { encodePng } from "../render/png.ts";
import { SCORES_PLOT } from "../plot.ts";

const withFfmpeg = needsFfmpeg("tests/video_cli_test.ts");
const ROOT = new URL("..", import.meta.url).pathname;

async function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A trained FrozenLake run (tabular Q-learning, about a second). */
async function frozenLakeRun(): Promise<RunFolder> {
  const out = await Deno.makeTempDir();
  const t = await run([
    "train.ts",
    ...["--algo", "qlearning", "--env", "FrozenLake-v1", "--out", out, "--name", "fl", "--quiet"],
  ]);
  assert.equal(t.code, 0, t.stderr);
  return new RunFolder(`${out}/fl`);
}

/** The lines a command printed on stderr, which must be exactly one, with no stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  assert.equal(lines.length, 1, stderr);
  assert.doesNotMatch(stderr, /\n\s+at /);
  return lines[0];
}

Deno.test(
  "record: MP4 by default, GIF by extension, --episodes N into videos/",
  withFfmpeg,
  async () => {
    const run_ = await frozenLakeRun();
    const def = await run(["record.ts", run_.dir]);
    assert.equal(def.code, 0, def.stderr);
    const mp4 = `${run_.dir}/videos/episode.mp4`;
    assert.match(def.stdout, /^Wrote .*videos\/episode\.mp4: seed \d+, return 1\.00, \d+ steps/);
    assert.match(def.stdout, /Success on try \d+ of 10 \(reached the goal\)/);
    const steps = Number(/(\d+) steps/.exec(def.stdout)![1]);
    const probe = await ffprobe(mp4);
    assert.deepEqual([probe.codec_name, probe.pix_fmt], ["h264", "yuv420p"]);
    assert.equal(probe.frames, steps + 1);
    assert.equal(probe.fps, 4, "FrozenLake's render fps");
    assert.ok(Math.abs(probe.duration - (steps + 1) / 4) < 1e-6, `${probe.duration}`);

    const gif = `${run_.dir}/lap.gif`;
    const g = await run(["eagle.ts", "record", run_.dir, "--out", gif, "--seed", "3"]);
    assert.equal(g.code, 0, g.stderr);
    const gifSteps = Number(/(\d+) steps/.exec(g.stdout)![1]);
    assert.equal(gifFrames(await Deno.readFile(gif)), gifSteps + 1);

    const many = await run(["record.ts", run_.dir, "--episodes", "3", "--seed", "10"]);
    assert.equal(many.code, 0, many.stderr);
    assert.match(many.stdout, /\d\/3 episodes succeeded \(reached the goal\)/);
    const names = (await listNames(`${run_.dir}/videos`)).sort();
    assert.deepEqual(names, [
      "episode.mp4",
      ...[10, 11, 12].map((s) => episodeVideoName(s, "mp4")),
    ]);
    await Deno.remove(run_.dir, { recursive: true });
  },
);

Deno.test("record without ffmpeg: .mp4 is one line saying how to get it; GIF still works", async () => {
  const run_ = await frozenLakeRun();
  const noFfmpeg = { PATH: "/nonexistent" };
  const r = await run(["record.ts", run_.dir, "--out", `${run_.dir}/x.mp4`], noFfmpeg);
  assert.equal(r.code, 2);
  assert.match(oneLine(r.stderr), /^error: MP4 output needs ffmpeg.*apt-get install ffmpeg/);
  assert.deepEqual(await listNames(run_.dir).then((n) => n.filter((f) => /mp4/.test(f))), []);

  const gif = await run(["record.ts", run_.dir, "--out", `${run_.dir}/x.gif`], noFfmpeg);
  assert.equal(gif.code, 0, gif.stderr);
  assert.equal(
    new TextDecoder().decode((await Deno.readFile(`${run_.dir}/x.gif`)).slice(0, 6)),
    "GIF89a",
  );

  // With no --out, the default falls back to a GIF and says why.
  const def = await run(["record.ts", run_.dir], noFfmpeg);
  assert.equal(def.code, 0, def.stderr);
  assert.match(def.stdout, /videos\/episode\.gif/);
  assert.match(def.stdout, /ffmpeg was not found, so this is a GIF/);
  assert.deepEqual(await listNames(`${run_.dir}/videos`), ["episode.gif"]);
  await Deno.remove(run_.dir, { recursive: true });
});

Deno.test("record and plot: user mistakes are one line and exit code 2", async () => {
  const cases: [string[], RegExp][] = [
    [["record.ts", "/nonexistent/run"], /Run folder "\/nonexistent\/run" does not exist/],
    [["record.ts", "/tmp", "--out", "a.webm"], /--out must end in \.mp4 or \.gif, got "a\.webm"/],
    [["record.ts", "/tmp", "--out", "a.gif", "--episodes", "2"], /--out names one video/],
    [["record.ts", "/tmp", "--episodes", "0"], /--episodes must be between 1 and 1000, got 0/],
    [["record.ts", "/tmp", "--out", "a.gif", "--format", "mp4"], /--format mp4 disagrees/],
    [["plot.ts", "/tmp", "--out", "a.jpg"], /--out must end in \.png, got "a\.jpg"/],
    [["plot.ts", "/tmp", "--window", "0"], /--window must be ≥ 1, got 0/],
    [["eagle.ts", "fly"], /Unknown command "fly"; commands: train, eval, record, plot/],
  ];
  for (const [args, re] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(oneLine(r.stderr), re);
  }
});

Deno.test("plot draws episodes.jsonl with the rolling mean and the env's threshold", async () => {
  const run_ = await frozenLakeRun();
  const p = await run(["plot.ts", run_.dir]);
  assert.equal(p.code, 0, p.stderr);
  const path = `${run_.dir}/${SCORES_PLOT}`;
  assert.match(p.stdout, new RegExp(`^Wrote ${path}: \\d+ episodes`));
  const episodes = await run_.readEpisodes();
  const want = encodePng(plotReturns({
    episodes: episodes.map((e) => e.return),
    steps: episodes.map((e) => e.global_step),
    xAxis: "episode",
    window: SOLVED_WINDOW,
    threshold: 0.7,
    title: "qlearning on FrozenLake-v1",
  }));
  assert.deepEqual(await Deno.readFile(path), want, "the PNG is exactly the plot of the run");

  const other = `${run_.dir}/curve.png`;
  const q = await run(["eagle.ts", "plot", run_.dir, "--out", other, "--x", "step"]);
  assert.equal(q.code, 0, q.stderr);
  assert.notDeepEqual(await Deno.readFile(other), want, "a step axis draws another plot");

  await Deno.remove(run_.path("episodes"));
  const empty = await run(["plot.ts", run_.dir]);
  assert.equal(empty.code, 2);
  assert.match(oneLine(empty.stderr), /episodes\.jsonl holds no finished episode yet/);
  await Deno.remove(run_.dir, { recursive: true });
});

Deno.test("train.ts --record-at and --record-every write progress videos into videos/", async () => {
  const out = await Deno.makeTempDir();
  const t = await run([
    "train.ts",
    ...["--algo", "qlearning", "--env", "FrozenLake-v1", "--steps", "20000", "--out", out],
    ...["--name", "pv", "--record-at", "1,30", "--record-every", "500", "--quiet"],
  ]);
  assert.equal(t.code, 0, t.stderr);
  const run_ = new RunFolder(`${out}/pv`);
  const config = await run_.readConfig();
  assert.deepEqual(config.videos, { every: 500, at: [1, 30] });
  const episodes = (await run_.readEpisodes()).length;
  const names = (await listNames(`${run_.dir}/videos`)).sort();
  const want = [
    1,
    30,
    ...Array.from({ length: Math.floor(episodes / 500) }, (_, k) => 500 * (k + 1)),
  ]
    .map((e) => `progress_episode_${String(e).padStart(6, "0")}`);
  assert.deepEqual(names.map((n) => n.replace(/\.(mp4|gif)$/, "")), want);
  await Deno.remove(out, { recursive: true });
});
