/*
 * Convolution and 1x1 convolution with packed int4 / int2 weights, dsp variant (replaces
 * kernels/ref/tops_conv2d_sub_byte.c; bit-exact with it and with src/nn/int-reference/sub-byte.ts).
 *
 * As the int8 dsp conv2d: for two output pixels at a time the input window (+ input offset)
 * becomes a q15 column pair in the scratch, then every output channel's packed filter row is
 * unpacked in registers (tops_sub_byte_dsp.h: mask + SXTB16, no shifts per weight) and
 * multiplied with SMLAD (tops_sb_mat_pair). A 1x1 unpadded window is the input pixel itself;
 * any other window is first gathered as int8 into the scratch, padding written as the input
 * zero point (-input_offset), which the offset turns into 0.
 *
 * Scratch (tops_*_s4/s2_get_buffer_size): a tops_rq per output channel (none when quant->fast
 * brings the table from flash), the column pair (4 bytes per window value), and for conv2d the
 * int8 window (rounded up to 4 bytes).
 * Conv2d windows longer than TOPS_SB_MAX_LEN or input offsets outside [-127, 128] (no int8
 * padding value) take a plain loop, still exact; the 1x1 kernels have none (a model of packed
 * pointwise layers links no plain loop) and refuse 65,536+ input channels with TOPS_ARG_ERROR.
 */
#include "tops_sub_byte_dsp.h"

static int32_t window_len(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    return filter_dims->h * filter_dims->w * input_dims->c;
}

static int32_t buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims, int32_t with_window)
{
    int32_t len;
    if (input_dims == 0 || filter_dims == 0) {
        return 0;
    }
    len = window_len(input_dims, filter_dims);
    return tops_sb_mat_scratch(filter_dims->n, len) + (with_window ? (len + 3) & ~3 : 0);
}

int32_t tops_conv2d_s4_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    return buffer_size(input_dims, filter_dims, 1);
}

int32_t tops_conv2d_s2_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    return buffer_size(input_dims, filter_dims, 1);
}

int32_t tops_pointwise_conv2d_s4_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    return buffer_size(input_dims, filter_dims, 0);
}

int32_t tops_pointwise_conv2d_s2_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    return buffer_size(input_dims, filter_dims, 0);
}

/* The plain loop (the reference kernel's arithmetic) for the shapes the fast path excludes. */
TOPS_COLD static void conv2d_packed_plain(int32_t bits, const tops_conv2d_params *params, const tops_per_channel_quant_params *quant,
                                const tops_dims *input_dims, const int8_t *input, const tops_dims *filter_dims,
                                const uint8_t *filter, const int32_t *bias, const tops_dims *output_dims, int8_t *output)
{
    int32_t b, oy, ox, oc, ky, kx;
    for (b = 0; b < output_dims->n; b++) {
        for (oy = 0; oy < output_dims->h; oy++) {
            for (ox = 0; ox < output_dims->w; ox++) {
                for (oc = 0; oc < output_dims->c; oc++) {
                    int32_t acc = bias != 0 ? bias[oc] : 0;
                    for (ky = 0; ky < filter_dims->h; ky++) {
                        const int32_t iy = oy * params->stride.h - params->padding.h + ky;
                        for (kx = 0; kx < filter_dims->w; kx++) {
                            const int32_t ix = ox * params->stride.w - params->padding.w + kx;
                            if (iy < 0 || iy >= input_dims->h || ix < 0 || ix >= input_dims->w) {
                                continue;
                            }
                            acc += tops_dot_packed(bits, input + ((b * input_dims->h + iy) * input_dims->w + ix) * input_dims->c,
                                                   params->input_offset, filter,
                                                   ((oc * filter_dims->h + ky) * filter_dims->w + kx) * filter_dims->c,
                                                   input_dims->c);
                        }
                    }
                    acc = tops_requantize(acc, quant->multiplier[oc], quant->shift[oc]) + params->output_offset;
                    output[((b * output_dims->h + oy) * output_dims->w + ox) * output_dims->c + oc] =
                        tops_clamp_s8(acc, &params->activation);
                }
            }
        }
    }
}

