/**
 * The compare page: one metric of several runs overlaid on one chart.
 * @module
 */
import type { RunSummary } from "../runs.ts";
import type { CompareProps } from "../islands/props.ts";
import { Layout } from "../components/layout.tsx";
import { Island } from "../components/island.tsx";

/** Props of {@link ComparePage}. */
export interface ComparePageProps {
  /** Every run (for the picker). */
  runs: RunSummary[];
  /** Runs picked. */
  selected: string[];
  /** Metric shown. */
  metric: string;
  /** Metric names of the picked runs. */
  keys: string[];
  /** Threshold line, when the picked runs share an env with one. */
  threshold: number | null;
}

/** The compare page. */
export function ComparePage({ runs, selected, metric, keys, threshold }: ComparePageProps) {
  const props: CompareProps = { runs: selected, metric, threshold };
  const options = keys.includes(metric) ? keys : [metric, ...keys];
  return (
    <Layout title="Compare" nav="compare">
      <h1>Compare runs</h1>
      <form method="get" action="/compare" class="compare-form">
        <fieldset>
          <legend>Runs</legend>
          {runs.map((r) => (
            <label key={r.id}>
              <input type="checkbox" name="run" value={r.id} checked={selected.includes(r.id)} />
              {" "}
              {r.id} <small>({r.algo}, {r.env})</small>
            </label>
          ))}
        </fieldset>
        <label>
          Metric{" "}
          <select name="metric">
            {options.filter((k) => k !== "global_step").map((k) => (
              <option key={k} value={k} selected={k === metric}>{k}</option>
            ))}
          </select>
        </label>{" "}
        <button type="submit">Show</button>
      </form>
      {selected.length
        ? (
          <Island name="compare-chart" props={props} class="chart-grid one">
            <p class="placeholder">Loading…</p>
          </Island>
        )
        : <p class="empty">Pick one or more runs above.</p>}
    </Layout>
  );
}
