/**
 * A minimal WebAssembly binary writer: just the instructions, sections and encodings the MLP
 * kernels use (i32 and f32/f64 scalars, 128-bit SIMD, relaxed multiply-add, structured loops,
 * an imported memory). Kernels are written as folded expressions: every helper returns the
 * bytes that push its value, so `f32x4.add(get(a), get(b))` reads like the WebAssembly text
 * `(f32x4.add (local.get $a) (local.get $b))`. Written in TypeScript rather than assembled from
 * text so that one source emits both the relaxed-SIMD and the plain-SIMD build, unrolled tiles
 * come from ordinary loops, and rebuilding needs no dependency.
 * @module
 */

/** Bytes of an instruction sequence. */
export type Code = number[];

/** Value types. */
export const I32 = 0x7f;
/** 64-bit float. */
export const F64 = 0x7c;
/** 32-bit float. */
export const F32 = 0x7d;
/** 128-bit vector. */
export const V128 = 0x7b;
/** A value type. */
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

/** Unsigned LEB128. */
export function uleb(n: number): Code {
  if (!(Number.isInteger(n) && n >= 0)) throw new RangeError(`uleb needs a natural, got ${n}`);
  const out: Code = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(n: number): Code {
  if (!(Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31)) {
    throw new RangeError(`sleb needs a 32-bit integer, got ${n}`);
  }
  const out: Code = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function utf8(s: string): Code {
  const bytes = new TextEncoder().encode(s);
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: Code[]): Code {
  return [...uleb(items.length), ...items.flat()];
}

/** A local variable (parameters are locals too). */
export interface Local {
  /** Index among the function's parameters and locals. */
  readonly index: number;
  /** Its type. */
  readonly type: ValType;
}

/** A function being written: its signature, its locals and its body. */
export class Fn {
  /** Export name. */
  readonly name: string;
  /** Parameter types. */
  readonly params: readonly ValType[];
  /** Result types. */
  readonly results: readonly ValType[];
  readonly #locals: ValType[] = [];
  readonly #body: Code = [];

  /** A function `name(params) → results`, exported under `name`. */
  constructor(name: string, params: readonly ValType[], results: readonly ValType[] = []) {
    this.name = name;
    this.params = params;
    this.results = results;
  }

  /** Parameter `i`. */
  param(i: number): Local {
    if (!(i >= 0 && i < this.params.length)) {
      throw new RangeError(`${this.name} has ${this.params.length} parameters, asked for ${i}`);
    }
    return { index: i, type: this.params[i] };
  }

  /** A fresh local of `type`. */
  local(type: ValType): Local {
    this.#locals.push(type);
    return { index: this.params.length + this.#locals.length - 1, type };
  }

  /** Appends instructions to the body. */
  emit(...code: Code[]): void {
    for (const c of code) this.#body.push(...c);
  }

  /** The function's code-section entry: locals then body, length-prefixed. */
  encode(): Code {
    const groups: Code[] = [];
    for (let k = 0; k < this.#locals.length;) {
      let n = 1;
      while (k + n < this.#locals.length && this.#locals[k + n] === this.#locals[k]) n++;
      groups.push([...uleb(n), this.#locals[k]]);
      k += n;
    }
    const body = [...vec(groups), ...this.#body, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/**
 * A module of `fns` (all exported), importing one memory as `env.memory` with at least
 * `minPages` 64 KiB pages when `minPages` is given.
 */
export function encodeModule(fns: readonly Fn[], minPages?: number): Uint8Array<ArrayBuffer> {
  const types: string[] = [];
  const typeIndex = fns.map((f) => {
    const key = JSON.stringify([f.params, f.results]);
    if (!types.includes(key)) types.push(key);
    return types.indexOf(key);
  });
  const section = (id: number, content: Code): Code => [id, ...uleb(content.length), ...content];
  const typeSec = vec(types.map((key) => {
    const [params, results] = JSON.parse(key) as [number[], number[]];
    return [0x60, ...uleb(params.length), ...params, ...uleb(results.length), ...results];
  }));
  const bytes: Code = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...section(1, typeSec)];
  if (minPages !== undefined) {
    bytes.push(
      ...section(2, vec([[...utf8("env"), ...utf8("memory"), 0x02, 0x00, ...uleb(minPages)]])),
    );
  }
  bytes.push(...section(3, vec(typeIndex.map((t) => uleb(t)))));
  bytes.push(...section(7, vec(fns.map((f, i) => [...utf8(f.name), 0x00, ...uleb(i)]))));
  bytes.push(...section(10, vec(fns.map((f) => f.encode()))));
  return new Uint8Array(bytes);
}

// ---- Instructions (folded: operands first, then the opcode). ----

const SIMD = 0xfd;
const simd = (op: number): Code => [SIMD, ...uleb(op)];
const memarg = (align: number, offset: number): Code => [align, ...uleb(offset)];
const unary = (op: Code) => (a: Code): Code => [...a, ...op];
const binary = (op: Code) => (a: Code, b: Code): Code => [...a, ...b, ...op];

/** `local.get`. */
export const get = (l: Local): Code => [0x20, ...uleb(l.index)];
/** `local.set`. */
export const set = (l: Local, value: Code): Code => [...value, 0x21, ...uleb(l.index)];
/** `local += step` for an i32 local. */
export const inc = (l: Local, step: Code): Code => set(l, i32.add(get(l), step));

/** i32 instructions. */
export const i32 = {
  const: (n: number): Code => [0x41, ...sleb(n)],
  add: binary([0x6a]),
  sub: binary([0x6b]),
  mul: binary([0x6c]),
  and: binary([0x71]),
  shl: binary([0x74]),
  ltU: binary([0x49]),
  geU: binary([0x4f]),
  load: (addr: Code, offset = 0): Code => [...addr, 0x28, ...memarg(2, offset)],
};

/** f32 instructions. */
export const f32 = {
  const: (x: number): Code => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, x, true);
    return [0x43, ...b];
  },
  load: (addr: Code, offset = 0): Code => [...addr, 0x2a, ...memarg(2, offset)],
  store: (
    addr: Code,
    value: Code,
    offset = 0,
  ): Code => [...addr, ...value, 0x38, ...memarg(2, offset)],
};

/** f64 instructions. */
export const f64 = {
  add: binary([0xa0]),
};

/** v128 memory and bitwise instructions. */
export const v128 = {
  load: (addr: Code, offset = 0): Code => [...addr, ...simd(0x00), ...memarg(4, offset)],
  load32Splat: (addr: Code, offset = 0): Code => [...addr, ...simd(0x09), ...memarg(2, offset)],
  store: (addr: Code, value: Code, offset = 0): Code => [
    ...addr,
    ...value,
    ...simd(0x0b),
    ...memarg(4, offset),
  ],
  and: binary(simd(0x4e)),
  /** Lanes 8..15 of `a` into both halves (the high two f32 lanes moved low). */
  high64: (a: Code): Code => [
    ...a,
    ...a,
    ...simd(0x0d),
    ...[8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15],
  ],
};

/** f32x4 instructions. */
export const f32x4 = {
  splat: unary(simd(0x13)),
  gt: binary(simd(0x44)),
  add: binary(simd(0xe4)),
  sub: binary(simd(0xe5)),
  mul: binary(simd(0xe6)),
  div: binary(simd(0xe7)),
  min: binary(simd(0xe8)),
  max: binary(simd(0xe9)),
  /** `b < a ? b : a` (one instruction on x64, unlike the NaN- and ±0-exact `min`). */
  pmin: binary(simd(0xea)),
  /** `a < b ? b : a`. */
  pmax: binary(simd(0xeb)),
  sqrt: unary(simd(0xe3)),
  /** `a·b + c`, fused or not as the engine chooses (relaxed SIMD). */
  relaxedMadd: (a: Code, b: Code, c: Code): Code => [...a, ...b, ...c, ...simd(0x105)],
};

/** f64x2 instructions. */
export const f64x2 = {
  add: binary(simd(0xf0)),
  mul: binary(simd(0xf2)),
  promoteLow: unary(simd(0x5f)),
  extractLane: (a: Code, lane: number): Code => [...a, ...simd(0x21), lane],
  zero: (): Code => [...simd(0x0c), ...new Array(16).fill(0)],
};

/** `block … end` with no result. */
export const block = (...body: Code[]): Code => [0x02, 0x40, ...body.flat(), 0x0b];
/** `loop … end` with no result. */
export const loop = (...body: Code[]): Code => [0x03, 0x40, ...body.flat(), 0x0b];
/** `br_if depth` on an i32 condition. */
export const brIf = (depth: number, cond: Code): Code => [...cond, 0x0d, ...uleb(depth)];
/** `if … end` with no result. */
export const when = (
  cond: Code,
  ...body: Code[]
): Code => [...cond, 0x04, 0x40, ...body.flat(), 0x0b];

/**
 * `while (ptr < end) { body; ptr += step }` on unsigned i32 pointers. `body` must not branch
 * out of itself.
 */
export function whileBelow(ptr: Local, end: Code, step: Code, ...body: Code[]): Code {
  return block(
    brIf(0, i32.geU(get(ptr), end)),
    loop(...body, inc(ptr, step), brIf(0, i32.ltU(get(ptr), end))),
  );
}

/** `do { body; ptr += step } while (ptr < end)`: for trip counts known to be at least one. */
export function doWhileBelow(ptr: Local, end: Code, step: Code, ...body: Code[]): Code {
  return loop(...body, inc(ptr, step), brIf(0, i32.ltU(get(ptr), end)));
}
