/**
 * Decoder of the replay stream (`ReplayRecord`s of `protocol.ts`, written by
 * `replay_frames.ts`): fed the body's chunks as they arrive, it returns each record as soon as
 * its last byte is in, so the player can start before the episode has finished rendering.
 * @module
 */
import type { ReplayRecord } from "./protocol.ts";

/** A decoded record and its PNG frame, if it carries one. */
export interface DecodedRecord {
  /** The record. */
  record: ReplayRecord;
  /** The PNG bytes of its frame, or null. */
  png: Uint8Array | null;
}

const dec = new TextDecoder();

/** Splits a replay stream into records, chunk by chunk. */
export class ReplayDecoder {
  #buf: Uint8Array = new Uint8Array(0);

  /** Bytes received that do not yet make a whole record. */
  get pending(): number {
    return this.#buf.length;
  }

  /** Adds a chunk; returns the records it completed. */
  push(chunk: Uint8Array): DecodedRecord[] {
    const joined = new Uint8Array(this.#buf.length + chunk.length);
    joined.set(this.#buf);
    joined.set(chunk, this.#buf.length);
    const view = new DataView(joined.buffer);
    const out: DecodedRecord[] = [];
    let at = 0;
    while (joined.length - at >= 4) {
      const jsonLen = view.getUint32(at);
      if (joined.length - at < 8 + jsonLen) break;
      const pngLen = view.getUint32(at + 4 + jsonLen);
      const end = at + 8 + jsonLen + pngLen;
      if (joined.length < end) break;
      const record = JSON.parse(dec.decode(joined.subarray(at + 4, at + 4 + jsonLen)));
      const png = pngLen > 0 ? joined.slice(at + 8 + jsonLen, end) : null;
      out.push({ record: record as ReplayRecord, png });
      at = end;
    }
    this.#buf = joined.slice(at);
    return out;
  }
}
