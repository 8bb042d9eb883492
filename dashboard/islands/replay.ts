/**
 * The `replay` island: plays a greedy episode as the env itself draws it. The server renders
 * every step with the env's `render()` and streams the PNG frames with each step's action and
 * reward (`/runs/:id/replay/episode`); this player shows them on a canvas, pixel for pixel,
 * with play / pause, single steps, a scrubber and speeds, and the step's action, reward and
 * return so far. Playback starts while the rest of the episode is still arriving.
 * @module
 */
import type { ReplayProps } from "./props.ts";
import type { ReplayEnd, ReplayMeta, ReplayStep } from "./protocol.ts";
import { ReplayDecoder } from "./replay_stream.ts";

/** Mounts the island on `el`. */
export function mountReplay(el: HTMLElement, props: ReplayProps): void {
  el.replaceChildren();
  const bar = div("replay-controls");
  const restartBtn = button("|◀", "Back to the first frame (Home)");
  const backBtn = button("◀", "One step back (←)");
  const playBtn = button("▶ Play", "Play / pause (space)");
  playBtn.classList.add("primary");
  const fwdBtn = button("▶|", "One step forward (→)");
  const slider = document.createElement("input");
  slider.type = "range";
  slider.min = "0";
  slider.max = "0";
  slider.value = "0";
  slider.className = "scrubber";
  slider.setAttribute("aria-label", "step");
  const speed = document.createElement("select");
  speed.title = "playback speed";
  for (const s of [0.25, 0.5, 1, 2, 4]) {
    const o = document.createElement("option");
    o.value = String(s);
    o.textContent = `${s}×`;
    o.selected = s === 1;
    speed.append(o);
  }
  bar.append(restartBtn, backBtn, playBtn, fwdBtn, slider, speed);

  const episodeBar = div("replay-controls episode-controls");
  const seedInput = document.createElement("input");
  seedInput.type = "number";
  seedInput.min = "0";
  seedInput.value = String(props.seed);
  seedInput.setAttribute("aria-label", "seed");
  const seedBtn = button("Play seed", "Play the episode of this seed");
  const newBtn = button("New episode", "Play a random seed");
  const checkpoint = document.createElement("select");
  checkpoint.setAttribute("aria-label", "checkpoint");
  for (const c of props.checkpoints) {
    const o = document.createElement("option");
    o.value = c;
    o.textContent = `${c} checkpoint`;
    checkpoint.append(o);
  }
  episodeBar.append(label("Seed", seedInput), seedBtn, newBtn, label("", checkpoint));

  const stage = div("replay-stage");
  const canvas = document.createElement("canvas");
  canvas.width = 600;
  canvas.height = 400;
  stage.append(canvas);
  const stats = div("replay-stats");
  const stat = (name: string) => {
    const box = div("replay-stat");
    const value = div("replay-stat-value", "—");
    box.append(value, div("replay-stat-label", name));
    stats.append(box);
    return value;
  };
  const stepOut = stat("step");
  const actionOut = stat("action");
  const rewardOut = stat("reward");
  const returnOut = stat("return");
  const info = document.createElement("p");
  info.className = "replay-info";
  const side = div("replay-side");
  side.append(stats, info);
  const layout = div("replay-layout");
  layout.append(stage, side);
  el.append(bar, episodeBar, layout);
  const ctx = canvas.getContext("2d")!;

  let meta: ReplayMeta | null = null;
  let frames: Blob[] = [];
  let steps: ReplayStep[] = [];
  let end: ReplayEnd | null = null;
  let frame = 0;
  let playing = false;
  let last = 0, acc = 0;
  let loading: AbortController | null = null;
  // Decoding is asynchronous: only the newest wanted frame is decoded, stale ones are skipped.
  let wanted = -1, decoding = false;

  const paint = async () => {
    if (decoding) return;
    decoding = true;
    while (wanted >= 0) {
      const i = wanted;
      wanted = -1;
      const bitmap = await createImageBitmap(frames[i]);
      ctx.drawImage(bitmap, 0, 0);
      bitmap.close();
      el.dataset.frame = String(i);
    }
    decoding = false;
  };

  const show = () => {
    if (!meta || frames.length === 0) return;
    frame = Math.max(0, Math.min(frame, frames.length - 1));
    wanted = frame;
    void paint();
    slider.max = String(Math.max(0, end ? end.steps : frames.length - 1));
    slider.value = String(frame);
    const s = frame > 0 ? steps[frame - 1] : null;
    const total = end ? end.steps : frames.length - 1;
    stepOut.textContent = `${frame} / ${total}${end ? "" : "…"}`;
    actionOut.textContent = s ? actionName(s.action, meta.action_names) : "—";
    rewardOut.textContent = s ? signed(s.reward) : "—";
    returnOut.textContent = s ? signed(s.return) : "0.00";
    const tone = !s || s.reward === 0 ? "" : s.reward > 0 ? "good" : "bad";
    rewardOut.className = `replay-stat-value ${tone}`.trim();
    if (end && frame === end.steps) {
      info.textContent = `Seed ${meta.seed}, ${meta.checkpoint} checkpoint: return ${
        end.total_reward.toFixed(2)
      } in ${end.steps} steps, ${end.success ? "a success" : "not a success"}${
        end.terminated ? "" : " (cut by the time limit)"
      }.`;
      info.className = `replay-info ${end.success ? "good" : "bad"}`;
    } else if (!end) {
      info.textContent = `Seed ${meta.seed}: rendering… ${frames.length} frames so far`;
      info.className = "replay-info";
    } else {
      info.textContent = `Seed ${meta.seed}, ${meta.checkpoint} checkpoint, ${end.steps} steps.`;
      info.className = "replay-info";
    }
  };

  const setPlaying = (p: boolean) => {
    playing = p;
    playBtn.textContent = p ? "❚❚ Pause" : "▶ Play";
    el.dataset.playing = String(p);
  };

  const tick = (t: number) => {
    if (meta && playing) {
      acc += Math.min(0.25, (t - last) / 1000) * meta.fps * Number(speed.value);
      const n = Math.floor(acc);
      if (n > 0) {
        acc -= n;
        // While frames are still arriving, wait at the last one received.
        frame = Math.min(frames.length - 1, frame + n);
        show();
        if (end && frame >= end.steps) setPlaying(false);
      }
    }
    last = t;
    requestAnimationFrame(tick);
  };

  const load = async (seed: number) => {
    loading?.abort(); // the server stops rendering the previous episode
    const abort = new AbortController();
    loading = abort;
    meta = null;
    frames = [];
    steps = [];
    end = null;
    frame = 0;
    acc = 0;
    delete el.dataset.loaded;
    delete el.dataset.frame;
    info.textContent = `Playing seed ${seed}…`;
    info.className = "replay-info";
    seedInput.value = String(seed);
    try {
      const q = new URLSearchParams({ seed: String(seed), checkpoint: checkpoint.value });
      const res = await fetch(
        `/runs/${encodeURIComponent(props.run)}/replay/episode?${q}`,
        { signal: abort.signal },
      );
      if (!res.ok || !res.body) {
        const body = await res.json().catch(() => null);
        throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
      }
      const decoder = new ReplayDecoder();
      const reader = res.body.getReader();
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const { record, png } of decoder.push(value)) {
          if (record.kind === "error") throw new Error(record.message);
          if (record.kind === "meta") {
            meta = record;
            canvas.width = record.width;
            canvas.height = record.height;
            // Small frames (FrozenLake's 256²) are shown twice as large, pixels kept sharp.
            const scale = record.width < 400 ? 2 : 1;
            canvas.style.width = `${record.width * scale}px`;
            canvas.style.imageRendering = scale > 1 ? "pixelated" : "";
            setPlaying(true);
          } else if (record.kind === "step") steps.push(record);
          else end = record;
          if (png) frames.push(new Blob([png as Uint8Array<ArrayBuffer>], { type: "image/png" }));
        }
        el.dataset.frames = String(frames.length);
        show();
      }
      if (!end) throw new Error("the episode stream ended early");
      el.dataset.loaded = "true";
      show();
    } catch (err) {
      if (abort.signal.aborted) return;
      info.textContent = `Could not play: ${err instanceof Error ? err.message : err}`;
      info.className = "replay-info bad";
    }
  };

  const stepBy = (d: number) => {
    setPlaying(false);
    frame += d;
    show();
  };
  playBtn.onclick = () => {
    if (end && frame >= end.steps) frame = 0;
    setPlaying(!playing);
  };
  restartBtn.onclick = () => {
    frame = 0;
    show();
  };
  backBtn.onclick = () => stepBy(-1);
  fwdBtn.onclick = () => stepBy(1);
  slider.oninput = () => {
    setPlaying(false);
    frame = Number(slider.value);
    show();
  };
  seedBtn.onclick = () => void load(Math.max(0, Math.floor(Number(seedInput.value) || 0)));
  newBtn.onclick = () => void load(Math.floor(Math.random() * 1e6));
  checkpoint.onchange = () => void load(Math.max(0, Math.floor(Number(seedInput.value) || 0)));
  el.tabIndex = 0;
  el.onkeydown = (e) => {
    if ((e.target as HTMLElement).closest("input, select")) return;
    if (e.key === " ") playBtn.click();
    else if (e.key === "ArrowLeft") stepBy(-1);
    else if (e.key === "ArrowRight") stepBy(1);
    else if (e.key === "Home") restartBtn.click();
    else return;
    e.preventDefault();
  };
  requestAnimationFrame(tick);
  if (props.checkpoints.length === 0) {
    info.textContent = "This run has no checkpoint yet: nothing to replay.";
    return;
  }
  void load(props.seed);
}

function actionName(a: number | number[], names: string[] | null): string {
  if (typeof a === "number") return names?.[a] ?? String(a);
  return `[${a.map((v) => v.toFixed(2)).join(", ")}]`;
}

function signed(x: number): string {
  return `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;
}

function button(text: string, title: string): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  b.title = title;
  return b;
}

function label(text: string, control: HTMLElement): HTMLLabelElement {
  const l = document.createElement("label");
  if (text) l.append(`${text} `);
  l.append(control);
  return l;
}

function div(cls: string, text?: string): HTMLDivElement {
  const d = document.createElement("div");
  d.className = cls;
  if (text !== undefined) d.textContent = text;
  return d;
}
