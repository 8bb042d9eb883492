import assert from "node:assert/strict";
import { actorCriticLayout, mlpLayers, paramCount } from "./layout.ts";

Deno.test("paramCount sums weights and biases", () => {
  assert.equal(
    paramCount({ sizes: [8, 64, 64, 4], hidden: "relu" }),
    8 * 64 + 64 + 64 * 64 + 64 + 64 * 4 + 4,
  );
  assert.equal(paramCount({ sizes: [3, 1], hidden: "tanh" }), 4);
  assert.throws(() => paramCount({ sizes: [3], hidden: "tanh" }), RangeError);
  assert.throws(() => paramCount({ sizes: [3, 0], hidden: "tanh" }), RangeError);
});

Deno.test("mlpLayers places W then b per layer with the right activations", () => {
  const layers = mlpLayers({ sizes: [2, 3, 1], hidden: "tanh", output: "relu" }, 10);
  assert.deepEqual(layers, [
    { inSize: 2, outSize: 3, weightOffset: 10, biasOffset: 16, activation: "tanh" },
    { inSize: 3, outSize: 1, weightOffset: 19, biasOffset: 22, activation: "relu" },
  ]);
  assert.equal(mlpLayers({ sizes: [2, 2], hidden: "relu" })[0].activation, "identity");
});

Deno.test("actorCriticLayout: actor, then critic, then log-std", () => {
  const d = actorCriticLayout({
    obsSize: 4,
    action: { kind: "discrete", n: 2 },
    hidden: [8],
    activation: "tanh",
  });
  assert.deepEqual(d.actor.spec.sizes, [4, 8, 2]);
  assert.deepEqual(d.critic.spec.sizes, [4, 8, 1]);
  assert.equal(d.actor.offset, 0);
  assert.equal(d.actor.count, 4 * 8 + 8 + 8 * 2 + 2);
  assert.equal(d.critic.offset, d.actor.count);
  assert.equal(d.critic.count, 4 * 8 + 8 + 8 + 1);
  assert.equal(d.logStd.count, 0);
  assert.equal(d.total, d.actor.count + d.critic.count);

  const c = actorCriticLayout({
    obsSize: 3,
    action: { kind: "continuous", dim: 2, initLogStd: 0 },
    hidden: [5, 5],
    activation: "relu",
  });
  assert.equal(c.actionSize, 2);
  assert.equal(c.logStd.offset, c.actor.count + c.critic.count);
  assert.equal(c.logStd.count, 2);
  assert.equal(c.total, c.logStd.offset + 2);
});
