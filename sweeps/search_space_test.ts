import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import {
  contains,
  type ParamSpec,
  parseParamSpec,
  parseSearchSpace,
  sampleParam,
} from "./search_space.ts";

Deno.test("parseSearchSpace reads the issue's example section, keeping key order", () => {
  const space = parseSearchSpace({
    learningRate: { log_uniform: [1e-5, 1e-2] },
    batchSize: { choice: [32, 64, 128] },
    gamma: { uniform: [0.95, 0.999] },
    numEnvs: { int: [4, 32] },
    hidden: { int_log: [16, 512] },
  });
  assert.deepEqual(space, {
    learningRate: { kind: "log_uniform", low: 1e-5, high: 1e-2 },
    batchSize: { kind: "choice", values: [32, 64, 128] },
    gamma: { kind: "uniform", low: 0.95, high: 0.999 },
    numEnvs: { kind: "int", low: 4, high: 32 },
    hidden: { kind: "int_log", low: 16, high: 512 },
  });
  assert.deepEqual(Object.keys(space), ["learningRate", "batchSize", "gamma", "numEnvs", "hidden"]);
  assert.deepEqual(parseParamSpec({ choice: ["adam", true, 0.5] }, "p"), {
    kind: "choice",
    values: ["adam", true, 0.5],
  });
});

Deno.test("parse errors name the key, the bad value and what is accepted", () => {
  const cases: [unknown, ErrorConstructor, string][] = [
    [
      { log_uniform: [0, 1] },
      RangeError,
      "search.learningRate: log_uniform needs 0 < low < high, got [0, 1]",
    ],
    [
      { log_uniform: [1e-2, 1e-5] },
      RangeError,
      "search.learningRate: log_uniform needs 0 < low < high, got [0.01, 0.00001]",
    ],
    [
      { uniform: [1, 1] },
      RangeError,
      "search.learningRate: uniform needs finite low < high, got [1, 1]",
    ],
    [
      { int: [4, 32.5] },
      RangeError,
      "search.learningRate: int needs integers low < high, got [4, 32.5]",
    ],
    [
      { int_log: [0, 8] },
      RangeError,
      "search.learningRate: int_log needs integers 1 <= low < high, got [0, 8]",
    ],
    [
      { uniform: [0] },
      TypeError,
      "search.learningRate: uniform needs [low, high] (finite, low < high), got [0]",
    ],
    [
      { uniform: ["0", 1] },
      TypeError,
      'search.learningRate: uniform needs numbers [low, high] (finite, low < high), got ["0", 1]',
    ],
    [
      { normal: [0, 1] },
      RangeError,
      'search.learningRate: unknown distribution "normal", expected one of log_uniform, uniform, ' +
      "int, int_log, choice",
    ],
    [
      { uniform: [0, 1], int: [0, 1] },
      TypeError,
      "search.learningRate: expected exactly one distribution key (log_uniform, uniform, int, " +
      'int_log, choice), got "uniform", "int"',
    ],
    [
      [1e-5, 1e-2],
      TypeError,
      "search.learningRate: expected an object with one key (log_uniform, uniform, int, int_log, " +
      'choice), e.g. {"uniform": [0, 1]}, got [0.00001, 0.01]',
    ],
    [
      { choice: [] },
      TypeError,
      "search.learningRate: choice needs a non-empty array of numbers, strings or booleans, got []",
    ],
    [
      { choice: [32, null] },
      RangeError,
      "search.learningRate: choice values must be finite numbers, strings or booleans, got null " +
      "in [32, null]",
    ],
    [
      { choice: [32, 32] },
      RangeError,
      "search.learningRate: choice values must be distinct, got 32 twice",
    ],
  ];
  for (const [json, type, message] of cases) {
    assert.throws(() => parseSearchSpace({ learningRate: json }), { name: type.name, message });
  }
  assert.throws(() => parseSearchSpace({}), TypeError);
  assert.throws(() => parseSearchSpace(null), TypeError);
  assert.throws(() => parseParamSpec({ uniform: [0, Infinity] }, "p"), RangeError);
  assert.throws(() => parseParamSpec({ uniform: [NaN, 1] }, "p"), RangeError);
});