/* The int8 window of output pixel (b, oy, ox), padding as `pad` (the input zero point). */
static void gather_window(int8_t *win, const tops_conv2d_params *params, const tops_dims *input_dims,
                          const int8_t *input, const tops_dims *filter_dims, int32_t b, int32_t oy, int32_t ox, int8_t pad)
{
    const int32_t c = input_dims->c;
    const int32_t y0 = oy * params->stride.h - params->padding.h;
    const int32_t x0 = ox * params->stride.w - params->padding.w;
    const int32_t kx_lo = x0 < 0 ? -x0 : 0;
    const int32_t kx_hi = input_dims->w - x0 < filter_dims->w ? input_dims->w - x0 : filter_dims->w;
    const int32_t row = filter_dims->w * c;
    int32_t ky;
    for (ky = 0; ky < filter_dims->h; ky++, win += row) {
        const int32_t iy = y0 + ky;
        if (iy < 0 || iy >= input_dims->h || kx_hi <= kx_lo) {
            memset(win, pad, (size_t)row);
            continue;
        }
        if (kx_lo > 0) {
            memset(win, pad, (size_t)(kx_lo * c));
        }
        memcpy(win + kx_lo * c, input + ((b * input_dims->h + iy) * input_dims->w + x0 + kx_lo) * c,
               (size_t)((kx_hi - kx_lo) * c));
        if (kx_hi < filter_dims->w) {
            memset(win + kx_hi * c, pad, (size_t)((filter_dims->w - kx_hi) * c));
        }
    }
}

TOPS_ALWAYS_INLINE tops_status conv2d_packed_dsp(int32_t bits, int32_t pointwise, const tops_context *ctx,
                                     const tops_conv2d_params *params, const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input, const tops_dims *filter_dims,
                                     const uint8_t *filter, const tops_dims *bias_dims, const int32_t *bias,
                                     const tops_dims *output_dims, int8_t *output)
{
    int32_t len, b, oy, ox, pending = 0, direct;
    tops_rq *rq;
    int16_t *pair;
    int8_t *win;
    int8_t *outs[2];
    tops_out_params op;
    tops_context rest;
    tops_per_channel_quant_params expanded;
    if (params == 0 || !tops_conv_args_valid(TOPS_FILTER_FULL, quant, &params->activation, &params->stride, &params->padding,
                                             input_dims, input, filter_dims, filter, bias_dims, bias, output_dims, output) ||
        !tops_quant_expand(&ctx, &rest, &quant, &expanded, &bias, output_dims->c, params->output_offset)) {
        return TOPS_ARG_ERROR;
    }
    if (pointwise && !tops_pointwise_shape_valid(params, filter_dims)) {
        return TOPS_ARG_ERROR;
    }
    if (!tops_scratch_valid(ctx, buffer_size(input_dims, filter_dims, !pointwise) -
                                     output_dims->c * (int32_t)sizeof(tops_rq) + tops_rq_scratch(quant, output_dims->c))) {
        return TOPS_ARG_ERROR;
    }
    len = window_len(input_dims, filter_dims);
    if (pointwise && !tops_sb_len_ok(len)) {
        /* No plain loop in the 1x1 kernels, so a model of packed pointwise layers links none:
           65,536+ input channels, whose q15 pair alone needs 256 KB of scratch, are refused. */
        return TOPS_ARG_ERROR;
    }
    /* (a 1x1 unpadded window reads the input in place: no int8 padding value, any offset) */
    if (!pointwise && (!tops_sb_len_ok(len) || params->input_offset < -127 || params->input_offset > 128)) {
        if (quant->multiplier == 0 || quant->shift == 0) {
            return TOPS_ARG_ERROR; /* a table-only or compact quant promised the fast path's bounds; they do not hold */
        }
        conv2d_packed_plain(bits, params, quant, input_dims, input, filter_dims, filter, bias, output_dims, output);
        return TOPS_OK;
    }
    rq = (tops_rq *)ctx->buf;
    pair = (int16_t *)(void *)((int8_t *)ctx->buf + tops_rq_scratch(quant, output_dims->c));
    win = (int8_t *)(void *)(pair + 2 * len);
    direct = filter_dims->h == 1 && filter_dims->w == 1 && params->padding.h == 0 && params->padding.w == 0;
    op.bias = bias;
    if (quant->fast != 0) {
        op.rq = quant->fast; /* precomputed at codegen */
    } else {
        op.rq = tops_rq_prepare(rq, output_dims->c, quant->multiplier, quant->shift, 1, params->output_offset, bias, len,
                                params->input_offset) ? rq : 0;
    }
    op.multiplier = quant->multiplier;
    op.shift = quant->shift;
    op.output_offset = params->output_offset;
    op.act_min = params->activation.min;
    op.act_max = params->activation.max;
    for (b = 0; b < output_dims->n; b++) {
        for (oy = 0; oy < output_dims->h; oy++) {
            for (ox = 0; ox < output_dims->w; ox++) {
                const int8_t *src;
                if (direct) {
                    src = input + ((b * input_dims->h + oy * params->stride.h) * input_dims->w + ox * params->stride.w) * input_dims->c;
                } else {
                    gather_window(win, params, input_dims, input, filter_dims, b, oy, ox, (int8_t)(-params->input_offset));
                    src = win;
                }
                tops_sb_pair_put(bits, pair, pending, len, src, params->input_offset);
                outs[pending] = output + ((b * output_dims->h + oy) * output_dims->w + ox) * output_dims->c;
                if (++pending == 2) {
                    tops_sb_mat_pair(bits, filter, output_dims->c, len, pair, 1, 1, &op, outs[0], outs[1]);
                    pending = 0;
                }
            }
        }
    }
    if (pending == 1) { /* odd pixel count: the last pixel alone */
        tops_sb_mat_pair(bits, filter, output_dims->c, len, pair, 0, 1, &op, outs[0], outs[0]);
    }
    return TOPS_OK;
}

