/**
 * The `replay` island: plays a greedy episode with `POST /api/play` and animates it on a
 * canvas — the lander's trajectory, attitude and legs for LunarLander, the grid for
 * FrozenLake, cart and pole for CartPole, and state components over time otherwise.
 * @module
 */
import type { ReplayProps, ReplayScene } from "./props.ts";

/** Answer of `POST /api/play`. */
interface Played {
  seed: number;
  total_reward: number;
  steps: number;
  success: boolean;
  terminated: boolean;
  actions: (number | number[])[];
  action_names: string[] | null;
  rewards: number[];
  states: (number | number[])[];
}

const W = 640, H = 420;

/** Mounts the island on `el`. */
export function mountReplay(el: HTMLElement, props: ReplayProps): void {
  el.replaceChildren();
  const controls = document.createElement("div");
  controls.className = "replay-controls";
  const playBtn = button("Pause");
  const restartBtn = button("↺ Restart");
  const newBtn = button("New episode");
  const seedInput = document.createElement("input");
  seedInput.type = "number";
  seedInput.min = "0";
  seedInput.value = String(props.seed);
  seedInput.title = "seed";
  const seedBtn = button("Play seed");
  const speed = document.createElement("select");
  for (const s of [0.25, 0.5, 1, 2, 4]) {
    const o = document.createElement("option");
    o.value = String(s);
    o.textContent = `${s}×`;
    o.selected = s === 1;
    speed.append(o);
  }
  const slider = document.createElement("input");
  slider.type = "range";
  slider.min = "0";
  slider.value = "0";
  controls.append(playBtn, restartBtn, newBtn, seedInput, seedBtn, speed, slider);
  const canvas = document.createElement("canvas");
  const dpr = devicePixelRatio || 1;
  canvas.width = W * dpr;
  canvas.height = H * dpr;
  canvas.style.width = `${W}px`;
  canvas.style.height = `${H}px`;
  const info = document.createElement("p");
  info.className = "replay-info";
  el.append(controls, canvas, info);
  const ctx = canvas.getContext("2d")!;
  ctx.scale(dpr, dpr);

  let ep: Played | null = null;
  let frame = 0;
  let playing = true;
  let last = 0;
  let acc = 0;
  const stepsPerSecond = props.scene.kind === "grid" ? 4 : 50;

  const show = () => {
    if (!ep) return;
    draw(ctx, props.scene, ep, frame);
    const i = Math.min(frame, ep.steps);
    const cum = ep.rewards.slice(0, i).reduce((a, b) => a + b, 0);
    const a = i > 0 ? ep.actions[i - 1] : null;
    const name = typeof a === "number"
      ? ep.action_names?.[a] ?? String(a)
      : a
      ? a.map((v) => v.toFixed(2)).join(", ")
      : "—";
    info.textContent =
      `seed ${ep.seed} · step ${i}/${ep.steps} · last action ${name} · return ${cum.toFixed(2)}` +
      (i === ep.steps
        ? ` · final ${ep.total_reward.toFixed(2)} (${ep.success ? "success" : "failure"}${
          ep.terminated ? "" : ", time limit"
        })`
        : "");
    slider.value = String(i);
    el.dataset.frame = String(i);
  };

  const tick = (t: number) => {
    if (ep && playing) {
      acc += ((t - last) / 1000) * stepsPerSecond * Number(speed.value);
      const n = Math.floor(acc);
      if (n > 0) {
        acc -= n;
        frame = Math.min(ep.steps, frame + n);
        show();
        if (frame >= ep.steps) setPlaying(false);
      }
    }
    last = t;
    requestAnimationFrame(tick);
  };

  const setPlaying = (p: boolean) => {
    playing = p;
    playBtn.textContent = p ? "Pause" : "▶ Play";
  };

  const load = async (seed: number) => {
    info.textContent = `Playing seed ${seed}…`;
    try {
      const res = await fetch("/api/play", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ run: props.run, seed }),
      });
      const body = await res.json();
      if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
      ep = body as Played;
      frame = 0;
      acc = 0;
      slider.max = String(ep.steps);
      seedInput.value = String(ep.seed);
      el.dataset.loaded = "true";
      setPlaying(true);
      show();
    } catch (err) {
      info.textContent = `Could not play: ${err instanceof Error ? err.message : err}`;
    }
  };

  playBtn.onclick = () => {
    if (ep && frame >= ep.steps) frame = 0;
    setPlaying(!playing);
  };
  restartBtn.onclick = () => {
    frame = 0;
    setPlaying(true);
    show();
  };
  newBtn.onclick = () => void load(Math.floor(Math.random() * 1e6));
  seedBtn.onclick = () => void load(Math.max(0, Math.floor(Number(seedInput.value) || 0)));
  slider.oninput = () => {
    frame = Number(slider.value);
    setPlaying(false);
    show();
  };
  requestAnimationFrame(tick);
  void load(props.seed);
}

