/**
 * The progress videos of a run: the GIF and MP4 files in its `videos/` folder, listed in
 * the order they show how the agent learned (`progress_episode_<N>` by N, then other names
 * with their numbers compared as numbers) and served with byte ranges, which browsers need to seek in a `<video>`. Only plain files
 * directly inside the folder whose real path stays inside it are served.
 * @module
 */
import { RUN_FILES } from "../core/run_folder.ts";
import { HttpError } from "./validate.ts";

/** One video file of a run. */
export interface RunVideo {
  /** File name inside `videos/`. */
  name: string;
  /** How it plays: an animated GIF (`<img>`) or a video (`<video>`). */
  kind: "gif" | "video";
  /** Content type. */
  type: string;
  /** Size in bytes. */
  bytes: number;
  /**
   * What the name says it shows: the training episode (`progress_episode_000300.mp4`) or step
   * (`step_100000.gif`) it was recorded after, or the seed it played (`episode_seed_7.mp4`).
   */
  at: { unit: "episode" | "step" | "seed"; n: number } | null;
}

/** Progress videos (by episode, then by step) come first, in order; other videos after. */
const UNIT_ORDER = { episode: 0, step: 1, seed: 2 } as const;

const TYPES: Record<string, string> = {
  gif: "image/gif",
  mp4: "video/mp4",
  webm: "video/webm",
};
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.(gif|mp4|webm)$/;

/** The folder of a run's videos (never created here: the dashboard only reads). */
export function videosFolder(runDir: string): string {
  return `${runDir}/${RUN_FILES.videos}`;
}

/** The videos of a run, in order; empty without a `videos/` folder. */
export async function listVideos(runDir: string): Promise<RunVideo[]> {
  const dir = videosFolder(runDir);
  const out: RunVideo[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      const m = e.isFile ? NAME.exec(e.name) : null;
      if (!m) continue;
      const st = await Deno.stat(`${dir}/${e.name}`).catch(() => null);
      if (!st || st.size === 0) continue;
      const at = /(episode|step|seed)[_-]?(\d+)/i.exec(e.name);
      out.push({
        name: e.name,
        kind: m[1] === "gif" ? "gif" : "video",
        type: TYPES[m[1]],
        bytes: st.size,
        at: at ? { unit: at[1].toLowerCase() as "episode", n: Number(at[2]) } : null,
      });
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  const rank = (v: RunVideo) => (v.at ? UNIT_ORDER[v.at.unit] : 3);
  return out.sort((a, b) =>
    rank(a) - rank(b) || (a.at && b.at ? a.at.n - b.at.n : 0) ||
    a.name.localeCompare(b.name, "en", { numeric: true })
  );
}

/**
 * Serves video `name` of a run, honouring a single `Range: bytes=a-b` (206) as `<video>`
 * seeking asks; an `HttpError` 404 for a name that is not one of the run's videos.
 */
export async function videoResponse(runDir: string, name: string, req: Request): Promise<Response> {
  const missing = () => new HttpError(404, "name", `This run has no video named ${name}`);
  const m = NAME.exec(name);
  if (!m) throw missing();
  const dir = videosFolder(runDir);
  let real: string, folder: string;
  try {
    real = await Deno.realPath(`${dir}/${name}`);
    folder = await Deno.realPath(dir);
  } catch {
    throw missing();
  }
  const st = await Deno.stat(real);
  if (!st.isFile || real !== `${folder}/${name}`) throw missing();
  const size = st.size;
  const headers: Record<string, string> = {
    "Content-Type": TYPES[m[1]],
    "Accept-Ranges": "bytes",
    "Cache-Control": "no-cache",
  };
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.get("range") ?? "");
  if (!range || (range[1] === "" && range[2] === "")) {
    return new Response((await Deno.open(real)).readable, {
      headers: { ...headers, "Content-Length": String(size) },
    });
  }
  // `bytes=a-b`, `bytes=a-` or the suffix form `bytes=-n` (the last n bytes).
  let start = range[1] === "" ? Math.max(0, size - Number(range[2])) : Number(range[1]);
  let end = range[1] === "" || range[2] === "" ? size - 1 : Math.min(size - 1, Number(range[2]));
  if (start >= size || start > end) {
    return new Response(null, {
      status: 416,
      headers: { ...headers, "Content-Range": `bytes */${size}` },
    });
  }
  start = Math.max(0, start);
  end = Math.max(start, end);
  const file = await Deno.open(real);
  await file.seek(start, Deno.SeekMode.Start);
  const length = end - start + 1;
  let left = length;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buf = new Uint8Array(Math.min(64 * 1024, left));
      const n = left > 0 ? await file.read(buf) : null;
      if (n === null || n === 0) {
        file.close();
        controller.close();
        return;
      }
      left -= n;
      controller.enqueue(buf.subarray(0, n));
      if (left <= 0) {
        file.close();
        controller.close();
      }
    },
    cancel() {
      file.close();
    },
  });
  return new Response(body, {
    status: 206,
    headers: {
      ...headers,
      "Content-Length": String(length),
      "Content-Range": `bytes ${start}-${end}/${size}`,
    },
  });
}
