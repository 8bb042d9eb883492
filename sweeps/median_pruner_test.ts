import assert from "node:assert/strict";
import { MedianPruner, type MedianPrunerOptions, parseMedianPruner } from "./median_pruner.ts";
import type { Direction, TrialRecord } from "./sampler_types.ts";

const done = (intermediate: [number, number][]): TrialRecord => ({
  params: {},
  value: 0,
  state: "complete",
  intermediate,
});
/** Five complete trials that reported 1, 2, 3, 4, 5 at step 10 (median 3). */
const FIVE = [1, 2, 3, 4, 5].map((v) => done([[10, v]]));

// Hand-worked; every decision was also checked against Optuna 4.9.0's
// `MedianPruner(**options).prune(study, trial)` on a study holding the same trials.
const CASES: {
  name: string;
  direction?: Direction;
  completed: TrialRecord[];
  reports: [number, number][];
  options?: MedianPrunerOptions;
  prune: boolean;
}[] = [
  {
    name: "4 complete < 5 startup trials",
    completed: FIVE.slice(0, 4),
    reports: [[10, 0]],
    prune: false,
  },
  { name: "2.5 below the median 3 prunes", completed: FIVE, reports: [[10, 2.5]], prune: true },
  { name: "equal to the median keeps", completed: FIVE, reports: [[10, 3]], prune: false },
  { name: "above the median keeps", completed: FIVE, reports: [[10, 3.5]], prune: false },
  {
    name: "the best value so far counts, not the latest",
    completed: FIVE,
    reports: [[0, 10], [10, 2.5]],
    prune: false,
  },
  {
    name: "minimize: 2.5 is good",
    direction: "minimize",
    completed: FIVE,
    reports: [[10, 2.5]],
    prune: false,
  },
  {
    name: "minimize: 3.5 prunes",
    direction: "minimize",
    completed: FIVE,
    reports: [[10, 3.5]],
    prune: true,
  },
  {
    name: "even count: median of 1..6 is 3.5, 3.4 prunes",
    completed: [...FIVE, done([[10, 6]])],
    reports: [[10, 3.4]],
    prune: true,
  },
  {
    name: "even count: 3.5 keeps",
    completed: [...FIVE, done([[10, 6]])],
    reports: [[10, 3.5]],
    prune: false,
  },
  {
    name: "no complete trial reported at this step: keep",
    completed: [0, 1, 2, 3, 4].map((v) => done([[20, v]])),
    reports: [[10, -100]],
    prune: false,
  },
  {
    name: "before warmup_steps: keep",
    completed: [0, 1, 2, 3, 4].map((v) => done([[40000, v], [50000, v]])),
    reports: [[40000, -1]],
    options: { warmupSteps: 50000 },
    prune: false,
  },
  {
    name: "at warmup_steps: may prune",
    completed: [0, 1, 2, 3, 4].map((v) => done([[40000, v], [50000, v]])),
    reports: [[40000, -1], [50000, -1]],
    options: { warmupSteps: 50000 },
    prune: true,
  },
  {
    name: "interval 10000: a report between check points is not checked",
    completed: new Array(5).fill(done([[0, 5], [5000, 5], [10000, 5]])),
    reports: [[0, 6], [5000, -1]],
    options: { intervalSteps: 10000 },
    prune: false,
  },
  {
    name: "interval 10000: the first report at a check point is checked",
    completed: new Array(5).fill(done([[0, 5], [5000, 5], [10000, 5]])),
    reports: [[0, -1], [5000, -1], [10000, -1]],
    options: { intervalSteps: 10000 },
    prune: true,
  },
  {
    name: "interval 10000: a trial's first report is always checked",
    completed: new Array(5).fill(done([[0, 5], [5000, 5], [10000, 5]])),
    reports: [[5000, -1]],
    options: { intervalSteps: 10000 },
    prune: true,
  },
  {
    name: "a trial that reported only NaN prunes",
    completed: FIVE,
    reports: [[10, NaN]],
    prune: true,
  },
  {
    name: "NaN reports are skipped in the best value",
    completed: FIVE,
    reports: [[0, NaN], [10, 4]],
    prune: false,
  },
  {
    name: "NaN values of complete trials are left out of the median (median of 1, 2, 3)",
    completed: [...FIVE.slice(0, 3), done([[10, NaN]]), done([[10, NaN]])],
    reports: [[10, 1.5]],
    prune: true,
  },
  {
    name: "min_trials 3: only 2 complete trials reported at the step",
    completed: [...FIVE.slice(0, 2), ...new Array(3).fill(done([[20, 1]]))],
    reports: [[10, 0]],
    options: { minTrials: 3 },
    prune: false,
  },
  {
    name: "pruned, failed, running and NaN-valued trials are not complete",
    completed: [
      ...FIVE.slice(0, 4),
      { params: {}, value: null, state: "pruned", intermediate: [[10, 9]] },
      { params: {}, value: null, state: "failed", intermediate: [[10, 9]] },
      { params: {}, value: null, state: "running", intermediate: [[10, 9]] },
      { params: {}, value: NaN, state: "complete", intermediate: [[10, 9]] },
    ],
    reports: [[10, 0]],
    prune: false,
  },
  {
    name: "startup 0 but nothing complete: keep",
    completed: [],
    reports: [[10, 0]],
    options: { startupTrials: 0 },
    prune: false,
  },
  {
    name: "a repeated step keeps its first value (3 ≥ median)",
    completed: FIVE,
    reports: [[10, 3], [10, 0]],
    prune: false,
  },
];

