/*
 * Depthwise convolution with packed int4 / int2 weights, dsp variant (replaces
 * kernels/ref/tops_depthwise_conv2d_sub_byte.c; bit-exact with it). Each channel's taps are C
 * weights apart in the packed stream, so there is no word of adjacent taps to unpack in
 * registers; the filter (KH*KW*C weights, a few hundred bytes) is unpacked to int8 once per call
 * into the scratch and the int8 dsp depthwise kernel runs on it (which widens it once more to
 * int16 lanes for SMLABB/SMLATT). Scratch: the int8 filter rounded up to 4 bytes, then
 * tops_depthwise_conv2d_s8_get_buffer_size() (12 bytes per channel less with quant->fast).
 */
#include "tops_sub_byte_dsp.h"

static int32_t filter_bytes(const tops_dims *filter_dims)
{
    return (filter_dims->h * filter_dims->w * filter_dims->c + 3) & ~3;
}

static int32_t buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    if (input_dims == 0 || filter_dims == 0) {
        return 0;
    }
    return filter_bytes(filter_dims) + tops_depthwise_conv2d_s8_get_buffer_size(input_dims, filter_dims);
}

int32_t tops_depthwise_conv2d_s4_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    return buffer_size(input_dims, filter_dims);
}

int32_t tops_depthwise_conv2d_s2_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    return buffer_size(input_dims, filter_dims);
}

/* n packed weights -> int8; int4: two per byte, each sign-extended by ((v ^ 8) - 8). */
static void unpack_filter(int32_t bits, const uint8_t *packed, int32_t n, int8_t *out)
{
    int32_t i = 0;
    if (bits == 4) {
        for (; i + 1 < n; i += 2) {
            const uint32_t b = packed[i >> 1];
            out[i] = (int8_t)tops_s4_field(b & 0x0Fu);
            out[i + 1] = (int8_t)tops_s4_field(b >> 4);
        }
    }
    for (; i < n; i++) {
        out[i] = (int8_t)tops_packed_weight(packed, bits, i);
    }
}

static tops_status depthwise_packed_dsp(int32_t bits, const tops_context *ctx, const tops_depthwise_conv2d_params *params,
                                        const tops_per_channel_quant_params *quant,
                                        const tops_dims *input_dims, const int8_t *input,
                                        const tops_dims *filter_dims, const uint8_t *filter,
                                        const tops_dims *bias_dims, const int32_t *bias,
                                        const tops_dims *output_dims, int8_t *output)
{
    tops_context rest;
    int8_t *unpacked;
    if (params == 0 || !tops_conv_args_valid(TOPS_FILTER_DEPTHWISE, quant, &params->activation, &params->stride, &params->padding,
                                             input_dims, input, filter_dims, filter, bias_dims, bias, output_dims, output)) {
        return TOPS_ARG_ERROR;
    }
    if (!tops_scratch_valid(ctx, buffer_size(input_dims, filter_dims) - input_dims->c * (int32_t)sizeof(tops_rq) +
                                     tops_rq_scratch(quant, input_dims->c))) {
        return TOPS_ARG_ERROR;
    }
    unpacked = (int8_t *)ctx->buf;
    unpack_filter(bits, filter, filter_dims->h * filter_dims->w * filter_dims->c, unpacked);
    rest.buf = (int8_t *)ctx->buf + filter_bytes(filter_dims);
    rest.size = ctx->size - filter_bytes(filter_dims);
    return tops_depthwise_conv2d_s8(&rest, params, quant, input_dims, input, filter_dims, unpacked, bias_dims, bias,
                                    output_dims, output);
}

tops_status tops_depthwise_conv2d_s4(const tops_context *ctx, const tops_depthwise_conv2d_params *params,
                                     const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input,
                                     const tops_dims *filter_dims, const uint8_t *packed_filter,
                                     const tops_dims *bias_dims, const int32_t *bias,
                                     const tops_dims *output_dims, int8_t *output)
{
    return depthwise_packed_dsp(4, ctx, params, quant, input_dims, input, filter_dims, packed_filter, bias_dims, bias,
                                output_dims, output);
}

tops_status tops_depthwise_conv2d_s2(const tops_context *ctx, const tops_depthwise_conv2d_params *params,
                                     const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input,
                                     const tops_dims *filter_dims, const uint8_t *packed_filter,
                                     const tops_dims *bias_dims, const int32_t *bias,
                                     const tops_dims *output_dims, int8_t *output)
{
    return depthwise_packed_dsp(2, ctx, params, quant, input_dims, input, filter_dims, packed_filter, bias_dims, bias,
                                output_dims, output);
}
