/**
 * The sweeps list: every sweep folder of the runs folder (and, with `--sweep-storage`, every
 * study of that database) with its algorithm, env, progress, best configuration and state,
 * newest first; each links to its sweep page.
 * @module
 */
import { fmtScore, type SweepEntry, sweepFigures, sweepHref } from "../components/sweep_view.ts";
import type { StorageStatus } from "../sweeps_data.ts";
import { Layout } from "../components/layout.tsx";
import { StateBadge } from "../components/widgets.tsx";
import { ago } from "../components/format.ts";

/** Props of {@link SweepsPage}. */
export interface SweepsPageProps {
  /** Sweeps, newest first. */
  sweeps: SweepEntry[];
  /** The runs folder, shown when there are no sweeps. */
  root: string;
  /** The study storage shown as well, if any. */
  storage: StorageStatus | null;
}

/** The sweeps list page. */
export function SweepsPage({ sweeps, root, storage }: SweepsPageProps) {
  return (
    <Layout title="Sweeps" nav="sweeps">
      <h1>Sweeps</h1>
      {storage
        ? (
          <p class={storage.error ? "alert failed" : "meta"}>
            {storage.error ?? (
              <>
                Studies of <code>{storage.location}</code> are shown too.
              </>
            )}
          </p>
        )
        : null}
      {sweeps.length === 0
        ? (
          <p class="empty">
            No sweeps in <code>{root}</code> yet. Run one with{" "}
            <code>deno task sweep SWEEP.json --out {root}</code>; it appears here while it runs.
          </p>
        )
        : (
          <table class="runs sweeps">
            <thead>
              <tr>
                <th>Sweep</th>
                <th>Env</th>
                <th>Algorithm</th>
                <th>Mode</th>
                <th class="num">Trials ended</th>
                <th>Best configuration</th>
                <th class="num">Best score</th>
                <th>Status</th>
                <th>Storage</th>
                <th>Last update</th>
              </tr>
            </thead>
            <tbody>
              {sweeps.map((w) => {
                const s = w.summary;
                const f = sweepFigures(w);
                return (
                  <tr key={w.name} data-sweep={w.name}>
                    <td>
                      <a href={sweepHref(w.name)}>{w.name}</a>
                      {w.description ? <div class="muted small">{w.description}</div> : null}
                    </td>
                    <td>{w.env}</td>
                    <td>{w.algo}</td>
                    <td>{s?.mode ?? "—"}</td>
                    <td class="num">
                      {f.trials}
                      <span class="progress">
                        <span style={`width:${(f.progress * 100).toFixed(1)}%`} />
                      </span>
                    </td>
                    <td>{s?.best?.configuration ?? "—"}</td>
                    <td class="num">{fmtScore(s?.best?.score ?? null)}</td>
                    <td>
                      <StateBadge state={w.state} stale={w.stale} />
                    </td>
                    <td>
                      {s ? s.storage.kind : "—"}
                      {w.source === "database" ? <span class="muted small">(database)</span> : null}
                    </td>
                    <td title={s?.updatedAt}>{s ? ago(s.updatedAt) : "—"}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
    </Layout>
  );
}
