/**
 * The divergence guard: after every update the losses and the new parameters must be finite
 * in float32 (the precision the networks train and are saved in), else training stops with
 * status `diverged` and a message naming the metric, the step and the setting to look at.
 * The check runs before the new parameters replace the acting copy, so every checkpoint a
 * diverged run leaves holds the last finite parameters.
 * @module
 */
import type { Hyperparameters } from "./algorithm.ts";

/** Training stopped because a loss or a parameter stopped being finite. */
export class DivergenceError extends Error {
  /** The metric (or `parameters`) that was not finite. */
  readonly metric: string;
  /** Env step of the update. */
  readonly step: number;
  /** The offending value. */
  readonly value: number;

  /** Creates the error with its message. */
  constructor(metric: string, step: number, value: number, hint: string) {
    const what = Number.isFinite(value) ? `${value} (beyond float32)` : String(value);
    super(`${metric} became ${what} at step ${step.toLocaleString("en")}; ${hint}`);
    this.name = "DivergenceError";
    this.metric = metric;
    this.step = step;
    this.value = value;
  }
}

/** Whether `x` is a finite float32 value. */
function finite32(x: number): boolean {
  return Number.isFinite(Math.fround(x));
}

/** The setting most likely at fault, phrased for the user. */
export function divergenceHint(hyper: Hyperparameters): string {
  const lr = hyper.learningRate;
  const clip = typeof hyper.maxGradNorm === "number" && hyper.maxGradNorm === 0
    ? " or clip gradients with maxGradNorm"
    : "";
  return typeof lr === "number"
    ? `learningRate=${lr} is likely too large (lower it${clip})`
    : "lower the learning rate";
}

/**
 * Throws a {@link DivergenceError} if any of `metrics` (the update's losses) or `params` is
 * not finite in float32. `metrics` values that are NaN by definition when nothing was
 * computed must be left out by the caller.
 */
export function checkFinite(
  step: number,
  metrics: Readonly<Record<string, number>>,
  params: Float32Array,
  hyper: Hyperparameters,
): void {
  for (const [k, v] of Object.entries(metrics)) {
    if (!finite32(v)) throw new DivergenceError(k, step, v, divergenceHint(hyper));
  }
  for (let i = 0; i < params.length; i++) {
    if (!Number.isFinite(params[i])) {
      throw new DivergenceError(`parameters[${i}]`, step, params[i], divergenceHint(hyper));
    }
  }
}
