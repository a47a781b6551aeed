/**
 * The TFLite int8 quantization scheme (the TFLite quantization spec; MicroNets §5 deploys
 * with TFLM), so tinyops' quantized models compare 1:1 with TFLite Micro:
 * - weights: symmetric, per output channel, zero point 0, scale_c = max|w_c| / 127, codes in
 *   [−127, 127] (−128 unused). Sub-byte weights (thesis ch. 4 {2, 4}-bit; MicroNets §5.1.3)
 *   use the same rule with 7 ([−7, 7]) or 1 ([−1, 1]) in place of 127.
 * - activations: asymmetric per tensor, codes in [−128, 127]; the range is widened to contain
 *   0 and the zero point is rounded to an integer ("nudged") so real 0 is exactly a code.
 * - bias: int32, zero point 0, scale = inputScale · weightScale_c.
 * Rounding everywhere is half away from zero (TfLiteRound).
 */
import { StageInputError } from '../errors';
import { roundHalfAwayFromZero } from './regularizers';
import { INT32_MAX, INT32_MIN } from './fixed-point';

/** Weight bit widths with a symmetric integer scheme here (1-bit is sign-only, see regularizers). */
export type WeightBits = 2 | 4 | 8;

/** Largest code magnitude of a symmetric N-bit weight: 2^(N−1) − 1 (127, 7, 1). */
export function symmetricQmax(bits: WeightBits): number {
  return 2 ** (bits - 1) - 1;
}

export interface PerChannelQuantized {
  /** Codes in [−qmax, qmax], same layout as the input. */
  readonly values: Int8Array;
  /** One scale per channel along `channelAxis`. */
  readonly scales: Float64Array;
  readonly bits: WeightBits;
}

function checkShape(length: number, shape: readonly number[], channelAxis: number): void {
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== length || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new StageInputError(`shape [${shape.join(', ')}] does not match ${length} values`);
  }
  if (!Number.isInteger(channelAxis) || channelAxis < 0 || channelAxis >= shape.length) {
    throw new StageInputError(`channel axis ${channelAxis} out of range for shape [${shape.join(', ')}]`);
  }
}

/** Channel of flat (row-major) index i: (i / Π shape[axis+1..]) mod shape[axis]. */
function channelIndexer(shape: readonly number[], axis: number): (i: number) => number {
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = shape[axis]!;
  return (i) => Math.floor(i / inner) % channels;
}

/**
 * Symmetric per-channel weight quantization. TFLite's channel axis is 0 for conv/FC
 * weights ([out, h, w, in] / [out, in]) and 3 for depthwise ([1, h, w, out]). A channel of
 * all zeros gets scale 1 (any scale represents it; avoids dividing by 0).
 */
export function quantizeWeightsPerChannel(
  weights: ArrayLike<number>,
  shape: readonly number[],
  channelAxis = 0,
  bits: WeightBits = 8,
): PerChannelQuantized {
  checkShape(weights.length, shape, channelAxis);
  const qmax = symmetricQmax(bits);
  const channelOf = channelIndexer(shape, channelAxis);
  const maxAbs = new Float64Array(shape[channelAxis]!);
  for (let i = 0; i < weights.length; i++) {
    const c = channelOf(i);
    maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(weights[i]!));
  }
  const scales = maxAbs.map((m) => (m > 0 ? m / qmax : 1));
  const values = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const q = roundHalfAwayFromZero(weights[i]! / scales[channelOf(i)]!);
    values[i] = Math.max(-qmax, Math.min(qmax, q));
  }
  return { values, scales, bits };
}

/** Real weights back from per-channel codes: w = scale_c · q. */
export function dequantizeWeightsPerChannel(
  q: PerChannelQuantized,
  shape: readonly number[],
  channelAxis = 0,
): Float32Array {
  checkShape(q.values.length, shape, channelAxis);
  const channelOf = channelIndexer(shape, channelAxis);
  return Float32Array.from(q.values, (v, i) => v * q.scales[channelOf(i)]!);
}

export interface AffineParams {
  readonly scale: number;
  /** In [qmin, qmax]; the code of real 0. */
  readonly zeroPoint: number;
}

export const INT8_MIN = -128;
export const INT8_MAX = 127;

/**
 * Asymmetric per-tensor activation parameters from an observed (min, max), TFLite's
 * ChooseQuantizationParams: widen to contain 0; scale = (max − min)/(qmax − qmin); take the
 * zero point from whichever end gives the smaller rounding error, clamp it to [qmin, qmax]
 * and round it (half away from zero), so real 0 maps to an integer code exactly. A point
 * range (min = max = 0) gives {scale: 1, zeroPoint: 0}.
 */
export function chooseActivationParams(min: number, max: number, qmin = INT8_MIN, qmax = INT8_MAX): AffineParams {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new StageInputError(`activation range must be finite with min ≤ max, got [${min}, ${max}]`);
  }
  const rmin = Math.min(min, 0);
  const rmax = Math.max(max, 0);
  if (rmin === rmax) return { scale: 1, zeroPoint: 0 };
  const scale = (rmax - rmin) / (qmax - qmin);
  const zpFromMin = qmin - rmin / scale;
  const zpFromMax = qmax - rmax / scale;
  const errMin = Math.abs(qmin) + Math.abs(rmin / scale);
  const errMax = Math.abs(qmax) + Math.abs(rmax / scale);
  const zp = errMin < errMax ? zpFromMin : zpFromMax;
  const zeroPoint = zp < qmin ? qmin : zp > qmax ? qmax : roundHalfAwayFromZero(zp);
  return { scale, zeroPoint };
}

/** The real range the nudged parameters actually represent: [(qmin − zp)·s, (qmax − zp)·s]. */
export function nudgedRange(p: AffineParams, qmin = INT8_MIN, qmax = INT8_MAX): { min: number; max: number } {
  return { min: (qmin - p.zeroPoint) * p.scale, max: (qmax - p.zeroPoint) * p.scale };
}

/** q = clamp(round(x / scale) + zeroPoint, qmin, qmax). */
export function quantizeAffine(x: number, p: AffineParams, qmin = INT8_MIN, qmax = INT8_MAX): number {
  const q = roundHalfAwayFromZero(x / p.scale) + p.zeroPoint;
  return Math.max(qmin, Math.min(qmax, q));
}

/** x = (q − zeroPoint) · scale. */
export function dequantizeAffine(q: number, p: AffineParams): number {
  return (q - p.zeroPoint) * p.scale;
}

/**
 * int32 bias per output channel: scale_c = inputScale · weightScale_c, zero point 0,
 * code = round(b_c / scale_c) saturated to int32.
 */
export function quantizeBias(
  bias: ArrayLike<number>,
  inputScale: number,
  weightScales: ArrayLike<number>,
): { values: Int32Array; scales: Float64Array } {
  if (weightScales.length !== bias.length && weightScales.length !== 1) {
    throw new StageInputError(`bias has ${bias.length} channels but ${weightScales.length} weight scales`);
  }
  const scales = new Float64Array(bias.length);
  const values = new Int32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    const s = inputScale * weightScales[weightScales.length === 1 ? 0 : c]!;
    scales[c] = s;
    const q = roundHalfAwayFromZero(bias[c]! / s);
    values[c] = Math.max(INT32_MIN, Math.min(INT32_MAX, q));
  }
  return { values, scales };
}
