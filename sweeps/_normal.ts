/**
 * Standard normal numerics for the TPE sampler's truncated-normal kernels: `log Φ(z)`, the log
 * mass `log(Φ(b) − Φ(a))` of an interval, and the truncated normal's inverse CDF. JavaScript
 * has no `erf`, so `erfc` is computed here: a positive-term series for erf below
 * {@link SERIES_LIMIT} and the continued fraction of erfc above it, both carried in log space so
 * the far tails neither underflow nor lose relative accuracy (the TPE acquisition is a ratio of
 * densities, so tail accuracy decides which candidate wins).
 *
 * The case split (left tail, right tail by symmetry, centre by `log1p`) and the Newton inversion
 * of `log Φ` follow what Optuna's `optuna/samplers/_tpe/_truncnorm.py` (v4.9.0: `_log_gauss_mass`,
 * `_ndtri_exp`, `ppf`) does, written independently from the mathematics.
 * @module
 */

const SQRT2 = Math.SQRT2;
const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const LOG_HALF = Math.log(0.5);
/** Below this x the erf series is used, above it the erfc continued fraction. */
const SERIES_LIMIT = 2.5;

/** erf(x) for 0 <= x < SERIES_LIMIT: (2/√π)·e^(−x²)·Σ x·(2x²)^n / (2n+1)!!, all terms positive. */
function erfSeries(x: number): number {
  const r = 2 * x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
    term *= r / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

/**
 * log erfc(x) for x >= SERIES_LIMIT from erfc(x) = e^(−x²) / (√π · F(x)) with the continued
 * fraction F(x) = x + (1/2)/(x + (2/2)/(x + (3/2)/(x + …))), evaluated by modified Lentz.
 */
function logErfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 1000; k++) {
    const a = k / 2;
    d = x + a * d;
    if (d === 0) d = tiny;
    d = 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -x * x - LOG_SQRT_PI - Math.log(f);
}

/** log erfc(x) for x >= 0. */
function logErfc(x: number): number {
  return x < SERIES_LIMIT ? Math.log1p(-erfSeries(x)) : logErfcContinuedFraction(x);
}

/** The standard normal CDF Φ(z). */
export function ndtr(z: number): number {
  if (z < 0) return 0.5 * Math.exp(logErfc(-z / SQRT2));
  return 1 - 0.5 * Math.exp(logErfc(z / SQRT2));
}

/** log Φ(z), accurate in both tails (about −z²/2 far left, about −Φ(−z) far right). */
export function logNdtr(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z === -Infinity) return -Infinity;
  if (z < 0) return LOG_HALF + logErfc(-z / SQRT2);
  if (z === Infinity) return 0;
  return Math.log1p(-0.5 * Math.exp(logErfc(z / SQRT2)));
}

/** The standard normal log density. */
export function normLogPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/** log(e^p − e^q) for q <= p. */
function logDiff(p: number, q: number): number {
  return q === -Infinity ? p : p + Math.log1p(-Math.exp(q - p));
}

/** log(e^p + e^q). */
function logAdd(p: number, q: number): number {
  const m = Math.max(p, q);
  return m === -Infinity ? -Infinity : m + Math.log(Math.exp(p - m) + Math.exp(q - m));
}

/**
 * log(Φ(b) − Φ(a)) for a <= b: the log probability that a standard normal falls in [a, b]
 * (−Infinity when a === b). Tails are taken on the left side, where `logNdtr` is exact.
 */
export function logGaussMass(a: number, b: number): number {
  if (!(a < b)) return a === b ? -Infinity : NaN;
  if (b <= 0) return logDiff(logNdtr(b), logNdtr(a));
  if (a > 0) return logDiff(logNdtr(-a), logNdtr(-b));
  // Centre: 1 − Φ(a) − Φ(−b) without the cancellation of Φ(b) − Φ(a) near 1.
  return Math.log1p(-ndtr(a) - ndtr(-b));
}

/**
 * The z with log Φ(z) = y (y <= 0), by Newton's method on log Φ. Values of y near 0 (z > 0) are
 * solved on the mirrored side, log Φ(−z) = log(1 − e^y), where log Φ is steep enough.
 */
export function ndtriExp(y: number): number {
  if (y >= 0) return Infinity;
  if (y === -Infinity) return -Infinity;
  if (y > -Math.LN2) return -ndtriExp(Math.log(-Math.expm1(y)));
  // Starting point: the tail asymptote far left, the logistic approximation of Φ otherwise.
  let z = y < -5 ? -Math.sqrt(-2 * (y + LOG_SQRT_2PI)) : -(Math.sqrt(3) / Math.PI) *
    Math.log(Math.expm1(-y));
  for (let i = 0; i < 100; i++) {
    const lz = logNdtr(z);
    // f(z) = log Φ(z) − y, f'(z) = φ(z)/Φ(z) = exp(log φ(z) − log Φ(z)).
    const dz = (lz - y) * Math.exp(lz - normLogPdf(z));
    z -= dz;
    if (Math.abs(dz) <= 1e-14 * Math.abs(z) + 1e-300) break;
  }
  return z;
}

/**
 * The quantile q ∈ [0, 1] of the standard normal truncated to [a, b] (a < b): the c in [a, b]
 * with Φ(c) = Φ(a) + q·(Φ(b) − Φ(a)), computed on the side of the left tail for accuracy.
 */
export function truncNormPpf(q: number, a: number, b: number): number {
  const logMass = logGaussMass(a, b);
  let c: number;
  if (a < 0) {
    c = ndtriExp(logAdd(logNdtr(a), Math.log(q) + logMass));
  } else {
    // Mirror: the quantile 1 − q of the normal truncated to [−b, −a], negated.
    c = -ndtriExp(logAdd(logNdtr(-b), Math.log1p(-q) + logMass));
  }
  return Math.min(b, Math.max(a, c));
}