Deno.test("contains checks type, bounds (inclusive) and membership", () => {
  const lu: ParamSpec = { kind: "log_uniform", low: 1e-5, high: 1e-2 };
  assert.ok(contains(lu, 1e-5) && contains(lu, 1e-2) && contains(lu, 3e-4));
  assert.ok(!contains(lu, 0.1) && !contains(lu, "0.001") && !contains(lu, NaN));
  const int: ParamSpec = { kind: "int", low: 4, high: 32 };
  assert.ok(contains(int, 4) && contains(int, 32) && !contains(int, 4.5) && !contains(int, 33));
  const choice: ParamSpec = { kind: "choice", values: [32, "a", false] };
  assert.ok(contains(choice, 32) && contains(choice, "a") && contains(choice, false));
  assert.ok(!contains(choice, "32") && !contains(choice, 0) && !contains(choice, true));
});

const SPACE = parseSearchSpace({
  lr: { log_uniform: [1e-5, 1e-2] },
  gamma: { uniform: [0.95, 0.999] },
  numEnvs: { int: [4, 32] },
  hidden: { int_log: [1, 8] },
  batch: { choice: [32, 64, 128] },
});

Deno.test("sampleParam: every draw in bounds and of the right type; ints hit both ends", () => {
  const rng = new Rng(11);
  const seen = new Map<string, Set<unknown>>();
  for (let i = 0; i < 4000; i++) {
    for (const [name, spec] of Object.entries(SPACE)) {
      const v = sampleParam(spec, rng);
      assert.ok(contains(spec, v), `${name} = ${v}`);
      if (spec.kind !== "uniform" && spec.kind !== "log_uniform") {
        if (!seen.has(name)) seen.set(name, new Set());
        seen.get(name)!.add(v);
      }
    }
  }
  assert.equal(seen.get("numEnvs")!.size, 29); // 4..32 all drawn
  assert.equal(seen.get("hidden")!.size, 8);
  assert.deepEqual([...seen.get("batch")!].sort(), [128, 32, 64]);
});

Deno.test("sampleParam follows the distributions: uniform ints, log-uniform reals", () => {
  const rng = new Rng(3);
  const n = 30000;
  // int [4, 32]: each value ≈ 1/29 (half-step widening makes the ends as likely as the rest).
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const v = sampleParam(SPACE.numEnvs, rng) as number;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  for (const [v, c] of counts) assert.ok(Math.abs(c / n - 1 / 29) < 0.006, `P(${v}) = ${c / n}`);
  // log_uniform [1e-5, 1e-2]: each decade gets a third.
  let firstDecade = 0;
  for (let i = 0; i < n; i++) if ((sampleParam(SPACE.lr, rng) as number) < 1e-4) firstDecade++;
  assert.ok(Math.abs(firstDecade / n - 1 / 3) < 0.015, `P(lr < 1e-4) = ${firstDecade / n}`);
  // int_log [1, 8]: P(1) = ln(1.5/0.5) / ln(8.5/0.5).
  let ones = 0;
  for (let i = 0; i < n; i++) if (sampleParam(SPACE.hidden, rng) === 1) ones++;
  const p1 = Math.log(3) / Math.log(17);
  assert.ok(Math.abs(ones / n - p1) < 0.015, `P(hidden = 1) = ${ones / n}, expected ${p1}`);
});

Deno.test("sampleParam is deterministic for a seed; a uniform makes one draw", () => {
  const draw = (seed: number) => {
    const rng = new Rng(seed);
    return Array.from({ length: 20 }, () => Object.values(SPACE).map((s) => sampleParam(s, rng)));
  };
  assert.deepEqual(draw(5), draw(5));
  assert.notDeepEqual(draw(5), draw(6));
  const a = new Rng(9), b = new Rng(9);
  sampleParam(SPACE.gamma, a);
  b.random();
  assert.equal(a.random(), b.random());
});
