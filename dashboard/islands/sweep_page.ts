/**
 * The `sweep` island: keeps a sweep's page live. It polls `/sweeps/:name/data.json` (every
 * `pollSeconds` while the sweep runs, less often once it stopped, not at all once it
 * finished) and redraws the state badge, the headline figures, the notice and links, the
 * ranked table, the learning curves and the scatter plots from each answer.
 * @module
 */
import {
  sweepFigures,
  sweepLinks,
  sweepNotice,
  type SweepState,
  type SweepView,
} from "../components/sweep_view.ts";
import { SweepCurves } from "./sweep_curves.ts";
import { SweepScatter } from "./sweep_scatter.ts";
import { appendParts, SweepTable } from "./sweep_table.ts";

/** Props of the `sweep` island. */
export interface SweepProps {
  /** Sweep name. */
  name: string;
  /** State when the page was rendered. */
  state: SweepState;
  /** Seconds between polls while the sweep runs. */
  pollSeconds: number;
}

/** A stopped sweep may be resumed: it is still polled, slowly. */
const STOPPED_POLL_SECONDS = 15;

/** Mounts the island on `el` (the server-rendered page). */
export function mountSweep(el: HTMLElement, props: SweepProps): void {
  const part = (name: string) => el.querySelector<HTMLElement>(`[data-part="${name}"]`)!;
  const table = new SweepTable(part("table"));
  const curves = new SweepCurves(part("curves"));
  const scatter = new SweepScatter(part("scatter"));
  let updates = 0;

  const update = async (view: SweepView) => {
    el.dataset.state = view.state;
    const badge = el.querySelector<HTMLElement>("[data-live=state] .badge");
    if (badge) {
      badge.className = `badge state-${view.state}`;
      badge.textContent = view.stale ? `${view.state}?` : view.state;
    }
    const f = sweepFigures(view);
    const kpi = (key: string, value: string, hint?: string) => {
      const tile = el.querySelector(`[data-kpi="${key}"]`);
      if (!tile) return;
      tile.querySelector(".kpi-value")!.textContent = value;
      const h = tile.querySelector(".kpi-hint");
      if (h && hint !== undefined) h.textContent = hint;
    };
    kpi("trials", f.trials, f.running);
    kpi("best", f.best, f.bestHint);
    kpi("steps", f.steps, `updated ${f.updated}`);
    kpi("eta", f.eta);
    const bar = el.querySelector<HTMLElement>(".sweep-progress span");
    if (bar) bar.style.width = `${(f.progress * 100).toFixed(1)}%`;
    const notice = sweepNotice(view);
    const noticeBox = part("notice");
    noticeBox.replaceChildren();
    if (notice) {
      const div = document.createElement("div");
      div.className = "alert stopped";
      div.setAttribute("role", "status");
      appendParts(div, notice);
      noticeBox.append(div);
    }
    const links = part("links");
    links.replaceChildren(
      ...sweepLinks(view).map((line) => {
        const span = document.createElement("span");
        appendParts(span, line);
        return span;
      }),
    );
    if (view.summary) table.update(view);
    scatter.update(view);
    await curves.update(view);
    el.dataset.updates = String(++updates);
  };

  const poll = async () => {
    let state: SweepState = props.state;
    try {
      const res = await fetch(`/sweeps/${encodeURIComponent(props.name)}/data.json`);
      if (res.ok) {
        const view: SweepView = await res.json();
        state = view.state;
        await update(view);
      }
    } catch (err) {
      console.warn(`Sweep ${props.name}: ${err instanceof Error ? err.message : err}`);
    }
    if (state === "finished") return;
    const seconds = state === "stopped" ? STOPPED_POLL_SECONDS : props.pollSeconds;
    setTimeout(poll, seconds * 1000);
  };
  void poll();
}