tops_status tops_conv2d_s4(const tops_context *ctx, const tops_conv2d_params *params,
                           const tops_per_channel_quant_params *quant,
                           const tops_dims *input_dims, const int8_t *input,
                           const tops_dims *filter_dims, const uint8_t *packed_filter,
                           const tops_dims *bias_dims, const int32_t *bias,
                           const tops_dims *output_dims, int8_t *output)
{
    return conv2d_packed_dsp(4, 0, ctx, params, quant, input_dims, input, filter_dims, packed_filter, bias_dims, bias,
                             output_dims, output);
}

tops_status tops_conv2d_s2(const tops_context *ctx, const tops_conv2d_params *params,
                           const tops_per_channel_quant_params *quant,
                           const tops_dims *input_dims, const int8_t *input,
                           const tops_dims *filter_dims, const uint8_t *packed_filter,
                           const tops_dims *bias_dims, const int32_t *bias,
                           const tops_dims *output_dims, int8_t *output)
{
    return conv2d_packed_dsp(2, 0, ctx, params, quant, input_dims, input, filter_dims, packed_filter, bias_dims, bias,
                             output_dims, output);
}

tops_status tops_pointwise_conv2d_s4(const tops_context *ctx, const tops_conv2d_params *params,
                                     const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input,
                                     const tops_dims *filter_dims, const uint8_t *packed_filter,
                                     const tops_dims *bias_dims, const int32_t *bias,
                                     const tops_dims *output_dims, int8_t *output)
{
    return conv2d_packed_dsp(4, 1, ctx, params, quant, input_dims, input, filter_dims, packed_filter, bias_dims, bias,
                             output_dims, output);
}

tops_status tops_pointwise_conv2d_s2(const tops_context *ctx, const tops_conv2d_params *params,
                                     const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input,
                                     const tops_dims *filter_dims, const uint8_t *packed_filter,
                                     const tops_dims *bias_dims, const int32_t *bias,
                                     const tops_dims *output_dims, int8_t *output)
{
    return conv2d_packed_dsp(2, 1, ctx, params, quant, input_dims, input, filter_dims, packed_filter, bias_dims, bias,
                             output_dims, output);
}
