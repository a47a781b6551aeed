/*
 * Reference int8 average pooling. Contract: src/nn/int-reference/avgpool.ts.
 * Rounding is TFLite's: half away from zero, via C's truncating division of sum +/- count/2.
 */
#include "tops_common.h"

int32_t tops_avgpool_s8_get_buffer_size(const tops_dims *output_dims)
{
    (void)output_dims;
    return 0;
}

tops_status tops_avgpool_s8(const tops_context *ctx, const tops_avgpool_params *params,
                            const tops_dims *input_dims, const int8_t *input,
                            const tops_dims *filter_dims,
                            const tops_dims *output_dims, int8_t *output)
{
    int32_t b, oy, ox, c, ky, kx;
    (void)ctx;
    if (params == 0 || input == 0 || output == 0 || filter_dims == 0 || filter_dims->h <= 0 ||
        filter_dims->w <= 0 || !tops_dims_valid(input_dims) || !tops_dims_valid(output_dims) ||
        !tops_activation_valid(&params->activation) || !tops_tile_positive(&params->stride) ||
        params->padding.w < 0 || params->padding.h < 0 || output_dims->c != input_dims->c ||
        output_dims->n != input_dims->n) {
        return TOPS_ARG_ERROR;
    }
    for (b = 0; b < output_dims->n; b++) {
        for (oy = 0; oy < output_dims->h; oy++) {
            for (ox = 0; ox < output_dims->w; ox++) {
                const int32_t y0 = oy * params->stride.h - params->padding.h;
                const int32_t x0 = ox * params->stride.w - params->padding.w;
                for (c = 0; c < output_dims->c; c++) {
                    int32_t sum = 0;
                    int32_t count = 0;
                    int32_t avg = 0;
                    for (ky = 0; ky < filter_dims->h; ky++) {
                        const int32_t iy = y0 + ky;
                        if (iy < 0 || iy >= input_dims->h) {
                            continue;
                        }
                        for (kx = 0; kx < filter_dims->w; kx++) {
                            const int32_t ix = x0 + kx;
                            if (ix < 0 || ix >= input_dims->w) {
                                continue; /* padding is in neither the sum nor the count */
                            }
                            sum += input[((b * input_dims->h + iy) * input_dims->w + ix) * input_dims->c + c];
                            count++;
                        }
                    }
                    if (count > 0) {
                        avg = (sum > 0 ? sum + count / 2 : sum - count / 2) / count;
                    }
                    output[((b * output_dims->h + oy) * output_dims->w + ox) * output_dims->c + c] =
                        tops_clamp_s8(avg, &params->activation);
                }
            }
        }
    }
    return TOPS_OK;
}
