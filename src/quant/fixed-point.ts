/**
 * Integer requantization exactly as TFLite / TFLite Micro do it (reference kernels,
 * tensorflow/lite/kernels/internal/common.h and quantization_util.cc, default build without
 * TFLITE_SINGLE_ROUNDING), so outputs are bit-exact with the firmware's C:
 *
 *   QuantizeMultiplier(m):   m = q·2^shift with q ∈ [0.5, 1) (frexp);
 *                            multiplier = round_half_away(q·2^31); if it is 2^31, halve it
 *                            and shift+1; shift < −31 gives (0, 0).
 *   MultiplyByQuantizedMultiplier(x, M, shift):
 *       RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x·2^max(shift,0), M), max(−shift,0))
 *
 * 64-bit products use BigInt. x·2^left_shift is computed exactly and SATURATED to int32:
 * TFLite leaves that overflow undefined, the firmware (firmware/kernels/ref/tops_requantize.c)
 * pins it to saturation, and this is the one definition both the quantizer and the integer
 * reference (src/nn/int-reference) use.
 */
import { StageInputError } from '../errors';
import { roundHalfAwayFromZero } from './regularizers';

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

function checkInt32(name: string, v: number): void {
  if (!Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) {
    throw new StageInputError(`${name} must be an int32, got ${v}`);
  }
}

/** C's frexp for finite x: x = fraction·2^exponent, |fraction| ∈ [0.5, 1) (0 → (0, 0)). */
export function frexp(x: number): { fraction: number; exponent: number } {
  if (x === 0 || !Number.isFinite(x)) return { fraction: x, exponent: 0 };
  const view = new DataView(new ArrayBuffer(8));
  let bias = 0;
  let v = x;
  if (Math.abs(v) < 2 ** -1022) {
    v *= 2 ** 64; // subnormal: normalize first
    bias = -64;
  }
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const biasedExp = (hi >>> 20) & 0x7ff;
  const exponent = biasedExp - 1022 + bias;
  // Set the exponent field so that |fraction| ∈ [0.5, 1): biased exponent 1022.
  view.setUint32(0, (hi & 0x800fffff) | (1022 << 20));
  return { fraction: view.getFloat64(0), exponent };
}

/** TFLite QuantizeMultiplier: a real multiplier as (Q31 int32 multiplier, shift). */
export function quantizeMultiplier(realMultiplier: number): { multiplier: number; shift: number } {
  if (!Number.isFinite(realMultiplier)) {
    throw new StageInputError(`real multiplier must be finite, got ${realMultiplier}`);
  }
  if (realMultiplier === 0) return { multiplier: 0, shift: 0 };
  const { fraction, exponent } = frexp(realMultiplier);
  let shift = exponent;
  let qFixed = roundHalfAwayFromZero(fraction * 2 ** 31); // exact: a power-of-two scaling
  if (Math.abs(qFixed) === 2 ** 31) {
    qFixed /= 2;
    shift += 1;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: qFixed, shift };
}

/** gemmlowp SaturatingRoundingDoublingHighMul: (a·b·2 + 2^31 nudge) / 2^32, saturating. */
export function saturatingRoundingDoublingHighMul(a: number, b: number): number {
  checkInt32('a', a);
  checkInt32('b', b);
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX; // the only overflow
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  // BigInt division truncates toward zero, as C's int64 division does.
  return Number((ab + nudge) / (1n << 31n));
}

/** gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero. */
export function roundingDivideByPOT(x: number, exponent: number): number {
  checkInt32('x', x);
  if (!Number.isInteger(exponent) || exponent < 0 || exponent > 31) {
    throw new StageInputError(`RoundingDivideByPOT exponent must be in [0, 31], got ${exponent}`);
  }
  const mask = exponent === 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/** TFLite MultiplyByQuantizedMultiplier (double rounding, the default build). */
export function multiplyByQuantizedMultiplier(x: number, multiplier: number, shift: number): number {
  checkInt32('x', x);
  checkInt32('multiplier', multiplier);
  if (!Number.isInteger(shift) || shift < -31 || shift > 30) {
    throw new StageInputError(`shift must be an integer in [-31, 30], got ${shift}`);
  }
  const leftShift = shift > 0 ? shift : 0;
  const rightShift = shift > 0 ? 0 : -shift;
  const shifted = Math.min(INT32_MAX, Math.max(INT32_MIN, x * 2 ** leftShift)); // exact in a double, saturated
  return roundingDivideByPOT(saturatingRoundingDoublingHighMul(shifted, multiplier), rightShift);
}
