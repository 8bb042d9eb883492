import assert from "node:assert/strict";
import { Rng } from "./rng.ts";

// Ground truth recorded from real numpy (see tests/fixtures/lunar_lander_v3/README.md).
import { REFERENCE_DIR } from "../tests/fixtures/reference.ts";

type RngCall = [
  phase: number,
  method: "uniform" | "integers",
  args: [number, number],
  size: number[] | null,
  count: number,
];
interface Episode {
  name: string;
  seed: number;
  policy: { type: string; policy_seed?: number };
  pcg64_state_after_seeding: { state: string; inc: string };
  rng_calls: RngCall[];
  rng_flat: number[];
  actions: unknown[];
}

function loadEpisodes(file: string): Episode[] {
  return JSON.parse(Deno.readTextFileSync(`${REFERENCE_DIR}/${file}`)).episodes;
}

for (const file of ["random.json", "heuristic.json", "variants.json"]) {
  Deno.test({
    name: `Rng matches numpy PCG64 state after seeding (${file})`,
    fn() {
      for (const ep of loadEpisodes(file)) {
        const { state, inc } = new Rng(ep.seed).getState();
        assert.equal(state, BigInt(ep.pcg64_state_after_seeding.state), ep.name);
        assert.equal(inc, BigInt(ep.pcg64_state_after_seeding.inc), ep.name);
      }
    },
  });

  Deno.test({
    name: `Rng replays every recorded Generator draw bit for bit (${file})`,
    fn() {
      for (const ep of loadEpisodes(file)) {
        const rng = new Rng(ep.seed);
        const got: number[] = [];
        for (const [, method, [low, high], size, count] of ep.rng_calls) {
          // A size=[12] call is 12 consecutive scalar draws in numpy.
          assert.equal(count, size === null ? 1 : size.reduce((a, b) => a * b, 1));
          for (let k = 0; k < count; k++) {
            got.push(method === "uniform" ? rng.uniform(low, high) : rng.integers(low, high));
          }
        }
        assert.deepEqual(got, ep.rng_flat, ep.name);
      }
    },
  });
}

Deno.test({
  name: "Rng reproduces the random policy's actions from default_rng(1000 + seed).integers(4)",
  fn() {
    const episodes = loadEpisodes("random.json");
    assert.equal(episodes.length, 10);
    for (const ep of episodes) {
      assert.equal(ep.policy.policy_seed, 1000 + ep.seed);
      const rng = new Rng(1000 + ep.seed);
      const actions = ep.actions.map(() => rng.integers(0, 4));
      assert.deepEqual(actions, ep.actions, ep.name);
    }
  },
});

// The values below were produced with numpy 2.4.6 (np.random.default_rng); they keep the core
// checks running where the reference files are absent and cover paths those files do not.

Deno.test("Rng seeding and random() match numpy for small, 2^53 and bigint seeds", () => {
  const cases: [number | bigint, string, string, number[]][] = [
    [0, "35399562948360463058890781895381311971", "87136372517582989555478159403783844777", [
      0.6369616873214543,
      0.2697867137638703,
      0.04097352393619469,
    ]],
    [42, "274674114334540486603088602300644985544", "332724090758049132448979897138935081983", [
      0.7739560485559633,
      0.4388784397520523,
      0.8585979199113825,
    ]],
    [
      2 ** 53,
      "126983038561577825474472253933660867980",
      "138280340325243425192210558381970879003",
      [
        0.2805046273908769,
        0.9779374368920574,
        0.8512899791330742,
      ],
    ],
    [
      2n ** 64n + 7n,
      "15310535316881678715230360771370476471",
      "247599863978702585085538759874576820603",
      [
        0.8331748283767769,
        0.4843365712551232,
        0.7256603335850057,
      ],
    ],
  ];
  for (const [seed, state, inc, draws] of cases) {
    const rng = new Rng(seed);
    assert.deepEqual(rng.getState(), {
      state: BigInt(state),
      inc: BigInt(inc),
      hasUint32: false,
      uinteger: 0,
    });
    assert.deepEqual([rng.random(), rng.random(), rng.random()], draws, `seed ${seed}`);
  }
});

