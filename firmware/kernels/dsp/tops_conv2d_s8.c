/*
 * int8 convolution with Armv7E-M DSP instructions (docs/firmware.md#ref-vs-dsp; same signature and
 * bit-exact results as kernels/ref/tops_conv2d_s8.c, contract src/nn/int-reference/conv2d.ts).
 *
 * im2col: for two output pixels at a time, the KH*KW*C_IN input window (+ input offset,
 * zeros for padding) is written as a q15 column into the caller's scratch, then every output
 * channel is a dot product of its filter row (int8, in place) with the columns
 * (tops_mat_pair_s8, the two pixels' columns interleaved). Scratch: tops_conv2d_s8_get_buffer_size()
 * bytes in ctx (a tops_rq per output channel, then the column pair); a smaller buffer is
 * TOPS_ARG_ERROR (CMSIS-NN does the same), never a silent slow path.
 */
#include "tops_dsp.h"

int32_t tops_conv2d_s8_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    if (input_dims == 0 || filter_dims == 0) {
        return 0;
    }
    /* Requantization table (one tops_rq per output channel), then the column pair. */
    return filter_dims->n * (int32_t)sizeof(tops_rq) + 2 * filter_dims->h * filter_dims->w * input_dims->c * (int32_t)sizeof(int16_t);
}

/*
 * Column `slot` of the pair when every window row starts a group of four (KW * C_IN % 4 == 0):
 * each group is written whole, as two words, without a per-index position lookup; `lo` / `hi`
 * are the row's valid (unpadded) indexes.
 */
static void tops_conv_column_grouped(int16_t *pair, int32_t slot, const tops_dims *input_dims, const int8_t *input,
                                     const tops_dims *filter_dims, int32_t b, int32_t y0, int32_t x0,
                                     int32_t input_offset)
{
    const int32_t c_in = input_dims->c;
    const int32_t row_len = filter_dims->w * c_in;
    const int32_t kx_lo = x0 < 0 ? -x0 : 0;
    const int32_t kx_hi = input_dims->w - x0 < filter_dims->w ? input_dims->w - x0 : filter_dims->w;
    const int32_t lo = kx_lo * c_in, hi = kx_hi * c_in;
    const int32_t offset2 = tops_dup16(input_offset);
    int16_t *dst = pair + 4 * slot;
    int32_t ky, e, i;
    for (ky = 0; ky < filter_dims->h; ky++) {
        const int32_t iy = y0 + ky;
        const int32_t valid = iy >= 0 && iy < input_dims->h && hi > lo;
        /* First valid input of the row (only read at valid indexes). */
        const int8_t *src = valid ? input + ((b * input_dims->h + iy) * input_dims->w + x0 + kx_lo) * c_in - lo : 0;
        if (valid && lo == 0 && hi == row_len) { /* the whole row is inside the input */
            for (e = 0; e < row_len; e += 4, dst += 8) {
                const int32_t x = tops_read_s32(src + e);
                tops_write_s32(dst, tops_sxtab16(offset2, x));
                tops_write_s32(dst + 2, tops_sxtab16_ror8(offset2, x));
            }
            continue;
        }
        for (e = 0; e < row_len; e += 4, dst += 8) {
            if (!valid || e >= hi || e + 4 <= lo) {
                tops_write_s32(dst, 0);
                tops_write_s32(dst + 2, 0);
            } else if (e >= lo && e + 4 <= hi) {
                const int32_t x = tops_read_s32(src + e);
                tops_write_s32(dst, tops_sxtab16(offset2, x));          /* v0, v2 */
                tops_write_s32(dst + 2, tops_sxtab16_ror8(offset2, x)); /* v1, v3 */
            } else {
                static const int8_t pos[4] = {0, 2, 1, 3};
                for (i = 0; i < 4; i++) {
                    dst[pos[i]] = (int16_t)(e + i >= lo && e + i < hi ? src[e + i] + input_offset : 0);
                }
            }
        }
    }
}

