/**
 * TensorBoard event files written from Deno with no dependencies, so that
 * `tensorboard --logdir runs` shows a run's scalars next to the run's own `metrics.jsonl`.
 *
 * A file `events.out.tfevents.<unix seconds>.<host>` is a TFRecord stream: each record is
 * the payload length as a uint64 little-endian, the masked CRC-32C of those 8 bytes (uint32 LE),
 * the payload, then the masked CRC-32C of the payload (uint32 LE) (see `core/crc32c.ts`). Each
 * payload is a protobuf `tensorboard.Event`. The field numbers used here were checked against
 * TensorBoard's copies of the TensorFlow protos, `tensorboard/compat/proto/event.proto` and
 * `tensorboard/compat/proto/summary.proto` (mirroring `tensorflow/core/util/event.proto` and
 * `tensorflow/core/framework/summary.proto`):
 *
 * - `Event`: `double wall_time = 1`, `int64 step = 2`, and of its `oneof what`,
 *   `string file_version = 3` and `Summary summary = 5`;
 * - `Summary`: `repeated Value value = 1`;
 * - `Summary.Value`: `string tag = 1` and, of its `oneof value`, `float simple_value = 2`,
 *   which TensorBoard's scalar dashboard reads as a scalar.
 *
 * The first record is an `Event` holding only `wall_time` and `file_version: "brain.Event:2"`;
 * every {@link TensorBoardWriter.addScalars} call then appends one `Event` whose summary holds
 * all of that call's scalars. Only what those records need is encoded: this is not a general
 * protobuf library, and there is no decoder.
 * @module
 */
import { maskedCrc32c } from "./crc32c.ts";

/** Every event file name starts with this; TensorBoard reads any file whose name has `tfevents`. */
export const EVENT_FILE_PREFIX = "events.out.tfevents.";

/** The `file_version` of the first record; TensorBoard expects a `brain.Event:` prefix. */
export const EVENT_FILE_VERSION = "brain.Event:2";

/** Options of {@link TensorBoardWriter.open}. */
export interface TensorBoardWriterOptions {
  /** Host name in the file name; defaults to `Deno.hostname()` (or `localhost` without it). */
  hostname?: string;
  /** Clock in milliseconds since the Unix epoch, as `Date.now` (the default). */
  now?: () => number;
}

// Protobuf wire types used here.
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

const utf8 = new TextEncoder();

/** Appends protobuf fields to a growing byte buffer. */
class ProtoEncoder {
  #buf = new Uint8Array(64);
  #view = new DataView(this.#buf.buffer);
  #len = 0;

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const bigger = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    bigger.set(this.#buf.subarray(0, this.#len));
    this.#buf = bigger;
    this.#view = new DataView(bigger.buffer);
  }

  /** Base-128 varint of an unsigned 64-bit value. */
  #varint(v: bigint): void {
    this.#reserve(10);
    while (v >= 0x80n) {
      this.#buf[this.#len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#buf[this.#len++] = Number(v);
  }

  #key(field: number, wire: number): void {
    this.#varint(BigInt((field << 3) | wire));
  }

  double(field: number, v: number): this {
    this.#key(field, FIXED64);
    this.#reserve(8);
    this.#view.setFloat64(this.#len, v, true);
    this.#len += 8;
    return this;
  }

  /** Rounds `v` to float32 (values beyond float32's range become ±Infinity). */
  float(field: number, v: number): this {
    this.#key(field, FIXED32);
    this.#reserve(4);
    this.#view.setFloat32(this.#len, v, true);
    this.#len += 4;
    return this;
  }

  /** A safe integer as int64: negative values take ten bytes of two's complement, as proto3. */
  int64(field: number, v: number): this {
    this.#key(field, VARINT);
    this.#varint(BigInt.asUintN(64, BigInt(v)));
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.#key(field, LEN);
    this.#varint(BigInt(b.length));
    this.#reserve(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, utf8.encode(s));
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

/** One TFRecord: length, its masked CRC, payload, the payload's masked CRC. */
function frameRecord(payload: Uint8Array): Uint8Array {
  const rec = new Uint8Array(8 + 4 + payload.length + 4);
  const view = new DataView(rec.buffer);
  view.setBigUint64(0, BigInt(payload.length), true);
  view.setUint32(8, maskedCrc32c(rec.subarray(0, 8)), true);
  rec.set(payload, 12);
  view.setUint32(12 + payload.length, maskedCrc32c(payload), true);
  return rec;
}

/** Keeps a host name safe as one file name part. */
function sanitizeHost(host: string): string {
  const clean = host.replace(/[^A-Za-z0-9._-]/g, "_");
  return clean === "" ? "localhost" : clean;
}

function defaultHostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost"; // no --allow-sys: the name part is only a label
  }
}

function checkWallTime(wallTime: number): void {
  if (typeof wallTime !== "number" || !Number.isFinite(wallTime)) {
    throw new RangeError(
      `TensorBoardWriter: wallTime must be finite Unix seconds, got ${String(wallTime)}`,
    );
  }
}

