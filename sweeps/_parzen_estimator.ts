/**
 * The univariate Parzen estimator of Optuna's TPE (`optuna/samplers/_tpe/parzen_estimator.py`,
 * `_ParzenEstimator` with `multivariate=False`, and the batched kernels of
 * `probability_distributions.py`, Optuna v4.9.0, all at TPESampler defaults): a weighted mixture
 * of one kernel per observed value plus one prior kernel, for a single parameter.
 *
 * - Mixture weights: `default_weights(n)` over the observations in trial order (1 for the
 *   newest 25, a linear ramp from 1/n up for older ones), then the prior's `prior_weight = 1`,
 *   normalised.
 * - Numeric kernels (`_calculate_numerical_distributions`): normals truncated to the range,
 *   in log space for the log kinds; integer ranges are widened by half a step each side and a
 *   value's probability is the mass of its unit bin (`_BatchedDiscreteTrunc[Log]NormDistributions`).
 *   A kernel's sigma is the larger gap to its sorted neighbours (the range ends count as
 *   neighbours, except that with `consider_endpoints=False` the outermost kernels use their
 *   inner gap), clipped to [(high − low) / min(100, n + 2), high − low] (`consider_magic_clip`).
 *   The prior kernel sits mid-range with sigma = high − low.
 * - Choice kernels (`_calculate_categorical_distributions`): each observation puts 1 on its
 *   value plus `prior_weight / (n + 1)` on every value, normalised; the prior is uniform.
 *
 * Values cross this module in "internal" form, as Optuna's `to_internal_repr`: the number
 * itself, or the index of a choice.
 * @module
 */
import type { Rng } from "../core/rng.ts";
import { logGaussMass, normLogPdf, truncNormPpf } from "./_normal.ts";
import { clip, type ParamSpec, type ParamValue, roundToInt } from "./search_space.ts";

/** TPE's `prior_weight` default. */
const PRIOR_WEIGHT = 1;

/** A mixture density over one parameter's internal values. */
export interface ParzenEstimator {
  /** Draws `size` internal values: component indices first, then one quantile each. */
  sample(rng: Rng, size: number): number[];
  /** The log density (log mass for ints and choices) of each internal value. */
  logPdf(xs: readonly number[]): number[];
}

/** `value` in internal form: the index of a choice, the number otherwise. */
export function toInternal(spec: ParamSpec, value: ParamValue): number {
  return spec.kind === "choice" ? spec.values.indexOf(value) : value as number;
}

/** The parameter value of an internal value (inverse of {@link toInternal}). */
export function toExternal(spec: ParamSpec, x: number): ParamValue {
  return spec.kind === "choice" ? spec.values[x] : x;
}

/**
 * Optuna's `default_weights(n)`: ones for n < 25; otherwise `linspace(1/n, 1, n − 25)` for the
 * oldest n − 25 observations followed by 25 ones.
 */
export function defaultWeights(n: number): number[] {
  if (n < 25) return new Array(n).fill(1);
  const ramp = n - 25;
  const w: number[] = [];
  for (let i = 0; i < ramp; i++) {
    w.push(ramp === 1 ? 1 / n : i === ramp - 1 ? 1 : 1 / n + i * (1 - 1 / n) / (ramp - 1));
  }
  for (let i = 0; i < 25; i++) w.push(1);
  return w;
}

/** log of the normalised mixture weights: observations' default weights, then the prior. */
function logMixtureWeights(n: number): number[] {
  const w = n === 0 ? [1] : [...defaultWeights(n), PRIOR_WEIGHT];
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => Math.log(v / total));
}

/** Index of the component a uniform `u` ∈ [0, 1) picks from cumulative weights (numpy `choice`). */
function pickComponent(cdf: readonly number[], u: number): number {
  const x = u * cdf[cdf.length - 1];
  let i = 0;
  while (i < cdf.length - 1 && cdf[i] <= x) i++;
  return i;
}

/** log Σ exp(terms). */
function logSumExp(terms: readonly number[]): number {
  let m = -Infinity;
  for (const t of terms) if (t > m) m = t;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const t of terms) s += Math.exp(t - m);
  return m + Math.log(s);
}

/** Kernel sigmas for sorted-neighbour gaps, as `_calculate_numerical_distributions`. */
function kernelSigmas(mus: readonly number[], lo: number, hi: number): number[] {
  const n = mus.length;
  const order = mus.map((_, i) => i).sort((a, b) => mus[a] - mus[b]);
  const s = [lo, ...order.map((i) => mus[i]), hi];
  const sorted: number[] = [];
  for (let i = 0; i < n; i++) sorted.push(Math.max(s[i + 1] - s[i], s[i + 2] - s[i + 1]));
  if (n >= 2) {
    // consider_endpoints=False: the outermost kernels ignore the gap to the range end.
    sorted[0] = s[2] - s[1];
    sorted[n - 1] = s[n] - s[n - 1];
  }
  // consider_magic_clip: n observations + 1 prior kernel.
  const minSigma = (hi - lo) / Math.min(100, n + 2);
  const sigmas = new Array<number>(n);
  for (let i = 0; i < n; i++) sigmas[order[i]] = clip(sorted[i], minSigma, hi - lo);
  return sigmas;
}

