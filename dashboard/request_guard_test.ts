/**
 * Which Host names a server accepts for each bind address (the HTTP checks themselves are in
 * `api_errors_test.ts`, against a real server).
 */
import assert from "node:assert/strict";
import { hostname } from "node:os";
import { allowedHosts } from "./request_guard.ts";

Deno.test("allowedHosts: the bind address and localhost, every local name on 0.0.0.0", () => {
  assert.deepEqual(allowedHosts("127.0.0.1"), new Set(["localhost", "127.0.0.1"]));
  assert.deepEqual(allowedHosts("[::1]"), new Set(["localhost", "::1"]));
  assert.deepEqual(allowedHosts("localhost"), new Set(["localhost", "127.0.0.1", "::1"]));
  const all = allowedHosts("0.0.0.0");
  assert.ok(all !== "any");
  for (const h of ["localhost", "127.0.0.1", hostname().toLowerCase()]) {
    assert.ok(all.has(h), `${h} missing from ${[...all]}`);
  }
  assert.ok(!all.has("rebound.example"));
  assert.deepEqual(
    allowedHosts("127.0.0.1", ["My.Host.", "[fd00::1]"]),
    new Set(["localhost", "127.0.0.1", "my.host", "fd00::1"]),
  );
  assert.equal(allowedHosts("127.0.0.1", ["a", "*"]), "any");
});
