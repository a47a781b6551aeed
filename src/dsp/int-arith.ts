/**
 * Exact integer helpers for the fixed-point front end.
 *
 * The integer pipeline (fft-q15.ts, mfcc-q15.ts) keeps every intermediate an integer of
 * magnitude < 2^53, so a JS number holds it exactly and `+ − ×` on such values equal the
 * C int32/int64 operations the firmware performs. Shifts are written as helpers because
 * JS `>>` truncates to 32 bits. The C equivalents are given with each helper; this file
 * is part of the contract for firmware/frontend/tops_mfcc_q15.c.
 */

const POW2: readonly number[] = Array.from({ length: 64 }, (_, i) => 2 ** i);
// Every shift below is 0 ≤ s < 64 by contract (the word sizes of the Q15 pipeline bound it) and
// these run per sample, so they index POW2 with a non-null `!` rather than a checked read.

/**
 * Arithmetic shift right: floor(x / 2^s) for an integer |x| < 2^53, s ≥ 0.
 * C: `x >> s` on int32_t/int64_t (arithmetic on every ARM/GCC target; we rely on it).
 */
export function sra(x: number, s: number): number {
  return s === 0 ? x : Math.floor(x / POW2[s]!);
}

/**
 * Round-half-up shift: floor((x + 2^(s−1)) / 2^s); for s = 0, x unchanged.
 * C: `(x + ((int64_t)1 << (s - 1))) >> s`.
 */
export function roundShift(x: number, s: number): number {
  return s === 0 ? x : Math.floor((x + POW2[s - 1]!) / POW2[s]!);
}

/**
 * Multiply by 2^s (s ≥ 0). C: `x * ((int64_t)1 << s)` — a multiply, not `<<`, because
 * left-shifting a negative signed value is undefined behaviour in C.
 */
export function shl(x: number, s: number): number {
  return x * POW2[s]!;
}

/** roundShift for s > 0, shl for s < 0: scale x by 2^(−s) with rounding. */
export function shiftSigned(x: number, s: number): number {
  return s >= 0 ? roundShift(x, s) : shl(x, -s);
}

/**
 * Number of significant bits of a non-negative integer x < 2^53: 0 for 0, else
 * floor(log2 x) + 1. C: `64 - __builtin_clzll(x)` (x ≠ 0), or `32 - __CLZ(x)` for 32 bits.
 */
export function bitLength(x: number): number {
  if (x < 4294967296) return 32 - Math.clz32(x);
  return 64 - Math.clz32(Math.floor(x / 4294967296));
}

/** 2^s as an exact number (0 ≤ s < 64). */
export function pow2(s: number): number {
  return POW2[s]!;
}

/**
 * rnd(a·w1 − b·w2, 30) = floor((a·w1 − b·w2 + 2^29) / 2^30) for integers |a|, |b| ≤ 2^31
 * and |w1|, |w2| ≤ 2^30 (a Q30 complex-multiply component).
 * C: `(int32_t)(((int64_t)a * w1 - (int64_t)b * w2 + (1 << 29)) >> 30)`.
 * The exact products reach 2^62, beyond a JS number's 53 bits, so each weight is split
 * as w = wh·2^15 + wl (0 ≤ wl < 2^15): with H = a·w1h − b·w2h and L = a·w1l − b·w2l + 2^29
 * (both < 2^48, exact), a·w1 − b·w2 + 2^29 = H·2^15 + L, and because
 * floor((H·2^15 + L)/2^30) = floor((H + floor(L/2^15)) / 2^15) the result is exact.
 */
export function mulSubRound30(a: number, w1: number, b: number, w2: number): number {
  const w1h = Math.floor(w1 / 32768);
  const w2h = Math.floor(w2 / 32768);
  const hi = a * w1h - b * w2h;
  const lo = a * (w1 - w1h * 32768) - b * (w2 - w2h * 32768) + 536870912;
  return Math.floor((hi + Math.floor(lo / 32768)) / 32768);
}

/**
 * floor(a·w / 2^32) for integers |a|, |w| ≤ 2^31: the high word of a 32×32 → 64-bit product,
 * what Armv7E-M's SMMUL returns (and SMMLA adds to its accumulator). Used by the q31-fast
 * front end (fft-q31.ts), ≈ 7,000 times per 1024-point frame. C: `(int32_t)(((int64_t)a * w) >> 32)`.
 * The product reaches 2^62, beyond a double's 53 bits, so it is taken in two parts: Math.imul
 * gives its low 32 bits L exactly (ToInt32 wraps modulo 2^32, also for a or w = 2^31), read
 * unsigned, P mod 2^32; the double product p = fl(a·w) is within 2^8 of P (a half ulp below
 * 2^62), and fl(p − L) is within 2^10 of P − L = floor(P / 2^32)·2^32, a multiple of 2^32, so
 * Math.round after the exact scaling by 2^−32 recovers the high word.
 */
export function mulHi32(a: number, w: number): number {
  // | 0: the high word is within ±2^30, and it turns Math.round's −0 (of −0.3, say) into 0
  return Math.round((a * w - (Math.imul(a, w) >>> 0)) * TWO_POW_MINUS_32) | 0;
}

/**
 * ceil(a·w / 2^32) = −floor(−a·w / 2^32): what SMMLS subtracts from its accumulator
 * (acc − ceil(a·w / 2^32) = high word of acc·2^32 − a·w). C: `-(int32_t)(((int64_t)-a * w) >> 32)`
 * (or the SMMLS instruction itself). It is mulHi32 plus one unless the low word is zero.
 */
export function mulHiCeil32(a: number, w: number): number {
  const lo = Math.imul(a, w);
  const h = Math.round((a * w - (lo >>> 0)) * TWO_POW_MINUS_32) | 0;
  return lo === 0 ? h : h + 1;
}

const TWO_POW_MINUS_32 = 2 ** -32;
