/**
 * Draws an MPE particle world: agents as large discs, landmarks as small dark discs, on a light
 * background. The camera is MPE2's: centred on the origin and zoomed so that the entity farthest
 * from it along either axis sits at 90% of the half-width; disc radii stay at `size × width / 2`
 * pixels whatever the zoom (MPE2 without `dynamic_rescaling`), y pointing up.
 *
 * @example
 * ```ts
 * import { renderMpeScene } from "./render.ts";
 * const frame = renderMpeScene({
 *   discs: [
 *     { x: 0.5, y: -0.2, size: 0.15, kind: "agent", index: 0, colliding: false },
 *     { x: -0.4, y: 0.6, size: 0.05, kind: "landmark", index: 0, colliding: false },
 *   ],
 * }, { width: 256 }); // a 256 × 256 RgbaFrame
 * ```
 * @module
 */
import { Canvas, type Color, mixColor } from "../../render/raster.ts";
import type { RgbaFrame } from "../types.ts";

/** One disc to draw, in world coordinates. */
export interface MpeDisc {
  /** Centre x. */
  x: number;
  /** Centre y (up). */
  y: number;
  /** Radius in world units. */
  size: number;
  /** Agents and landmarks are drawn differently. */
  kind: "agent" | "landmark";
  /** Index among its kind (picks the agent's hue). */
  index: number;
  /** Whether the agent currently overlaps another agent (drawn with a warning rim). */
  colliding: boolean;
}

/** What `renderMpeScene` draws, in drawing order (later discs on top). */
export interface MpeScene {
  /** The world's entities. */
  discs: readonly MpeDisc[];
}

/** Options of `renderMpeScene`. */
export interface MpeRenderOptions {
  /** Image width in pixels (default 700, MPE2's). */
  width?: number;
  /** Image height in pixels (default: the width). */
  height?: number;
}

/** The palette: our own, not MPE2's. */
export const MPE_COLORS = {
  /** Background. */
  background: [246, 245, 240],
  /** Faint axes through the origin. */
  axis: [226, 224, 216],
  /** Landmark fill. */
  landmark: [52, 56, 64],
  /** Outline of agents. */
  outline: [40, 44, 60],
  /** Rim of an agent that overlaps another agent. */
  collision: [214, 60, 50],
} as const satisfies Record<string, Color>;

/** Agent fills, cycled by agent index. */
const AGENT_HUES: readonly Color[] = [
  [84, 120, 214],
  [62, 166, 132],
  [226, 150, 52],
  [156, 98, 196],
  [70, 170, 200],
  [200, 96, 140],
];

/** Draws an MPE scene with MPE2's camera and our palette. */
export function renderMpeScene(scene: MpeScene, options: MpeRenderOptions = {}): RgbaFrame {
  const width = options.width ?? 700;
  const height = options.height ?? width;
  for (const [name, v] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(v) || v < 16 || v > 4096) {
      throw new RangeError(`MPE render ${name} must be an integer in 16..4096, got ${v}`);
    }
  }
  const canvas = new Canvas(width, height);
  canvas.fill(MPE_COLORS.background);
  const cx = width / 2, cy = height / 2;
  canvas.strokePolyline([[0, cy], [width, cy]], 1, MPE_COLORS.axis);
  canvas.strokePolyline([[cx, 0], [cx, height]], 1, MPE_COLORS.axis);
  // MPE2's camera: the largest |coordinate| maps to 90% of the half-size.
  let range = 0;
  for (const d of scene.discs) range = Math.max(range, Math.abs(d.x), Math.abs(d.y));
  const zoom = range > 0 ? 0.9 / range : 0.9;
  const unit = Math.min(width, height) / 2;
  for (const d of scene.discs) {
    const px = cx + d.x * zoom * (width / 2);
    const py = cy - d.y * zoom * (height / 2);
    const r = d.size * unit;
    if (d.kind === "landmark") {
      canvas.fillCircle(px, py, r, MPE_COLORS.landmark);
      continue;
    }
    const hue = AGENT_HUES[d.index % AGENT_HUES.length];
    const rim = d.colliding ? MPE_COLORS.collision : MPE_COLORS.outline;
    const rimWidth = Math.max(1.5, r * 0.12);
    canvas.fillCircle(px, py, r, rim);
    canvas.fillCircle(px, py, r - rimWidth, mixColor(hue, [255, 255, 255], 0.15));
    // A small dark pip marks the centre, so overlapping agents stay readable.
    canvas.fillCircle(px, py, Math.max(1, r * 0.12), mixColor(hue, [0, 0, 0], 0.45));
  }
  return canvas.toFrame();
}
