import assert from "node:assert/strict";
import { ExplorationHolds } from "./exploration_hold.ts";

Deno.test("hold durations follow the zeta law: μ 2 on 1..3 by hand", () => {
  // Weights 1, 1/4, 1/9 (sum 49/36): CDF 36/49 = 0.7347, 45/49 = 0.9184, 1.
  const holds = new ExplorationHolds(1, 2, 3);
  assert.deepEqual([0, 0.7346, 0.7348, 0.9183, 0.9185, 0.99999].map((u) => holds.duration(u)), [
    1,
    1,
    2,
    2,
    3,
    3,
  ]);
  // On 1..1000, μ 2: P(1) = 1 / Σ n⁻² ≈ 0.608, P(n ≥ 25) ≈ (1/24.5 − 1/1000.5) · 0.608 ≈ 0.0242.
  const long = new ExplorationHolds(1, 2);
  let ones = 0, atLeast25 = 0;
  for (let k = 0; k < 100_000; k++) {
    const n = long.duration((k + 0.5) / 100_000);
    if (n === 1) ones++;
    if (n >= 25) atLeast25++;
  }
  assert.ok(Math.abs(ones / 1e5 - 0.608) < 0.002, `${ones}`);
  assert.ok(Math.abs(atLeast25 / 1e5 - 0.0242) < 0.001, `${atLeast25}`);
  assert.throws(() => new ExplorationHolds(1, 1), /The hold exponent must be > 1, got 1/);
});

Deno.test("a held action repeats for its duration, per env, and ends with the episode", () => {
  const holds = new ExplorationHolds(2, 2, 3);
  assert.equal(holds.next(0), -1);
  holds.start(0, 3, 0.95); // 3 steps: this one and 2 more
  holds.start(1, 1, 0.1); // 1 step: this one only
  assert.deepEqual([holds.next(0), holds.next(1)], [3, -1]);
  const saved = holds.toJSON();
  assert.deepEqual(saved, { action: [3, 1], left: [1, 0] });
  assert.deepEqual([holds.next(0), holds.next(0)], [3, -1]);
  holds.restore(saved);
  holds.end(1);
  assert.equal(holds.next(0), 3);
  holds.start(1, 2, 0.8);
  holds.end(1);
  assert.equal(holds.next(1), -1);
  assert.throws(
    () => holds.restore({ action: [1], left: [0] }),
    /Saved holds are for 1 envs, not 2/,
  );
});
