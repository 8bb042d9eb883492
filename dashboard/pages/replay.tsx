/**
 * The replay page: a greedy episode played now and drawn by the env's own renderer (the
 * server streams each step's frame), with the player's controls, plus the run's GIFs.
 * @module
 */
import type { RunSummary } from "../runs.ts";
import type { ReplayProps } from "../islands/props.ts";
import type { CheckpointChoice } from "../islands/protocol.ts";
import { Layout } from "../components/layout.tsx";
import { Island } from "../components/island.tsx";

/** Props of {@link ReplayPage}. */
export interface ReplayPageProps {
  /** The run. */
  summary: RunSummary;
  /** First seed. */
  seed: number;
  /** Checkpoints the run has (best first). */
  checkpoints: CheckpointChoice[];
  /** Whether the run's env can render frames. */
  renders: boolean;
}

/** The replay page. */
export function ReplayPage({ summary: r, seed, checkpoints, renders }: ReplayPageProps) {
  const id = encodeURIComponent(r.id);
  const props: ReplayProps = { run: r.id, seed, checkpoints };
  return (
    <Layout title={`Replay ${r.id}`}>
      <h1>
        Replay: <a href={`/runs/${id}`}>{r.id}</a>
      </h1>
      <p class="meta">
        A greedy episode of <b>{r.algo}</b> on{" "}
        <b>{r.env}</b>, played now and drawn by the env's own renderer, frame by frame. Keys: space
        plays or pauses, ← → step.
      </p>
      {renders
        ? (
          <Island name="replay" props={props} class="replay">
            <p class="placeholder">Loading the player…</p>
          </Island>
        )
        : <p class="empty">{r.env} cannot render frames, so its episodes cannot be replayed.</p>}
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
