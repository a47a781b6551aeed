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

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

const TWO_POW_30 = 1n << 30n;
const TWO_POW_31 = 1n << 31n;

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

/** a·b / 2^31 rounded to nearest, ties toward +∞ (gemmlowp SaturatingRoundingDoublingHighMul). */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? TWO_POW_30 : 1n - TWO_POW_30;
  // BigInt division truncates toward zero, exactly like C's int64 division.
  return Number((ab + nudge) / TWO_POW_31);
}

/** x / 2^exponent rounded half away from zero, exponent in [0, 31]. */
export function roundingDivideByPot(x: number, exponent: number): number {
  if (!Number.isInteger(exponent) || exponent < 0 || exponent > 31) {
    throw new RangeError(`roundingDivideByPot: exponent ${exponent} outside [0, 31]`);
  }
  if (exponent === 0) return x;
  const mask = 2 ** exponent - 1;
  const remainder = (x & mask) >>> 0;
  const threshold = Math.floor(mask / 2) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** TFLite MultiplyByQuantizedMultiplier, with the left shift saturated (see file comment). */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  if (!Number.isInteger(shift) || shift < -31 || shift > 30) {
    throw new RangeError(`multiplyByQuantizedMultiplier: shift ${shift} outside [-31, 30]`);
  }
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  // Multiplying by a power of two is exact in a double (|x·2^30| < 2^61), so this saturates exactly.
  const shifted = saturateInt32(x * 2 ** left);
  return roundingDivideByPot(saturatingRoundingDoublingHighMul(shifted, multiplier), right);
}

/** A real multiplier as (Q31 multiplier, power-of-two shift); the TFLite QuantizeMultiplier rule. */
export interface QuantizedMultiplier {
  readonly multiplier: number;
  readonly shift: number;
}

/**
 * Split real > 0 into q · 2^shift with q in [0.5, 1), multiplier = round(q · 2^31) (half away
 * from zero); a rounding up to 2^31 halves it and bumps shift. Tiny values (shift < −31)
 * become (0, 0); shift is capped at 30. Float math is fine here: this runs at prepare time,
 * and the kernels only see the integers.
 */
export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (!(real >= 0) || !Number.isFinite(real)) throw new RangeError(`quantizeMultiplier: bad multiplier ${real}`);
  if (real === 0) return { multiplier: 0, shift: 0 };
  let shift = Math.floor(Math.log2(real)) + 1;
  let q = real / 2 ** shift;
  // log2 can be off by one ulp near powers of two: renormalise into [0.5, 1).
  while (q >= 1) { q /= 2; shift++; }
  while (q < 0.5) { q *= 2; shift--; }
  let m = Math.round(q * 2 ** 31);
  if (m === 2 ** 31) { m /= 2; shift++; }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  if (shift > 30) { shift = 30; m = INT32_MAX; }
  return { multiplier: m, shift };
}
