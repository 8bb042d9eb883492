/**
 * The replay page: a freshly played greedy episode animated on a canvas, plus the run's GIFs.
 * @module
 */
import type { RunSummary } from "../runs.ts";
import type { ReplayProps, ReplayScene } from "../islands/props.ts";
import { Layout } from "../components/layout.tsx";
import { Island } from "../components/island.tsx";

/** Props of {@link ReplayPage}. */
export interface ReplayPageProps {
  /** The run. */
  summary: RunSummary;
  /** How its env's states are drawn. */
  scene: ReplayScene;
  /** First seed. */
  seed: number;
}

/** The replay page. */
export function ReplayPage({ summary: r, scene, seed }: ReplayPageProps) {
  const id = encodeURIComponent(r.id);
  const props: ReplayProps = { run: r.id, env: r.env, scene, seed };
  return (
    <Layout title={`Replay ${r.id}`}>
      <h1>
        Replay: <a href={`/runs/${id}`}>{r.id}</a>
      </h1>
      <p class="meta">
        A greedy episode of <b>{r.algo}</b> on <b>{r.env}</b>, played now by{" "}
        <code>POST /api/play</code>.
      </p>
      <Island name="replay" props={props} class="replay">
        <p class="placeholder">Loading the player…</p>
      </Island>
      {r.gifs.length
        ? (
          <section>
            <h2>Recorded GIFs</h2>
            {r.gifs.map((g) => {
              const href = `/runs/${id}/files/${encodeURIComponent(g)}`;
              return (
                <figure key={g} class="gif">
                  <a href={href}>
                    <img src={href} alt={g} loading="lazy" />
                  </a>
                  <figcaption>{g}</figcaption>
                </figure>
              );
            })}
          </section>
        )
        : null}
    </Layout>
  );
}
