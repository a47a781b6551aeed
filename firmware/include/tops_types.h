/*
 * tinyops firmware types: dims, context, kernel params and status (docs/firmware.md#c-conventions).
 * Layouts are NHWC. Arithmetic contract: src/nn/int-reference/ (the host reference).
 */
#ifndef TOPS_TYPES_H
#define TOPS_TYPES_H

#include <stdint.h>

typedef enum {
    TOPS_OK = 0,
    TOPS_ARG_ERROR = -1
} tops_status;

/** Tensor dims [N, H, W, C]; filters: conv [C_OUT, KH, KW, C_IN], depthwise [1, KH, KW, C], FC [C_OUT, 1, 1, C_IN]. */
typedef struct {
    int32_t n;
    int32_t h;
    int32_t w;
    int32_t c;
} tops_dims;

/** Caller-owned scratch, 4-byte aligned (the dsp kernels load words); size it with tops_<op>_<type>_get_buffer_size(). May be {NULL, 0} when that is 0. */
typedef struct {
    void *buf;
    int32_t size;
} tops_context;

typedef struct {
    int32_t w;
    int32_t h;
} tops_tile;

/** Clamp of the final int8 value (after the output zero point); must lie inside [-128, 127]. */
typedef struct {
    int32_t min;
    int32_t max;
} tops_activation;

/**
 * One output channel's requantization in the form the dsp kernels' fast path applies it
 * (kernels/dsp/tops_dsp.h, tops_rq_apply): the Q31 multiplier (>= 0), the right shift (1..21)
 * and nudge = 2^(shift - 1) + output_offset * 2^shift. Valid only for the op's output offset
 * and when every accumulator stays below 2^29 in magnitude (tops_rq_prepare's bounds).
 */
typedef struct {
    int32_t multiplier;
    int32_t shift;
    int32_t nudge;
} tops_requant;

/**
 * One Q31 multiplier and shift per output channel (shift in [-31, 30]). `fast`: optional
 * per-channel tops_requant table precomputed at codegen (src/codegen/requant-tables.ts) into
 * flash; the dsp conv2d / pointwise / depthwise kernels (int8 and packed) then skip building it
 * per call and need that much less scratch (tops_*_get_buffer_size() minus 12 bytes per output
 * channel). NULL: built per call. The ref kernels ignore it.
 *
 * Compact form (codegen `requantTables: compact`, dsp kernels only; docs/firmware.md#ref-vs-dsp):
 * `multiplier`, `right_shift` (1..21 per channel, the fast table's bounds checked by codegen),
 * `shift` and `fast` NULL, and optionally `bias16`, the bias as int16 (the kernel's bias
 * argument is then NULL): 5 or 7 bytes per channel in flash instead of 16 (bias + table). The
 * kernel expands it into its scratch on every call (tops_quant_expand): 12 bytes per channel,
 * as without a table, plus 4 per channel for an int16 bias.
 */
typedef struct {
    const int32_t *multiplier;
    const int32_t *shift;
    const tops_requant *fast;
    const uint8_t *right_shift;
    const int16_t *bias16;
} tops_per_channel_quant_params;

typedef struct {
    int32_t multiplier;
    int32_t shift;
} tops_per_tensor_quant_params;

/** input_offset = -input zero point; output_offset = output zero point. padding = top/left. */
typedef struct {
    int32_t input_offset;
    int32_t output_offset;
    tops_tile stride;
    tops_tile padding;
    tops_activation activation;
} tops_conv2d_params;

/** Depth multiplier is fixed at 1. */
typedef struct {
    int32_t input_offset;
    int32_t output_offset;
    tops_tile stride;
    tops_tile padding;
    tops_activation activation;
} tops_depthwise_conv2d_params;

typedef struct {
    int32_t input_offset;
    int32_t output_offset;
    tops_activation activation;
} tops_fully_connected_params;

/** Input and output share scale and zero point, so pooling has no quant params. */
typedef struct {
    tops_tile stride;
    tops_tile padding;
    tops_activation activation;
} tops_avgpool_params;

typedef struct {
    int32_t input1_offset;
    int32_t input1_multiplier;
    int32_t input1_shift;
    int32_t input2_offset;
    int32_t input2_multiplier;
    int32_t input2_shift;
    int32_t left_shift; /* 20 for int8, at most 22 */
    int32_t output_offset;
    int32_t output_multiplier;
    int32_t output_shift;
    tops_activation activation;
} tops_add_params;

#define TOPS_SOFTMAX_LUT_SIZE 256

/** exp_lut[d] = round(exp(-beta * input_scale * d) * 2^16): entries >= 0, exp_lut[0] > 0. */
typedef struct {
    const int32_t *exp_lut;
} tops_softmax_params;

#endif /* TOPS_TYPES_H */
