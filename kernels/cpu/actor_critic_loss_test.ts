import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import type { ActionHead } from "../types.ts";
import { assertClose, maxAbs, numericalGrad, randomArray } from "./_grad_check.ts";
import {
  actorCriticLoss,
  allocMinibatch,
  LossStat,
  type Minibatch,
  type PolicyLossSettings,
} from "./actor_critic_loss.ts";

const BATCH = 8;
const CLIP = 0.2;
// Ratios: clipped low, inside, inside, clipped high; advantages positive for the first four
// samples and negative for the last four, so every region of the PPO objective is visited.
const RATIOS = [0.5, 0.9, 1.1, 1.6];
const ADV = [1.5, 0.7, 1.2, 2.0, -1.5, -0.7, -1.2, -2.0];
// v − vOld: outside, inside, inside, outside the value clip.
const VALUE_SHIFTS = [-0.5, -0.1, 0.1, 0.5];

/** Naive log-probability of the taken action, written independently of the code under test. */
function naiveLogp(
  head: ActionHead,
  out: Float64Array,
  logStd: Float64Array,
  actions: Float32Array,
  i: number,
) {
  if (head.kind === "discrete") {
    const z = Array.from(out.subarray(i * head.n, (i + 1) * head.n));
    const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
    return {
      logp: z[actions[i]] - lse,
      entropy: -z.reduce((s, v) => s + Math.exp(v - lse) * (v - lse), 0),
    };
  }
  let logp = 0;
  let entropy = 0;
  for (let d = 0; d < head.dim; d++) {
    const sigma = Math.exp(logStd[d]);
    const mu = out[i * head.dim + d];
    const a = actions[i * head.dim + d];
    logp += Math.log(
      Math.exp(-((a - mu) ** 2) / (2 * sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI)),
    );
    entropy += 0.5 * Math.log(2 * Math.PI * Math.E * sigma * sigma);
  }
  return { logp, entropy };
}

interface Scenario {
  out: Float64Array;
  values: Float64Array;
  logStd: Float64Array;
  data: Minibatch;
}

function scenario(head: ActionHead, rng: Rng): Scenario {
  const size = head.kind === "discrete" ? head.n : head.dim;
  const out = randomArray(rng, BATCH * size, 1.5);
  const logStd = randomArray(rng, head.kind === "discrete" ? 0 : head.dim, 0.5);
  const values = randomArray(rng, BATCH, 2);
  const data = allocMinibatch(BATCH, 1, head.kind === "discrete" ? 1 : head.dim);
  for (let i = 0; i < BATCH; i++) {
    if (head.kind === "discrete") data.actions[i] = i % head.n;
    else for (let d = 0; d < head.dim; d++) data.actions[i * head.dim + d] = rng.uniform(-2, 2);
    data.oldLogProbs[i] = naiveLogp(head, out, logStd, data.actions, i).logp -
      Math.log(RATIOS[i % 4]);
    data.advantages[i] = ADV[i];
    data.oldValues[i] = values[i] - VALUE_SHIFTS[i % 4];
    // Returns on either side of v and vc so both arms of the value max are taken.
    data.returns[i] = values[i] + (i < 4 ? 1 : -1) * rng.uniform(0.05, 1);
  }
  return { out, values, logStd, data };
}

const HEADS: ActionHead[] = [
  { kind: "discrete", n: 3 },
  { kind: "continuous", dim: 2, initLogStd: 0 },
];

function settingsFor(
  objective: "ppo" | "a2c",
  clipValueLoss: boolean,
  normAdvantages: boolean,
): PolicyLossSettings {
  return { objective, clipCoef: CLIP, clipValueLoss, entCoef: 0.05, vfCoef: 0.7, normAdvantages };
}

for (const head of HEADS) {
  for (const objective of ["ppo", "a2c"] as const) {
    for (const [clipValueLoss, normAdvantages] of [[false, false], [true, true], [true, false]]) {
      const name = `${head.kind} ${objective} clipV=${clipValueLoss} normAdv=${normAdvantages}`;
      Deno.test(`actorCriticLoss gradients match finite differences: ${name}`, () => {
        const rng = new Rng(31);
        const s = scenario(head, rng);
        const settings = settingsFor(objective, clipValueLoss, normAdvantages);
        const size = head.kind === "discrete" ? head.n : head.dim;
        const dActor = new Float64Array(BATCH * size);
        const dValues = new Float64Array(BATCH);
        const grads = new Float64Array(s.logStd.length);
        const stats = new Float64Array(6);
        const adv = new Float64Array(BATCH);
        const run = (g: Float64Array, dA: Float64Array, dV: Float64Array) =>
          actorCriticLoss(
            settings,
            head,
            BATCH,
            s.out,
            s.values,
            s.logStd,
            0,
            s.data,
            dA,
            dV,
            g,
            0,
            adv,
            stats,
          );
        run(grads, dActor, dValues);
        const f = () =>
          run(
            new Float64Array(grads.length),
            new Float64Array(dActor.length),
            new Float64Array(BATCH),
          );
        assert.ok(maxAbs(dActor) > 1e-3 && maxAbs(dValues) > 1e-3);
        assertClose(dActor, numericalGrad(f, s.out), `${name} dActor`, 1e-5, 1e-8);
        assertClose(dValues, numericalGrad(f, s.values), `${name} dValues`, 1e-5, 1e-8);
        if (head.kind === "continuous") {
          assertClose(grads, numericalGrad(f, s.logStd), `${name} dLogStd`, 1e-5, 1e-8);
        }
      });
    }
  }
}

