/*
 * Requantization, dsp variant: the same function as kernels/ref/tops_requantize.c (contract
 * src/nn/int-reference/requantize.ts), computed with one SMULL/SMLAL instead of an int64
 * rounding division: the reference's "(a*b + nudge) / 2^31, truncating" equals
 * floor((a*b + 2^30) / 2^31) for both signs (for a*b < 0 the nudge 1 - 2^30 plus the 2^31 - 1
 * that turns truncation into floor sum to 2^30). The kernels inline the common case
 * (tops_requantize_inline in tops_dsp.h) and call this for left shifts and the saturation
 * corner; the harness's requantization cases test both paths.
 */
#include "tops_dsp.h"

int32_t tops_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    int64_t shifted = (int64_t)x * ((int64_t)1 << left);
    int32_t a, high, mask, threshold;
    if (shifted > INT32_MAX) {
        shifted = INT32_MAX;
    } else if (shifted < INT32_MIN) {
        shifted = INT32_MIN;
    }
    a = (int32_t)shifted;
    if (a == INT32_MIN && multiplier == INT32_MIN) {
        high = INT32_MAX;
    } else {
        high = (int32_t)(((int64_t)a * multiplier + ((int64_t)1 << 30)) >> 31);
    }
    if (shift >= 0) {
        return high;
    }
    mask = (int32_t)(((uint32_t)1 << -shift) - 1u);
    threshold = (mask >> 1) + (int32_t)((uint32_t)high >> 31);
    return (high >> -shift) + ((high & mask) > threshold ? 1 : 0);
}

int32_t tops_rq_prepare(tops_rq *rq, int32_t n, const int32_t *multiplier, const int32_t *shift, int32_t per_channel,
                        int32_t output_offset, const int32_t *bias, int32_t taps, int32_t input_offset)
{
    const int64_t lo = (int64_t)input_offset - 128, hi = (int64_t)input_offset + 127;
    const int64_t max_x = lo < 0 ? (-lo > hi ? -lo : hi) : hi;
    int64_t max_bias = 0;
    int32_t i, fast = 1;
    if (bias != 0) {
        for (i = 0; i < n; i++) {
            const int64_t b = bias[i] < 0 ? -(int64_t)bias[i] : (int64_t)bias[i];
            max_bias = b > max_bias ? b : max_bias;
        }
    }
    if (max_bias + (int64_t)taps * max_x * 128 >= ((int64_t)1 << 29) || output_offset < -256 || output_offset > 256) {
        fast = 0;
    }
    for (i = 0; i < n; i++) {
        const int32_t q = per_channel ? i : 0;
        const int32_t s = -shift[q];
        rq[i].multiplier = multiplier[q];
        if (s < 1 || s > 21 || multiplier[q] < 0) {
            fast = 0;
            rq[i].shift = 0;
            rq[i].nudge = 0;
        } else {
            rq[i].shift = s;
            rq[i].nudge = (int32_t)(((uint32_t)1 << (s - 1)) + (uint32_t)output_offset * ((uint32_t)1 << s));
        }
    }
    return fast;
}

int32_t tops_quant_expand(const tops_context **ctx, tops_context *rest, const tops_per_channel_quant_params **quant,
                          tops_per_channel_quant_params *expanded, const int32_t **bias, int32_t channels,
                          int32_t output_offset)
{
    const tops_per_channel_quant_params *q = *quant;
    const int32_t bytes = tops_rq_scratch(q, channels);
    tops_rq *rq;
    int32_t i;
    if (q->right_shift == 0 || q->fast != 0) {
        return 1;
    }
    if (!tops_scratch_valid(*ctx, bytes)) {
        return 0;
    }
    rq = (tops_rq *)(*ctx)->buf;
    for (i = 0; i < channels; i++) {
        const int32_t s = q->right_shift[i];
        rq[i].multiplier = q->multiplier[i];
        rq[i].shift = s;
        rq[i].nudge = (int32_t)(((uint32_t)1 << (s - 1)) + (uint32_t)output_offset * ((uint32_t)1 << s));
    }
    if (q->bias16 != 0) {
        int32_t *b = (int32_t *)(void *)(rq + channels);
        for (i = 0; i < channels; i++) {
            b[i] = q->bias16[i];
        }
        *bias = b;
    }
    /* field by field: a memset here linked newlib's (≈ 0.5 KB of flash) */
    expanded->multiplier = 0;
    expanded->shift = 0;
    expanded->fast = rq;
    expanded->right_shift = 0;
    expanded->bias16 = 0;
    rest->buf = (int8_t *)(*ctx)->buf + bytes;
    rest->size = (*ctx)->size - bytes;
    *quant = expanded;
    *ctx = rest;
    return 1;
}