/**
 * Builds the estimator of one parameter from its observed internal values (in trial order;
 * each must lie in `spec`).
 */
export function buildParzenEstimator(
  spec: ParamSpec,
  observations: readonly number[],
): ParzenEstimator {
  const logW = logMixtureWeights(observations.length);
  const cdf: number[] = [];
  let acc = 0;
  for (const lw of logW) cdf.push(acc += Math.exp(lw));
  const components = (rng: Rng, size: number): number[] =>
    Array.from({ length: size }, () => pickComponent(cdf, rng.random()));
  return spec.kind === "choice"
    ? choiceEstimator(spec.values.length, observations, logW, components)
    : numericEstimator(spec, observations, logW, components);
}

function choiceEstimator(
  nChoices: number,
  observations: readonly number[],
  logW: readonly number[],
  components: (rng: Rng, size: number) => number[],
): ParzenEstimator {
  const nKernels = observations.length + 1;
  // Row k: kernel k's probabilities over the choices (the last row, the prior, is uniform).
  const rows: number[][] = observations.map((obs) => {
    const row = new Array<number>(nChoices).fill(PRIOR_WEIGHT / nKernels);
    row[obs] += 1;
    const sum = 1 + nChoices * PRIOR_WEIGHT / nKernels;
    return row.map((p) => p / sum);
  });
  rows.push(new Array<number>(nChoices).fill(1 / nChoices));
  return {
    sample(rng, size) {
      const active = components(rng, size);
      return active.map((k) => {
        const u = rng.random();
        let cum = 0;
        for (let c = 0; c < nChoices - 1; c++) {
          cum += rows[k][c];
          if (!(cum < u)) return c;
        }
        return nChoices - 1;
      });
    },
    logPdf(xs) {
      return xs.map((x) => logSumExp(logW.map((lw, k) => lw + Math.log(rows[k][x]))));
    },
  };
}

function numericEstimator(
  spec: Exclude<ParamSpec, { kind: "choice" }>,
  observations: readonly number[],
  logW: readonly number[],
  components: (rng: Rng, size: number) => number[],
): ParzenEstimator {
  const isLog = spec.kind === "log_uniform" || spec.kind === "int_log";
  const intSpec = spec.kind === "int" || spec.kind === "int_log" ? spec : null;
  const isInt = intSpec !== null;
  const fwd = isLog ? Math.log : (x: number) => x;
  // The kernels live on the transformed range: log for the log kinds, ± half a step for ints.
  const half = isInt ? 0.5 : 0;
  const lo = fwd(spec.low - half);
  const hi = fwd(spec.high + half);
  const mus = observations.map(fwd);
  const sigmas = kernelSigmas(mus, lo, hi);
  mus.push(0.5 * (lo + hi));
  sigmas.push(hi - lo);
  // log of each kernel's mass on [lo, hi], the truncation normaliser.
  const logZ = mus.map((mu, k) => logGaussMass((lo - mu) / sigmas[k], (hi - mu) / sigmas[k]));
  const fromTransformed = (t: number): number => {
    const v = isLog ? Math.exp(t) : t;
    return intSpec ? roundToInt(v, intSpec) : clip(v, spec.low, spec.high);
  };
  return {
    sample(rng, size) {
      const active = components(rng, size);
      return active.map((k) => {
        const mu = mus[k], s = sigmas[k];
        const z = truncNormPpf(rng.random(), (lo - mu) / s, (hi - mu) / s);
        return fromTransformed(clip(mu + s * z, lo, hi));
      });
    },
    logPdf(xs) {
      return xs.map((x) => {
        if (!(spec.low <= x && x <= spec.high)) return -Infinity;
        if (isInt) {
          // Mass of the unit bin around x, relative to the widened range's mass.
          const e0 = fwd(x - 0.5), e1 = fwd(x + 0.5);
          return logSumExp(logW.map((lw, k) => {
            const mu = mus[k], s = sigmas[k];
            return lw + logGaussMass((e0 - mu) / s, (e1 - mu) / s) - logZ[k];
          }));
        }
        const t = fwd(x);
        return logSumExp(logW.map((lw, k) => {
          const s = sigmas[k];
          return lw + normLogPdf((t - mus[k]) / s) - logZ[k] - Math.log(s);
        }));
      });
    },
  };
}
