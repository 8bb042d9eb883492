import assert from "node:assert/strict";
import { allPassed } from "./_run_gpu_tests.ts";

Deno.test("the GPU test runner repeats only runs whose summary says every test passed", () => {
  const ok = "\x1b[0m\x1b[32mok\x1b[0m | 19 passed | 0 failed \x1b[0m\x1b[38;5;245m(2s)\x1b[0m\n";
  assert.equal(allPassed(`webgpu ... ok\n\n${ok}double free or corruption (fasttop)\n`), true);
  assert.equal(allPassed("ok | 19 passed (3 steps) | 0 failed (2s)\n"), true);
  assert.equal(allPassed("FAILED | 18 passed | 1 failed (2s)\n"), false);
  // A run that aborted before its summary is not repeated.
  assert.equal(allPassed("webgpu forward ... ok\ndouble free or corruption (fasttop)\n"), false);
});
