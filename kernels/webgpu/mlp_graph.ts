/**
 * The dispatches of one MLP's forward and backward passes over fixed buffers, built once and
 * replayed every step: `linear_forward` per layer, then, backwards, `linear_backward_weights`
 * and `linear_backward_input` per layer (the latter fusing the previous layer's activation
 * derivative).
 * @module
 */

import { KERNELS } from "./shaders.ts";
import type { GpuMlpLayout } from "./gpu_layout.ts";
import { type Dispatch, type GpuRuntime, makeDispatch, type UniformArena } from "./runtime.ts";

/**
 * Vec4 columns per invocation for an output `cols4` vec4s wide: 4 (a 8 × 16 register block,
 * the fastest on llvmpipe, where every load costs the same and bigger blocks mean fewer loads
 * per multiply-add; 16 × 16 spills), or 1 / 2 for narrow outputs such as a value head.
 */
export function columnBlock(cols4: number): number {
  return cols4 >= 3 ? 4 : cols4;
}

/** Workgroups of `linear_forward` / `linear_backward_input`: 64 × 8 rows by column blocks. */
export function rowMajorGrid(rows: number, cols4: number): [number, number, number] {
  return [Math.ceil(rows / 512), Math.ceil(cols4 / columnBlock(cols4)), 1];
}

/** Workgroups of `linear_backward_weights`: (8 weight rows × CB vec4s) blocks, 64 per group. */
export function weightGrid(in4: number, out4: number, splits: number): [number, number, number] {
  const groups = Math.ceil((in4 + 1) / 2);
  const cols = Math.ceil(out4 / columnBlock(out4));
  return [Math.ceil((groups * cols) / 64), 1, splits];
}

/** Row splits of a weight-gradient reduction over `rows` batch rows. */
export function rowSplits(rows: number): { splits: number; chunk: number } {
  // At least 256 rows per split keeps the partial sums cheap to add; up to 64 splits give a
  // CPU's threads (and a GPU's cores) enough workgroups for large batches.
  const splits = Math.max(1, Math.min(64, Math.floor(rows / 256)));
  return { splits, chunk: Math.ceil(rows / splits) };
}

/** What a graph computes on and where its gradients go. */
export interface MlpGraphOptions {
  /** Padded layout (offsets are absolute vec4 offsets in `params` and `grads`). */
  layout: GpuMlpLayout;
  /** Parameters. */
  params: GPUBuffer;
  /** Input rows (padded width). */
  input: GPUBuffer;
  /** Vec4 offset of the first input row. */
  inputOffset4: number;
  /** Rows of the forward pass. */
  forwardRows: number;
  /** Backward pass over the first `rows` rows, if the net is trained. */
  backward?: {
    /** Rows that receive gradients (the first rows of the forward pass). */
    rows: number;
    /** Gradient buffer (same layout as `params`). */
    grads: GPUBuffer;
    /** Partial gradients of the row splits (`splits × stride4` vec4s), when `splits > 1`. */
    partial: GPUBuffer | null;
    /** Vec4 distance between splits in `partial`. */
    stride4: number;
    /** Where to write the gradient w.r.t. the input (standalone MLPs only). */
    inputGrad?: GPUBuffer;
  };
}

/** Forward and backward dispatches of one MLP over fixed buffers. */
export class MlpGraph {
  /** Outputs of each layer (`forwardRows × out4` vec4s). */
  readonly acts: GPUBuffer[] = [];
  /** Gradient w.r.t. each layer's pre-activation (`rows × out4`); the last one is the loss head's output. */
  readonly dz: GPUBuffer[] = [];
  /** Forward dispatches. */
  readonly forward: Dispatch[] = [];
  /** Backward dispatches (empty when the net is not trained). */
  readonly backward: Dispatch[] = [];
  /** Row splits of the weight gradients (1 means they are written to `grads` directly). */
  readonly splits: number;

  private constructor(splits: number) {
    this.splits = splits;
  }

  /** Allocates the activation buffers and builds the dispatches. */
  static async create(rt: GpuRuntime, arena: UniformArena, o: MlpGraphOptions): Promise<MlpGraph> {
    const { layers } = o.layout;
    const bw = o.backward;
    const split = bw ? rowSplits(bw.rows) : { splits: 1, chunk: 0 };
    const g = new MlpGraph(split.splits);
    for (const l of layers) {
      g.acts.push(rt.storage(o.forwardRows * l.out4 * 4, "activations"));
      if (bw) g.dz.push(rt.storage(bw.rows * l.out4 * 4, "pre-activation gradients"));
    }
    for (const [i, l] of layers.entries()) {
      const kernel = await rt.pipeline(KERNELS.linearForward, {
        ACT: l.act,
        CB: columnBlock(l.out4),
      });
      const input = i === 0 ? o.input : g.acts[i - 1];
      const params = arena.add([
        { u: o.forwardRows },
        { u: i === 0 ? o.inputOffset4 : 0 },
        { u: l.offset4 },
        { u: 0 },
        { u: l.in4 },
        { u: l.out4 },
      ]);
      const grid = rowMajorGrid(o.forwardRows, l.out4);
      g.forward.push(makeDispatch(rt, kernel, [params, input, o.params, g.acts[i]], grid));
    }
    if (!bw) return g;
    if (split.splits > 1 && !bw.partial) throw new RangeError("Row splits need a partial buffer");
    for (let i = layers.length - 1; i >= 0; i--) {
      const l = layers[i];
      const input = i === 0 ? o.input : g.acts[i - 1];
      const inputOffset4 = i === 0 ? o.inputOffset4 : 0;
      // [dW; db] of layer i (over row splits when the batch is large).
      const wKernel = await rt.pipeline(KERNELS.linearBackwardWeights, {
        CB: columnBlock(l.out4),
      });
      const direct = split.splits === 1;
      const wParams = arena.add([
        { u: bw.rows },
        { u: direct ? bw.rows : split.chunk },
        { u: inputOffset4 },
        { u: 0 },
        { u: l.offset4 },
        { u: direct ? 0 : bw.stride4 },
        { u: l.in4 },
        { u: l.out4 },
      ]);
      const out = direct ? bw.grads : bw.partial as GPUBuffer;
      const wGrid = weightGrid(l.in4, l.out4, split.splits);
      g.backward.push(makeDispatch(rt, wKernel, [wParams, input, g.dz[i], out], wGrid));
      // dZ of layer i − 1 (or the input gradient of a standalone MLP).
      const dx = i > 0 ? g.dz[i - 1] : bw.inputGrad;
      if (!dx) continue;
      const xKernel = await rt.pipeline(KERNELS.linearBackwardInput, {
        ACT_IN: i > 0 ? layers[i - 1].act : 0,
        CB: columnBlock(l.in4),
      });
      const xParams = arena.add([
        { u: bw.rows },
        { u: 0 },
        { u: l.offset4 },
        { u: inputOffset4 },
        { u: 0 },
        { u: l.in4 },
        { u: l.out4 },
      ]);
      const xGrid = rowMajorGrid(bw.rows, l.in4);
      g.backward.push(makeDispatch(rt, xKernel, [xParams, g.dz[i], o.params, input, dx], xGrid));
    }
    return g;
  }

  /** The output layer's activations. */
  get output(): GPUBuffer {
    return this.acts[this.acts.length - 1];
  }

  /** Frees the activation buffers. */
  destroy(): void {
    for (const b of [...this.acts, ...this.dz]) b.destroy();
  }
}
