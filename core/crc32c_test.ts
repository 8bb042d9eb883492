import assert from "node:assert/strict";
import { crc32c, maskCrc32c, maskedCrc32c } from "./crc32c.ts";

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

Deno.test("crc32c matches the RFC 3720 B.4 test vectors", () => {
  const ascending = Uint8Array.from({ length: 32 }, (_, i) => i);
  const descending = Uint8Array.from({ length: 32 }, (_, i) => 31 - i);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(ascending), 0x46dd794e);
  assert.equal(crc32c(descending), 0x113fdb5c);
});

Deno.test("crc32c matches the common check values", () => {
  assert.equal(crc32c(ascii("123456789")), 0xe3069283);
  assert.equal(crc32c(ascii("The quick brown fox jumps over the lazy dog")), 0x22620404);
  assert.equal(crc32c(new Uint8Array(0)), 0);
});

Deno.test("crc32c is unsigned and reads only the view it is given", () => {
  const buf = new Uint8Array(40).fill(0xaa);
  buf.set(ascii("123456789"), 5);
  // 0xE3069283 has its top bit set: equality also shows the result is not a negative int32.
  assert.equal(crc32c(buf.subarray(5, 14)), 0xe3069283);
});

// Expected values computed by tensorboard 2.21.0's own `masked_crc32c`
// (tensorboard/compat/tensorflow_stub/pywrap_tensorflow.py).
Deno.test("maskedCrc32c matches TensorBoard's masked_crc32c", () => {
  assert.equal(maskedCrc32c(ascii("123456789")), 0xc78ab0e5);
  assert.equal(maskedCrc32c(new Uint8Array(0)), 0xa282ead8);
  // The length header of a 24-byte record: every file_version record starts with it.
  assert.equal(maskedCrc32c(new Uint8Array([24, 0, 0, 0, 0, 0, 0, 0])), 0x224b7fa3);
  assert.equal(maskCrc32c(0xe3069283), 0xc78ab0e5);
  assert.equal(maskCrc32c(0), 0xa282ead8);
});

Deno.test("maskCrc32c rejects values that are not uint32", () => {
  for (const bad of [-1, 2 ** 32, 1.5, NaN]) {
    assert.throws(() => maskCrc32c(bad), RangeError);
  }
});
