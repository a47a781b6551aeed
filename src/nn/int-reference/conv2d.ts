import { multiplyByQuantizedMultiplier, checkInt32 } from './requantize';
import { Activation, Dims, checkActivation, clampToInt8, dimsSize, nhwcIndex } from './tensor';

/** Mirrors C `tops_conv2d_params`. Offsets are the negated zero points (TFLite convention). */
export interface Conv2dParams {
  /** −input zero point, in [−127, 128]. */
  readonly inputOffset: number;
  /** Output zero point, in [−128, 127]. */
  readonly outputOffset: number;
  readonly strideH: number;
  readonly strideW: number;
  /** Explicit top / left padding (see computePadding for same/valid). */
  readonly padH: number;
  readonly padW: number;
  readonly activation: Activation;
}

/** One (multiplier, shift) per output channel; mirrors C `tops_per_channel_quant_params`. */
export interface PerChannelQuant {
  readonly multiplier: Int32Array;
  readonly shift: Int32Array;
}

/**
 * int8 NHWC convolution, symmetric (zero-point-free) int8 weights [C_OUT, KH, KW, C_IN]:
 *   acc = bias[oc] + Σ (input + inputOffset) · filter   over in-bounds taps only
 *        (padding contributes nothing, i.e. it behaves as the input zero point),
 *   out = clamp(MBQM(acc, multiplier[oc], shift[oc]) + outputOffset, activation).
 * acc is int32 in C; a sum that would overflow is a contract violation (RangeError here).
 */
export function conv2d(
  params: Conv2dParams,
  quant: PerChannelQuant,
  inputDims: Dims,
  input: Int8Array,
  filterDims: Dims,
  filter: Int8Array,
  bias: Int32Array,
  outputDims: Dims,
): Int8Array {
  checkActivation(params.activation);
  if (filterDims.c !== inputDims.c || outputDims.c !== filterDims.n || outputDims.n !== inputDims.n) {
    throw new RangeError('conv2d: channel or batch dims disagree');
  }
  const out = new Int8Array(dimsSize(outputDims));
  for (let b = 0; b < outputDims.n; b++) {
    for (let oy = 0; oy < outputDims.h; oy++) {
      for (let ox = 0; ox < outputDims.w; ox++) {
        const y0 = oy * params.strideH - params.padH;
        const x0 = ox * params.strideW - params.padW;
        for (let oc = 0; oc < outputDims.c; oc++) {
          let acc = bias[oc] ?? 0;
          for (let ky = 0; ky < filterDims.h; ky++) {
            const iy = y0 + ky;
            if (iy < 0 || iy >= inputDims.h) continue;
            for (let kx = 0; kx < filterDims.w; kx++) {
              const ix = x0 + kx;
              if (ix < 0 || ix >= inputDims.w) continue;
              for (let ic = 0; ic < inputDims.c; ic++) {
                const v = input[nhwcIndex(inputDims, b, iy, ix, ic)] as number;
                const w = filter[nhwcIndex(filterDims, oc, ky, kx, ic)] as number;
                acc += (v + params.inputOffset) * w;
              }
            }
          }
          checkInt32(acc, 'conv2d accumulator');
          const scaled = multiplyByQuantizedMultiplier(acc, quant.multiplier[oc] as number, quant.shift[oc] as number);
          out[nhwcIndex(outputDims, b, oy, ox, oc)] = clampToInt8(scaled + params.outputOffset, params.activation);
        }
      }
    }
  }
  return out;
}

/** 1×1 convolution (no padding): the same arithmetic as conv2d with KH = KW = 1. */
export function pointwiseConv2d(
  params: Conv2dParams,
  quant: PerChannelQuant,
  inputDims: Dims,
  input: Int8Array,
  filterDims: Dims,
  filter: Int8Array,
  bias: Int32Array,
  outputDims: Dims,
): Int8Array {
  if (filterDims.h !== 1 || filterDims.w !== 1 || params.padH !== 0 || params.padW !== 0) {
    throw new RangeError('pointwiseConv2d: needs a 1x1 filter and no padding');
  }
  return conv2d(params, quant, inputDims, input, filterDims, filter, bias, outputDims);
}
