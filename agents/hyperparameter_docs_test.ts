import assert from "node:assert/strict";
import { hyperparameterTables, README_MARKERS, withTables } from "./hyperparameter_docs.ts";

Deno.test("README's hyperparameter tables are the schemas' (run `deno task docs` if not)", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  assert.equal(withTables(readme), readme);
});

Deno.test("the tables list every key with its range and the presets", () => {
  const md = hyperparameterTables();
  assert.match(md, /#### `dqn`/);
  assert.match(md, /\| `gradientSteps` +\| `1` .*\| an integer in \[1, 100000\] or -1 \(one per/);
  assert.match(md, /\| key +\| default +\| CartPole-v1 +\| LunarLander-v3 +\|/);
  assert.throws(() => withTables("no markers"), new RegExp(README_MARKERS.begin.slice(0, 20)));
});
