/*
 * Reference convolution and 1x1 convolution with packed int4 / int2 weights (MicroNets §5.1.3,
 * thesis ch. 4): weights are read from flash packed and unpacked on the fly; activations, bias
 * and requantization are those of tops_conv2d_s8 (a 4-bit code is a small int8 value), so the
 * output equals tops_conv2d_s8 on the unpacked filter. Contract: src/nn/int-reference/sub-byte.ts.
 * One file holds both widths: they share the loop nest and differ only in the dot product.
 */
#include "tops_sub_byte.h"

static tops_status conv2d_packed(int32_t bits, const tops_conv2d_params *params,
                                 const tops_per_channel_quant_params *quant,
                                 const tops_dims *input_dims, const int8_t *input,
                                 const tops_dims *filter_dims, const uint8_t *filter,
                                 const tops_dims *bias_dims, const int32_t *bias,
                                 const tops_dims *output_dims, int8_t *output)
{
    int32_t b, oy, ox, oc, ky, kx;
    if (params == 0 || !tops_conv_args_valid(TOPS_FILTER_FULL, quant, &params->activation, &params->stride, &params->padding,
                                             input_dims, input, filter_dims, filter, bias_dims, bias, output_dims, output)) {
        return TOPS_ARG_ERROR;
    }
    for (b = 0; b < output_dims->n; b++) {
        for (oy = 0; oy < output_dims->h; oy++) {
            for (ox = 0; ox < output_dims->w; ox++) {
                const int32_t y0 = oy * params->stride.h - params->padding.h;
                const int32_t x0 = ox * params->stride.w - params->padding.w;
                for (oc = 0; oc < output_dims->c; oc++) {
                    int32_t acc = bias != 0 ? bias[oc] : 0;
                    for (ky = 0; ky < filter_dims->h; ky++) {
                        const int32_t iy = y0 + ky;
                        if (iy < 0 || iy >= input_dims->h) {
                            continue; /* padding rows contribute nothing */
                        }
                        for (kx = 0; kx < filter_dims->w; kx++) {
                            const int32_t ix = x0 + kx;
                            if (ix < 0 || ix >= input_dims->w) {
                                continue;
                            }
                            /* C_IN consecutive weights from flat index ((oc, ky, kx, 0)). */
                            acc += tops_dot_packed(
                                bits, input + ((b * input_dims->h + iy) * input_dims->w + ix) * input_dims->c,
                                params->input_offset, filter,
                                ((oc * filter_dims->h + ky) * filter_dims->w + kx) * filter_dims->c, input_dims->c);
                        }
                    }
                    acc = tops_requantize(acc, quant->multiplier[oc], quant->shift[oc]) + params->output_offset;
                    output[((b * output_dims->h + oy) * output_dims->w + ox) * output_dims->c + oc] =
                        tops_clamp_s8(acc, &params->activation);
                }
            }
        }
    }
    return TOPS_OK;
}

int32_t tops_conv2d_s4_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    (void)input_dims;
    (void)filter_dims;
    return 0; /* weights are unpacked in registers, never into a buffer */
}

int32_t tops_conv2d_s2_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    return tops_conv2d_s4_get_buffer_size(input_dims, filter_dims);
}

int32_t tops_pointwise_conv2d_s4_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    return tops_conv2d_s4_get_buffer_size(input_dims, filter_dims);
}

int32_t tops_pointwise_conv2d_s2_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    return tops_conv2d_s4_get_buffer_size(input_dims, filter_dims);
}

tops_status tops_conv2d_s4(const tops_context *ctx, const tops_conv2d_params *params,
                           const tops_per_channel_quant_params *quant,
                           const tops_dims *input_dims, const int8_t *input,
                           const tops_dims *filter_dims, const uint8_t *packed_filter,
                           const tops_dims *bias_dims, const int32_t *bias,
                           const tops_dims *output_dims, int8_t *output)
{
    (void)ctx;
    return conv2d_packed(4, params, quant, input_dims, input, filter_dims, packed_filter, bias_dims, bias,
                         output_dims, output);
}

tops_status tops_conv2d_s2(const tops_context *ctx, const tops_conv2d_params *params,
                           const tops_per_channel_quant_params *quant,
                           const tops_dims *input_dims, const int8_t *input,
                           const tops_dims *filter_dims, const uint8_t *packed_filter,
                           const tops_dims *bias_dims, const int32_t *bias,
                           const tops_dims *output_dims, int8_t *output)
{
    (void)ctx;
    return conv2d_packed(2, params, quant, input_dims, input, filter_dims, packed_filter, bias_dims, bias,
                         output_dims, output);
}

tops_status tops_pointwise_conv2d_s4(const tops_context *ctx, const tops_conv2d_params *params,
                                     const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input,
                                     const tops_dims *filter_dims, const uint8_t *packed_filter,
                                     const tops_dims *bias_dims, const int32_t *bias,
                                     const tops_dims *output_dims, int8_t *output)
{
    (void)ctx;
    if (!tops_pointwise_shape_valid(params, filter_dims)) {
        return TOPS_ARG_ERROR;
    }
    return conv2d_packed(4, params, quant, input_dims, input, filter_dims, packed_filter, bias_dims, bias,
                         output_dims, output);
}

tops_status tops_pointwise_conv2d_s2(const tops_context *ctx, const tops_conv2d_params *params,
                                     const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input,
                                     const tops_dims *filter_dims, const uint8_t *packed_filter,
                                     const tops_dims *bias_dims, const int32_t *bias,
                                     const tops_dims *output_dims, int8_t *output)
{
    (void)ctx;
    if (!tops_pointwise_shape_valid(params, filter_dims)) {
        return TOPS_ARG_ERROR;
    }
    return conv2d_packed(2, params, quant, input_dims, input, filter_dims, packed_filter, bias_dims, bias,
                         output_dims, output);
}
