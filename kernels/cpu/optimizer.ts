/**
 * The optimizer phase of a CPU learner's gradient step, shared by every CPU learner: one Adam
 * step count and one global-norm clip over all the parameters a learner trains, whether they
 * sit in an MLP trained by the WebAssembly kernels or in a small host vector (a Gaussian's
 * log-std); and the learner's parameters and Adam state as one flat vector at the offsets of
 * its layout (`kernels/layout.ts`), for `getState` / `setState` and checkpoints.
 * @module
 */

import type { AdamConfig, LearnerState } from "../types.ts";
import type { WasmMlpTrainer } from "../wasm/mlp.ts";
import { adamUpdate } from "./optim.ts";

/** A few parameters trained outside any MLP, with their gradients and Adam moments. */
export class HostParams {
  /** The parameters. */
  readonly params: Float32Array;
  /** Their gradients (written by the loss). */
  readonly grads: Float64Array;
  /** Adam's first moments. */
  readonly m: Float32Array;
  /** Adam's second moments. */
  readonly v: Float32Array;

  /** A copy of `initial` with zero gradients and moments. */
  constructor(initial: Float32Array) {
    this.params = initial.slice();
    this.grads = new Float64Array(initial.length);
    this.m = new Float32Array(initial.length);
    this.v = new Float32Array(initial.length);
  }
}

/**
 * A block trained in another thread (`critic_thread.ts`): the optimizer takes its gradients'
 * `Σ g²` into the global norm and hands it the clip scale; the thread zeroes its gradients
 * and takes its Adam step itself.
 */
export interface RemoteBlock {
  /** Number of parameters. */
  readonly paramCount: number;
  /** `Σ g²` of this step's gradients (waiting for the other thread). */
  gradSquaredNorm(): number;
  /** Lets the other thread scale its gradients by `scale` and take its Adam step. */
  step(scale: number): void;
  /** A copy of the parameters. */
  getParams(): Float32Array;
  /** Copies of the parameters and Adam moments. */
  getState(): Pick<LearnerState, "params" | "adamM" | "adamV">;
  /** Replaces parameters, moments and step count. */
  setState(state: LearnerState): void;
}

/** Where one block of a learner's trained parameters lives and what holds it. */
export type TrainedBlock =
  | { offset: number; net: WasmMlpTrainer }
  | { offset: number; host: HostParams }
  | { offset: number; remote: RemoteBlock };

function blockSize(b: TrainedBlock): number {
  return "host" in b ? b.host.params.length : "net" in b ? b.net.paramCount : b.remote.paramCount;
}

/** Clipping and Adam over every trained block of a learner, with one step count. */
export class CpuOptimizer {
  /** Length of the flat parameter vector the blocks tile. */
  readonly count: number;
  readonly #blocks: TrainedBlock[];
  #step = 0;

  /** An optimizer over `blocks`, which must tile `[0, count)` without overlapping. */
  constructor(blocks: readonly TrainedBlock[]) {
    const sorted = [...blocks].sort((a, b) => a.offset - b.offset);
    let at = 0;
    for (const b of sorted) {
      if (b.offset !== at) {
        throw new RangeError(`Trained blocks must tile the parameters: a gap or overlap at ${at}`);
      }
      at += blockSize(b);
    }
    this.count = at;
    this.#blocks = sorted;
  }

  /**
   * Puts `block` in place of the block at its offset, which must be of the same size (the
   * same parameters moving between this thread and another; their state moves with them).
   */
  replace(block: TrainedBlock): void {
    const at = this.#blocks.findIndex((b) => b.offset === block.offset);
    if (at < 0 || blockSize(this.#blocks[at]) !== blockSize(block)) {
      throw new RangeError(`No trained block of ${blockSize(block)} parameters at ${block.offset}`);
    }
    this.#blocks[at] = block;
  }

  /** Adam steps taken (the `t` of the last bias correction). */
  get adamStep(): number {
    return this.#step;
  }

  /** Sets every stored gradient to zero (the nets accumulate). */
  zeroGrads(): void {
    for (const b of this.#blocks) {
      if ("net" in b) b.net.zeroGrads();
      else if ("host" in b) b.host.grads.fill(0);
    }
  }

  /**
   * One optimizer step on the stored gradients: PyTorch's `clip_grad_norm_` over all blocks
   * together (scale by `min(1, maxGradNorm / (norm + 1e-6))`; `null` skips it), then Adam
   * step `t + 1` at `lr` on every block. Returns the gradient norm before clipping.
   */
  step(adam: AdamConfig, lr: number, maxGradNorm: number | null): number {
    let squares = 0;
    for (const b of this.#blocks) {
      if ("net" in b) squares += b.net.gradSquaredNorm();
      else if ("remote" in b) squares += b.remote.gradSquaredNorm();
      else for (const g of b.host.grads) squares += g * g;
    }
    const norm = Math.sqrt(squares);
    const scale = maxGradNorm === null ? 1 : Math.min(1, maxGradNorm / (norm + 1e-6));
    this.#step++;
    for (const b of this.#blocks) {
      if ("net" in b) {
        if (scale < 1) b.net.scaleGrads(scale);
        b.net.adamStep(adam, lr);
      } else if ("remote" in b) {
        b.remote.step(scale);
      } else {
        const h = b.host;
        if (scale < 1) { for (let k = 0; k < h.grads.length; k++) h.grads[k] *= scale; }
        adamUpdate(h.params, h.grads, h.m, h.v, this.#step, adam, lr);
      }
    }
    return norm;
  }

  /** A copy of all parameters, as one vector. */
  params(): Float32Array {
    const out = new Float32Array(this.count);
    for (const b of this.#blocks) {
      out.set(
        "host" in b ? b.host.params : "net" in b ? b.net.getParams() : b.remote.getParams(),
        b.offset,
      );
    }
    return out;
  }

  /** Parameters, Adam moments and step count, as flat vectors (copies). */
  state(): LearnerState {
    const state: LearnerState = {
      params: new Float32Array(this.count),
      adamM: new Float32Array(this.count),
      adamV: new Float32Array(this.count),
      adamStep: this.#step,
    };
    for (const b of this.#blocks) {
      const s = "host" in b
        ? { params: b.host.params, adamM: b.host.m, adamV: b.host.v }
        : "net" in b
        ? b.net.getState()
        : b.remote.getState();
      state.params.set(s.params, b.offset);
      state.adamM.set(s.adamM, b.offset);
      state.adamV.set(s.adamV, b.offset);
    }
    return state;
  }

  /** Replaces parameters, moments and step count (arrays of `count` values, checked by the caller). */
  setState(state: LearnerState): void {
    for (const b of this.#blocks) {
      const end = b.offset + blockSize(b);
      const params = state.params.subarray(b.offset, end);
      const adamM = state.adamM.subarray(b.offset, end);
      const adamV = state.adamV.subarray(b.offset, end);
      if ("net" in b) b.net.setState({ params, adamM, adamV, adamStep: state.adamStep });
      else if ("remote" in b) b.remote.setState({ params, adamM, adamV, adamStep: state.adamStep });
      else {
        b.host.params.set(params);
        b.host.m.set(adamM);
        b.host.v.set(adamV);
      }
    }
    this.#step = state.adamStep;
  }
}
