/**
 * Host integer reference for the int8 firmware kernels (firmware/kernels/ref). Every function
 * here defines arithmetic the C reproduces bit for bit; the rounding rules are in each file's
 * comments.
 */
export * from './requantize';
export * from './tensor';
export { conv2d, pointwiseConv2d } from './conv2d';
export type { Conv2dParams, PerChannelQuant } from './conv2d';
export { depthwiseConv2d } from './depthwise-conv2d';
export type { DepthwiseConv2dParams } from './depthwise-conv2d';
export { fullyConnected } from './fully-connected';
export type { FullyConnectedParams } from './fully-connected';
export { avgPool } from './avgpool';
export type { AvgPoolParams } from './avgpool';
export { add, prepareAddParams } from './add';
export type { AddParams, TensorQuant } from './add';
export { softmax, buildSoftmaxExpLut, SOFTMAX_LUT_SIZE, SOFTMAX_LUT_ONE } from './softmax';
export { runIntModel, predictInt, quantizeModelInput, frontEndCodes } from './run-int-model';
export {
  conv2dSubByte,
  pointwiseConv2dSubByte,
  depthwiseConv2dSubByte,
  fullyConnectedSubByte,
  packSubByteWeights,
  unpackSubByteWeights,
  packedByteLength,
  subByteRange,
} from './sub-byte';
export type { SubByteBits } from './sub-byte';
