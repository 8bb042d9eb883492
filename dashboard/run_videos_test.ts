import assert from "node:assert/strict";
import { join } from "node:path";
import { listVideos, videoResponse } from "./run_videos.ts";
import { HttpError } from "./validate.ts";

const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);

Deno.test("listVideos puts progress videos in training order, then the others", async () => {
  const run = await Deno.makeTempDir();
  try {
    assert.deepEqual(await listVideos(run), [], "no videos/ folder: no videos");
    await Deno.mkdir(join(run, "videos"));
    for (
      const name of [
        "progress_episode_000300.mp4",
        "progress_episode_000050.gif",
        "progress_episode_001000.mp4",
        "episode_seed_12.mp4",
        "episode_seed_3.gif",
        "step_20000.gif",
        "zebra.webm",
        "notes.txt",
        ".hidden.mp4",
      ]
    ) await Deno.writeFile(join(run, "videos", name), bytes(10));
    await Deno.writeFile(join(run, "videos", "empty.mp4"), new Uint8Array(0));
    await Deno.mkdir(join(run, "videos", "folder.mp4"));
    const videos = await listVideos(run);
    assert.deepEqual(videos.map((v) => v.name), [
      "progress_episode_000050.gif",
      "progress_episode_000300.mp4",
      "progress_episode_001000.mp4",
      "step_20000.gif",
      "episode_seed_3.gif",
      "episode_seed_12.mp4",
      "zebra.webm",
    ]);
    assert.deepEqual(videos[1], {
      name: "progress_episode_000300.mp4",
      kind: "video",
      type: "video/mp4",
      bytes: 10,
      at: { unit: "episode", n: 300 },
    });
    assert.equal(videos[0].kind, "gif");
    assert.equal(videos[6].at, null);
  } finally {
    await Deno.remove(run, { recursive: true });
  }
});

Deno.test("videoResponse serves whole files and byte ranges, and nothing outside videos/", async () => {
  const run = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(run, "videos"));
    const data = bytes(1000);
    await Deno.writeFile(join(run, "videos", "a.mp4"), data);
    await Deno.writeTextFile(join(run, "secret.mp4"), "no");
    await Deno.symlink(join(run, "secret.mp4"), join(run, "videos", "link.mp4"));
    const req = (range?: string) => new Request("http://x/", { headers: range ? { range } : {} });

    const whole = await videoResponse(run, "a.mp4", req());
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get("content-type"), "video/mp4");
    assert.equal(whole.headers.get("accept-ranges"), "bytes");
    assert.deepEqual(new Uint8Array(await whole.arrayBuffer()), data);

    const cases: [string, number, number][] = [
      ["bytes=100-199", 100, 199],
      ["bytes=900-", 900, 999],
      ["bytes=-10", 990, 999],
      ["bytes=990-5000", 990, 999],
    ];
    for (const [range, start, end] of cases) {
      const res = await videoResponse(run, "a.mp4", req(range));
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get("content-range"), `bytes ${start}-${end}/1000`, range);
      assert.deepEqual(new Uint8Array(await res.arrayBuffer()), data.slice(start, end + 1), range);
    }
    const beyond = await videoResponse(run, "a.mp4", req("bytes=1000-"));
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get("content-range"), "bytes */1000");

    for (const name of ["link.mp4", "../secret.mp4", "missing.mp4", "a.txt"]) {
      await assert.rejects(
        videoResponse(run, name, req()),
        (e) => e instanceof HttpError && e.status === 404,
        name,
      );
    }
  } finally {
    await Deno.remove(run, { recursive: true });
  }
});
