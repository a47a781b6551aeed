/*
 * int8 depthwise convolution (depth multiplier 1), dsp variant; bit-exact with
 * kernels/ref/tops_depthwise_conv2d_s8.c (contract src/nn/int-reference/depthwise-conv2d.ts).
 *
 * Every channel has its own accumulator, so SMLAD (which sums two products) does not apply
 * across channels; instead four channels per pass: one word load brings four int8 inputs and
 * one four int8 weights (NHWC keeps channels adjacent), SXTAB16 widens the inputs and adds the
 * input offset, SXTB16 widens the weights, and SMLABB/SMLATT do one MAC each. No im2col: with
 * no reuse across channels a q15 copy would cost more than it saves. Needs no scratch.
 */
#include "tops_dsp.h"

/* One filter tap for four adjacent channels: 2 loads, 4 widenings, 4 MACs. */
static inline void tops_dw_tap(const int8_t *in_p, const int8_t *w_p, int32_t offset2, int32_t *acc0, int32_t *acc1,
                               int32_t *acc2, int32_t *acc3)
{
    const int32_t x = tops_read_s32(in_p);
    const int32_t w = tops_read_s32(w_p);
    const int32_t x02 = tops_sxtab16(offset2, x);
    const int32_t x13 = tops_sxtab16_ror8(offset2, x);
    const int32_t w02 = tops_sxtb16(w);
    const int32_t w13 = tops_sxtb16_ror8(w);
    *acc0 = tops_smlabb(x02, w02, *acc0);
    *acc2 = tops_smlatt(x02, w02, *acc2);
    *acc1 = tops_smlabb(x13, w13, *acc1);
    *acc3 = tops_smlatt(x13, w13, *acc3);
}

static inline int8_t tops_dw_finish(int32_t acc, int32_t multiplier, int32_t shift, const tops_depthwise_conv2d_params *p)
{
    return tops_clamp_s8(tops_requantize_inline(acc, multiplier, shift) + p->output_offset, &p->activation);
}

int32_t tops_depthwise_conv2d_s8_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    (void)input_dims;
    (void)filter_dims;
    return 0;
}

tops_status tops_depthwise_conv2d_s8(const tops_context *ctx, const tops_depthwise_conv2d_params *params,
                                     const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input,
                                     const tops_dims *filter_dims, const int8_t *filter,
                                     const tops_dims *bias_dims, const int32_t *bias,
                                     const tops_dims *output_dims, int8_t *output)
{
    int32_t b, oy, ox, c;
    const int32_t channels = input_dims != 0 ? input_dims->c : 0;
    const int32_t offset2 = params != 0 ? tops_dup16(params->input_offset) : 0;
    (void)ctx;
    if (params == 0 || quant == 0 || quant->multiplier == 0 || quant->shift == 0 || input == 0 ||
        filter == 0 || output == 0 || !tops_dims_valid(input_dims) || !tops_dims_valid(filter_dims) ||
        !tops_dims_valid(output_dims) || !tops_activation_valid(&params->activation) ||
        !tops_tile_positive(&params->stride) || params->padding.w < 0 || params->padding.h < 0) {
        return TOPS_ARG_ERROR;
    }
    if (filter_dims->n != 1 || filter_dims->c != input_dims->c || output_dims->c != input_dims->c ||
        output_dims->n != input_dims->n || (bias != 0 && (bias_dims == 0 || bias_dims->c != output_dims->c))) {
        return TOPS_ARG_ERROR;
    }
    for (c = 0; c < channels; c++) {
        if (!tops_shift_valid(quant->shift[c])) {
            return TOPS_ARG_ERROR;
        }
    }
    for (b = 0; b < output_dims->n; b++) {
        for (oy = 0; oy < output_dims->h; oy++) {
            const int32_t y0 = oy * params->stride.h - params->padding.h;
            const int32_t ky_lo = y0 < 0 ? -y0 : 0;
            const int32_t ky_hi = input_dims->h - y0 < filter_dims->h ? input_dims->h - y0 : filter_dims->h;
            for (ox = 0; ox < output_dims->w; ox++) {
                const int32_t x0 = ox * params->stride.w - params->padding.w;
                const int32_t kx_lo = x0 < 0 ? -x0 : 0;
                const int32_t kx_hi = input_dims->w - x0 < filter_dims->w ? input_dims->w - x0 : filter_dims->w;
                int8_t *out = output + ((b * output_dims->h + oy) * output_dims->w + ox) * channels;
                /* Window corner and strides, hoisted out of the channel loop. */
                const int32_t in_row_step = input_dims->w * channels;
                const int32_t w_row_step = filter_dims->w * channels;
                const int8_t *in_corner = input + ((b * input_dims->h + y0 + ky_lo) * input_dims->w + x0 + kx_lo) * channels;
                const int8_t *w_corner = filter + (ky_lo * filter_dims->w + kx_lo) * channels;
                const int32_t rows = ky_hi - ky_lo;
                const int32_t cols = kx_hi - kx_lo;
                for (c = 0; c + 4 <= channels; c += 4) {
                    int32_t acc0 = bias != 0 ? bias[c] : 0;
                    int32_t acc1 = bias != 0 ? bias[c + 1] : 0;
                    int32_t acc2 = bias != 0 ? bias[c + 2] : 0;
                    int32_t acc3 = bias != 0 ? bias[c + 3] : 0;
                    const int8_t *in_p = in_corner + c;
                    const int8_t *w_p = w_corner + c;
                    int32_t ky, kx;
                    for (ky = 0; ky < rows; ky++, in_p += in_row_step, w_p += w_row_step) {
                        if (cols == 3) {
                            /* The common 3-wide window, unrolled: no per-tap loop overhead. */
                            tops_dw_tap(in_p, w_p, offset2, &acc0, &acc1, &acc2, &acc3);
                            tops_dw_tap(in_p + channels, w_p + channels, offset2, &acc0, &acc1, &acc2, &acc3);
                            tops_dw_tap(in_p + 2 * channels, w_p + 2 * channels, offset2, &acc0, &acc1, &acc2, &acc3);
                        } else {
                            for (kx = 0; kx < cols; kx++) {
                                tops_dw_tap(in_p + kx * channels, w_p + kx * channels, offset2, &acc0, &acc1, &acc2, &acc3);
                            }
                        }
                    }
                    out[c] = tops_dw_finish(acc0, quant->multiplier[c], quant->shift[c], params);
                    out[c + 1] = tops_dw_finish(acc1, quant->multiplier[c + 1], quant->shift[c + 1], params);
                    out[c + 2] = tops_dw_finish(acc2, quant->multiplier[c + 2], quant->shift[c + 2], params);
                    out[c + 3] = tops_dw_finish(acc3, quant->multiplier[c + 3], quant->shift[c + 3], params);
                }
                for (; c < channels; c++) { /* channels % 4 left over: plain MACs */
                    int32_t acc = bias != 0 ? bias[c] : 0;
                    int32_t ky, kx;
                    for (ky = ky_lo; ky < ky_hi; ky++) {
                        for (kx = kx_lo; kx < kx_hi; kx++) {
                            acc += ((int32_t)input[((b * input_dims->h + y0 + ky) * input_dims->w + x0 + kx) * channels + c] +
                                    params->input_offset) *
                                   (int32_t)filter[(ky * filter_dims->w + kx) * channels + c];
                        }
                    }
                    out[c] = tops_clamp_s8(tops_requantize_inline(acc, quant->multiplier[c], quant->shift[c]) + params->output_offset,
                                           &params->activation);
                }
            }
        }
    }
    return TOPS_OK;
}