/* Column `slot` of the pair: the window whose top-left input pixel is (y0, x0) of batch b. */
static void tops_conv_column(int16_t *pair, int32_t slot, const tops_dims *input_dims, const int8_t *input,
                             const tops_dims *filter_dims, int32_t b, int32_t y0, int32_t x0, int32_t input_offset)
{
    const int32_t c_in = input_dims->c;
    const int32_t row_len = filter_dims->w * c_in;
    const int32_t col_len = filter_dims->h * row_len;
    const int32_t kx_lo = x0 < 0 ? -x0 : 0;
    const int32_t kx_hi = input_dims->w - x0 < filter_dims->w ? input_dims->w - x0 : filter_dims->w;
    int32_t ky, k = 0;
    if ((row_len & 3) == 0) {
        tops_conv_column_grouped(pair, slot, input_dims, input, filter_dims, b, y0, x0, input_offset);
        return;
    }
    for (ky = 0; ky < filter_dims->h; ky++, k += row_len) {
        const int32_t iy = y0 + ky;
        if (iy < 0 || iy >= input_dims->h || kx_hi <= kx_lo) {
            tops_pair_put_zero(pair, slot, k, col_len, row_len);
            continue;
        }
        if (kx_lo > 0) {
            tops_pair_put_zero(pair, slot, k, col_len, kx_lo * c_in);
        }
        tops_pair_put_s8(pair, slot, k + kx_lo * c_in, col_len,
                         input + ((b * input_dims->h + iy) * input_dims->w + x0 + kx_lo) * c_in,
                         (kx_hi - kx_lo) * c_in, input_offset);
        if (kx_hi < filter_dims->w) {
            tops_pair_put_zero(pair, slot, k + kx_hi * c_in, col_len, (filter_dims->w - kx_hi) * c_in);
        }
    }
}

/*
 * Both columns of the pair for a 1x1 window without padding and C_IN % 4 == 0 (pointwise
 * layers): the pixels' channels + input offset, group by group, straight into the pair layout
 * (per 8 values: 2 loads, 4 SXTAB16, the stores), instead of the general window walk per slot.
 */
static void tops_pair_put_pixels(int16_t *pair, const int8_t *a, const int8_t *b, int32_t c_in, int32_t input_offset)
{
    const int32_t offset2 = tops_dup16(input_offset);
    int32_t *dst = (int32_t *)(void *)pair;
    const int32_t *end = dst + c_in;
    for (; dst != end; dst += 4, a += 4, b += 4) {
        const int32_t xa = tops_read_s32(a);
        const int32_t xb = tops_read_s32(b);
        dst[0] = tops_sxtab16(offset2, xa);      /* a0, a2 */
        dst[1] = tops_sxtab16_ror8(offset2, xa); /* a1, a3 */
        dst[2] = tops_sxtab16(offset2, xb);
        dst[3] = tops_sxtab16_ror8(offset2, xb);
    }
}

/* tops_conv2d_s8's pixel loop for 1x1 windows without padding and C_IN % 4 == 0. */
static void tops_conv_1x1_pixels(const tops_conv2d_params *params, const tops_dims *input_dims, const int8_t *input,
                                 const int8_t *filter, const tops_dims *output_dims, int8_t *output, int16_t *pair,
                                 const tops_out_params *op)
{
    const int32_t c_in = input_dims->c, c_out = output_dims->c;
    const int8_t *src[2] = {0, 0};
    int8_t *outs[2] = {0, 0};
    int32_t b, oy, ox, pending = 0;
    for (b = 0; b < output_dims->n; b++) {
        for (oy = 0; oy < output_dims->h; oy++) {
            const int8_t *row = input + (b * input_dims->h + oy * params->stride.h) * input_dims->w * c_in;
            for (ox = 0; ox < output_dims->w; ox++) {
                src[pending] = row + ox * params->stride.w * c_in;
                outs[pending] = output + ((b * output_dims->h + oy) * output_dims->w + ox) * c_out;
                if (++pending == 2) {
                    tops_pair_put_pixels(pair, src[0], src[1], c_in, params->input_offset);
                    tops_mat_pair_s8(filter, c_out, c_in, pair, op, outs[0], outs[1]);
                    pending = 0;
                }
            }
        }
    }
    if (pending == 1) { /* odd pixel count: the last pixel in both slots, written twice */
        tops_pair_put_pixels(pair, src[0], src[0], c_in, params->input_offset);
        tops_mat_pair_s8(filter, c_out, c_in, pair, op, outs[0], outs[0]);
    }
}