for (const c of CASES) {
  Deno.test(`MedianPruner: ${c.name}`, () => {
    const pruner = new MedianPruner(c.options);
    const trial: TrialRecord = {
      params: {},
      value: null,
      state: "running",
      intermediate: c.reports,
    };
    assert.equal(
      pruner.shouldPrune(trial, [...c.completed, trial], c.direction ?? "maximize"),
      c.prune,
    );
  });
}

Deno.test("MedianPruner: a trial with no reports is kept", () => {
  assert.equal(new MedianPruner().shouldPrune({}, FIVE, "maximize"), false);
});

Deno.test("MedianPruner defaults are Optuna's; bad options are rejected", () => {
  const p = new MedianPruner();
  assert.deepEqual(
    [p.startupTrials, p.warmupSteps, p.intervalSteps, p.minTrials],
    [5, 0, 1, 1],
  );
  assert.throws(() => new MedianPruner({ startupTrials: -1 }), RangeError);
  assert.throws(() => new MedianPruner({ warmupSteps: 1.5 }), RangeError);
  assert.throws(() => new MedianPruner({ intervalSteps: 0 }), RangeError);
  assert.throws(() => new MedianPruner({ minTrials: 0 }), RangeError);
});

Deno.test("parseMedianPruner reads the sweep file's snake_case keys", () => {
  const p = parseMedianPruner({ startup_trials: 3, warmup_steps: 50000 });
  assert.deepEqual([p.startupTrials, p.warmupSteps, p.intervalSteps, p.minTrials], [
    3,
    50000,
    1,
    1,
  ]);
  const q = parseMedianPruner({ interval_steps: 10000, min_trials: 2 });
  assert.deepEqual([q.startupTrials, q.warmupSteps, q.intervalSteps, q.minTrials], [
    5,
    0,
    10000,
    2,
  ]);
  assert.throws(() => parseMedianPruner({ startup_trials: -2 }), {
    name: "RangeError",
    message: "pruner.median.startup_trials must be an integer >= 0, got -2",
  });
  assert.throws(() => parseMedianPruner({ warmup: 5 }), {
    name: "RangeError",
    message: 'pruner.median: unknown key "warmup", expected startup_trials, warmup_steps, ' +
      "interval_steps, min_trials",
  });
  assert.throws(() => parseMedianPruner({ warmup_steps: "50000" }), RangeError);
  assert.throws(() => parseMedianPruner([5]), TypeError);
});
