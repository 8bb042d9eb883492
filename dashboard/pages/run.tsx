/**
 * The run page: every training episode's return with a rolling mean (live while the run
 * trains) and the other training curves, the progress videos ("how it learned"), the evaluate
 * panel (run an evaluation of a checkpoint and see its KPIs, charts and episodes) and the
 * hyperparameters. A diverged or failed run says so at the top.
 * @module
 */
import type { MetricEvent, RunConfig } from "../../core/run_log.ts";
import type { RunSummary } from "../runs.ts";
import type { CheckpointInfo } from "../page_data.ts";
import type { RunVideo } from "../run_videos.ts";
import type { EvaluateProps, ReturnCurveProps, TrainChartsProps } from "../islands/props.ts";
import {
  EVAL_EPISODES,
  type EvaluationListing,
  type StoredEvaluation,
} from "../islands/protocol.ts";
import { Layout } from "../components/layout.tsx";
import { Island } from "../components/island.tsx";
import { StateBadge } from "../components/widgets.tsx";
import { ago, fmt } from "../components/format.ts";
import { isStale } from "./runs_list.tsx";

/** Props of {@link RunPage}. */
export interface RunPageProps {
  /** The run. */
  summary: RunSummary;
  /** Its config. */
  config: RunConfig;
  /** The env's reward threshold, if known. */
  threshold: number | null;
  /** The env's success rule in words. */
  successRule: string;
  /** The checkpoints the run has. */
  checkpoints: CheckpointInfo[];
  /** Stored evaluations, newest first. */
  evaluations: EvaluationListing[];
  /** The evaluation the panel opens on (newest stored, else `eval.json`), or null. */
  initialEvaluation: StoredEvaluation | null;
  /** Progress videos, in order. */
  videos: RunVideo[];
  /** The divergence event of a diverged run, if its metrics recorded one. */
  diverged: MetricEvent | null;
}

/** The run page. */
export function RunPage(props: RunPageProps) {
  const { summary: r, config } = props;
  const id = encodeURIComponent(r.id);
  const curve: ReturnCurveProps = {
    run: r.id,
    threshold: props.threshold,
    state: r.state,
    pollSeconds: 3,
    window: 100,
  };
  const charts: TrainChartsProps = { run: r.id, state: r.state, pollSeconds: 3 };
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
      <Trouble summary={r} diverged={props.diverged} />
      <p class="links">
        {r.hasCheckpoint ? <a href={`/runs/${id}/replay`}>▶ Replay an episode</a> : null}
        {r.gifs.map((g) => (
          <a key={g} href={`/runs/${id}/files/${encodeURIComponent(g)}`}>GIF: {g}</a>
        ))}
        <a href={`/compare?run=${id}`}>Compare…</a>
        <a href={`/api/runs/${id}/metrics`}>metrics JSON</a>
      </p>

      <h2>Training</h2>
      <Island name="return-curve" props={curve} class="return-curve">
        <p class="placeholder">Loading the episode returns…</p>
      </Island>
      <Island name="train-charts" props={charts} class="chart-grid">
        <p class="placeholder">Loading training curves…</p>
      </Island>

      {props.videos.length ? <Videos run={r.id} videos={props.videos} /> : null}

      <h2>Evaluate</h2>
      <EvaluatePanel {...props} />

      <h2>Hyperparameters</h2>
      <Hyperparameters config={config} />
    </Layout>
  );
}

/** The banner of a diverged or failed run. */
function Trouble({ summary: r, diverged }: { summary: RunSummary; diverged: MetricEvent | null }) {
  if (r.state === "diverged") {
    return (
      <div class="alert diverged" role="alert">
        <b>Training diverged</b>
        {diverged ? ` at step ${fmt(diverged.global_step)}` : ""}: {r.error ??
          diverged?.message ?? "a loss or parameter stopped being finite"}. The last good checkpoint
        is kept; the return curve marks where it happened.
      </div>
    );
  }
  if (r.error) {
    return (
      <div class="alert failed" role="alert">
        <b>Training failed</b>: {r.error}
      </div>
    );
  }
  return null;
}

function Videos({ run, videos }: { run: string; videos: RunVideo[] }) {
  return (
    <>
      <h2>How it learned</h2>
      <p class="meta">
        Episodes recorded as training went, in order ({videos.length} in <code>videos/</code>).
      </p>
      <div class="videos">
        {videos.map((v, i) => {
          const src = `/runs/${encodeURIComponent(run)}/videos/${encodeURIComponent(v.name)}`;
          const caption = v.at === null
            ? v.name
            : v.at.unit === "seed"
            ? `seed ${v.at.n}`
            : `after ${v.at.unit} ${fmt(v.at.n)}`;
          return (
            <figure key={v.name} class="video" data-video={v.name}>
              {v.kind === "gif"
                ? <img src={src} alt={`${caption} (${v.name})`} loading="lazy" />
                : (
                  <video src={src} controls muted loop playsinline preload="metadata">
                    <a href={src}>{v.name}</a>
                  </video>
                )}
              <figcaption>
                <span class="caption">
                  <b>{i + 1}.</b> {caption}
                </span>
                {v.at === null ? null : <span class="file">{v.name}</span>}
              </figcaption>
            </figure>
          );
        })}
      </div>
    </>
  );
}

function EvaluatePanel(props: RunPageProps) {
  const r = props.summary;
  const initial = props.initialEvaluation;
  const fromPanel = initial?.source === "dashboard" ? initial : null;
  const episodes = fromPanel &&
      fromPanel.episodes >= EVAL_EPISODES.min && fromPanel.episodes <= EVAL_EPISODES.max &&
      fromPanel.episodes % EVAL_EPISODES.step === 0
    ? fromPanel.episodes
    : EVAL_EPISODES.default;
  const checkpoints = Object.fromEntries(props.checkpoints.map((c) => [c.which, c.time]));
  const island: EvaluateProps = {
    run: r.id,
    threshold: props.threshold,
    successRule: props.successRule,
    checkpoints,
    stored: props.evaluations,
    initial,
  };
  const none = props.checkpoints.length === 0;
  return (
    <Island name="evaluate" props={island} class="evaluate">
      <form class="eval-form card">
        <label class="eval-episodes">
          <span class="eval-label">Episodes</span>
          <span class="eval-slider">
            <input
              type="range"
              name="episodes"
              min={EVAL_EPISODES.min}
              max={EVAL_EPISODES.max}
              step={EVAL_EPISODES.step}
              value={episodes}
            />
            <output name="episodes-shown">{episodes}</output>
          </span>
        </label>
        <label>
          <span class="eval-label">Checkpoint</span>
          <select name="checkpoint">
            {props.checkpoints.map((c) => (
              <option
                key={c.which}
                value={c.which}
                selected={fromPanel ? fromPanel.checkpoint === c.which : undefined}
              >
                {c.which} ({ago(c.time)})
              </option>
            ))}
          </select>
        </label>
        <label>
          <span class="eval-label">First seed</span>
          <input type="number" name="seed" min="0" value={fromPanel?.seed ?? 0} />
        </label>
        <button type="submit" class="primary" disabled={none}>Run evaluation</button>
        <button type="button" name="cancel" hidden>Cancel</button>
        <div class="eval-progress" hidden>
          <span class="eval-bar">
            <span />
          </span>
          <span class="eval-progress-text" />
        </div>
      </form>
      <p class="eval-status meta">
        {none
          ? "No checkpoint yet: the run writes one at its first periodic evaluation."
          : "Loading the evaluate panel…"}
      </p>
      <div class="eval-results" />
    </Island>
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