function button(text: string): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  return b;
}

function draw(ctx: CanvasRenderingContext2D, scene: ReplayScene, ep: Played, frame: number): void {
  ctx.clearRect(0, 0, W, H);
  const i = Math.min(frame, ep.states.length - 1);
  switch (scene.kind) {
    case "lunar":
      return drawLunar(ctx, ep, i);
    case "grid":
      return drawGrid(ctx, scene.desc, ep, i);
    case "cartpole":
      return drawCartPole(ctx, ep.states[i] as number[]);
    default:
      return drawGeneric(ctx, ep, i);
  }
}

/**
 * LunarLander: states are normalised, `x = (px − W/2)/(W/2)` and `y = (py − pad − leg)/(H/2)`
 * in a 20 × 13.3 world; drawn back in world units so the picture keeps its proportions.
 */
function drawLunar(ctx: CanvasRenderingContext2D, ep: Played, i: number): void {
  const worldW = 20, worldH = 40 / 3, pad = worldH / 4, leg = 18 / 30;
  const k = W / worldW;
  const toPx = (s: number[]): [number, number] => [
    (s[0] * worldW / 2 + worldW / 2) * k,
    H - (s[1] * worldH / 2 + pad + leg) * k,
  ];
  ctx.fillStyle = "#0b1020";
  ctx.fillRect(0, 0, W, H);
  // Flat ground at the helipad's height and the two flags at x = ±0.2.
  const groundY = H - pad * k;
  ctx.fillStyle = "#e5e7eb";
  ctx.fillRect(0, groundY, W, H - groundY);
  for (const fx of [-0.2, 0.2]) {
    const x = (fx * worldW / 2 + worldW / 2) * k;
    ctx.strokeStyle = "#fff";
    ctx.beginPath();
    ctx.moveTo(x, groundY);
    ctx.lineTo(x, groundY - 50 / 30 * k);
    ctx.stroke();
    ctx.fillStyle = "#facc15";
    ctx.beginPath();
    ctx.moveTo(x, groundY - 50 / 30 * k);
    ctx.lineTo(x, groundY - 40 / 30 * k);
    ctx.lineTo(x + 25 / 30 * k, groundY - 45 / 30 * k);
    ctx.fill();
  }
  // Trajectory so far.
  ctx.strokeStyle = "#60a5fa";
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  for (let j = 0; j <= i; j++) {
    const [x, y] = toPx(ep.states[j] as number[]);
    if (j === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  }
  ctx.stroke();
  const s = ep.states[i] as number[];
  const [x, y] = toPx(s);
  const action = i > 0 ? ep.actions[i - 1] : 0;
  ctx.save();
  ctx.translate(x, y);
  ctx.rotate(-s[4]); // the env's angle is counter-clockwise; the canvas y axis points down
  const u = k / 30; // one Box2D pixel of the original renderer
  // Engine flames of the last action (discrete: 1 left engine, 2 main, 3 right engine).
  ctx.fillStyle = "#f97316";
  if (action === 2) triangle(ctx, [-6 * u, 10 * u], [6 * u, 10 * u], [0, 30 * u]);
  if (action === 1) triangle(ctx, [17 * u, -4 * u], [17 * u, 4 * u], [30 * u, 0]);
  if (action === 3) triangle(ctx, [-17 * u, -4 * u], [-17 * u, 4 * u], [-30 * u, 0]);
  // Legs, green when touching the ground.
  ctx.lineWidth = 3 * u;
  for (const [side, contact] of [[-1, s[6]], [1, s[7]]]) {
    ctx.strokeStyle = contact > 0.5 ? "#22c55e" : "#a78bfa";
    ctx.beginPath();
    // Ends 18 px (LEG_DOWN) below the centre: on the ground when y = 0, as the env defines y.
    ctx.moveTo(side * 12 * u, 6 * u);
    ctx.lineTo(side * 20 * u, 18 * u);
    ctx.stroke();
  }
  ctx.fillStyle = "#8b5cf6";
  ctx.beginPath();
  const body = [[-14, -17], [-17, 0], [-17, 10], [17, 10], [17, 0], [14, -17]];
  body.forEach(([bx, by], j) => (j ? ctx.lineTo(bx * u, by * u) : ctx.moveTo(bx * u, by * u)));
  ctx.closePath();
  ctx.fill();
  ctx.restore();
  ctx.fillStyle = "#e5e7eb";
  ctx.font = "12px system-ui, sans-serif";
  ctx.fillText(
    `x ${s[0].toFixed(2)}  y ${s[1].toFixed(2)}  vx ${s[2].toFixed(2)}  vy ${
      s[3].toFixed(2)
    }  angle ${s[4].toFixed(2)}`,
    10,
    18,
  );
}

function triangle(ctx: CanvasRenderingContext2D, a: number[], b: number[], c: number[]): void {
  ctx.beginPath();
  ctx.moveTo(a[0], a[1]);
  ctx.lineTo(b[0], b[1]);
  ctx.lineTo(c[0], c[1]);
  ctx.fill();
}

const TILE: Record<string, string> = { S: "#bfdbfe", F: "#e0f2fe", H: "#1e3a8a", G: "#facc15" };

function drawGrid(ctx: CanvasRenderingContext2D, desc: string[], ep: Played, i: number): void {
  const rows = desc.length, cols = desc[0].length;
  const size = Math.min(W / cols, H / rows);
  const ox = (W - size * cols) / 2, oy = (H - size * rows) / 2;
  const centre = (s: number): [number, number] => [
    ox + (s % cols + 0.5) * size,
    oy + (Math.floor(s / cols) + 0.5) * size,
  ];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const ch = desc[r][c];
      ctx.fillStyle = TILE[ch] ?? "#fff";
      ctx.fillRect(ox + c * size, oy + r * size, size - 2, size - 2);
      ctx.fillStyle = ch === "H" ? "#fff" : "#334155";
      ctx.font = `${Math.round(size / 5)}px system-ui, sans-serif`;
      ctx.fillText(ch, ox + c * size + 6, oy + r * size + size / 4);
    }
  }
  ctx.strokeStyle = "#f97316";
  ctx.lineWidth = 3;
  ctx.beginPath();
  for (let j = 0; j <= i; j++) {
    const [x, y] = centre(ep.states[j] as number);
    if (j === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  }
  ctx.stroke();
  const [x, y] = centre(ep.states[i] as number);
  ctx.fillStyle = "#dc2626";
  ctx.beginPath();
  ctx.arc(x, y, size / 4, 0, Math.PI * 2);
  ctx.fill();
}

