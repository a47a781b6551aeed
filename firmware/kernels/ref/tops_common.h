/* Helpers shared by the reference kernels (internal: not part of the public API). */
#ifndef TOPS_COMMON_H
#define TOPS_COMMON_H

#include "tops_nn.h"

/** Every dim positive: an empty or negative shape is a caller bug, reported as TOPS_ARG_ERROR. */
static inline int tops_dims_valid(const tops_dims *d)
{
    return d != 0 && d->n > 0 && d->h > 0 && d->w > 0 && d->c > 0;
}

static inline int tops_activation_valid(const tops_activation *a)
{
    return a->min >= -128 && a->max <= 127 && a->min <= a->max;
}

static inline int tops_shift_valid(int32_t shift)
{
    return shift >= -31 && shift <= 30;
}

static inline int tops_tile_positive(const tops_tile *t)
{
    return t->w > 0 && t->h > 0;
}

/** A 1x1 filter without padding: what every pointwise entry point (int8 and packed) accepts. */
static inline int tops_pointwise_shape_valid(const tops_conv2d_params *params, const tops_dims *filter_dims)
{
    return params != 0 && filter_dims != 0 && filter_dims->h == 1 && filter_dims->w == 1 &&
           params->padding.w == 0 && params->padding.h == 0;
}

/** No bias, or a bias with one value per output channel. */
static inline int tops_bias_valid(const tops_dims *bias_dims, const int32_t *bias, int32_t channels)
{
    return bias == 0 || (bias_dims != 0 && bias_dims->c == channels);
}

/** Which filter layout a conv-family kernel takes (the shapes tops_conv_args_valid checks). */
typedef enum {
    TOPS_FILTER_FULL,     /* [C_OUT, KH, KW, C_IN]: conv2d, pointwise */
    TOPS_FILTER_DEPTHWISE /* [1, KH, KW, C]: depthwise, C_OUT = C_IN */
} tops_filter_kind;

/**
 * A per-channel quant that is only the table precomputed at codegen (`fast`, multiplier and
 * shift NULL: codegen then keeps one copy of the per-channel parameters in flash,
 * src/codegen/requant-tables.ts). Only the dsp kernels, which define
 * TOPS_QUANT_ACCEPTS_TABLE_ONLY before including this header (kernels/dsp/tops_dsp.h), read
 * everything from the table; the ref kernels need multiplier and shift and reject it.
 */
#if defined(TOPS_QUANT_ACCEPTS_TABLE_ONLY)
/* ... or its compact form (multiplier + right_shift [+ bias16], tops_types.h), which the dsp
   kernels expand into that table in their scratch (tops_quant_expand). */
#define TOPS_QUANT_TABLE_ONLY(q)                                                \
    ((q)->shift == 0 && (((q)->fast != 0 && (q)->multiplier == 0) ||           \
                         ((q)->fast == 0 && (q)->multiplier != 0 && (q)->right_shift != 0)))
#else
#define TOPS_QUANT_TABLE_ONLY(q) 0
#endif

/**
 * The argument checks every conv-family kernel makes (ref, dsp and packed sub-byte variants
 * of conv2d / depthwise): pointers, positive shapes that agree with each other, activation
 * range, stride and padding, and every per-channel shift (a table-only quant's shifts were
 * checked by codegen). Callers check `params != 0` first
 * (short-circuit) because the activation, stride and padding come from it.
 */
static inline int tops_conv_args_valid(tops_filter_kind kind, const tops_per_channel_quant_params *quant,
                                       const tops_activation *activation, const tops_tile *stride,
                                       const tops_tile *padding, const tops_dims *input_dims, const void *input,
                                       const tops_dims *filter_dims, const void *filter,
                                       const tops_dims *bias_dims, const int32_t *bias,
                                       const tops_dims *output_dims, const void *output)
{
    int32_t c;
    if (quant == 0 || input == 0 || filter == 0 || output == 0 ||
        !tops_dims_valid(input_dims) || !tops_dims_valid(filter_dims) || !tops_dims_valid(output_dims) ||
        !tops_activation_valid(activation) || !tops_tile_positive(stride) || padding->w < 0 || padding->h < 0) {
        return 0;
    }
    if (filter_dims->c != input_dims->c || output_dims->n != input_dims->n ||
        !tops_bias_valid(bias_dims, bias, output_dims->c)) {
        return 0;
    }
    if (kind == TOPS_FILTER_DEPTHWISE ? (filter_dims->n != 1 || output_dims->c != input_dims->c)
                                      : output_dims->c != filter_dims->n) {
        return 0;
    }
    if (TOPS_QUANT_TABLE_ONLY(quant)) {
        return 1; /* its shifts were checked by codegen */
    }
    if (quant->multiplier == 0 || quant->shift == 0) {
        return 0;
    }
    for (c = 0; c < output_dims->c; c++) {
        if (!tops_shift_valid(quant->shift[c])) {
            return 0;
        }
    }
    return 1;
}

/**
 * The argument checks of the fully connected kernels (int8 and packed): the input flattens to
 * filter_dims->c values per batch row and the output has filter_dims->n. Callers check
 * `params != 0` first.
 */
static inline int tops_fully_connected_args_valid(const tops_per_tensor_quant_params *quant,
                                                  const tops_activation *activation,
                                                  const tops_dims *input_dims, const void *input,
                                                  const tops_dims *filter_dims, const void *filter,
                                                  const tops_dims *bias_dims, const int32_t *bias,
                                                  const tops_dims *output_dims, const void *output)
{
    if (quant == 0 || input == 0 || filter == 0 || output == 0 || !tops_dims_valid(input_dims) ||
        !tops_dims_valid(filter_dims) || !tops_dims_valid(output_dims) || !tops_activation_valid(activation) ||
        !tops_shift_valid(quant->shift)) {
        return 0;
    }
    return input_dims->h * input_dims->w * input_dims->c == filter_dims->c && output_dims->c == filter_dims->n &&
           output_dims->n == input_dims->n && tops_bias_valid(bias_dims, bias, output_dims->c);
}

/** A scratch buffer of at least `needed` bytes, 4-byte aligned (the dsp kernels read it as words). */
static inline int tops_scratch_valid(const tops_context *ctx, int32_t needed)
{
    return ctx != 0 && ctx->buf != 0 && ((uintptr_t)ctx->buf & 3u) == 0 && ctx->size >= needed;
}

/** Clamp the final value (zero point already added) to the activation range, which lies inside int8. */
static inline int8_t tops_clamp_s8(int32_t v, const tops_activation *a)
{
    if (v < a->min) {
        v = a->min;
    }
    if (v > a->max) {
        v = a->max;
    }
    return (int8_t)v;
}

#endif /* TOPS_COMMON_H */
