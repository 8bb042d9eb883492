import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import {
  buildParzenEstimator,
  defaultWeights,
  toExternal,
  toInternal,
} from "./_parzen_estimator.ts";
import { contains, parseParamSpec } from "./search_space.ts";

/**
 * Ground truth from Optuna v4.9.0 itself (run from its source tree):
 * `_ParzenEstimator({"p": obs}, {"p": dist}, _ParzenEstimatorParameters(prior_weight=1.0,
 * consider_magic_clip=True, consider_endpoints=False, weights=default_weights,
 * multivariate=False, categorical_distance_func={})).log_pdf({"p": xs})`, with `dist` the
 * Optuna distribution matching `spec` and `obs`/`xs` in internal form (choice indices). The
 * 40- and 30-observation cases exercise the `default_weights` ramp.
 */
const OPTUNA_CASES: {
  name: string;
  spec: unknown;
  obs: number[];
  xs: number[];
  logPdf: number[];
}[] = [
  {
    name: "uniform n=0",
    spec: { "uniform": [-2, 3] },
    obs: [],
    xs: [-2.0, 0.5, 3.0],
    logPdf: [-1.6934601119431507, -1.5684601119431507, -1.6934601119431507],
  },
  {
    name: "uniform n=1",
    spec: { "uniform": [-2, 3] },
    obs: [1.0],
    xs: [-2.0, 0.9, 1.0, 2.5],
    logPdf: [-1.8299123358277505, -1.5292295670946936, -1.529802168573036, -1.630558015479239],
  },
  {
    name: "uniform n=5",
    spec: { "uniform": [0, 1] },
    obs: [0.1, 0.15, 0.7, 0.72, 0.99],
    xs: [0.0, 0.12, 0.5, 0.71, 1.0],
    logPdf: [
      -0.056899922626669985,
      0.12420565817159812,
      -0.1574449821542634,
      0.0690596193792854,
      0.039597673491666874,
    ],
  },
  {
    name: "uniform n=40 ramp",
    spec: { "uniform": [0, 10] },
    obs: [
      5.507979025745755,
      7.081478226181048,
      2.9090473891294435,
      5.10827605197663,
      8.929469543476547,
      8.96293088933438,
      1.2558531046383625,
      2.0724287813818676,
      0.5146720330082988,
      4.408098436506364,
      0.29876210878566956,
      4.568332243947111,
      6.491440476147607,
      2.784872826479753,
      6.7625490198013125,
      5.908628174163509,
      0.23981882377165364,
      5.58854087990882,
      2.592524469074654,
      4.151011970100696,
      2.835250817713187,
      6.931379183129963,
      4.404537176707395,
      1.5686773847496327,
      5.446490180318447,
      7.80314764511367,
      3.0636353237617975,
      2.219578839321814,
      3.8797125755564874,
      9.363836498604304,
      9.759954224729338,
      6.723836759128137,
      9.02834108538398,
      8.457508712931793,
      3.7799404132888914,
      0.9221700887172424,
      6.534109025235361,
      5.578407623884509,
      3.615647630625781,
      2.250545048398319,
    ],
    xs: [
      4.065199163762486,
      4.689402486991691,
      2.692355782510613,
      2.917927742254326,
      4.57686399322978,
      8.605339129469264,
      5.862529044678214,
      2.834878624322098,
    ],
    logPdf: [
      -1.7975201797050806,
      -2.5133771053718466,
      -1.7255917948720623,
      -1.8341947378779193,
      -2.2187181924808375,
      -2.75728559198905,
      -2.255799373049973,
      -1.7423272141404542,
    ],
  },
  {
    name: "log_uniform n=6",
    spec: { "log_uniform": [1e-05, 0.1] },
    obs: [0.0001, 0.0003, 0.02, 1e-05, 0.005, 0.09],
    xs: [1e-05, 0.0002, 0.001, 0.05, 0.1],
    logPdf: [
      -2.3540639644143626,
      -2.2892188328347274,
      -2.415227944945367,
      -1.9629208258693662,
      -2.0594143013259973,
    ],
  },
  {
    name: "int n=4",
    spec: { "int": [4, 32] },
    obs: [4.0, 8.0, 8.0, 31.0],
    xs: [4.0, 5.0, 8.0, 16.0, 32.0],
    logPdf: [
      -2.7618474347023305,
      -2.7303715451309447,
      -2.788193632438971,
      -3.5739218203125205,
      -3.9383147885698904,
    ],
  },
  {
    name: "int_log n=5",
    spec: { "int_log": [1, 256] },
    obs: [1.0, 2.0, 64.0, 128.0, 200.0],
    xs: [1.0, 2.0, 3.0, 50.0, 256.0],
    logPdf: [
      -1.7261026857609503,
      -2.5543930650030457,
      -3.140832735618611,
      -5.66524839640794,
      -6.907524867796981,
    ],
  },
  {
    name: "int n=0",
    spec: { "int": [0, 3] },
    obs: [],
    xs: [0.0, 1.0, 2.0, 3.0],
    logPdf: [-1.4178650940614197, -1.3556899109015281, -1.3556899109015281, -1.4178650940614197],
  },
  {
    name: "choice n=3",
    spec: { "choice": ["a", "b", "c"] },
    obs: [0.0, 0.0, 2.0],
    xs: [0.0, 1.0, 2.0],
    logPdf: [-0.7419373447293773, -1.6582280766035324, -1.0986122886681098],
  },
  {
    name: "choice n=30 ramp",
    spec: { "choice": [32, 64, 128, 256] },
    obs: [
      3.0,
      0.0,
      3.0,
      1.0,
      1.0,
      2.0,
      0.0,
      1.0,
      1.0,
      0.0,
      1.0,
      0.0,
      2.0,
      2.0,
      0.0,
      0.0,
      2.0,
      0.0,
      0.0,
      0.0,
      3.0,
      2.0,
      2.0,
      0.0,
      0.0,
      3.0,
      1.0,
      1.0,
      1.0,
      0.0,
    ],
    xs: [0.0, 1.0, 2.0, 3.0],
    logPdf: [-0.9527015688577523, -1.2847261165871964, -1.503994101619839, -2.159911940411428],
  },
];

