/**
 * The browser code of the dashboard: `islands/main.ts` (charts, return curve, evaluate panel,
 * replay player, table sorting, API forms) bundled with `deno bundle` into one script and one stylesheet (uPlot's CSS). Bundles
 * are cached in the temp folder under a hash of the island sources and the Deno version, so
 * only the first start after a change pays for the build.
 * @module
 */
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";

/** A built bundle. */
export interface Assets {
  /** The islands script (ES module). */
  js: Uint8Array<ArrayBuffer>;
  /** The islands stylesheet. */
  css: Uint8Array<ArrayBuffer>;
  /** Content hash, used as cache-busting query and ETag. */
  hash: string;
}

const HERE = import.meta.dirname!;
const ISLANDS = join(HERE, "islands");
const COMPONENTS = join(HERE, "components");
const ROOT = dirname(HERE);

let building: Promise<Assets> | null = null;

/** The islands bundle, built (or read from the cache) once per process. */
export function islandAssets(): Promise<Assets> {
  building ??= build().catch((err) => {
    building = null; // let a later request retry
    throw err;
  });
  return building;
}

/**
 * A hash of everything the bundle depends on that can change between starts: the islands and
 * the components folder (islands share its formatting helpers).
 */
async function sourceHash(): Promise<string> {
  const parts: string[] = [Deno.version.deno];
  for (const dir of [ISLANDS, COMPONENTS]) {
    const names: string[] = [];
    for await (const e of Deno.readDir(dir)) if (e.isFile) names.push(e.name);
    for (const name of names.sort()) {
      parts.push(`${basename(dir)}/${name}`, await Deno.readTextFile(join(dir, name)));
    }
  }
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  parts.push(JSON.stringify(config.imports ?? {}));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(parts.join("\0")));
  return [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

async function build(): Promise<Assets> {
  const hash = await sourceHash();
  const cacheDir = join(tmpdir(), `eagle-dashboard-${hash}`);
  try {
    return {
      js: await Deno.readFile(join(cacheDir, "main.js")),
      css: await Deno.readFile(join(cacheDir, "main.css")),
      hash,
    };
  } catch { /* not built yet */ }
  // Build into a private folder, then rename: concurrent starts (parallel tests) never see a
  // half-written bundle.
  const work = await Deno.makeTempDir({ prefix: "eagle-dashboard-build-" });
  try {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--config",
        join(ROOT, "deno.json"),
        "--platform",
        "browser",
        "--minify",
        "--outdir",
        work,
        join(ISLANDS, "main.ts"),
      ],
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(`deno bundle failed: ${new TextDecoder().decode(stderr).trim()}`);
    }
    const js = await Deno.readFile(join(work, "main.js"));
    let css: Uint8Array<ArrayBuffer> = new Uint8Array(0);
    try {
      css = await Deno.readFile(join(work, "main.css"));
    } catch { /* no stylesheet imported */ }
    await Deno.writeFile(join(work, "main.css"), css);
    try {
      await Deno.rename(work, cacheDir);
    } catch { /* another process won the race: its bundle is the same */ }
    return { js, css, hash };
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}
