import { PerChannelQuant } from './conv2d';
import { multiplyByQuantizedMultiplier, checkInt32 } from './requantize';
import { Activation, Dims, checkActivation, clampToInt8, dimsSize, nhwcIndex } from './tensor';

/** Mirrors C `tops_depthwise_conv2d_params` (depth multiplier fixed at 1). */
export interface DepthwiseConv2dParams {
  readonly inputOffset: number;
  readonly outputOffset: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  readonly activation: Activation;
}

/**
 * Depthwise int8 convolution, depth multiplier 1, weights [1, KH, KW, C]. Channel c sees only
 * input channel c; otherwise the conv2d rules hold (in-bounds taps only, int32 acc, per-channel
 * MBQM, + outputOffset, clamp).
 */
export function depthwiseConv2d(
  params: DepthwiseConv2dParams,
  quant: PerChannelQuant,
  inputDims: Dims,
  input: Int8Array,
  filterDims: Dims,
  filter: Int8Array,
  bias: Int32Array,
  outputDims: Dims,
): Int8Array {
  checkActivation(params.activation);
  if (
    filterDims.n !== 1 ||
    filterDims.c !== inputDims.c ||
    outputDims.c !== inputDims.c ||
    outputDims.n !== inputDims.n
  ) {
    throw new RangeError('depthwiseConv2d: dims disagree (depth multiplier must be 1)');
  }
  const out = new Int8Array(dimsSize(outputDims));
  for (let b = 0; b < outputDims.n; b++) {
    for (let oy = 0; oy < outputDims.h; oy++) {
      for (let ox = 0; ox < outputDims.w; ox++) {
        const y0 = oy * params.strideH - params.padH;
        const x0 = ox * params.strideW - params.padW;
        for (let c = 0; c < outputDims.c; c++) {
          let acc = bias[c] ?? 0;
          for (let ky = 0; ky < filterDims.h; ky++) {
            const iy = y0 + ky;
            if (iy < 0 || iy >= inputDims.h) continue;
            for (let kx = 0; kx < filterDims.w; kx++) {
              const ix = x0 + kx;
              if (ix < 0 || ix >= inputDims.w) continue;
              const v = input[nhwcIndex(inputDims, b, iy, ix, c)] as number;
              const w = filter[nhwcIndex(filterDims, 0, ky, kx, c)] as number;
              acc += (v + params.inputOffset) * w;
            }
          }
          checkInt32(acc, 'depthwiseConv2d accumulator');
          const scaled = multiplyByQuantizedMultiplier(acc, quant.multiplier[c] as number, quant.shift[c] as number);
          out[nhwcIndex(outputDims, b, oy, ox, c)] = clampToInt8(scaled + params.outputOffset, params.activation);
        }
      }
    }
  }
  return out;
}
