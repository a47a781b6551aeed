/*
 * tinyops int8 kernels. Signature shape (as CMSIS-NN): context, params, quant params, then
 * (dims, data) pairs; each returns TOPS_OK or TOPS_ARG_ERROR (NULL pointer, inconsistent dims,
 * bad activation range or shift). Kernels never allocate; scratch comes in the context.
 * The exact arithmetic is defined by the TypeScript reference in src/nn/int-reference/.
 */
#ifndef TOPS_NN_H
#define TOPS_NN_H

#include "tops_types.h"

/**
 * TFLite MultiplyByQuantizedMultiplier: x * multiplier * 2^(shift - 31), with the left shift
 * saturated to int32, then the rounding doubling high multiply (ties toward +infinity) and the
 * rounding divide by a power of two (ties away from zero). shift must be in [-31, 30].
 */
int32_t tops_requantize(int32_t x, int32_t multiplier, int32_t shift);

/**
 * Convolution. input [N, H, W, C_IN], filter [C_OUT, KH, KW, C_IN] (symmetric int8),
 * bias [C_OUT] int32 (bias_dims.c = C_OUT), output [N, H_OUT, W_OUT, C_OUT].
 */
tops_status tops_conv2d_s8(const tops_context *ctx, const tops_conv2d_params *params,
                           const tops_per_channel_quant_params *quant,
                           const tops_dims *input_dims, const int8_t *input,
                           const tops_dims *filter_dims, const int8_t *filter,
                           const tops_dims *bias_dims, const int32_t *bias,
                           const tops_dims *output_dims, int8_t *output);
int32_t tops_conv2d_s8_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims);

/** 1x1 convolution, stride any, no padding: same arithmetic and layouts as tops_conv2d_s8. */
tops_status tops_pointwise_conv2d_s8(const tops_context *ctx, const tops_conv2d_params *params,
                                     const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input,
                                     const tops_dims *filter_dims, const int8_t *filter,
                                     const tops_dims *bias_dims, const int32_t *bias,
                                     const tops_dims *output_dims, int8_t *output);
int32_t tops_pointwise_conv2d_s8_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims);

/** Depthwise convolution, depth multiplier 1: filter [1, KH, KW, C], bias [C], output C = input C. */
tops_status tops_depthwise_conv2d_s8(const tops_context *ctx, const tops_depthwise_conv2d_params *params,
                                     const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input,
                                     const tops_dims *filter_dims, const int8_t *filter,
                                     const tops_dims *bias_dims, const int32_t *bias,
                                     const tops_dims *output_dims, int8_t *output);
int32_t tops_depthwise_conv2d_s8_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims);

/**
 * Fully connected, per-tensor requantization. input [N, 1, 1, C_IN] (any H*W*C = C_IN),
 * filter [C_OUT, 1, 1, C_IN] row-major, bias [C_OUT], output [N, 1, 1, C_OUT].
 */
tops_status tops_fully_connected_s8(const tops_context *ctx, const tops_fully_connected_params *params,
                                    const tops_per_tensor_quant_params *quant,
                                    const tops_dims *input_dims, const int8_t *input,
                                    const tops_dims *filter_dims, const int8_t *filter,
                                    const tops_dims *bias_dims, const int32_t *bias,
                                    const tops_dims *output_dims, int8_t *output);
int32_t tops_fully_connected_s8_get_buffer_size(const tops_dims *filter_dims);

/** Average pooling; window size in filter_dims (h, w). Rounds half away from zero; padding not counted. */
tops_status tops_avgpool_s8(const tops_context *ctx, const tops_avgpool_params *params,
                            const tops_dims *input_dims, const int8_t *input,
                            const tops_dims *filter_dims,
                            const tops_dims *output_dims, int8_t *output);
int32_t tops_avgpool_s8_get_buffer_size(const tops_dims *output_dims);

/** Element-wise add of two tensors of the same dims, each with its own scale (TFLite scheme). */
tops_status tops_add_s8(const tops_add_params *params,
                        const tops_dims *dims, const int8_t *input1, const int8_t *input2,
                        int8_t *output);

/** Softmax over the innermost dim (C); output scale 1/256, zero point -128. */
tops_status tops_softmax_s8(const tops_softmax_params *params,
                            const tops_dims *dims, const int8_t *input, int8_t *output);

