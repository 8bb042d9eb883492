/**
 * The source of the WebAssembly SIMD kernels of MLP training: one program that emits the
 * module, once with relaxed fused multiply-add (`f32x4.relaxed_madd`) and once with plain
 * `f32x4.mul` + `f32x4.add` for engines without relaxed SIMD. `build.ts` writes both builds
 * into `mlp_kernels_wasm.ts`; `build_test.ts` checks that file still matches this source.
 *
 * Every pointer is a byte offset into the imported memory and every matrix is float32,
 * row-major, with rows padded to a multiple of 4 floats (the caller lays them out so), so the
 * kernels only ever move whole `f32x4` vectors along a row and only the row count has ragged
 * edges. Exports (all sizes in floats):
 *
 * - `forward_{identity,relu,tanh}(x, w, y, rows, k, n)`: `y = act(x·W + b)` for `x` `rows × k`,
 *   `W` `k × n` at `w` with the bias `b` (`n`) right after it, `y` `rows × n`.
 * - `input_grad_{identity,relu,tanh}(dz, wt, h, dx, rows, k, n)`: `dx = (dz·wt) ⊙ act'(h)` for
 *   `dz` `rows × k`, `wt` `k × n` (a weight matrix transposed by `transpose`, so this is
 *   `dz·Wᵀ`), `h` and `dx` `rows × n`; `act'` is written in terms of the activation's output
 *   `h` (`identity` ignores `h`).
 * - `weight_grad(x, dz, g, rows, k, n)`: `g[i, j] += Σ_r x[r, i]·dz[r, j]` (`g` `k × n`) and
 *   the bias gradient `g[k·n + j] += Σ_r dz[r, j]`.
 * - `act_grad_{relu,tanh}(dy, y, dz, count)`: `dz = dy ⊙ act'(y)` elementwise.
 * - `transpose(w, wt, k, n)`: `wt` (`n × k`) `= Wᵀ`.
 * - `adam(p, g, m, v, count, lr, beta1, 1−beta1, beta2, 1−beta2, eps, 1−beta1^t, 1−beta2^t,
 *   lr·weightDecay)`: PyTorch's Adam(W) step over `count` floats (`count` a multiple of 4).
 * - `sum_squares(g, count) → f64` (accumulated in float64) and `scale(g, count, s)`.
 * - `tanh(x, y, count)`: the vector tanh the kernels use, for its tests.
 *
 * The GEMMs hold a tile of 4 rows × 2 vectors (8 accumulators) in registers and unroll the
 * reduction by 4; the weight gradient walks the batch in chunks of `GRAD_ROWS` rows so one
 * chunk of `x`, of `dz` and the gradient stay in L1 while every tile sweeps them.
 * @module
 */

import {
  block,
  brIf,
  type Code,
  doWhileBelow,
  encodeModule,
  F32,
  f32,
  f32x4,
  F64,
  f64,
  f64x2,
  Fn,
  get,
  I32,
  i32,
  inc,
  type Local,
  loop,
  set,
  V128,
  v128,
  when,
  whileBelow,
} from "./_wasm_emit.ts";

/** Rows of `x` and `dz` per pass of the weight gradient (64 rows × 64 floats: 16 KiB each). */
const GRAD_ROWS = 64;

/**
 * tanh(x) ≈ x·P(x²)/Q(x²), the argument clamped to ±`TANH_CLAMP` and the result to ±1.
 * Coefficients (ascending powers of x²) from a Lawson-weighted least-squares fit of the relative
 * error on [0, 9]: 2.1e-8 in float64, about 3.1e-7 (5 ulp) at worst once evaluated in float32
 * (`mlp_test.ts` holds it to 1e-6). Past 9, where tanh is within half an ulp of 1 in float32,
 * the quotient rises above 1, so clamping the argument at 9.25 and the result at 1 gives exactly
 * ±1 for large |x|.
 */
const TANH_CLAMP = 9.25;
const TANH_P = [
  0.9999999794670814,
  0.1338101869272915,
  0.003495579852433549,
  0.000020608946866416244,
  1.3354478577958463e-8,
];
const TANH_Q = [
  1,
  0.4671433428932152,
  0.025876950764296223,
  0.00032856212934716467,
  7.776482256700103e-7,
];