Deno.test("Rng integers over 32-bit and 64-bit ranges match numpy, buffer state included", () => {
  const rng = new Rng(7);
  // A span of exactly 2^32 is low + next_uint32; wider spans use 64-bit Lemire.
  assert.deepEqual(
    [rng.integers(-5, 2 ** 32 - 5), rng.integers(-5, 2 ** 32 - 5), rng.integers(-5, 2 ** 32 - 5)],
    [4058335878, 2684764580, 2938530448],
  );
  assert.deepEqual(
    [rng.integers(0, 2 ** 40 + 3), rng.integers(0, 2 ** 40 + 3), rng.integers(0, 2 ** 40 + 3)],
    [852875435926, 247617924054, 330036320527],
  );
  assert.deepEqual(
    [rng.integers(-(2 ** 52), 2 ** 52), rng.integers(-(2 ** 52), 2 ** 52)],
    [3364670314979140, -4456173980011467],
  );
  assert.deepEqual(rng.getState(), {
    state: 139799895654695709117998950296139720747n,
    inc: 261136684632268670825940853076396136793n,
    hasUint32: true,
    uinteger: 3853503932,
  });
});

Deno.test("Rng integers rejection paths match numpy (32-bit and 64-bit Lemire)", () => {
  // Span 2^31 + 1 rejects about half the 32-bit draws.
  let rng = new Rng(99);
  let draws = Array.from({ length: 1000 }, () => rng.integers(-7, -7 + 2 ** 31 + 1));
  assert.deepEqual(draws.slice(0, 3), [2022759180, 1320494435, 1220379512]);
  assert.equal(draws.reduce((a, b) => a + b, 0), 1109737716844);
  assert.equal(rng.getState().state, 134730096841933056272524013687537691565n);
  // ceil(2^64 / 2049): 2^64 mod span is nearly span, so 1 in 2049 64-bit draws is rejected
  // (11 times in these 20000 draws).
  const span = 9002803354665472;
  rng = new Rng(100);
  draws = Array.from({ length: 20000 }, () => rng.integers(-3, -3 + span));
  assert.deepEqual(draws.slice(0, 2), [7517175424167528, 5370658595225689]);
  assert.equal(draws.reduce((a, b) => a + BigInt(b), 0n), 90123378649182800719n);
  assert.equal(rng.getState().state, 283875129177494112240219886550041028444n);
});

Deno.test("Rng nextUint32 hands out the low then the high half of each 64-bit draw", () => {
  // Same draws as integers(-5, 2^32 - 5) above, without the offset.
  const rng = new Rng(7);
  assert.deepEqual(
    [rng.nextUint32(), rng.nextUint32(), rng.nextUint32()],
    [4058335883, 2684764585, 2938530453],
  );
  assert.equal(rng.getState().hasUint32, true);
});

Deno.test("Rng keeps the buffered 32-bit half across random() as numpy does", () => {
  const rng = new Rng(5);
  const got = [rng.integers(0, 10), rng.random(), rng.integers(0, 10), rng.integers(0, 10)];
  assert.deepEqual(got, [6, 0.8079407897364937, 8, 4]);
  assert.deepEqual(rng.getState(), {
    state: 183030154680163767495168990019757852105n,
    inc: 233193750087604940414945475171846202189n,
    hasUint32: true,
    uinteger: 2213306431,
  });
});

Deno.test("Rng integers with a span of 1 returns low and draws nothing", () => {
  const rng = new Rng(1);
  const before = rng.getState();
  assert.equal(rng.integers(10, 11), 10);
  assert.deepEqual(rng.getState(), before);
});

Deno.test("Rng shuffle matches numpy's Generator.shuffle and is a permutation", () => {
  assert.deepEqual(
    new Rng(3).shuffle(Array.from({ length: 10 }, (_, i) => i)),
    [9, 6, 0, 2, 1, 4, 7, 5, 3, 8],
  );
  const rng = new Rng(11);
  for (const n of [0, 1, 2, 5, 100, 1000]) {
    const a = new Int32Array(n).map((_, i) => i);
    const shuffled = rng.shuffle(a);
    assert.equal(shuffled, a); // in place
    assert.deepEqual([...shuffled].sort((x, y) => x - y), [...Array(n).keys()]);
  }
});