Deno.test("actorCriticLoss statistics match a naive computation (PPO, clipped values, normalised)", () => {
  for (const head of HEADS) {
    const s = scenario(head, new Rng(4));
    const settings = settingsFor("ppo", true, true);
    const size = head.kind === "discrete" ? head.n : head.dim;
    const stats = new Float64Array(6);
    const total = actorCriticLoss(
      settings,
      head,
      BATCH,
      s.out,
      s.values,
      s.logStd,
      0,
      s.data,
      new Float64Array(BATCH * size),
      new Float64Array(BATCH),
      new Float64Array(s.logStd.length),
      0,
      new Float64Array(BATCH),
      stats,
    );
    // The advantages as the minibatch holds them (float32, as rollouts store them).
    const adv = Array.from(s.data.advantages);
    const mean = adv.reduce((a, b) => a + b, 0) / BATCH;
    const std = Math.sqrt(adv.reduce((a, b) => a + (b - mean) ** 2, 0) / (BATCH - 1));
    let pg = 0, vl = 0, ent = 0, kl = 0;
    for (let i = 0; i < BATCH; i++) {
      const { logp, entropy } = naiveLogp(head, s.out, s.logStd, s.data.actions, i);
      const r = Math.exp(logp - s.data.oldLogProbs[i]);
      const A = (adv[i] - mean) / (std + 1e-8);
      pg += Math.max(-A * r, -A * Math.min(Math.max(r, 1 - CLIP), 1 + CLIP)) / BATCH;
      const v = s.values[i], R = s.data.returns[i], vo = s.data.oldValues[i];
      const vc = vo + Math.min(Math.max(v - vo, -CLIP), CLIP);
      vl += 0.5 * Math.max((v - R) ** 2, (vc - R) ** 2) / BATCH;
      ent += entropy / BATCH;
      kl += (r - 1 - Math.log(r)) / BATCH;
    }
    const label = head.kind;
    assertClose(
      [
        stats[LossStat.policy],
        stats[LossStat.value],
        stats[LossStat.entropy],
        stats[LossStat.approxKl],
      ],
      [pg, vl, ent, kl],
      label,
      1e-9,
      1e-12,
    );
    assert.equal(stats[LossStat.clipFraction], 0.5);
    assertClose([total], [pg - 0.05 * ent + 0.7 * vl], `${label} total`, 1e-9, 1e-12);
  }
});

Deno.test("PPO passes no policy gradient through clipped samples", () => {
  const head: ActionHead = { kind: "discrete", n: 3 };
  const s = scenario(head, new Rng(6));
  const settings = { ...settingsFor("ppo", false, false), entCoef: 0 };
  const dActor = new Float64Array(BATCH * 3);
  actorCriticLoss(
    settings,
    head,
    BATCH,
    s.out,
    s.values,
    s.logStd,
    0,
    s.data,
    dActor,
    new Float64Array(BATCH),
    new Float64Array(0),
    0,
    new Float64Array(BATCH),
    new Float64Array(6),
  );
  for (let i = 0; i < BATCH; i++) {
    const r = RATIOS[i % 4];
    // A > 0 with r > 1 + ε, or A < 0 with r < 1 − ε: the clipped term is the max, constant in θ.
    const clipped = (ADV[i] > 0 && r > 1 + CLIP) || (ADV[i] < 0 && r < 1 - CLIP);
    const g = maxAbs(dActor.subarray(i * 3, i * 3 + 3));
    assert.ok(clipped ? g === 0 : g > 1e-4, `sample ${i}: ratio ${r}, A ${ADV[i]}, |grad| ${g}`);
  }
});

Deno.test("a minibatch of one normalises its advantage to 0 instead of NaN", () => {
  const head: ActionHead = { kind: "discrete", n: 2 };
  const data = allocMinibatch(1, 1, 1);
  data.advantages[0] = 3;
  const stats = new Float64Array(6);
  const adv = new Float64Array(1);
  actorCriticLoss(
    settingsFor("ppo", false, true),
    head,
    1,
    new Float64Array(2),
    new Float64Array(1),
    new Float64Array(0),
    0,
    data,
    new Float64Array(2),
    new Float64Array(1),
    new Float64Array(0),
    0,
    adv,
    stats,
  );
  assert.equal(adv[0], 0);
  assert.ok(stats.every(Number.isFinite));
});
