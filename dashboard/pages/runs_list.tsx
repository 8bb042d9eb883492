/**
 * The runs list: every run folder with its env, algorithm, progress, best evaluation and
 * state; checkboxes pick runs for the compare page. The newest sweeps are linked above them (a
 * sweep's trials are listed on its own page).
 * @module
 */
import type { RunSummary } from "../runs.ts";
import { type SweepEntry, sweepHref } from "../components/sweep_view.ts";
import { Layout } from "../components/layout.tsx";
import { StateBadge } from "../components/widgets.tsx";
import { ago, fmt } from "../components/format.ts";

/** A running run with no file change for this long is shown as possibly dead. */
export const STALE_MS = 5 * 60 * 1000;

/** Whether a run says `running` but has not written anything for {@link STALE_MS}. */
export function isStale(run: RunSummary, now = Date.now()): boolean {
  return run.state === "running" && now - Date.parse(run.updatedAt) > STALE_MS;
}

/** Props of {@link RunsListPage}. */
export interface RunsListProps {
  /** Runs, newest first. */
  runs: RunSummary[];
  /** The runs folder, shown when it holds no runs. */
  root: string;
  /** The sweeps, newest first (the first few are linked). */
  sweeps?: SweepEntry[];
}

/** Sweeps linked above the runs. */
const SWEEPS_SHOWN = 5;

/** The runs list page. */
export function RunsListPage({ runs, root, sweeps = [] }: RunsListProps) {
  return (
    <Layout title="Runs" nav="runs">
      <h1>Runs</h1>
      {sweeps.length
        ? (
          <p class="links sweeps-strip">
            <span class="muted">Sweeps:</span>
            {sweeps.slice(0, SWEEPS_SHOWN).map((w) => (
              <span key={w.name}>
                <a href={sweepHref(w.name)}>{w.name}</a>{" "}
                <StateBadge state={w.state} stale={w.stale} />
              </span>
            ))}
            <a href="/sweeps">
              {sweeps.length > SWEEPS_SHOWN ? `all ${sweeps.length} sweeps` : "all sweeps"} →
            </a>
          </p>
        )
        : null}
      {runs.length === 0
        ? (
          <p class="empty">
            No runs in <code>{root}</code> yet. Train one with{" "}
            <code>deno task train --out {root}</code>; it appears here while it trains.
          </p>
        )
        : (
          <form method="get" action="/compare">
            <table class="runs">
              <thead>
                <tr>
                  <th title="Compare">⇄</th>
                  <th>Run</th>
                  <th>Env</th>
                  <th>Algorithm</th>
                  <th class="num">Seed</th>
                  <th class="num">Steps</th>
                  <th class="num">Best eval return</th>
                  <th class="num">Last eval</th>
                  <th>Status</th>
                  <th>Last update</th>
                </tr>
              </thead>
              <tbody>
                {runs.map((r) => {
                  const progress = r.totalSteps > 0 ? r.globalStep / r.totalSteps : 0;
                  return (
                    <tr key={r.id} data-run={r.id}>
                      <td>
                        <input
                          type="checkbox"
                          name="run"
                          value={r.id}
                          aria-label={`compare ${r.id}`}
                        />
                      </td>
                      <td>
                        <a href={`/runs/${encodeURIComponent(r.id)}`}>{r.id}</a>
                      </td>
                      <td>{r.env}</td>
                      <td>{r.algo}</td>
                      <td class="num">{r.seed}</td>
                      <td class="num">
                        <span title={`${fmt(r.globalStep)} of ${fmt(r.totalSteps)}`}>
                          {fmt(r.globalStep)}
                        </span>
                        <span class="progress">
                          <span style={`width:${Math.min(100, progress * 100).toFixed(1)}%`} />
                        </span>
                      </td>
                      <td class="num">{fmt(r.bestEvalReturn)}</td>
                      <td class="num">{fmt(r.evalMeanReward)}</td>
                      <td>
                        <StateBadge state={r.state} stale={isStale(r)} />
                      </td>
                      <td title={r.updatedAt}>{ago(r.updatedAt)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <button type="submit">Compare selected runs</button>
          </form>
        )}
    </Layout>
  );
}