/**
 * Appends scalar summaries to a TensorBoard event file.
 *
 * Each record is built whole in memory and handed to the operating system with one write, with
 * no buffer in between: a killed process loses at most the record being written, and a
 * half-written last record fails its length or CRC check, so readers skip it.
 *
 * @example
 * ```ts ignore
 * const tb = await TensorBoardWriter.open("runs/my_run");
 * tb.addScalars(1000, Date.now() / 1000, { "charts/episodic_return": 21.5 });
 * tb.close();
 * ```
 */
export class TensorBoardWriter {
  #file: Deno.FsFile;
  #path: string;
  #closed = false;

  private constructor(file: Deno.FsFile, path: string) {
    this.#file = file;
    this.#path = path;
  }

  /**
   * The event file name for a writer opened at `unixSeconds` on `hostname`:
   * `events.out.tfevents.<unixSeconds>.<hostname>`, with characters outside `[A-Za-z0-9._-]` in
   * the host name replaced by `_`. A non-zero `index` adds `.<index>`, which {@link open} uses
   * when that name is already taken in the folder.
   */
  static fileName(unixSeconds: number, hostname: string, index = 0): string {
    if (!Number.isSafeInteger(unixSeconds) || unixSeconds < 0) {
      throw new RangeError(
        `TensorBoardWriter.fileName: unixSeconds must be a non-negative integer, got ${unixSeconds}`,
      );
    }
    if (!Number.isSafeInteger(index) || index < 0) {
      throw new RangeError(
        `TensorBoardWriter.fileName: index must be a non-negative integer, got ${index}`,
      );
    }
    const base = `${EVENT_FILE_PREFIX}${unixSeconds}.${sanitizeHost(hostname)}`;
    return index === 0 ? base : `${base}.${index}`;
  }

  /**
   * Creates a new event file in the existing folder `dir` and writes its `file_version` record.
   * Opening again in the same folder (a resumed run) creates another file, never appends to an
   * old one; TensorBoard reads every event file of a folder in name order.
   */
  static async open(dir: string, opts: TensorBoardWriterOptions = {}): Promise<TensorBoardWriter> {
    const nowMs = (opts.now ?? Date.now)();
    if (typeof nowMs !== "number" || !Number.isFinite(nowMs) || nowMs < 0) {
      throw new RangeError(
        `TensorBoardWriter.open: now() must return milliseconds since the epoch, got ${
          String(nowMs)
        }`,
      );
    }
    const host = opts.hostname ?? defaultHostname();
    const secs = Math.floor(nowMs / 1000);
    for (let index = 0;; index++) {
      const path = `${dir}/${TensorBoardWriter.fileName(secs, host, index)}`;
      let file: Deno.FsFile;
      try {
        file = await Deno.open(path, { append: true, createNew: true });
      } catch (err) {
        if (err instanceof Deno.errors.AlreadyExists) continue;
        throw err;
      }
      const writer = new TensorBoardWriter(file, path);
      writer.#write(
        new ProtoEncoder().double(1, nowMs / 1000).string(3, EVENT_FILE_VERSION).finish(),
      );
      return writer;
    }
  }

  /** Path of the event file. */
  get path(): string {
    return this.#path;
  }

  /**
   * Appends one `Event` at `step` and `wallTime` (Unix seconds) holding every entry of `scalars`
   * as a `simple_value` under its key as tag. Values are rounded to float32; NaN and ±Infinity
   * are written as they are (TensorBoard shows them), so filtering is the caller's choice.
   * An empty `scalars` writes nothing.
   *
   * Throws a `RangeError` for a `step` that is not a safe integer, a non-finite `wallTime` or an
   * empty tag, and a `TypeError` for a value that is not a number.
   */
  addScalars(step: number, wallTime: number, scalars: Record<string, number>): void {
    this.#checkOpen();
    if (!Number.isSafeInteger(step)) {
      throw new RangeError(`TensorBoardWriter: step must be a safe integer, got ${step}`);
    }
    checkWallTime(wallTime);
    const entries = Object.entries(scalars);
    const summary = new ProtoEncoder();
    for (const [tag, value] of entries) {
      if (tag === "") throw new RangeError("TensorBoardWriter: scalar tags must not be empty");
      if (typeof value !== "number") {
        throw new TypeError(
          `TensorBoardWriter: scalar "${tag}" must be a number, got ${typeof value}`,
        );
      }
      summary.bytes(1, new ProtoEncoder().string(1, tag).float(2, value).finish());
    }
    if (entries.length === 0) return;
    this.#write(
      new ProtoEncoder().double(1, wallTime).int64(2, step).bytes(5, summary.finish()).finish(),
    );
  }

  /**
   * Forces the records written so far to disk (`fdatasync`). Not needed for other processes
   * to see them, since each record goes to the operating system when it is added; this guards
   * against losing them in a machine crash.
   */
  flush(): void {
    this.#checkOpen();
    this.#file.syncDataSync();
  }

  /** Closes the file; later calls to {@link addScalars} or {@link flush} throw. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#file.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error(`TensorBoardWriter: ${this.#path} is closed`);
  }

  #write(payload: Uint8Array): void {
    const rec = frameRecord(payload);
    // A regular file takes the record in one write; the loop only guards a short write.
    for (let off = 0; off < rec.length;) off += this.#file.writeSync(rec.subarray(off));
  }
}