/*
 * Sub-byte weights (MicroNets §5.1.3, thesis ch. 4): the same kernels with int4 (s4) or int2
 * (s2) weights, packed in flash as src/quant/sub-byte.ts defines — the filter tensor in its int8
 * layout, flattened row-major, two int4 per byte (element 2i in the low nibble) or four int2 per
 * byte (element 4i in bits 0-1), two's complement; ceil(count * bits / 8) bytes. Weights are
 * unpacked on the fly; activations, bias, requantization and layouts are those of the _s8
 * kernel, so the output equals the _s8 kernel run on the unpacked weights.
 */
tops_status tops_conv2d_s4(const tops_context *ctx, const tops_conv2d_params *params,
                           const tops_per_channel_quant_params *quant,
                           const tops_dims *input_dims, const int8_t *input,
                           const tops_dims *filter_dims, const uint8_t *packed_filter,
                           const tops_dims *bias_dims, const int32_t *bias,
                           const tops_dims *output_dims, int8_t *output);
int32_t tops_conv2d_s4_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims);
tops_status tops_conv2d_s2(const tops_context *ctx, const tops_conv2d_params *params,
                           const tops_per_channel_quant_params *quant,
                           const tops_dims *input_dims, const int8_t *input,
                           const tops_dims *filter_dims, const uint8_t *packed_filter,
                           const tops_dims *bias_dims, const int32_t *bias,
                           const tops_dims *output_dims, int8_t *output);
int32_t tops_conv2d_s2_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims);

tops_status tops_pointwise_conv2d_s4(const tops_context *ctx, const tops_conv2d_params *params,
                                     const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input,
                                     const tops_dims *filter_dims, const uint8_t *packed_filter,
                                     const tops_dims *bias_dims, const int32_t *bias,
                                     const tops_dims *output_dims, int8_t *output);
int32_t tops_pointwise_conv2d_s4_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims);
tops_status tops_pointwise_conv2d_s2(const tops_context *ctx, const tops_conv2d_params *params,
                                     const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input,
                                     const tops_dims *filter_dims, const uint8_t *packed_filter,
                                     const tops_dims *bias_dims, const int32_t *bias,
                                     const tops_dims *output_dims, int8_t *output);
int32_t tops_pointwise_conv2d_s2_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims);

tops_status tops_depthwise_conv2d_s4(const tops_context *ctx, const tops_depthwise_conv2d_params *params,
                                     const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input,
                                     const tops_dims *filter_dims, const uint8_t *packed_filter,
                                     const tops_dims *bias_dims, const int32_t *bias,
                                     const tops_dims *output_dims, int8_t *output);
int32_t tops_depthwise_conv2d_s4_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims);
tops_status tops_depthwise_conv2d_s2(const tops_context *ctx, const tops_depthwise_conv2d_params *params,
                                     const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input,
                                     const tops_dims *filter_dims, const uint8_t *packed_filter,
                                     const tops_dims *bias_dims, const int32_t *bias,
                                     const tops_dims *output_dims, int8_t *output);
int32_t tops_depthwise_conv2d_s2_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims);

tops_status tops_fully_connected_s4(const tops_context *ctx, const tops_fully_connected_params *params,
                                    const tops_per_tensor_quant_params *quant,
                                    const tops_dims *input_dims, const int8_t *input,
                                    const tops_dims *filter_dims, const uint8_t *packed_filter,
                                    const tops_dims *bias_dims, const int32_t *bias,
                                    const tops_dims *output_dims, int8_t *output);
int32_t tops_fully_connected_s4_get_buffer_size(const tops_dims *filter_dims);
tops_status tops_fully_connected_s2(const tops_context *ctx, const tops_fully_connected_params *params,
                                    const tops_per_tensor_quant_params *quant,
                                    const tops_dims *input_dims, const int8_t *input,
                                    const tops_dims *filter_dims, const uint8_t *packed_filter,
                                    const tops_dims *bias_dims, const int32_t *bias,
                                    const tops_dims *output_dims, int8_t *output);
int32_t tops_fully_connected_s2_get_buffer_size(const tops_dims *filter_dims);
#endif /* TOPS_NN_H */