/** The hidden and output activations the kernels specialise on. */
type Act = "identity" | "relu" | "tanh";

/** Emits the kernels module; `relaxed` selects `f32x4.relaxed_madd` over `mul` + `add`. */
export function emitMlpKernels(relaxed: boolean): Uint8Array<ArrayBuffer> {
  const madd = relaxed
    ? f32x4.relaxedMadd
    : (a: Code, b: Code, c: Code): Code => f32x4.add(f32x4.mul(a, b), c);
  const k = new Kernels(madd);
  const fns: Fn[] = [];
  for (const act of ["identity", "relu", "tanh"] as const) fns.push(k.forward(act));
  for (const act of ["identity", "relu", "tanh"] as const) fns.push(k.inputGrad(act));
  fns.push(k.weightGrad(), k.actGrad("relu"), k.actGrad("tanh"), k.transpose(), k.adam());
  fns.push(k.sumSquares(), k.scale(), k.tanh());
  return encodeModule(fns, 1);
}

/** A module using `f32x4.relaxed_madd`, for `WebAssembly.validate` to detect relaxed SIMD. */
export function relaxedSimdProbe(): Uint8Array<ArrayBuffer> {
  const f = new Fn("probe", [], [V128]);
  const one = f32x4.splat(f32.const(1));
  f.emit(f32x4.relaxedMadd(one, one, one));
  return encodeModule([f]);
}

type Madd = (a: Code, b: Code, c: Code) => Code;

const splatF = (x: number): Code => f32x4.splat(f32.const(x));
const ptr4 = (p: Local): Code => i32.shl(get(p), i32.const(2));

class Kernels {
  readonly #madd: Madd;
  readonly #tanhLocals = new WeakMap<Fn, [Local, Local]>();

  constructor(madd: Madd) {
    this.#madd = madd;
  }

