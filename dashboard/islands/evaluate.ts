/**
 * The `evaluate` island: the run page's evaluate panel (the tutorial's Streamlit page). Its
 * form (episodes slider, checkpoint, first seed) is server-rendered; "Run evaluation" posts to
 * `/runs/:id/evaluate` and follows the NDJSON progress until the result arrives. Settings that
 * were evaluated before show their stored result at once. Leaving the page (or "Cancel")
 * closes the request, which stops the evaluation on the server.
 * @module
 */
import type { EvaluateProps } from "./props.ts";
import type { EvaluationEvent, EvaluationKey, StoredEvaluation } from "./protocol.ts";
import { describe, showEvaluation } from "./eval_results.ts";

/** Mounts the island on `el` (which holds the server-rendered form). */
export function mountEvaluate(el: HTMLElement, props: EvaluateProps): void {
  const form = el.querySelector<HTMLFormElement>("form.eval-form");
  if (!form) throw new Error("the evaluate panel has no form");
  const field = <T extends Element>(sel: string): T => {
    const f = form.querySelector<T>(sel);
    if (!f) throw new Error(`the evaluate form has no ${sel}`);
    return f;
  };
  const episodes = field<HTMLInputElement>("input[name=episodes]");
  const shown = field<HTMLOutputElement>("output[name=episodes-shown]");
  const checkpoint = field<HTMLSelectElement>("select[name=checkpoint]");
  const seed = field<HTMLInputElement>("input[name=seed]");
  const runButton = field<HTMLButtonElement>("button[type=submit]");
  const cancelButton = field<HTMLButtonElement>("button[name=cancel]");
  const progress = el.querySelector<HTMLElement>(".eval-progress")!;
  const bar = progress.querySelector<HTMLElement>(".eval-bar span")!;
  const progressText = progress.querySelector<HTMLElement>(".eval-progress-text")!;
  const status = el.querySelector<HTMLElement>(".eval-status")!;
  const results = el.querySelector<HTMLElement>(".eval-results")!;
  const ctx = { threshold: props.threshold, successRule: props.successRule };
  const stored = new Set(props.stored.map(keyString));
  let showing: StoredEvaluation | null = null;
  let running: AbortController | null = null;

  const key = (): EvaluationKey => ({
    checkpoint: checkpoint.value === "latest" ? "latest" : "best",
    episodes: Number(episodes.value),
    seed: Math.max(0, Math.floor(Number(seed.value) || 0)),
  });

  const show = (ev: StoredEvaluation) => {
    showing = ev;
    showEvaluation(results, ev, ctx);
    const changed = ev.checkpoint_time !== null &&
      props.checkpoints[ev.checkpoint] !== undefined &&
      props.checkpoints[ev.checkpoint] !== ev.checkpoint_time;
    status.textContent = describe(ev) +
      (changed ? " · the checkpoint has changed since: run it again for the current one" : "");
    el.dataset.shown = keyString(ev);
  };

  /** After a settings change: the stored result of these settings, if there is one. */
  const settingsChanged = async () => {
    shown.value = episodes.value;
    const k = key();
    const same = showing && showing.source === "dashboard" && keyString(showing) === keyString(k);
    runButton.textContent = stored.has(keyString(k)) ? "Run again" : "Run evaluation";
    if (same || !stored.has(keyString(k)) || running) return;
    const q = new URLSearchParams({
      checkpoint: k.checkpoint,
      episodes: String(k.episodes),
      seed: String(k.seed),
    });
    const res = await fetch(`/runs/${encodeURIComponent(props.run)}/evaluation?${q}`);
    if (res.ok && keyString(key()) === keyString(k)) show(await res.json());
  };

  const setRunning = (on: boolean) => {
    runButton.disabled = on;
    cancelButton.hidden = !on;
    progress.hidden = !on;
    el.dataset.running = String(on);
  };

  const run = async () => {
    const k = key();
    running = new AbortController();
    setRunning(true);
    bar.style.width = "0%";
    progressText.textContent = `Starting ${k.episodes} episodes…`;
    try {
      const res = await fetch(`/runs/${encodeURIComponent(props.run)}/evaluate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(k),
        signal: running.signal,
      });
      if (!res.ok || !res.body) {
        const body = await res.json().catch(() => null);
        throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
      }
      for await (const event of ndjson(res.body)) {
        if (event.type === "queued") {
          progressText.textContent = `Waiting: ${event.ahead} evaluation${
            event.ahead === 1 ? "" : "s"
          } ahead…`;
        } else if (event.type === "progress") {
          bar.style.width = `${((event.done / event.total) * 100).toFixed(1)}%`;
          progressText.textContent = `${event.done} / ${event.total} episodes · mean reward ${
            event.mean.toFixed(2)
          } · ${event.wins} wins`;
          progress.dataset.done = String(event.done);
        } else if (event.type === "result") {
          stored.add(keyString(event.evaluation));
          show(event.evaluation);
          runButton.textContent = "Run again";
        } else {
          throw new Error(event.message);
        }
      }
    } catch (err) {
      if (running?.signal.aborted) status.textContent = "Evaluation cancelled.";
      else status.textContent = `Evaluation failed: ${err instanceof Error ? err.message : err}`;
    } finally {
      running = null;
      setRunning(false);
    }
  };

  episodes.oninput = () => void settingsChanged();
  checkpoint.onchange = () => void settingsChanged();
  seed.onchange = () => void settingsChanged();
  form.onsubmit = (e) => {
    e.preventDefault();
    if (!running) void run();
  };
  cancelButton.onclick = () => running?.abort();
  setRunning(false);
  if (props.initial) show(props.initial);
  else status.textContent = "No evaluation yet: pick the settings and run one.";
  void settingsChanged();
}

function keyString(k: EvaluationKey): string {
  return `${k.checkpoint}_${k.episodes}_${k.seed}`;
}

/** The events of an NDJSON body, as each line completes. */
async function* ndjson(body: ReadableStream<Uint8Array>): AsyncGenerator<EvaluationEvent> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield JSON.parse(line) as EvaluationEvent;
    }
  }
}
