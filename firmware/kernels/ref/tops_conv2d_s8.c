/*
 * Reference int8 convolution: plain loops on purpose (docs/firmware.md#ref-vs-dsp).
 * Contract: src/nn/int-reference/conv2d.ts.
 */
#include "tops_common.h"

int32_t tops_conv2d_s8_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    (void)input_dims;
    (void)filter_dims;
    return 0; /* the reference reads input and filter in place */
}

tops_status tops_conv2d_s8(const tops_context *ctx, const tops_conv2d_params *params,
                           const tops_per_channel_quant_params *quant,
                           const tops_dims *input_dims, const int8_t *input,
                           const tops_dims *filter_dims, const int8_t *filter,
                           const tops_dims *bias_dims, const int32_t *bias,
                           const tops_dims *output_dims, int8_t *output)
{
    int32_t b, oy, ox, oc, ky, kx, ic;
    (void)ctx;
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
                            const int8_t *in_px;
                            const int8_t *w_px;
                            if (ix < 0 || ix >= input_dims->w) {
                                continue;
                            }
                            in_px = input + ((b * input_dims->h + iy) * input_dims->w + ix) * input_dims->c;
                            w_px = filter + ((oc * filter_dims->h + ky) * filter_dims->w + kx) * filter_dims->c;
                            for (ic = 0; ic < input_dims->c; ic++) {
                                acc += ((int32_t)in_px[ic] + params->input_offset) * (int32_t)w_px[ic];
                            }
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
