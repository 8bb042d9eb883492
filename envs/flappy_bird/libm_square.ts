/**
 * `x ** 2` as numpy's float64 scalars compute it with glibc: numpy hands `x ** 2` to C
 * `pow(x, 2.0)`, and glibc's `pow` (2.28 and later; the x86-64 build with FMA that recorded the
 * FlappyBird reference) is accurate to 0.52 ulp but not correctly rounded. When `x²` lies within
 * about 0.01 ulp of a rounding midpoint it can return the neighbour of `x * x`. The LIDAR squares
 * ray offsets this way, so bit-exact rays need the same result.
 *
 * {@link libmSquare} returns `x * x` when the exact square is far enough from a midpoint that
 * `pow` must round the same way (the common case, found from the exact product error), and
 * otherwise replays glibc's algorithm operation by operation: `log(x)` in double-double from a
 * 128-entry table and a degree-8 polynomial, doubled, then `exp` from a 128-entry table and a
 * degree-5 polynomial. The operation order and the fused multiply-adds are those of glibc 2.36's
 * `__pow_fma` machine code; each fused multiply-add is emulated exactly (error-free product,
 * then Boldo and Melquiond's round-to-odd sum). The polynomial coefficients and reduction
 * constants are glibc's; the tables are in `_libm_square_tables.ts`.
 *
 * @example
 * ```ts
 * import { libmSquare } from "./libm_square.ts";
 * const dy = -158.56733089748968;
 * dy * dy; // 25143.598427953988
 * libmSquare(dy); // 25143.598427953984, as Python's dy ** 2 with glibc
 * ```
 * @module
 */
import { EXP_H, EXP_TAIL, LOG_INVC, LOG_LOGC, LOG_LOGCTAIL } from "./_libm_square_tables.ts";

// glibc's constants (`e_pow_log_data.c`, `e_exp_data.c`), with the log polynomial scaled as
// glibc scales it for evaluation.
const LN2_HI = 0.6931471805598903; // 0x1.62e42fefa3800p-1
const LN2_LO = 5.497923018708371e-14; // 0x1.ef35793c76730p-45
const A0 = -0.5;
const A1 = -0.6666666666666679; // -0x1.5555555555560p-1
const A2 = 0.5000000000000007; // 0x1.0000000000006p-1
const A3 = 0.7999999995323976; // 0x1.999999959554ep-1
const A4 = -0.6666666663487739; // -0x1.555555529a47ap-1
const A5 = -1.142909628459501; // -0x1.2495b9b4845e9p+0
const A6 = 1.0000415263675542; // 0x1.0002b8b263fc3p+0
const INV_LN2_N = 184.6649652337873; // 0x1.71547652b82fep+7
const NEG_LN2_HI_N = -0.005415212348111709; // -0x1.62e42fefa0000p-8
const NEG_LN2_LO_N = -1.2864023111638346e-14; // -0x1.cf79abc9e3b3ap-47
const C2 = 0.49999999999996786; // 0x1.ffffffffffdbdp-2
const C3 = 0.16666666666665886; // 0x1.555555555543cp-3
const C4 = 0.0416666808410674; // 0x1.55555cf172b91p-5
const C5 = 0.008333335853059549; // 0x1.1111167a4d017p-7
const SHIFT = 6755399441055744.0; // 0x1.8p52
/** The top 32 bits of glibc's `OFF`, the start of the log reduction interval (low bits 0). */
const OFF_HI = 0x3fe69555;

/** Veltkamp's splitter for 53-bit doubles. */
const SPLIT = 134217729;
/**
 * `x * x` is returned as is while its rounding error stays within 0.45 ulp: before its final
 * rounding, glibc's `pow` is off the exact square by at most about 0.04 ulp (0.54 ulp in all).
 */
const INV_SAFE = 1 / 0.9;

// Bit access to one double. Little-endian hosts hold the high word at index 1.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
const LO = 1 - HI;