Deno.test("Rng integers stays in range and is roughly uniform", () => {
  const rng = new Rng(123);
  const k = 7, n = 70_000;
  const counts = new Array(k).fill(0);
  for (let i = 0; i < n; i++) {
    const v = rng.integers(-3, -3 + k);
    assert.ok(Number.isInteger(v) && v >= -3 && v < -3 + k, `${v} out of range`);
    counts[v + 3]++;
  }
  // Each count is Binomial(n, 1/k): mean 10000, sd ≈ 92.6; allow 5 sd.
  for (const c of counts) assert.ok(Math.abs(c - n / k) < 5 * 92.6, `counts ${counts}`);
  for (let i = 0; i < 1000; i++) {
    const v = rng.integers(0, 2 ** 40);
    assert.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 40);
  }
});

Deno.test("Rng random and uniform stay in range", () => {
  const rng = new Rng(9);
  for (let i = 0; i < 10_000; i++) {
    const r = rng.random();
    assert.ok(r >= 0 && r < 1);
    const u = rng.uniform(-2, 3);
    assert.ok(u >= -2 && u < 3);
  }
});

Deno.test("Rng normal has roughly the requested mean and standard deviation", () => {
  const rng = new Rng(2024);
  const n = 100_000;
  let sum = 0, sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = rng.normal(3, 2);
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  const std = Math.sqrt(sumSq / n - mean * mean);
  // Standard errors: mean 2/sqrt(n) ≈ 0.0063, std ≈ 0.0045.
  assert.ok(Math.abs(mean - 3) < 0.03, `mean ${mean}`);
  assert.ok(Math.abs(std - 2) < 0.03, `std ${std}`);
  const z = new Rng(1).normal();
  assert.ok(Number.isFinite(z));
});

Deno.test("Rng getState/fromState round-trips, including a buffered half", () => {
  const rng = new Rng(77);
  rng.integers(0, 3); // leaves a buffered 32-bit half
  const saved = rng.getState();
  assert.equal(saved.hasUint32, true);
  const a = [rng.integers(0, 100), rng.random(), rng.integers(-9999, 9999), rng.uniform(-1, 1)];
  const restored = Rng.fromState(saved);
  const b = [
    restored.integers(0, 100),
    restored.random(),
    restored.integers(-9999, 9999),
    restored.uniform(-1, 1),
  ];
  assert.deepEqual(b, a);
  assert.deepEqual(restored.getState(), rng.getState());
  // Only state and inc (as numpy's state dict gives them): no buffered half.
  const plain = Rng.fromState({ state: saved.state, inc: saved.inc });
  assert.equal(plain.getState().hasUint32, false);
});

Deno.test("Rng without a seed draws from system entropy", () => {
  const a = new Rng(), b = new Rng();
  assert.notEqual(a.getState().state, b.getState().state);
  const r = a.random();
  assert.ok(r >= 0 && r < 1);
});

Deno.test("Rng rejects bad seeds with a RangeError naming the value", () => {
  for (const seed of [-1, 1.5, NaN, Infinity, 2 ** 53 + 2]) {
    assert.throws(
      () => new Rng(seed),
      (e: unknown) =>
        e instanceof RangeError && e.message.includes(String(seed)) &&
        e.message.includes("[0, 2^53]"),
    );
  }
  assert.throws(
    () => new Rng(-1n),
    (e: unknown) => e instanceof RangeError && /-1n/.test(String(e)),
  );
  assert.throws(() => new Rng("3" as unknown as number), TypeError);
});

Deno.test("Rng rejects bad integers/uniform arguments and bad states", () => {
  const rng = new Rng(0);
  const bad: [number, number][] = [
    [5, 5],
    [5, 4],
    [0.5, 3],
    [0, NaN],
    [0, 2 ** 53 + 2], // high not a safe integer
    [-(2 ** 52), 2 ** 52 + 1], // span 2^53 + 1
    [1 - 2 ** 53, 2], // span 2^53 + 1, which rounds to 2^53 in float64
  ];
  for (const [low, high] of bad) {
    assert.throws(
      () => rng.integers(low, high),
      (e: unknown) => e instanceof RangeError && e.message.includes(`low ${low}, high ${high}`),
    );
  }
  assert.throws(() => rng.uniform(0, Infinity), RangeError);
  assert.throws(() => rng.uniform(NaN, 1), RangeError);
  assert.throws(() => Rng.fromState({ state: 1n, inc: 2n }), RangeError);
  assert.throws(() => Rng.fromState({ state: -1n, inc: 1n }), RangeError);
  assert.throws(
    () => Rng.fromState({ state: 1n, inc: 1n, hasUint32: true, uinteger: 2 ** 32 }),
    RangeError,
  );
});
