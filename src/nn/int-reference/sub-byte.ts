/**
 * Host reference for the sub-byte weight kernels (firmware/kernels/ref/tops_*_sub_byte.c:
 * tops_conv2d_s4/_s2, tops_pointwise_conv2d_s4/_s2, tops_depthwise_conv2d_s4/_s2,
 * tops_fully_connected_s4/_s2). MicroNets §5.1.3 and thesis ch. 4: some layers keep 4- or
 * 2-bit weights, packed in flash (src/quant/sub-byte.ts defines the bytes) and unpacked on the
 * fly, while activations stay int8. A 4-bit code is just a small int8 value, so each function
 * unpacks the filter and runs the int8 reference: the results are identical by definition, and
 * the C kernels must match them bit for bit.
 *
 * Packing: the filter tensor in its int8 layout (conv [C_OUT, KH, KW, C_IN], depthwise
 * [1, KH, KW, C], FC [C_OUT, C_IN]) flattened row-major and packed as one stream, exactly
 * ceil(count · bits / 8) bytes; rows need not start on a byte boundary.
 */
import { packInt2, packInt4, unpackInt2, unpackInt4 } from '../../quant/sub-byte';
import { conv2d, pointwiseConv2d, type Conv2dParams, type PerChannelQuant } from './conv2d';
import { depthwiseConv2d, type DepthwiseConv2dParams } from './depthwise-conv2d';
import { fullyConnected, type FullyConnectedParams } from './fully-connected';
import type { QuantizedMultiplier } from './requantize';
import { dimsSize, type Dims } from './tensor';

/** Weight widths with packed kernels (8 is the plain int8 kernel). */
export type SubByteBits = 4 | 2;

/** Two's-complement range of a `bits`-wide weight: int4 [−8, 7], int2 [−2, 1]. */
export function subByteRange(bits: SubByteBits): { min: number; max: number } {
  return bits === 4 ? { min: -8, max: 7 } : { min: -2, max: 1 };
}

/** Packed bytes for `count` weights. */
export function packedByteLength(bits: SubByteBits, count: number): number {
  return Math.ceil((count * bits) / 8);
}

export function packSubByteWeights(bits: SubByteBits, weights: Int8Array): Uint8Array {
  return bits === 4 ? packInt4(weights) : packInt2(weights);
}

/** The `count` int8 weights of a packed tensor; throws RangeError unless the byte count is exact. */
export function unpackSubByteWeights(bits: SubByteBits, packed: Uint8Array, count: number): Int8Array {
  const want = packedByteLength(bits, count);
  if (packed.length !== want) {
    throw new RangeError(`packed int${bits} filter of ${count} weights needs ${want} bytes, got ${packed.length}`);
  }
  return bits === 4 ? unpackInt4(packed, count) : unpackInt2(packed, count);
}

export function conv2dSubByte(
  bits: SubByteBits,
  params: Conv2dParams,
  quant: PerChannelQuant,
  inputDims: Dims,
  input: Int8Array,
  filterDims: Dims,
  packedFilter: Uint8Array,
  bias: Int32Array,
  outputDims: Dims,
): Int8Array {
  const filter = unpackSubByteWeights(bits, packedFilter, dimsSize(filterDims));
  return conv2d(params, quant, inputDims, input, filterDims, filter, bias, outputDims);
}

export function pointwiseConv2dSubByte(
  bits: SubByteBits,
  params: Conv2dParams,
  quant: PerChannelQuant,
  inputDims: Dims,
  input: Int8Array,
  filterDims: Dims,
  packedFilter: Uint8Array,
  bias: Int32Array,
  outputDims: Dims,
): Int8Array {
  const filter = unpackSubByteWeights(bits, packedFilter, dimsSize(filterDims));
  return pointwiseConv2d(params, quant, inputDims, input, filterDims, filter, bias, outputDims);
}

export function depthwiseConv2dSubByte(
  bits: SubByteBits,
  params: DepthwiseConv2dParams,
  quant: PerChannelQuant,
  inputDims: Dims,
  input: Int8Array,
  filterDims: Dims,
  packedFilter: Uint8Array,
  bias: Int32Array,
  outputDims: Dims,
): Int8Array {
  const filter = unpackSubByteWeights(bits, packedFilter, dimsSize(filterDims));
  return depthwiseConv2d(params, quant, inputDims, input, filterDims, filter, bias, outputDims);
}

export function fullyConnectedSubByte(
  bits: SubByteBits,
  params: FullyConnectedParams,
  quant: QuantizedMultiplier,
  inputDims: Dims,
  input: Int8Array,
  filterDims: Dims,
  packedFilter: Uint8Array,
  bias: Int32Array,
  outputDims: Dims,
): Int8Array {
  const filter = unpackSubByteWeights(bits, packedFilter, dimsSize(filterDims));
  return fullyConnected(params, quant, inputDims, input, filterDims, filter, bias, outputDims);
}
