/**
 * The padded parameter layout the WGSL kernels use on the device. Every width is rounded up to
 * a multiple of 4 so that each row is a whole number of vec4s; the extra weights and biases
 * are zero, produce zero outputs and receive zero gradients, so they stay zero through Adam,
 * clipping and target updates. The flat layout of `kernels/types.ts` is what crosses the API:
 * `pack*` and `unpack*` convert on the host when parameters are uploaded or read back.
 * @module
 */

import type { Activation, MlpSpec } from "../types.ts";
import { mlpLayers } from "../layout.ts";

/** `n` rounded up to a multiple of 4. */
export function ceil4(n: number): number {
  return (n + 3) & ~3;
}

/** Activation codes of the WGSL kernels. */
export const ACTIVATION_CODE: Readonly<Record<Activation, number>> = {
  identity: 0,
  relu: 1,
  tanh: 2,
};

/** One dense layer in the padded layout (offsets and sizes in vec4s). */
export interface GpuLayer {
  /** Real input width. */
  inSize: number;
  /** Real output width. */
  outSize: number;
  /** Padded input width / 4. */
  in4: number;
  /** Padded output width / 4. */
  out4: number;
  /** Activation code of the output. */
  act: number;
  /** Vec4 offset of `W` (`4·in4` rows of `out4` vec4s), followed by the bias row. */
  offset4: number;
  /** Offset of `W` in the flat layout. */
  flatWeight: number;
  /** Offset of `b` in the flat layout. */
  flatBias: number;
}

/** An MLP in the padded layout. */
export interface GpuMlpLayout {
  /** Architecture. */
  spec: MlpSpec;
  /** Layers in order. */
  layers: GpuLayer[];
  /** Vec4 offset of the first layer. */
  offset4: number;
  /** Vec4s the MLP occupies. */
  count4: number;
}

/** Vec4s of a padded layer block: `4·in4` weight rows plus the bias row, `out4` vec4s each. */
export function layerCount4(in4: number, out4: number): number {
  return (4 * in4 + 1) * out4;
}

/** The padded layout of `spec` starting at vec4 `offset4`, flat layout at `flatOffset`. */
export function gpuMlpLayout(spec: MlpSpec, offset4 = 0, flatOffset = 0): GpuMlpLayout {
  let at = offset4;
  const layers = mlpLayers(spec, flatOffset).map((l) => {
    const in4 = ceil4(l.inSize) / 4;
    const out4 = ceil4(l.outSize) / 4;
    const layer: GpuLayer = {
      inSize: l.inSize,
      outSize: l.outSize,
      in4,
      out4,
      act: ACTIVATION_CODE[l.activation],
      offset4: at,
      flatWeight: l.weightOffset,
      flatBias: l.biasOffset,
    };
    at += layerCount4(in4, out4);
    return layer;
  });
  return { spec, layers, offset4, count4: at - offset4 };
}

/** Copies an MLP's flat parameters into the padded vector `padded` (pads stay untouched). */
export function packMlp(layout: GpuMlpLayout, flat: Float32Array, padded: Float32Array): void {
  for (const l of layout.layers) {
    const base = l.offset4 * 4;
    const stride = l.out4 * 4;
    for (let i = 0; i < l.inSize; i++) {
      const src = l.flatWeight + i * l.outSize;
      padded.set(flat.subarray(src, src + l.outSize), base + i * stride);
    }
    padded.set(flat.subarray(l.flatBias, l.flatBias + l.outSize), base + 4 * l.in4 * stride);
  }
}

/** Copies an MLP's parameters out of the padded vector into the flat vector `flat`. */
export function unpackMlp(layout: GpuMlpLayout, padded: Float32Array, flat: Float32Array): void {
  for (const l of layout.layers) {
    const base = l.offset4 * 4;
    const stride = l.out4 * 4;
    for (let i = 0; i < l.inSize; i++) {
      const src = base + i * stride;
      flat.set(padded.subarray(src, src + l.outSize), l.flatWeight + i * l.outSize);
    }
    const bias = base + 4 * l.in4 * stride;
    flat.set(padded.subarray(bias, bias + l.outSize), l.flatBias);
  }
}

/** A new `rows × ceil4(width)` copy of `rows` rows of width `width` (zero padding). */
export function padRows(src: Float32Array, rows: number, width: number): Float32Array<ArrayBuffer> {
  const w4 = ceil4(width);
  const dst = new Float32Array(rows * w4);
  if (w4 === width) {
    dst.set(src.subarray(0, rows * width));
    return dst;
  }
  for (let r = 0; r < rows; r++) dst.set(src.subarray(r * width, (r + 1) * width), r * w4);
  return dst;
}

/** Copies `rows` padded rows (width `ceil4(width)`) into a dense `rows × width` array. */
export function unpadRows(src: Float32Array, rows: number, width: number): Float32Array {
  const w4 = ceil4(width);
  if (w4 === width) return src.slice(0, rows * width);
  const dst = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) dst.set(src.subarray(r * w4, r * w4 + width), r * width);
  return dst;
}
