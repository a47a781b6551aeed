import { Activation, Dims, checkActivation, clampToInt8, dimsSize, nhwcIndex } from './tensor';

/** Mirrors C `tops_avgpool_params`; the window size comes as filter dims (h, w), like CMSIS-NN. */
export interface AvgPoolParams {
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  readonly activation: Activation;
}

/**
 * int8 average pooling; input and output share scale and zero point (TFLite), so there is no
 * requantization. For each output: sum the in-bounds window elements (padding is excluded from
 * both the sum and the count), then average rounding half away from zero, exactly as TFLite:
 *   avg = sum > 0 ? (sum + ⌊count/2⌋) / count : (sum − ⌊count/2⌋) / count
 * with C integer division (truncation toward zero); finally clamp to the activation.
 */
export function avgPool(
  params: AvgPoolParams,
  inputDims: Dims,
  input: Int8Array,
  filterDims: Dims,
  outputDims: Dims,
): Int8Array {
  checkActivation(params.activation);
  if (outputDims.c !== inputDims.c || outputDims.n !== inputDims.n) throw new RangeError('avgPool: dims disagree');
  const out = new Int8Array(dimsSize(outputDims));
  for (let b = 0; b < outputDims.n; b++) {
    for (let oy = 0; oy < outputDims.h; oy++) {
      for (let ox = 0; ox < outputDims.w; ox++) {
        const y0 = oy * params.strideH - params.padH;
        const x0 = ox * params.strideW - params.padW;
        for (let c = 0; c < outputDims.c; c++) {
          let sum = 0;
          let count = 0;
          for (let ky = 0; ky < filterDims.h; ky++) {
            const iy = y0 + ky;
            if (iy < 0 || iy >= inputDims.h) continue;
            for (let kx = 0; kx < filterDims.w; kx++) {
              const ix = x0 + kx;
              if (ix < 0 || ix >= inputDims.w) continue;
              sum += input[nhwcIndex(inputDims, b, iy, ix, c)] as number;
              count++;
            }
          }
          // A window entirely in padding cannot happen with TFLite padding; C returns 0 there too.
          const avg = count === 0 ? 0 : Math.trunc((sum > 0 ? sum + (count >> 1) : sum - (count >> 1)) / count);
          out[nhwcIndex(outputDims, b, oy, ox, c)] = clampToInt8(avg, params.activation);
        }
      }
    }
  }
  return out;
}
