/**
 * CRC-32C (Castagnoli), the checksum TFRecord files use, and TFRecord's masking of it.
 *
 * Table-driven, one byte at a time over the reflected polynomial `0x82F63B78`, initial value
 * and final XOR `0xFFFFFFFF` (RFC 3720 B.4). TensorBoard event files frame every record with
 * masked CRCs: {@link maskCrc32c} rotates right by 15 and adds `0xA282EAD8` so that a CRC of
 * data that itself holds CRCs does not look trivially valid.
 * @module
 */

const POLY = 0x82f63b78;

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32C of `data` as an unsigned 32-bit integer (`"123456789"` gives `0xE3069283`). */
export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * TFRecord's mask of a CRC: `((crc >>> 15) | (crc << 17)) + 0xA282EAD8`, as a uint32.
 * Throws a `RangeError` if `crc` is not an integer in [0, 2^32).
 */
export function maskCrc32c(crc: number): number {
  if (!Number.isInteger(crc) || crc < 0 || crc > 0xffffffff) {
    throw new RangeError(`maskCrc32c: crc must be a uint32, got ${crc}`);
  }
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** Masked CRC-32C of `data`, as written in TFRecord framing. */
export function maskedCrc32c(data: Uint8Array): number {
  return maskCrc32c(crc32c(data));
}
