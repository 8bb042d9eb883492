/**
 * An independent reader of TensorBoard event files for the tests: TFRecord framing with its
 * masked CRC-32C checks, and a protobuf decoder written from the field numbers of
 * TensorFlow's `event.proto` (Event.wall_time = 1 double, step = 2 int64, file_version = 3
 * string, summary = 5 message) and `summary.proto` (Summary.value = 1 repeated message,
 * Value.tag = 1 string, Value.simple_value = 2 float), sharing no code with the encoder.
 * @module
 */
import assert from "node:assert/strict";
import { maskedCrc32c } from "./crc32c.ts";

/** The records of a TFRecord stream. */
export interface Framed {
  /** Each complete record's payload. */
  payloads: Uint8Array[];
  /** The stream ends inside a record (what a killed writer could leave). */
  truncated: boolean;
}

/** Splits a TFRecord stream, checking both masked CRCs of every complete record. */
export function readRecords(bytes: Uint8Array): Framed {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payloads: Uint8Array[] = [];
  let off = 0;
  while (off < bytes.length) {
    if (bytes.length - off < 12) return { payloads, truncated: true };
    const len = view.getBigUint64(off, true);
    if (view.getUint32(off + 8, true) !== maskedCrc32c(bytes.subarray(off, off + 8))) {
      throw new Error(`length CRC mismatch at byte ${off}`);
    }
    if (BigInt(bytes.length - off - 16) < len) return { payloads, truncated: true };
    const end = off + 12 + Number(len);
    const payload = bytes.subarray(off + 12, end);
    if (view.getUint32(end, true) !== maskedCrc32c(payload)) {
      throw new Error(`payload CRC mismatch in the record at byte ${off}`);
    }
    payloads.push(payload);
    off = end + 4;
  }
  return { payloads, truncated: false };
}

/** One decoded protobuf field. */
export interface WireField {
  /** Field number. */
  field: number;
  /** Wire type. */
  wire: number;
  /** Wire type 0. */
  varint?: bigint;
  /** Wire types 1, 2 and 5: the raw bytes. */
  data?: Uint8Array;
}

/** Splits a message into its fields (wire types 0, 1, 2, 5). */
export function parseFields(buf: Uint8Array): WireField[] {
  let off = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (off >= buf.length) throw new Error("varint runs past the end");
      const b = buf[off++];
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
    }
    throw new Error("varint longer than 10 bytes");
  };
  const take = (n: number): Uint8Array => {
    if (off + n > buf.length) throw new Error(`field of ${n} bytes runs past the end`);
    return buf.subarray(off, off += n);
  };
  const out: WireField[] = [];
  while (off < buf.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) out.push({ field, wire, varint: varint() });
    else if (wire === 1) out.push({ field, wire, data: take(8) });
    else if (wire === 2) out.push({ field, wire, data: take(Number(varint())) });
    else if (wire === 5) out.push({ field, wire, data: take(4) });
    else throw new Error(`unexpected wire type ${wire} for field ${field}`);
  }
  return out;
}

/** A length-delimited or fixed field's bytes, checking its wire type. */
export function fieldData(f: WireField, wire: number, what: string): Uint8Array {
  if (f.wire !== wire || !f.data) throw new Error(`${what} has wire type ${f.wire}`);
  return f.data;
}

/** An Event message, decoded. */
export interface DecodedEvent {
  /** Event.wall_time (field 1). */
  wallTime?: number;
  /** Event.step (field 2). */
  step: bigint;
  /** Event.file_version (field 3). */
  fileVersion?: string;
  /** Event.summary.value[] tags and simple values (fields 5 → 1 → 1, 2). */
  values?: { tag: string; value: number }[];
}

/** Decodes one Event payload. */
export function decodeEvent(payload: Uint8Array): DecodedEvent {
  const ev: DecodedEvent = { step: 0n };
  for (const f of parseFields(payload)) {
    if (f.field === 1) {
      const d = fieldData(f, 1, "Event.wall_time");
      ev.wallTime = new DataView(d.buffer, d.byteOffset, 8).getFloat64(0, true);
    } else if (f.field === 2) {
      if (f.wire !== 0 || f.varint === undefined) throw new Error("Event.step is not a varint");
      ev.step = BigInt.asIntN(64, f.varint);
    } else if (f.field === 3) {
      ev.fileVersion = new TextDecoder("utf-8", { fatal: true }).decode(
        fieldData(f, 2, "Event.file_version"),
      );
    } else if (f.field === 5) {
      ev.values ??= [];
      for (const s of parseFields(fieldData(f, 2, "Event.summary"))) {
        if (s.field !== 1) throw new Error(`unexpected Summary field ${s.field}`);
        let tag: string | undefined;
        let value: number | undefined;
        for (const v of parseFields(fieldData(s, 2, "Summary.value"))) {
          if (v.field === 1) tag = new TextDecoder().decode(fieldData(v, 2, "Value.tag"));
          else if (v.field === 2) {
            const d = fieldData(v, 5, "Value.simple_value");
            value = new DataView(d.buffer, d.byteOffset, 4).getFloat32(0, true);
          } else throw new Error(`unexpected Summary.Value field ${v.field}`);
        }
        if (tag === undefined || value === undefined) throw new Error("Value lacks tag or value");
        ev.values.push({ tag, value });
      }
    } else throw new Error(`unexpected Event field ${f.field}`);
  }
  return ev;
}

/** Every event of a file, asserting it ends on a whole record. */
export async function readEvents(path: string): Promise<DecodedEvent[]> {
  const { payloads, truncated } = readRecords(await Deno.readFile(path));
  assert.equal(truncated, false, `${path} ends inside a record`);
  return payloads.map(decodeEvent);
}
