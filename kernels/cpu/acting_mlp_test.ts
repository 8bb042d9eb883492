/**
 * The acting copy on the WebAssembly kernels against the TypeScript forward, and the refresh
 * semantics agents rely on (in-place updates of a shared parameter vector).
 */

import assert from "node:assert/strict";
import { Rng } from "../../core/rng.ts";
import { initActorCriticParams, initMlpParams } from "../init.ts";
import { actorCriticLayout } from "../layout.ts";
import type { MlpSpec } from "../types.ts";
import { assertClose } from "./_grad_check.ts";
import { ActingMlp } from "./acting_mlp.ts";
import { mlpForward } from "./mlp.ts";

function uniform(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(-2, 2));
}

const SPECS: MlpSpec[] = [
  { sizes: [8, 64, 64, 4], hidden: "tanh" },
  { sizes: [4, 64, 64, 2], hidden: "relu" },
  { sizes: [2, 16, 3], hidden: "relu", output: "tanh" },
  { sizes: [6, 5, 1], hidden: "tanh" },
];

Deno.test("ActingMlp matches mlpForward to float32 rounding at every batch size", () => {
  const rng = new Rng(3);
  for (const spec of SPECS) {
    const params = initMlpParams(spec, rng, "torch-default");
    const net = new ActingMlp(spec, params);
    for (const batch of [1, 3, 16, 33]) {
      const x = uniform(rng, batch * spec.sizes[0]);
      const expected = new Float32Array(batch * spec.sizes[spec.sizes.length - 1]);
      mlpForward(spec, params, 0, x, batch, expected);
      // float32 sums against float64 ones, outputs of order 1.
      assertClose(net.forward(x, batch), expected, `[${spec.sizes}] batch ${batch}`, 1e-5, 1e-6);
    }
  }
});

Deno.test("ActingMlp reads the caller's vector at its offset at every call", () => {
  const shape = {
    obsSize: 8,
    action: { kind: "discrete", n: 4 },
    hidden: [64, 64],
    activation: "tanh",
  } as const;
  const layout = actorCriticLayout(shape);
  const rng = new Rng(4);
  const params = initActorCriticParams(shape, rng);
  const actor = new ActingMlp(layout.actor.spec, params, layout.actor.offset);
  const critic = new ActingMlp(layout.critic.spec, params, layout.critic.offset);
  const x = uniform(rng, 2 * 8);
  const value = () => {
    const v = new Float32Array(2);
    mlpForward(layout.critic.spec, params, layout.critic.offset, x, 2, v);
    return v;
  };
  assertClose(critic.forward(x, 2), value(), "critic", 1e-5, 1e-6);
  const logits = actor.forward(x, 2);
  assert.equal(logits.length, 8);
  assert.equal(actor.forward(x, 2), logits, "the output buffer is reused");
  // An in-place refresh (as agents do after each update) is seen by the next call.
  params.set(initActorCriticParams(shape, new Rng(5)));
  assertClose(critic.forward(x, 2), value(), "critic after the refresh", 1e-5, 1e-6);
  // A subarray input (one row of a batch) works as a batch of one.
  assertClose(critic.forward(x.subarray(8, 16), 1), value().subarray(1), "row 1", 1e-5, 1e-6);
});

Deno.test("ActingMlp rejects parameter vectors too short for its net", () => {
  const spec: MlpSpec = { sizes: [2, 3, 1], hidden: "relu" };
  assert.throws(() => new ActingMlp(spec, new Float32Array(13), 1), /need 13 from offset 1/);
  assert.throws(() => new ActingMlp(spec, new Float32Array(13), -1), RangeError);
  const net = new ActingMlp(spec, new Float32Array(13));
  assert.throws(() => net.forward(new Float32Array(3), 2), /need 2 × 2/);
});