function drawCartPole(ctx: CanvasRenderingContext2D, s: number[]): void {
  const k = W / 4.8; // x ∈ [−2.4, 2.4]
  const groundY = H * 0.7;
  const cx = W / 2 + s[0] * k;
  ctx.fillStyle = "#f8fafc";
  ctx.fillRect(0, 0, W, H);
  ctx.strokeStyle = "#334155";
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(0, groundY);
  ctx.lineTo(W, groundY);
  ctx.stroke();
  ctx.fillStyle = "#1f2937";
  ctx.fillRect(cx - 30, groundY - 30, 60, 30);
  ctx.strokeStyle = "#d97706";
  ctx.lineWidth = 8;
  ctx.beginPath();
  ctx.moveTo(cx, groundY - 30);
  ctx.lineTo(cx + Math.sin(s[2]) * k, groundY - 30 - Math.cos(s[2]) * k);
  ctx.stroke();
}

function drawGeneric(ctx: CanvasRenderingContext2D, ep: Played, i: number): void {
  const states = ep.states.map((s) => (typeof s === "number" ? [s] : s));
  const dims = states[0].length;
  let lo = Infinity, hi = -Infinity;
  for (const s of states) for (const v of s) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  if (lo === hi) (lo -= 1), (hi += 1);
  const px = (j: number) => 10 + (j / Math.max(1, states.length - 1)) * (W - 20);
  const py = (v: number) => H - 10 - ((v - lo) / (hi - lo)) * (H - 20);
  for (let d = 0; d < dims; d++) {
    ctx.strokeStyle = `hsl(${(d * 360) / dims}, 70%, 45%)`;
    ctx.beginPath();
    for (let j = 0; j <= i; j++) {
      j ? ctx.lineTo(px(j), py(states[j][d])) : ctx.moveTo(px(j), py(states[j][d]));
    }
    ctx.stroke();
  }
}
