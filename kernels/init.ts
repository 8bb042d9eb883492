/**
 * Parameter initialisation for MLPs and actor-critics, drawn from a seeded `Rng` on the host
 * (so a seed gives the same starting weights on every backend).
 * @module
 */

import type { Rng } from "../core/rng.ts";
import { actorCriticLayout, type ActorCriticShape, mlpLayers, paramCount } from "./layout.ts";
import type { MlpSpec } from "./types.ts";

/**
 * How to initialise an MLP.
 *
 * - `"torch-default"`: `W` and `b` ~ U(−1/√in, 1/√in), which is what `torch.nn.Linear` ends up
 *   drawing (kaiming_uniform with a = √5 gives the same bound for `W`).
 * - `{ orthogonal: gains }`: each `W_l` a (semi-)orthogonal matrix times `gains[l]`, `b = 0`,
 *   as `torch.nn.init.orthogonal_` (CleanRL's `layer_init`); one gain per layer.
 */
export type InitScheme = "torch-default" | { orthogonal: readonly number[] };

/** The gain CleanRL uses for hidden layers of ReLU/tanh nets: √2. */
export const HIDDEN_GAIN: number = Math.SQRT2;

/**
 * Fresh parameters of `spec`, in the layout of `kernels/types.ts`. Written into `out` at
 * `offset` when given (and `out` returned), else into a new array.
 *
 * Draw order (part of reproducibility): layer by layer; torch-default draws `W` row-major then
 * `b`; orthogonal draws a `k × m` standard-normal matrix row-major (`k = min(in, out)`,
 * `m = max(in, out)`) and orthonormalises its rows.
 */
export function initMlpParams(
  spec: MlpSpec,
  rng: Rng,
  scheme: InitScheme,
  out?: Float32Array,
  offset = 0,
): Float32Array {
  const count = paramCount(spec);
  const params = out ?? new Float32Array(count);
  if (params.length < offset + count) {
    throw new RangeError(
      `Parameter array too short: need ${offset + count} values, got ${params.length}`,
    );
  }
  const layers = mlpLayers(spec, offset);
  if (scheme !== "torch-default" && scheme.orthogonal.length !== layers.length) {
    throw new RangeError(
      `Orthogonal init needs one gain per layer (${layers.length}), got ${scheme.orthogonal.length}`,
    );
  }
  layers.forEach((layer, l) => {
    const { inSize, outSize, weightOffset, biasOffset } = layer;
    if (scheme === "torch-default") {
      const bound = 1 / Math.sqrt(inSize);
      for (let k = 0; k < inSize * outSize; k++) {
        params[weightOffset + k] = rng.uniform(-bound, bound);
      }
      for (let j = 0; j < outSize; j++) params[biasOffset + j] = rng.uniform(-bound, bound);
    } else {
      const q = orthonormalRows(Math.min(inSize, outSize), Math.max(inSize, outSize), rng);
      const gain = scheme.orthogonal[l];
      const m = Math.max(inSize, outSize);
      for (let i = 0; i < inSize; i++) {
        for (let j = 0; j < outSize; j++) {
          // Rows of q run along the longer dimension: W's columns when in ≥ out, else its rows.
          const v = inSize >= outSize ? q[j * m + i] : q[i * m + j];
          params[weightOffset + i * outSize + j] = gain * v;
        }
      }
      params.fill(0, biasOffset, biasOffset + outSize);
    }
  });
  return params;
}

/**
 * `k` orthonormal vectors of length `m ≥ k` (row-major `k × m`), by modified Gram-Schmidt on a
 * standard-normal matrix — the Q of its QR decomposition with the signs that make `diag(R)`
 * positive, which is what torch's orthogonal init returns. Re-orthogonalised once
 * ("twice is enough") so the result is orthonormal to float64 precision.
 */
function orthonormalRows(k: number, m: number, rng: Rng): Float64Array {
  const q = new Float64Array(k * m);
  for (let t = 0; t < k * m; t++) q[t] = rng.normal();
  for (let r = 0; r < k; r++) {
    const ro = r * m;
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < r; p++) {
        const po = p * m;
        let dot = 0;
        for (let t = 0; t < m; t++) dot += q[ro + t] * q[po + t];
        for (let t = 0; t < m; t++) q[ro + t] -= dot * q[po + t];
      }
    }
    let norm = 0;
    for (let t = 0; t < m; t++) norm += q[ro + t] * q[ro + t];
    norm = Math.sqrt(norm);
    // A normal matrix is full rank with probability 1; guard the measure-zero case anyway.
    if (norm < 1e-12) throw new RangeError("Orthogonal init drew a degenerate matrix");
    for (let t = 0; t < m; t++) q[ro + t] /= norm;
  }
  return q;
}

/**
 * Fresh actor-critic parameters (layout of `actorCriticLayout`) with CleanRL's init: orthogonal
 * weights with gain √2 on hidden layers, 0.01 on the actor's output and 1 on the critic's,
 * zero biases, and every log-std set to `initLogStd` (continuous heads). Draws the actor first.
 */
export function initActorCriticParams(config: ActorCriticShape, rng: Rng): Float32Array {
  const layout = actorCriticLayout(config);
  const params = new Float32Array(layout.total);
  const hiddenGains = config.hidden.map(() => HIDDEN_GAIN);
  initMlpParams(layout.actor.spec, rng, { orthogonal: [...hiddenGains, 0.01] }, params, 0);
  initMlpParams(
    layout.critic.spec,
    rng,
    { orthogonal: [...hiddenGains, 1] },
    params,
    layout.critic.offset,
  );
  if (config.action.kind === "continuous") {
    params.fill(
      config.action.initLogStd,
      layout.logStd.offset,
      layout.logStd.offset + layout.logStd.count,
    );
  }
  return params;
}