/** The exact rounding error of `a * b` (whose rounded value is `p`), by Dekker's product. */
function productError(a: number, b: number, p: number): number {
  const ca = SPLIT * a, cb = SPLIT * b;
  const ah = ca - (ca - a), bh = cb - (cb - b);
  const al = a - ah, bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/**
 * `fma(a, b, c)`, correctly rounded: `a·b = p + e` exactly, `c + p = s + t` exactly, and
 * `s + RO(t + e)` with the inner sum rounded to odd (Boldo & Melquiond 2008).
 */
function fma(a: number, b: number, c: number): number {
  const p = a * b;
  const e = productError(a, b, p);
  const s = c + p;
  const sb = s - c;
  const t = (c - (s - sb)) + (p - sb);
  const v = t + e;
  const vb = v - t;
  const w = (t - (v - vb)) + (e - vb);
  if (w === 0) return s + v;
  // Round to odd: an inexact sum with an even last bit moves one ulp toward the exact value.
  f64[0] = v;
  let lo = u32[LO];
  if ((lo & 1) === 0) {
    const away = (w > 0) === (v > 0);
    let hi = u32[HI];
    if (away) {
      lo = (lo + 1) >>> 0;
    } else {
      if (lo === 0) hi = (hi - 1) >>> 0;
      lo = (lo - 1) >>> 0;
    }
    u32[LO] = lo;
    u32[HI] = hi;
  }
  return s + f64[0];
}

/** glibc's `pow(a, 2.0)` for `a` in its main path (positive, normal, 2^-54 ≤ |2 ln a| < 512). */
function glibcPowSquare(a: number): number {
  // log(a) = k ln2 + log(c) + log1p(z / c − 1), as a double-double hi + tail.
  f64[0] = a;
  const tmpHi = (u32[HI] - OFF_HI) | 0;
  const i = (tmpHi >>> 13) & 127;
  const k = tmpHi >> 20;
  u32[HI] = (u32[HI] - (tmpHi & 0xfff00000)) >>> 0;
  const z = f64[0];
  const invc = LOG_INVC[i];
  const t1 = k * LN2_HI + LOG_LOGC[i]; // exact: glibc's tables make it so
  const lo1 = fma(k, LN2_LO, LOG_LOGCTAIL[i]);
  const zc = z * invc;
  const r = (zc - 1) + productError(z, invc, zc); // fma(z, invc, -1), exact
  const ar = A0 * r;
  const q1 = fma(r, A2, A1);
  const q3 = fma(r, A4, A3);
  const t2 = t1 + r;
  const ar2 = r * ar;
  const ar3 = r * ar2;
  const lo3 = productError(ar, r, ar2); // fma(ar, r, -ar2)
  const lo2 = (t1 - t2) + r;
  const q5 = fma(r, A6, A5);
  const hi = t2 + ar2;
  const lo4 = (t2 - hi) + ar2;
  const poly = fma(ar2, fma(q5, ar2, q3), q1);
  const lo = fma(ar3, poly, ((lo1 + lo2) + lo3) + lo4);
  const y = hi + lo;
  const tail = (hi - y) + lo;

  // exp(2 y + 2 tail): y · 2 and tail · 2 are exact, and glibc's fma(2, y, −2y) is 0.
  const ehi = 2 * y;
  const elo = 2 * tail;
  const kdShifted = fma(ehi, INV_LN2_N, SHIFT);
  const kd = kdShifted - SHIFT;
  const j = kd & 127;
  const rr = elo + fma(kd, NEG_LN2_LO_N, ehi + kd * NEG_LN2_HI_N);
  const r2 = rr * rr;
  const tmp = fma(fma(rr, C5, C4), r2 * r2, fma(fma(rr, C3, C2), r2, rr + EXP_TAIL[j]));
  // glibc's scale is EXP_H[j] with (kd − j) / 128 added to its exponent.
  const scale = EXP_H[j] * 2 ** ((kd - j) / 128);
  return fma(tmp, scale, scale);
}

/**
 * `x ** 2` as glibc's `pow(x, 2.0)` rounds it (see the module doc). Bit-exact with glibc for
 * `|x|` between 2^-369 and 2^369; outside that range (never met here) it returns `x * x`.
 */
export function libmSquare(x: number): number {
  const p = x * x;
  if (!Number.isFinite(p)) return p;
  // Safe when |e| ≤ 0.45 ulp(p), i.e. when e / 0.9 still rounds away (a conservative test at
  // powers of two, where the spacing below is half an ulp).
  if (p + productError(x, x, p) * INV_SAFE === p) return p;
  const a = Math.abs(x);
  if (!(a > 2 ** -369 && a < 2 ** 369)) return p;
  return glibcPowSquare(a);
}
