/**
 * Loading the MLP kernels: detects relaxed SIMD once (`WebAssembly.validate` on a tiny module
 * using `f32x4.relaxed_madd`), compiles each build at most once per process, and instantiates
 * it on a caller-owned memory with typed exports.
 * @module
 */

import { MLP_KERNELS_PLAIN, MLP_KERNELS_RELAXED, RELAXED_SIMD_PROBE } from "./mlp_kernels_wasm.ts";

/**
 * An input-gradient kernel: `dz` (`rows × n`), the transposed weights `wt` (`n × k`), the
 * layer's input activations `h` and the output `dx` (`rows × k`), as byte offsets.
 */
export type InputGradKernel = (
  dz: number,
  wt: number,
  h: number,
  dx: number,
  rows: number,
  k: number,
  n: number,
) => void;

/** The kernels' exports; pointers are byte offsets, sizes are float counts (see `mlp_kernels.ts`). */
export interface MlpKernels {
  /** `y = x·W + b`. */
  forward_identity(x: number, w: number, y: number, rows: number, k: number, n: number): void;
  /** `y = relu(x·W + b)`. */
  forward_relu(x: number, w: number, y: number, rows: number, k: number, n: number): void;
  /** `y = tanh(x·W + b)`. */
  forward_tanh(x: number, w: number, y: number, rows: number, k: number, n: number): void;
  /** `dx = dz·wt` (`wt` the transposed weights, so `dz·Wᵀ`); `h` is unused. */
  input_grad_identity: InputGradKernel;
  /** `dx = (dz·wt) ⊙ [h > 0]`. */
  input_grad_relu: InputGradKernel;
  /** `dx = (dz·wt) ⊙ (1 − h²)`. */
  input_grad_tanh: InputGradKernel;
  /** `g += xᵀ·dz`, then the bias gradient `g[k·n + j] += Σ_r dz[r, j]`. */
  weight_grad(x: number, dz: number, g: number, rows: number, k: number, n: number): void;
  /** `dz = dy ⊙ [y > 0]`. */
  act_grad_relu(dy: number, y: number, dz: number, count: number): void;
  /** `dz = dy ⊙ (1 − y²)`. */
  act_grad_tanh(dy: number, y: number, dz: number, count: number): void;
  /** `wt` (`n × k`) `= Wᵀ` for `W` `k × n`. */
  transpose(w: number, wt: number, k: number, n: number): void;
  /** One Adam(W) step over `count` floats. */
  adam(
    p: number,
    g: number,
    m: number,
    v: number,
    count: number,
    lr: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    eps: number,
    biasCorrection1: number,
    biasCorrection2: number,
    decay: number,
  ): void;
  /** `Σ g²` accumulated in float64. */
  sum_squares(g: number, count: number): number;
  /** `g *= s`. */
  scale(g: number, count: number, s: number): void;
  /** The kernels' vector tanh, elementwise. */
  tanh(x: number, y: number, count: number): void;
}

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let k = 0; k < s.length; k++) bytes[k] = s.charCodeAt(k);
  return bytes;
}

let relaxed: boolean | null = null;

/** Whether this engine validates relaxed SIMD (`f32x4.relaxed_madd`). */
export function hasRelaxedSimd(): boolean {
  relaxed ??= WebAssembly.validate(decode(RELAXED_SIMD_PROBE));
  return relaxed;
}

const compiled = new Map<boolean, WebAssembly.Module>();

/**
 * Instantiates the kernels on `memory`: the relaxed-SIMD build when `useRelaxed` (default: when
 * the engine has relaxed SIMD), else the plain-SIMD one.
 */
export function instantiateMlpKernels(
  memory: WebAssembly.Memory,
  useRelaxed: boolean = hasRelaxedSimd(),
): MlpKernels {
  if (useRelaxed && !hasRelaxedSimd()) {
    throw new TypeError("This WebAssembly engine has no relaxed SIMD; pass useRelaxed = false");
  }
  let module = compiled.get(useRelaxed);
  if (module === undefined) {
    const bytes = decode(useRelaxed ? MLP_KERNELS_RELAXED : MLP_KERNELS_PLAIN);
    if (!WebAssembly.validate(bytes)) {
      throw new TypeError("This WebAssembly engine lacks the 128-bit SIMD the MLP kernels need");
    }
    module = new WebAssembly.Module(bytes);
    compiled.set(useRelaxed, module);
  }
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as MlpKernels;
}
