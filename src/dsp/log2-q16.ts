import { bitLength, pow2, roundShift, shl, sra } from './int-arith';

/**
 * Integer log2 in Q16 (value · 2^16) by CLZ + a 129-entry lookup table with linear
 * interpolation. Part of the fixed-point front end contract (mfcc-q15.ts).
 *
 * For an integer x ≥ 1 (x < 2^53):
 *   e    = bitLength(x) − 1                                  C: 63 − __builtin_clzll(x)
 *   mant = e ≥ 30 ? x >> (e − 30) : x · 2^(30 − e)           in [2^30, 2^31), truncating
 *   f    = mant − 2^30                                       Q30 fraction in [0, 1)
 *   i    = f >> 23,  r = f & (2^23 − 1)                      7-bit index, 23-bit remainder
 *   log2(x) ≈ e·2^16 + LOG2_TABLE_Q16[i]
 *              + ((LOG2_TABLE_Q16[i+1] − LOG2_TABLE_Q16[i])·r + 2^22) >> 23
 * with LOG2_TABLE_Q16[i] = round(2^16 · log2(1 + i/128)), i = 0..128.
 *
 * Error: linear interpolation over 128 segments ≤ (1/128)²/8 · 1/ln 2 ≈ 1.1e-5, table
 * rounding ≤ 0.5 LSB (7.6e-6), final rounding ≤ 0.5 LSB, truncating the mantissa
 * < 2^-30 relative: total < 3e-5 in log2 units (< 1e-4 dB). The test checks the bound.
 */

export const LOG2_TABLE_BITS = 7;

/** round(2^16·log2(1 + i/128)), i = 0..128 (last entry = 65536). */
export const LOG2_TABLE_Q16: Int32Array = (() => {
  const n = 1 << LOG2_TABLE_BITS;
  const t = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) t[i] = Math.round(65536 * Math.log2(1 + i / n));
  return t;
})();

const REM_BITS = 30 - LOG2_TABLE_BITS; // 23

/** Q16 log2 of an integer 1 ≤ x < 2^53. Throws for x < 1 (callers handle zero energy). */
export function log2Q16(x: number): number {
  if (!(x >= 1)) throw new RangeError(`log2Q16 needs x ≥ 1, got ${x}`);
  const e = bitLength(x) - 1;
  const mant = e >= 30 ? sra(x, e - 30) : shl(x, 30 - e);
  const f = mant - pow2(30);
  const i = sra(f, REM_BITS);
  const r = f - i * pow2(REM_BITS);
  const t0 = LOG2_TABLE_Q16[i]!;
  const t1 = LOG2_TABLE_Q16[i + 1]!;
  return e * 65536 + t0 + roundShift((t1 - t0) * r, REM_BITS);
}
