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

/** An int8 reference kernel: (params, quant, input, int8 filter, bias) → int8 output. */
type Int8FilterKernel<P, Q> = (
  params: P,
  quant: Q,
  inputDims: Dims,
  input: Int8Array,
  filterDims: Dims,
  filter: Int8Array,
  bias: Int32Array,
  outputDims: Dims,
) => Int8Array;

/** The same kernel on a `bits`-wide filter packed as src/quant/sub-byte.ts (throws RangeError on a wrong byte count). */
export type SubByteFilterKernel<P, Q> = (
  bits: SubByteBits,
  params: P,
  quant: Q,
  inputDims: Dims,
  input: Int8Array,
  filterDims: Dims,
  packedFilter: Uint8Array,
  bias: Int32Array,
  outputDims: Dims,
) => Int8Array;

/** Unpack the filter, then run the int8 kernel: the one rule every sub-byte reference follows. */
function onPackedFilter<P, Q>(kernel: Int8FilterKernel<P, Q>): SubByteFilterKernel<P, Q> {
  return (bits, params, quant, inputDims, input, filterDims, packedFilter, bias, outputDims) =>
    kernel(
      params,
      quant,
      inputDims,
      input,
      filterDims,
      unpackSubByteWeights(bits, packedFilter, dimsSize(filterDims)),
      bias,
      outputDims,
    );
}

export const conv2dSubByte: SubByteFilterKernel<Conv2dParams, PerChannelQuant> = onPackedFilter(conv2d);
export const pointwiseConv2dSubByte: SubByteFilterKernel<Conv2dParams, PerChannelQuant> =
  onPackedFilter(pointwiseConv2d);
export const depthwiseConv2dSubByte: SubByteFilterKernel<DepthwiseConv2dParams, PerChannelQuant> =
  onPackedFilter(depthwiseConv2d);
export const fullyConnectedSubByte: SubByteFilterKernel<FullyConnectedParams, QuantizedMultiplier> =
  onPackedFilter(fullyConnected);
