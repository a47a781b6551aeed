import { multiplyByQuantizedMultiplier, checkInt32, QuantizedMultiplier } from './requantize';
import { Activation, Dims, checkActivation, clampToInt8 } from './tensor';

/** Mirrors C `tops_fully_connected_params`. */
export interface FullyConnectedParams {
  readonly inputOffset: number;
  readonly outputOffset: number;
  readonly activation: Activation;
}

/**
 * int8 fully connected layer, per-tensor requantization. input [N, C_IN] (dims n, c; h = w = 1),
 * weights row-major [C_OUT, C_IN] (filter dims n = C_OUT, c = C_IN), bias [C_OUT]:
 *   out[b][o] = clamp(MBQM(bias[o] + Σ_i (in[b][i] + inputOffset) · w[o][i], m, s) + outputOffset).
 */
export function fullyConnected(
  params: FullyConnectedParams,
  quant: QuantizedMultiplier,
  inputDims: Dims,
  input: Int8Array,
  filterDims: Dims,
  filter: Int8Array,
  bias: Int32Array,
  outputDims: Dims,
): Int8Array {
  checkActivation(params.activation);
  const depth = filterDims.c;
  const batches = inputDims.n;
  if (inputDims.h * inputDims.w * inputDims.c !== depth || outputDims.c !== filterDims.n || outputDims.n !== batches) {
    throw new RangeError('fullyConnected: dims disagree');
  }
  const out = new Int8Array(batches * outputDims.c);
  for (let b = 0; b < batches; b++) {
    for (let o = 0; o < outputDims.c; o++) {
      let acc = bias[o] ?? 0;
      for (let i = 0; i < depth; i++) {
        acc += ((input[b * depth + i] as number) + params.inputOffset) * (filter[o * depth + i] as number);
      }
      checkInt32(acc, 'fullyConnected accumulator');
      const scaled = multiplyByQuantizedMultiplier(acc, quant.multiplier, quant.shift);
      out[b * outputDims.c + o] = clampToInt8(scaled + params.outputOffset, params.activation);
    }
  }
  return out;
}