tops_status tops_conv2d_s8(const tops_context *ctx, const tops_conv2d_params *params,
                           const tops_per_channel_quant_params *quant,
                           const tops_dims *input_dims, const int8_t *input,
                           const tops_dims *filter_dims, const int8_t *filter,
                           const tops_dims *bias_dims, const int32_t *bias,
                           const tops_dims *output_dims, int8_t *output)
{
    int32_t b, oy, ox, col_len, pending = 0;
    int16_t *pair;
    tops_rq *rq;
    int8_t *outs[2];
    tops_out_params op;
    tops_context rest;
    tops_per_channel_quant_params expanded;
    if (params == 0 || !tops_conv_args_valid(TOPS_FILTER_FULL, quant, &params->activation, &params->stride, &params->padding,
                                             input_dims, input, filter_dims, filter, bias_dims, bias, output_dims, output) ||
        !tops_quant_expand(&ctx, &rest, &quant, &expanded, &bias, output_dims->c, params->output_offset)) {
        return TOPS_ARG_ERROR;
    }
    /* A table precomputed at codegen (quant->fast) replaces the one built here, and its scratch. */
    if (!tops_scratch_valid(ctx, tops_conv2d_s8_get_buffer_size(input_dims, filter_dims) -
                                     output_dims->c * (int32_t)sizeof(tops_rq) + tops_rq_scratch(quant, output_dims->c))) {
        return TOPS_ARG_ERROR;
    }
    col_len = filter_dims->h * filter_dims->w * input_dims->c;
    rq = (tops_rq *)ctx->buf;
    pair = (int16_t *)(void *)((int8_t *)ctx->buf + tops_rq_scratch(quant, output_dims->c));
    op.bias = bias;
    if (quant->fast != 0) {
        op.rq = quant->fast;
    } else {
        op.rq = tops_rq_prepare(rq, output_dims->c, quant->multiplier, quant->shift, 1, params->output_offset, bias,
                                col_len, params->input_offset) ? rq : 0;
    }
    op.multiplier = quant->multiplier;
    op.shift = quant->shift;
    op.output_offset = params->output_offset;
    op.act_min = params->activation.min;
    op.act_max = params->activation.max;
    if (filter_dims->h == 1 && filter_dims->w == 1 && params->padding.h == 0 && params->padding.w == 0 &&
        (input_dims->c & 3) == 0) {
        tops_conv_1x1_pixels(params, input_dims, input, filter, output_dims, output, pair, &op);
        return TOPS_OK;
    }
    for (b = 0; b < output_dims->n; b++) {
        for (oy = 0; oy < output_dims->h; oy++) {
            for (ox = 0; ox < output_dims->w; ox++) {
                tops_conv_column(pair, pending, input_dims, input, filter_dims, b,
                                 oy * params->stride.h - params->padding.h, ox * params->stride.w - params->padding.w,
                                 params->input_offset);
                outs[pending] = output + ((b * output_dims->h + oy) * output_dims->w + ox) * output_dims->c;
                if (++pending == 2) {
                    tops_mat_pair_s8(filter, output_dims->c, col_len, pair, &op, outs[0], outs[1]);
                    pending = 0;
                }
            }
        }
    }
    if (pending == 1) {
        /* Odd pixel count: the last pixel in both slots, written twice. */
        const int32_t last = output_dims->n * output_dims->h * output_dims->w - 1;
        const int32_t oy_last = (last / output_dims->w) % output_dims->h;
        const int32_t b_last = last / (output_dims->w * output_dims->h);
        tops_conv_column(pair, 1, input_dims, input, filter_dims, b_last,
                         oy_last * params->stride.h - params->padding.h,
                         (output_dims->w - 1) * params->stride.w - params->padding.w, params->input_offset);
        tops_mat_pair_s8(filter, output_dims->c, col_len, pair, &op, outs[0], outs[0]);
    }
    return TOPS_OK;
}
