/**
 * Integer requantization with TFLite semantics: the arithmetic contract the C kernels in
 * firmware/kernels/ref/tops_requantize.c reproduce bit for bit.
 *
 * A real multiplier r > 0 is stored as (multiplier, shift) with r ≈ multiplier · 2^(shift − 31),
 * multiplier in [2^30, 2^31) (a Q31 fraction in [0.5, 1)) and shift in [−31, 30].
 *
 * multiplyByQuantizedMultiplier(x, m, s):
 *   1. left = max(s, 0), right = max(−s, 0).
 *   2. x' = x · 2^left computed in 64 bits and SATURATED to int32 (TFLite leaves this overflow
 *      undefined; we pin it so host and board agree even on bad inputs).
 *   3. y = SaturatingRoundingDoublingHighMul(x', m) = x'·m / 2^31 rounded to nearest: nudge
 *      +2^30 for a non-negative product, 1 − 2^30 otherwise, then int64 division by 2^31
 *      truncating toward zero. Net effect: ties go toward +∞ (0.5 → 1 but −0.5 → 0, as in
 *      gemmlowp/TFLite — NOT half away from zero). The one overflow case x' = m = INT32_MIN
 *      gives INT32_MAX.
 *   4. result = RoundingDivideByPOT(y, right): arithmetic shift right, rounding half away
 *      from zero (remainder compared with mask/2, plus one for negative y).
 */

import { quantizeMultiplier as tfliteQuantizeMultiplier } from '../../quant/fixed-point';

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** Clamp a (possibly out-of-range) integer to int32. */
export function saturateInt32(x: number): number {
  return x < INT32_MIN ? INT32_MIN : x > INT32_MAX ? INT32_MAX : x;
}

/** Throw if an accumulator left int32: the C kernels accumulate in int32 and must not overflow. */
export function checkInt32(x: number, what: string): number {
  if (!Number.isInteger(x) || x < INT32_MIN || x > INT32_MAX) {
    throw new RangeError(`${what} = ${x} does not fit int32 (the C kernel would overflow)`);
  }
  return x;
}

/**
 * The arithmetic itself lives in src/quant/fixed-point.ts (one definition for the quantizer
 * and this reference); the names here are the ones the kernels and tests use.
 */
export {
  multiplyByQuantizedMultiplier,
  roundingDivideByPOT as roundingDivideByPot,
  saturatingRoundingDoublingHighMul,
} from '../../quant/fixed-point';

/** A real multiplier as (Q31 multiplier, power-of-two shift); the TFLite QuantizeMultiplier rule. */
export interface QuantizedMultiplier {
  readonly multiplier: number;
  readonly shift: number;
}

/**
 * TFLite QuantizeMultiplier (src/quant/fixed-point.ts) for real ≥ 0, with shift capped at 30
 * (multiplier INT32_MAX) because the kernels take shift in [−31, 30].
 */
export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (!(real >= 0) || !Number.isFinite(real)) throw new RangeError(`quantizeMultiplier: bad multiplier ${real}`);
  const q = tfliteQuantizeMultiplier(real);
  return q.shift > 30 ? { multiplier: INT32_MAX, shift: 30 } : q;
}