for (const c of OPTUNA_CASES) {
  Deno.test(`Parzen estimator log density matches Optuna 4.9.0: ${c.name}`, () => {
    const spec = parseParamSpec(c.spec, c.name);
    const got = buildParzenEstimator(spec, c.obs).logPdf(c.xs);
    got.forEach((v, i) => {
      assert.ok(
        Math.abs(v - c.logPdf[i]) <= 1e-12 * Math.max(1, Math.abs(c.logPdf[i])),
        `x = ${c.xs[i]}: got ${v}, Optuna ${c.logPdf[i]}`,
      );
    });
  });
}

Deno.test("Parzen sampling matches Optuna's sample moments (200000 Optuna draws)", () => {
  // Mean and std of `_ParzenEstimator.sample(np.random.RandomState(0), 200000)` for the cases
  // above (in log space for the log kinds); 40000 draws here put the mean within ~4 standard
  // errors of Optuna's for a correct sampler.
  const optuna: Record<string, [number, number]> = {
    "uniform n=1": [0.5596982212597323, 1.397156482606853],
    "uniform n=5": [0.5089149079700015, 0.29772782473710924],
    "uniform n=40 ramp": [4.732539351560256, 2.682080991606296],
    "log_uniform n=6": [-6.650926513577086, 2.753748678479276],
    "int n=4": [14.256155, 8.210872037486334],
    "int_log n=5": [2.845329482326937, 1.9376971415786208],
    "choice n=3": [0.8546, 0.8881772570832919],
    "choice n=30 ramp": [1.064935, 1.032016688709538],
  };
  const rng = new Rng(7);
  for (const c of OPTUNA_CASES) {
    if (!(c.name in optuna)) continue;
    const spec = parseParamSpec(c.spec, c.name);
    const n = 40000;
    const draws = buildParzenEstimator(spec, c.obs).sample(rng, n);
    const isLog = spec.kind === "log_uniform" || spec.kind === "int_log";
    const t = draws.map((x) => isLog ? Math.log(x) : x);
    const mean = t.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(t.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    const [m, s] = optuna[c.name];
    assert.ok(Math.abs(mean - m) < 4 * s / Math.sqrt(n), `${c.name}: mean ${mean} vs ${m}`);
    assert.ok(Math.abs(std - s) < 0.02 * s, `${c.name}: std ${std} vs ${s}`);
    for (const x of draws) assert.ok(contains(spec, toExternal(spec, x)), `${c.name}: ${x}`);
  }
});

Deno.test("Parzen densities are normalised: continuous integrate to 1, masses sum to 1", () => {
  const cont = OPTUNA_CASES.filter((c) => "uniform" in (c.spec as object));
  for (const c of cont) {
    const spec = parseParamSpec(c.spec, c.name);
    if (spec.kind !== "uniform") continue;
    const pe = buildParzenEstimator(spec, c.obs);
    const m = 20000, h = (spec.high - spec.low) / m;
    const xs = Array.from({ length: m }, (_, i) => spec.low + (i + 0.5) * h);
    const integral = pe.logPdf(xs).reduce((a, lp) => a + Math.exp(lp) * h, 0);
    assert.ok(Math.abs(integral - 1) < 1e-4, `${c.name}: ∫ = ${integral}`);
  }
  const ints = parseParamSpec({ int_log: [1, 256] }, "p");
  const pe = buildParzenEstimator(ints, [1, 2, 64, 128, 200]);
  const all = Array.from({ length: 256 }, (_, i) => i + 1);
  const total = pe.logPdf(all).reduce((a, lp) => a + Math.exp(lp), 0);
  assert.ok(Math.abs(total - 1) < 1e-12, `int_log masses sum to ${total}`);
  assert.deepEqual(pe.logPdf([0, 257]), [-Infinity, -Infinity]);
  const choice = parseParamSpec({ choice: ["a", "b", "c"] }, "p");
  const pc = buildParzenEstimator(choice, [0, 0, 2]);
  // Hand-worked: 3 kernels of weight 1/4 (each observation: 1 + 1/4 on its value, 1/4 on the
  // others, over 1.75) and the uniform prior of weight 1/4: P(a) = (2·(5/7) + 1/7 + 1/3) / 4.
  const probs = pc.logPdf([0, 1, 2]).map(Math.exp);
  assert.ok(Math.abs(probs[0] - (10 / 7 + 1 / 7 + 1 / 3) / 4) < 1e-15, `P(a) = ${probs[0]}`);
  assert.ok(Math.abs(probs.reduce((a, b) => a + b) - 1) < 1e-15);
});

Deno.test("defaultWeights: flat below 25, then a linear ramp for the oldest", () => {
  assert.deepEqual(defaultWeights(0), []);
  assert.deepEqual(defaultWeights(3), [1, 1, 1]);
  assert.deepEqual(defaultWeights(26), [1 / 26, ...new Array(25).fill(1)]);
  const w = defaultWeights(29); // linspace(1/29, 1, 4) then 25 ones
  const step = (1 - 1 / 29) / 3;
  [1 / 29, 1 / 29 + step, 1 / 29 + 2 * step, 1].forEach((v, i) => {
    assert.ok(Math.abs(w[i] - v) < 1e-15, `w[${i}] = ${w[i]}, expected ${v}`);
  });
  assert.equal(w.length, 29);
  assert.deepEqual(w.slice(4), new Array(25).fill(1));
});

Deno.test("toInternal / toExternal map choices to indices and keep numbers", () => {
  const choice = parseParamSpec({ choice: [32, "x", true] }, "p");
  assert.equal(toInternal(choice, "x"), 1);
  assert.equal(toExternal(choice, 2), true);
  const int = parseParamSpec({ int: [1, 9] }, "p");
  assert.equal(toInternal(int, 7), 7);
  assert.equal(toExternal(int, 7), 7);
});
