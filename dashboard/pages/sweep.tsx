/**
 * A sweep's page: its headline figures, the ranked table (sortable; the values that differ
 * from the baseline, score mean ± spread, success rate, steps/s, status, each trial linked to
 * its run page), the trials' learning curves overlaid (each one toggled on or off) and a
 * scatter of each swept hyperparameter against the score (log axis for log-distributed ones).
 * The server renders the figures and the table; the `sweep` island draws the charts and keeps
 * everything live while the sweep runs, polling `/sweeps/:name/data.json`.
 * @module
 */
import {
  type CellPart,
  sweepFigures,
  sweepLinks,
  sweepNotice,
  sweepTable,
  type SweepView,
} from "../components/sweep_view.ts";
import type { SweepProps } from "../islands/sweep_page.ts";
import { Layout } from "../components/layout.tsx";
import { Island } from "../components/island.tsx";
import { Kpi, KpiRow, StateBadge } from "../components/widgets.tsx";
import { fmt } from "../components/format.ts";

/** Seconds between the island's polls while a sweep runs (it rewrites its summary every 2 s). */
export const SWEEP_POLL_SECONDS = 2;

/** Props of {@link SweepPage}. */
export interface SweepPageProps {
  /** The sweep. */
  view: SweepView;
}

/** The sweep page. */
export function SweepPage({ view }: SweepPageProps) {
  const s = view.summary;
  const notice = sweepNotice(view);
  const props: SweepProps = {
    name: view.name,
    state: view.state,
    pollSeconds: SWEEP_POLL_SECONDS,
  };
  return (
    <Layout title={`Sweep ${view.name}`} nav="sweeps">
      <Island name="sweep" props={props} class="sweep">
        <h1>
          Sweep {view.name}{" "}
          <span data-live="state">
            <StateBadge state={view.state} stale={view.stale} />
          </span>
        </h1>
        <SweepMeta view={view} />
        <Figures view={view} />
        <div data-part="notice">
          {notice
            ? (
              <div class="alert stopped" role="status">
                <Parts parts={notice} />
              </div>
            )
            : null}
        </div>
        <p class="links" data-part="links">
          {sweepLinks(view).map((line, i) => (
            <span key={i}>
              <Parts parts={line} />
            </span>
          ))}
        </p>
        <h2>Ranking</h2>
        <div class="card table-card" data-part="table">
          {s
            ? <RankedTable view={view} />
            : <p class="placeholder">Waiting for the sweep's first summary…</p>}
        </div>
        <h2>Learning curves</h2>
        <div data-part="curves">
          <p class="placeholder">Loading the learning curves…</p>
        </div>
        <h2>Hyperparameters against the score</h2>
        <div data-part="scatter" class="chart-grid">
          <p class="placeholder">Loading the scatter plots…</p>
        </div>
      </Island>
      {s ? <Baseline view={view} /> : null}
    </Layout>
  );
}

function SweepMeta({ view }: { view: SweepView }) {
  const s = view.summary;
  if (!s) {
    return (
      <p class="meta">
        <b>{view.algo}</b> on <b>{view.env}</b> · starting
      </p>
    );
  }
  const ev = s.evaluation;
  const seeds = s.seeds.length;
  return (
    <>
      {s.description ? <p class="lead">{s.description}</p> : null}
      <p class="meta">
        <b>{s.algo}</b> on <b>{s.env}</b> · {s.mode}
        {s.search ? ` (${s.search.trials} trials, ${s.search.sampler} sampler)` : ""} ·{" "}
        {fmt(s.steps)} steps × {seeds} seed{seeds > 1 ? "s" : ""} · scored by the mean return of
        {" "}
        {ev.episodes} greedy episodes (seeds {ev.seed}..{ev.seed + ev.episodes - 1}) · success:{" "}
        {s.successRule} · study in {s.storage.kind}
        {view.source === "database" ? " (read from the database)" : ""}
      </p>
    </>
  );
}

function Figures({ view }: { view: SweepView }) {
  const f = sweepFigures(view);
  return (
    <div data-part="figures">
      <KpiRow>
        <Kpi id="trials" label="Trials ended" value={f.trials} hint={f.running} />
        <Kpi id="best" label="Best score" value={f.best} hint={f.bestHint} />
        <Kpi id="steps" label="Env steps" value={f.steps} hint={`updated ${f.updated}`} />
        <Kpi id="eta" label="Time left" value={f.eta} />
      </KpiRow>
      <span class="progress sweep-progress" title={`${(f.progress * 100).toFixed(0)}% of steps`}>
        <span style={`width:${(f.progress * 100).toFixed(1)}%`} />
      </span>
    </div>
  );
}

/** Parts of a cell or a line, separated by spaces (`glue` parts hug the previous one). */
export function Parts({ parts }: { parts: CellPart[] }) {
  return (
    <>
      {parts.flatMap((p, i) => [
        i > 0 && !p.glue ? " " : null,
        p.href
          ? <a key={i} href={p.href} class={p.class} title={p.title}>{p.text}</a>
          : <span key={i} class={p.class} title={p.title}>{p.text}</span>,
      ])}
    </>
  );
}

/** The ranked table, as the island draws it too (from the same cells). */
function RankedTable({ view }: { view: SweepView }) {
  const { columns, rows } = sweepTable(view);
  return (
    <table class="sweep-table">
      <thead>
        <tr>
          {columns.map((c) => (
            <th
              key={c.key}
              data-col={c.key}
              class={[c.numeric ? "num" : "", c.sortable ? "sortable" : ""].join(" ").trim() ||
                undefined}
              title={c.title}
            >
              {c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} data-config={r.key} class={r.best ? "best" : undefined}>
            {r.cells.map((cell, i) => (
              <td key={columns[i].key} class={columns[i].numeric ? "num" : undefined}>
                <Parts parts={cell.parts} />
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Baseline({ view }: { view: SweepView }) {
  const s = view.summary!;
  const swept = new Set(s.parameters.map((p) => p.key));
  return (
    <details class="baseline">
      <summary>
        <h2>Baseline hyperparameters</h2>
      </summary>
      <p class="meta">
        The algorithm's preset for {s.env} with the sweep file's <code>hyperparameters</code>;{" "}
        highlighted: the swept ones.
      </p>
      <table class="hyper">
        <tbody>
          {Object.entries(s.baseline).map(([k, v]) => (
            <tr key={k} class={swept.has(k) ? "swept" : undefined}>
              <th>{k}</th>
              <td>
                <code>{typeof v === "string" ? v : JSON.stringify(v)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
