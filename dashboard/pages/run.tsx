/**
 * The run page: training curves (live while the run trains), hyperparameters and the latest
 * evaluation (KPIs, reward and steps histograms, rewards per episode, wins vs losses, action
 * distribution and a sortable table of episodes).
 * @module
 */
import type { EvalReport, RunConfig } from "../../core/run_log.ts";
import type { RunSummary } from "../runs.ts";
import type { EvalChartsProps, TrainChartsProps } from "../islands/props.ts";
import { Layout } from "../components/layout.tsx";
import { Island } from "../components/island.tsx";
import { BarList, Card, Kpi, KpiRow, StateBadge } from "../components/widgets.tsx";
import { ago, fmt, pct } from "../components/format.ts";
import { isStale } from "./runs_list.tsx";

/** Props of {@link RunPage}. */
export interface RunPageProps {
  /** The run. */
  summary: RunSummary;
  /** Its config. */
  config: RunConfig;
  /** Its latest evaluation, or null. */
  evaluation: EvalReport | null;
  /** The env's reward threshold, if known. */
  threshold: number | null;
}

/** The run page. */
export function RunPage({ summary: r, config, evaluation, threshold }: RunPageProps) {
  const id = encodeURIComponent(r.id);
  const charts: TrainChartsProps = { run: r.id, threshold, state: r.state, pollSeconds: 3 };
  return (
    <Layout title={r.id}>
      <h1>
        {r.id} <StateBadge state={r.state} stale={isStale(r)} />
      </h1>
      <p class="meta">
        <b>{r.algo}</b> on <b>{r.env}</b> · seed {r.seed} · step{" "}
        <span data-live="step">{fmt(r.globalStep)}</span> of {fmt(r.totalSteps)} · started{" "}
        {ago(r.createdAt)} · updated <span title={r.updatedAt}>{ago(r.updatedAt)}</span>
      </p>
      {r.error ? <p class="error">Failed: {r.error}</p> : null}
      <p class="links">
        {r.hasCheckpoint ? <a href={`/runs/${id}/replay`}>▶ Replay an episode</a> : null}
        {r.gifs.map((g) => <a key={g} href={`/runs/${id}/files/${encodeURIComponent(g)}`}>🎞 {g}
        </a>)}
        <a href={`/compare?run=${id}`}>Compare…</a>
        <a href={`/api/runs/${id}/metrics`}>metrics JSON</a>
      </p>

      <h2>Training</h2>
      <Island name="train-charts" props={charts} class="chart-grid">
        <p class="placeholder">Loading training curves…</p>
      </Island>

      <h2>Latest evaluation</h2>
      {evaluation ? <Evaluation report={evaluation} /> : (
        <p class="empty">
          No evaluation yet: run <code>deno task eval RUN_DIR</code>, or{" "}
          <code>POST /api/evaluate</code> to evaluate without writing.
        </p>
      )}

      <h2>Hyperparameters</h2>
      <Hyperparameters config={config} />
    </Layout>
  );
}

function Evaluation({ report: e }: { report: EvalReport }) {
  const wins = e.per_episode.filter((p) => p.success).length;
  const props: EvalChartsProps = {
    episodes: e.per_episode,
    threshold: e.reward_threshold,
    mean: e.mean_reward,
  };
  const actions = Object.entries(e.action_counts).sort((a, b) => b[1] - a[1]);
  return (
    <>
      <p class="meta">
        {e.episodes} episodes, seeds {e.seed}..{e.seed + e.episodes - 1}, evaluated{" "}
        {ago(e.evaluated_at)}
      </p>
      <KpiRow>
        <Kpi
          id="mean"
          label="Mean reward"
          value={fmt(e.mean_reward)}
          hint={`± ${fmt(e.std_reward)}`}
        />
        <Kpi id="std" label="Std" value={fmt(e.std_reward)} />
        <Kpi
          id="win"
          label="Win rate"
          value={pct(e.success_rate)}
          hint={e.reward_threshold === null ? undefined : `threshold ${fmt(e.reward_threshold)}`}
        />
        <Kpi id="steps" label="Mean steps" value={fmt(e.mean_steps, 1)} />
        <Kpi id="median" label="Median" value={fmt(e.median_reward)} />
        <Kpi id="range" label="Min / max" value={`${fmt(e.min_reward)} / ${fmt(e.max_reward)}`} />
      </KpiRow>
      <Island name="eval-charts" props={props} class="chart-grid">
        <p class="placeholder">Loading evaluation charts…</p>
      </Island>
      <div class="chart-grid">
        <Card title="Wins vs losses">
          <BarList
            bars={[
              { label: "wins", value: wins, tone: "good" },
              { label: "losses", value: e.episodes - wins, tone: "bad" },
            ]}
          />
        </Card>
        <Card title="Action distribution">
          {actions.length
            ? <BarList bars={actions.map(([label, value]) => ({ label, value }))} />
            : <p class="empty">Continuous actions</p>}
        </Card>
      </div>
      <Card title="Episodes" wide>
        <Island name="sortable" props={{}} class="table-scroll">
          <table class="episodes">
            <thead>
              <tr>
                <th data-sort="num">Episode</th>
                <th data-sort="num">Seed</th>
                <th data-sort="num">Reward</th>
                <th data-sort="num">Steps</th>
                <th data-sort="text">Result</th>
              </tr>
            </thead>
            <tbody>
              {e.per_episode.map((p) => (
                <tr key={p.episode} class={p.success ? "win" : "loss"}>
                  <td class="num">{p.episode}</td>
                  <td class="num">{p.seed}</td>
                  <td class="num" data-value={p.reward}>{fmt(p.reward)}</td>
                  <td class="num">{p.steps}</td>
                  <td>{p.success ? "win" : "loss"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Island>
      </Card>
    </>
  );
}

function Hyperparameters({ config }: { config: RunConfig }) {
  const rows: [string, unknown][] = [
    ["algo", config.algo],
    ["env", config.env],
    ["seed", config.seed],
    ["totalSteps", config.totalSteps],
    ...Object.entries(config.hyperparameters ?? {}),
    ...Object.entries(config.envOptions ?? {}).map(([k, v]): [string, unknown] => [`env.${k}`, v]),
    ["eagleVersion", config.eagleVersion],
  ];
  return (
    <table class="hyper">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th>{k}</th>
            <td>
              <code>{typeof v === "string" ? v : JSON.stringify(v)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