  /** Vector tanh of `x` (clamped, then the rational approximation); NaN stays NaN. */
  #tanh(x: Code, f: Fn): Code {
    let locals = this.#tanhLocals.get(f);
    if (locals === undefined) {
      locals = [f.local(V128), f.local(V128)];
      this.#tanhLocals.set(f, locals);
    }
    const [t, u] = locals;
    const horner = (c: number[]): Code => {
      let acc = splatF(c[c.length - 1]);
      for (let j = c.length - 2; j >= 0; j--) acc = this.#madd(acc, get(u), splatF(c[j]));
      return acc;
    };
    // pmin/pmax are single instructions and keep a NaN input (both compares fail).
    const clamp = (v: Code, c: number): Code => f32x4.pmin(f32x4.pmax(v, splatF(-c)), splatF(c));
    return [
      ...set(t, clamp(x, TANH_CLAMP)),
      ...set(u, f32x4.mul(get(t), get(t))),
      ...clamp(f32x4.div(f32x4.mul(get(t), horner(TANH_P)), horner(TANH_Q)), 1),
    ];
  }

  #activate(act: Act, v: Code, f: Fn): Code {
    if (act === "relu") return f32x4.pmax(v, splatF(0));
    if (act === "tanh") return this.#tanh(v, f);
    return v;
  }

  /** `v ⊙ act'(h)` with `act'` written in terms of the activation's output `h`. */
  #slope(act: Act, v: Code, h: Code): Code {
    if (act === "relu") return v128.and(v, f32x4.gt(h, splatF(0)));
    if (act === "tanh") {
      return f32x4.mul(v, f32x4.sub(splatF(1), f32x4.mul(h, h)));
    }
    return v;
  }

  /**
   * The shared body of `forward_*` and `input_grad_*`: `out = epilogue(init + a·w)` for `a`
   * `rows × k`, `w` `k × n`, `out` `rows × n`, in tiles of 4 rows × 2 vectors (then 1 vector,
   * then single rows).
   */
  #gemm(
    f: Fn,
    a: Local,
    w: Local,
    out: Local,
    rows: Local,
    kk: Local,
    n: Local,
    init: (c: number, col: Local) => Code,
    epilogue: (v: Code, outRow: Code, col: Local, c: number) => Code,
  ): void {
    const lda = f.local(I32);
    const ldw = f.local(I32);
    const ldw2 = f.local(I32);
    const ldw3 = f.local(I32);
    const pairEnd = f.local(I32);
    const aRow = f.local(I32);
    const outRow = f.local(I32);
    const col = f.local(I32);
    const rowEnd = f.local(I32);
    const pb = f.local(I32);
    const pa = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
    const acc = [0, 1, 2, 3].map(() => [f.local(V128), f.local(V128)]);
    const wv = [f.local(V128), f.local(V128)];
    const sp = f.local(V128);
    // Row `s` (0..3) below `base`, in rows of `n` floats.
    const at = (base: Local, s: number): Code =>
      s === 0 ? get(base) : i32.add(get(base), get([ldw, ldw, ldw2, ldw3][s]));

    const tile = (R: number, C: number): Code => {
      const code: Code = [];
      for (let c = 0; c < C; c++) {
        code.push(...set(acc[0][c], init(c, col)));
        for (let r = 1; r < R; r++) code.push(...set(acc[r][c], get(acc[0][c])));
      }
      code.push(...set(pa[0], get(aRow)));
      for (let r = 1; r < R; r++) code.push(...set(pa[r], i32.add(get(pa[r - 1]), get(lda))));
      code.push(...set(pb, i32.add(get(w), get(col))));
      code.push(...set(rowEnd, i32.add(get(aRow), get(lda))));
      const body: Code = [];
      for (let s = 0; s < 4; s++) {
        for (let c = 0; c < C; c++) body.push(...set(wv[c], v128.load(at(pb, s), 16 * c)));
        for (let r = 0; r < R; r++) {
          body.push(...set(sp, v128.load32Splat(get(pa[r]), 4 * s)));
          for (let c = 0; c < C; c++) {
            body.push(...set(acc[r][c], this.#madd(get(sp), get(wv[c]), get(acc[r][c]))));
          }
        }
      }
      for (let r = 1; r < R; r++) body.push(...inc(pa[r], i32.const(16)));
      body.push(...inc(pb, i32.shl(get(ldw), i32.const(2))));
      code.push(...doWhileBelow(pa[0], get(rowEnd), i32.const(16), body));
      for (let r = 0; r < R; r++) {
        for (let c = 0; c < C; c++) code.push(...epilogue(get(acc[r][c]), at(outRow, r), col, c));
      }
      return code;
    };
    const rowsOf = (R: number): Code[] => [
      set(col, i32.const(0)),
      whileBelow(col, get(pairEnd), i32.const(32), tile(R, 2)),
      when(i32.ltU(get(col), get(ldw)), tile(R, 1)),
      inc(outRow, i32.mul(get(ldw), i32.const(R))),
    ];

    f.emit(
      set(lda, ptr4(kk)),
      set(ldw, ptr4(n)),
      set(ldw2, i32.shl(get(ldw), i32.const(1))),
      set(ldw3, i32.add(get(ldw2), get(ldw))),
      set(pairEnd, i32.and(get(ldw), i32.const(~31))),
      set(aRow, get(a)),
      set(outRow, get(out)),
      whileBelow(
        aRow,
        i32.add(get(a), i32.mul(i32.and(get(rows), i32.const(~3)), get(lda))),
        i32.shl(get(lda), i32.const(2)),
        ...rowsOf(4),
      ),
      whileBelow(aRow, i32.add(get(a), i32.mul(get(rows), get(lda))), get(lda), ...rowsOf(1)),
    );
  }

  forward(act: Act): Fn {
    const f = new Fn(`forward_${act}`, [I32, I32, I32, I32, I32, I32]);
    const [x, w, y, rows, kk, n] = [0, 1, 2, 3, 4, 5].map((i) => f.param(i));
    const bias = f.local(I32);
    f.emit(set(bias, i32.add(get(w), i32.mul(get(kk), ptr4(n)))));
    this.#gemm(
      f,
      x,
      w,
      y,
      rows,
      kk,
      n,
      (c, col) => v128.load(i32.add(get(bias), get(col)), 16 * c),
      (v, row, col, c) => v128.store(i32.add(row, get(col)), this.#activate(act, v, f), 16 * c),
    );
    return f;
  }

  inputGrad(act: Act): Fn {
    const f = new Fn(`input_grad_${act}`, [I32, I32, I32, I32, I32, I32, I32]);
    const [dz, wt, h, dx, rows, kk, n] = [0, 1, 2, 3, 4, 5, 6].map((i) => f.param(i));
    // h sits at the same offset from its base as dx does from its own.
    const hShift = f.local(I32);
    f.emit(set(hShift, i32.sub(get(h), get(dx))));
    this.#gemm(f, dz, wt, dx, rows, kk, n, () => splatF(0), (v, row, col, c) => {
      const addr = i32.add(row, get(col));
      const hv = v128.load(i32.add(addr, get(hShift)), 16 * c);
      return v128.store(addr, this.#slope(act, v, hv), 16 * c);
    });
    return f;
  }

  weightGrad(): Fn {
    const f = new Fn("weight_grad", [I32, I32, I32, I32, I32, I32]);
    const [x, dz, g, rows, kk, n] = [0, 1, 2, 3, 4, 5].map((i) => f.param(i));
    const lda = f.local(I32);
    const ldd = f.local(I32);
    const pairEnd = f.local(I32);
    const aChunk = f.local(I32);
    const dChunk = f.local(I32);
    const chunkEnd = f.local(I32);
    const aAll = f.local(I32);
    const ioff = f.local(I32);
    const gRows = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
    const col = f.local(I32);
    const px = f.local(I32);
    const pd = f.local(I32);
    const acc = [0, 1, 2, 3].map(() => [f.local(V128), f.local(V128)]);
    const dv = [f.local(V128), f.local(V128)];
    const sp = f.local(V128);

    const tile = (C: number): Code => {
      const code: Code = [];
      for (let r = 0; r < 4; r++) {
        for (let c = 0; c < C; c++) {
          code.push(...set(acc[r][c], v128.load(i32.add(get(gRows[r]), get(col)), 16 * c)));
        }
      }
      code.push(...set(px, i32.add(get(aChunk), get(ioff))));
      code.push(...set(pd, i32.add(get(dChunk), get(col))));
      const body: Code = [];
      for (let c = 0; c < C; c++) body.push(...set(dv[c], v128.load(get(pd), 16 * c)));
      for (let r = 0; r < 4; r++) {
        body.push(...set(sp, v128.load32Splat(get(px), 4 * r)));
        for (let c = 0; c < C; c++) {
          body.push(...set(acc[r][c], this.#madd(get(sp), get(dv[c]), get(acc[r][c]))));
        }
      }
      body.push(...inc(pd, get(ldd)));
      // px = aChunk + ioff + r·lda stays below chunkEnd exactly while r < chunk rows.
      code.push(...doWhileBelow(px, get(chunkEnd), get(lda), body));
      for (let r = 0; r < 4; r++) {
        for (let c = 0; c < C; c++) {
          code.push(...v128.store(i32.add(get(gRows[r]), get(col)), get(acc[r][c]), 16 * c));
        }
      }
      return code;
    };

    const chunkStep = f.local(I32);
    f.emit(
      set(lda, ptr4(kk)),
      set(ldd, ptr4(n)),
      set(pairEnd, i32.and(get(ldd), i32.const(~31))),
      set(chunkStep, i32.mul(get(lda), i32.const(GRAD_ROWS))),
      set(aAll, i32.add(get(x), i32.mul(get(rows), get(lda)))),
      set(aChunk, get(x)),
      set(dChunk, get(dz)),
      whileBelow(
        aChunk,
        get(aAll),
        get(chunkStep),
        set(chunkEnd, i32.add(get(aChunk), get(chunkStep))),
        when(i32.ltU(get(aAll), get(chunkEnd)), set(chunkEnd, get(aAll))),
        set(ioff, i32.const(0)),
        set(gRows[0], get(g)),
        whileBelow(
          ioff,
          get(lda),
          i32.const(16),
          set(gRows[1], i32.add(get(gRows[0]), get(ldd))),
          set(gRows[2], i32.add(get(gRows[1]), get(ldd))),
          set(gRows[3], i32.add(get(gRows[2]), get(ldd))),
          set(col, i32.const(0)),
          whileBelow(col, get(pairEnd), i32.const(32), tile(2)),
          when(i32.ltU(get(col), get(ldd)), tile(1)),
          set(gRows[0], i32.add(get(gRows[3]), get(ldd))),
        ),
        inc(dChunk, i32.mul(get(ldd), i32.const(GRAD_ROWS))),
      ),
    );

    // Bias gradient: column sums of dz, four vectors at a time so four sums are in flight.
    const gb = f.local(I32);
    const dEnd = f.local(I32);
    const quadEnd = f.local(I32);
    const sums = (C: number): Code => {
      const code: Code = [];
      for (let c = 0; c < C; c++) {
        code.push(...set(acc[c][0], v128.load(i32.add(get(gb), get(col)), 16 * c)));
      }
      code.push(...set(pd, i32.add(get(dz), get(col))));
      const body: Code = [];
      for (let c = 0; c < C; c++) {
        body.push(...set(acc[c][0], f32x4.add(get(acc[c][0]), v128.load(get(pd), 16 * c))));
      }
      code.push(...doWhileBelow(pd, get(dEnd), get(ldd), body));
      for (let c = 0; c < C; c++) {
        code.push(...v128.store(i32.add(get(gb), get(col)), get(acc[c][0]), 16 * c));
      }
      return code;
    };
    f.emit(
      set(gb, i32.add(get(g), i32.mul(get(kk), get(ldd)))),
      set(dEnd, i32.add(get(dz), i32.mul(get(rows), get(ldd)))),
      set(quadEnd, i32.and(get(ldd), i32.const(~63))),
      set(col, i32.const(0)),
      block(
        brIf(0, i32.geU(get(dz), get(dEnd))),
        whileBelow(col, get(quadEnd), i32.const(64), sums(4)),
        whileBelow(col, get(ldd), i32.const(16), sums(1)),
      ),
    );
    return f;
  }

  /** `body(offset)` for `offset = 0, 16, …` below `count·4` bytes. */
  #elementwise(f: Fn, count: Local, body: (o: Local) => Code): void {
    const o = f.local(I32);
    f.emit(set(o, i32.const(0)), whileBelow(o, ptr4(count), i32.const(16), body(o)));
  }

  actGrad(act: "relu" | "tanh"): Fn {
    const f = new Fn(`act_grad_${act}`, [I32, I32, I32, I32]);
    const [dy, y, dz, count] = [0, 1, 2, 3].map((i) => f.param(i));
    const at = (p: Local, o: Local): Code => i32.add(get(p), get(o));
    this.#elementwise(
      f,
      count,
      (o) => v128.store(at(dz, o), this.#slope(act, v128.load(at(dy, o)), v128.load(at(y, o)))),
    );
    return f;
  }

  tanh(): Fn {
    const f = new Fn("tanh", [I32, I32, I32]);
    const [x, y, count] = [0, 1, 2].map((i) => f.param(i));
    this.#elementwise(
      f,
      count,
      (o) => v128.store(i32.add(get(y), get(o)), this.#tanh(v128.load(i32.add(get(x), get(o))), f)),
    );
    return f;
  }

  transpose(): Fn {
    const f = new Fn("transpose", [I32, I32, I32, I32]);
    const [w, wt, kk, n] = [0, 1, 2, 3].map((i) => f.param(i));
    const src = f.local(I32);
    const srcEnd = f.local(I32);
    const rowEnd = f.local(I32);
    const dst = f.local(I32);
    const dstRow = f.local(I32);
    const ldt = f.local(I32);
    f.emit(
      set(ldt, ptr4(kk)),
      set(src, get(w)),
      set(srcEnd, i32.add(get(w), i32.mul(get(kk), ptr4(n)))),
      set(dstRow, get(wt)),
      block(
        brIf(0, i32.geU(get(src), get(srcEnd))),
        loop(
          set(rowEnd, i32.add(get(src), ptr4(n))),
          set(dst, get(dstRow)),
          doWhileBelow(
            src,
            get(rowEnd),
            i32.const(4),
            f32.store(get(dst), f32.load(get(src))),
            inc(dst, get(ldt)),
          ),
          inc(dstRow, i32.const(4)),
          brIf(0, i32.ltU(get(src), get(srcEnd))),
        ),
      ),
    );
    return f;
  }

  adam(): Fn {
    const f = new Fn("adam", [
      I32,
      I32,
      I32,
      I32,
      I32,
      F32,
      F32,
      F32,
      F32,
      F32,
      F32,
      F32,
      F32,
      F32,
    ]);
    const [p, g, m, v, count] = [0, 1, 2, 3, 4].map((i) => f.param(i));
    const names = ["lr", "b1", "omb1", "b2", "omb2", "eps", "bc1", "bc2", "decay"];
    const h = Object.fromEntries(names.map((name) => [name, f.local(V128)]));
    for (const [i, name] of names.entries()) f.emit(set(h[name], f32x4.splat(get(f.param(5 + i)))));
    const gk = f.local(V128);
    const mk = f.local(V128);
    const vk = f.local(V128);
    const pk = f.local(V128);
    const at = (base: Local, o: Local): Code => i32.add(get(base), get(o));
    this.#elementwise(f, count, (o) => [
      ...set(gk, v128.load(at(g, o))),
      ...set(
        mk,
        f32x4.add(f32x4.mul(get(h.b1), v128.load(at(m, o))), f32x4.mul(get(h.omb1), get(gk))),
      ),
      ...set(
        vk,
        f32x4.add(
          f32x4.mul(get(h.b2), v128.load(at(v, o))),
          f32x4.mul(f32x4.mul(get(h.omb2), get(gk)), get(gk)),
        ),
      ),
      ...v128.store(at(m, o), get(mk)),
      ...v128.store(at(v, o), get(vk)),
      ...set(
        pk,
        f32x4.sub(
          v128.load(at(p, o)),
          f32x4.div(
            f32x4.mul(get(h.lr), f32x4.div(get(mk), get(h.bc1))),
            f32x4.add(f32x4.sqrt(f32x4.div(get(vk), get(h.bc2))), get(h.eps)),
          ),
        ),
      ),
      ...v128.store(at(p, o), f32x4.sub(get(pk), f32x4.mul(get(h.decay), get(pk)))),
    ]);
    return f;
  }

  sumSquares(): Fn {
    const f = new Fn("sum_squares", [I32, I32], [F64]);
    const [g, count] = [0, 1].map((i) => f.param(i));
    const lo = f.local(V128);
    const hi = f.local(V128);
    const x = f.local(V128);
    const sq = (a: Code): Code => f64x2.mul(a, a);
    f.emit(set(lo, f64x2.zero()), set(hi, f64x2.zero()));
    this.#elementwise(f, count, (o) => [
      ...set(x, v128.load(i32.add(get(g), get(o)))),
      ...set(lo, f64x2.add(get(lo), sq(f64x2.promoteLow(get(x))))),
      ...set(hi, f64x2.add(get(hi), sq(f64x2.promoteLow(v128.high64(get(x)))))),
    ]);
    f.emit(set(lo, f64x2.add(get(lo), get(hi))));
    f.emit(f64.add(f64x2.extractLane(get(lo), 0), f64x2.extractLane(get(lo), 1)));
    return f;
  }

  scale(): Fn {
    const f = new Fn("scale", [I32, I32, F32]);
    const [g, count, s] = [0, 1, 2].map((i) => f.param(i));
    const sv = f.local(V128);
    f.emit(set(sv, f32x4.splat(get(s))));
    this.#elementwise(f, count, (o) => {
      const addr = i32.add(get(g), get(o));
      return v128.store(addr, f32x4.mul(v128.load(addr), get(sv)));
    });
    return f;
  }
}
