import assert from "node:assert/strict";
import { MeasuredChoice, type Way } from "./measured_choice.ts";

/**
 * Runs `n` choices, way `w`'s `k`-th run (from 0) of run `i` costing `cost(w, k, i)`;
 * returns the ways taken.
 */
function run(
  choice: MeasuredChoice,
  n: number,
  cost: (way: Way, k: number, i: number) => number,
): Way[] {
  const ways: Way[] = [], runs = [0, 0];
  for (let i = 0; i < n; i++) {
    const way = choice.next();
    ways.push(way);
    choice.record(way, cost(way, runs[way]++, i));
  }
  return ways;
}

Deno.test("MeasuredChoice warms up and times each way, keeps the faster, probes the other", () => {
  const choice = new MeasuredChoice(4);
  // Way 1 is faster; the warm-ups (not counted) say the opposite.
  // Probes after 4 runs of the faster way, then after 8.
  const ways = run(choice, 20, (way, k) => k === 0 ? [1, 9][way] : [5, 2][way]);
  const [warm, chosen] = [[0, 0, 1, 1], [1, 1, 1, 1]];
  assert.deepEqual(ways, [...warm, ...chosen, 0, ...chosen, ...chosen, 0, 1, 1]);
  assert.deepEqual(choice.timings, [5, 2]);
});

Deno.test("MeasuredChoice notices when the load makes the other way faster", () => {
  const choice = new MeasuredChoice(3);
  // Way 1 is faster until run 8, then 4× slower than way 0 (another job took a core).
  // Way 0 from run 9; way 1 probed after 3 runs, then after 6.
  const ways = run(choice, 20, (way, _k, i) => way === 0 ? 4 : i < 8 ? 2 : 16);
  assert.deepEqual(ways, [0, 0, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(choice.timings, [4, 16]);
  assert.throws(() => new MeasuredChoice(1), /probeEvery must be an integer ≥ 2, got 1/);
});
