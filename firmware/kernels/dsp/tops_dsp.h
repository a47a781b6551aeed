/*
 * Internal helpers of the dsp/ kernels: Armv7E-M DSP (SIMD32) instructions through ACLE
 * (arm_acle.h) when the target has them, and plain C with the same bit-level results
 * otherwise, so the same dsp/ sources build and are tested on the host too (docs/firmware.md#ref-vs-dsp: both variants run the same vectors). Packed values are two int16 lanes in one
 * 32-bit word, lane 0 in the low half.
 */
#ifndef TOPS_DSP_H
#define TOPS_DSP_H

#include <stdint.h>
#include <string.h>

/* multiplier / shift may be NULL when quant->fast is given: every path below reads the table then. */
#define TOPS_QUANT_ACCEPTS_TABLE_ONLY 1
#include "../ref/tops_common.h"

#if defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
#include <arm_acle.h>
#define TOPS_DSP_NATIVE 1
/* The hand-allocated inner loops (12-14 register operands) only when optimizing: at -O0 gcc
   keeps a frame pointer and cannot allocate them, so those builds take the C versions. */
#if defined(__OPTIMIZE__)
#define TOPS_DSP_ASM 1
#endif
#endif

/* Forces inlining of the kernels' templated loop bodies (constant flags fold away). */
#if defined(__GNUC__)
#define TOPS_ALWAYS_INLINE static inline __attribute__((always_inline))
#define TOPS_NOINLINE static __attribute__((noinline))
#else
#define TOPS_ALWAYS_INLINE static inline
#define TOPS_NOINLINE static
#endif
/* Fallbacks that codegen's bounds keep off the path of a generated model (plain loops for
   shapes or parameters the fast kernels do not take): compiled for size, not speed. */
#if defined(__GNUC__)
#define TOPS_COLD __attribute__((cold, noinline))
#else
#define TOPS_COLD
#endif

/* Unaligned 32-bit load/store: memcpy compiles to one LDR/STR on Armv7-M (unaligned access
   is allowed for LDR/STR, and gcc knows it), and stays well-defined C everywhere. */
static inline int32_t tops_read_s32(const void *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void tops_write_s32(void *p, int32_t v)
{
    memcpy(p, &v, sizeof v);
}

/* Rotate right by 8 bits (portable path; the native path uses SXTB16's ROR operand). */
static inline int32_t tops_ror8(int32_t x)
{
    const uint32_t u = (uint32_t)x;
    return (int32_t)((u >> 8) | (u << 24));
}

#ifdef TOPS_DSP_NATIVE

/* Sign-extend bytes 0 and 2 into two int16 lanes. */
static inline int32_t tops_sxtb16(int32_t x)
{
    return __sxtb16(x);
}

/* Sign-extend bytes 1 and 3. One instruction: gcc 12 does not fold a separate ROR into the
   ACLE __sxtb16, so the rotate operand is written out. */
static inline int32_t tops_sxtb16_ror8(int32_t x)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}

/* Both int16 lanes doubled (SADD16 x, x: no carry between the lanes). */
static inline int32_t tops_double16(int32_t x)
{
    return __sadd16(x, x);
}

/* Lane-wise a + sign-extended bytes 0 and 2 of x (each lane modulo 2^16). */
static inline int32_t tops_sxtab16(int32_t a, int32_t x)
{
    return __sxtab16(a, x);
}

/* a + sign-extended bytes 1 and 3 of x. */
static inline int32_t tops_sxtab16_ror8(int32_t a, int32_t x)
{
    int32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}

/* acc + a.lo*b.lo + a.hi*b.hi (modulo 2^32, as the accumulate of SMLAD). */
static inline int32_t tops_smlad(int32_t a, int32_t b, int32_t acc)
{
    return __smlad(a, b, acc);
}

static inline int32_t tops_smlabb(int32_t a, int32_t b, int32_t acc)
{
    return __smlabb(a, b, acc);
}

static inline int32_t tops_smlatt(int32_t a, int32_t b, int32_t acc)
{
    return __smlatt(a, b, acc);
}

/* Saturate to [-128, 127] (SSAT #8). */
static inline int32_t tops_ssat8(int32_t x)
{
    return __ssat(x, 8);
}

/* acc + ((a * b + 2^31) >> 32), the 64-bit sum taken before the shift (SMMLAR). */
static inline int32_t tops_smmlar(int32_t a, int32_t b, int32_t acc)
{
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}

#else /* portable C with the instructions' semantics */

static inline int32_t tops_lo16(int32_t x)
{
    return (int32_t)(int16_t)(uint16_t)((uint32_t)x & 0xFFFFu);
}

static inline int32_t tops_hi16(int32_t x)
{
    return (int32_t)(int16_t)(uint16_t)((uint32_t)x >> 16);
}

static inline int32_t tops_pack16(int32_t lo, int32_t hi)
{
    return (int32_t)(((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16));
}

static inline int32_t tops_sxtb16(int32_t x)
{
    const uint32_t u = (uint32_t)x;
    return tops_pack16((int8_t)(uint8_t)(u & 0xFFu), (int8_t)(uint8_t)((u >> 16) & 0xFFu));
}

static inline int32_t tops_sxtb16_ror8(int32_t x)
{
    return tops_sxtb16(tops_ror8(x));
}

static inline int32_t tops_double16(int32_t x)
{
    const uint32_t u = (uint32_t)x;
    return tops_pack16(2 * (int32_t)(int16_t)(uint16_t)(u & 0xFFFFu), 2 * (int32_t)(int16_t)(uint16_t)(u >> 16));
}

static inline int32_t tops_sxtab16(int32_t a, int32_t x)
{
    const uint32_t u = (uint32_t)x;
    return tops_pack16(tops_lo16(a) + (int8_t)(uint8_t)(u & 0xFFu), tops_hi16(a) + (int8_t)(uint8_t)((u >> 16) & 0xFFu));
}

static inline int32_t tops_sxtab16_ror8(int32_t a, int32_t x)
{
    return tops_sxtab16(a, tops_ror8(x));
}

static inline int32_t tops_smlad(int32_t a, int32_t b, int32_t acc)
{
    const uint32_t s = (uint32_t)acc + (uint32_t)(tops_lo16(a) * tops_lo16(b)) + (uint32_t)(tops_hi16(a) * tops_hi16(b));
    return (int32_t)s;
}

static inline int32_t tops_smlabb(int32_t a, int32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(tops_lo16(a) * tops_lo16(b)));
}

static inline int32_t tops_smlatt(int32_t a, int32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(tops_hi16(a) * tops_hi16(b)));
}

static inline int32_t tops_ssat8(int32_t x)
{
    return x < -128 ? -128 : (x > 127 ? 127 : x);
}

static inline int32_t tops_smmlar(int32_t a, int32_t b, int32_t acc)
{
    /* acc * 2^32 added before the shift = acc added after it (the shift is a floor). */
    return (int32_t)((int64_t)acc + (((int64_t)a * b + ((int64_t)1 << 31)) >> 32));
}

#endif /* TOPS_DSP_NATIVE */

/*
 * tops_requantize (kernels/ref/tops_requantize.c) for the common case, inlined into the
 * kernels: right shift only, multiplier != INT32_MIN. Then the reference's SRDHM is
 * floor((a*b + 2^30) / 2^31) (see dsp/tops_requantize.c), one SMLAL and a shift. Bit-exact;
 * the other cases go to dsp/tops_requantize.c.
 */
static inline int32_t tops_requantize_inline(int32_t x, int32_t multiplier, int32_t shift)
{
    int32_t high, right, mask, threshold;
    if (shift > 0 || multiplier == INT32_MIN) {
        /* Left shifts (multipliers > 1) and the SRDHM saturation corner: rare, so out of
           line; keeps the common path short and the callers' registers free. */
        return tops_requantize(x, multiplier, shift);
    }
    /* >> of a negative int64: arithmetic on gcc for every target we build (as in ref). */
    high = (int32_t)(((int64_t)x * multiplier + ((int64_t)1 << 30)) >> 31);
    /* Rounding divide by 2^right, ties away from zero (right = 0: mask 0, nothing added). */
    right = -shift;
    mask = (int32_t)(((uint32_t)1 << right) - 1u);
    threshold = (mask >> 1) + (int32_t)((uint32_t)high >> 31);
    return (high >> right) + ((high & mask) > threshold ? 1 : 0);
}

/*
 * Fast per-channel requantization (precomputed once per call into the kernel's scratch).
 * Valid when every accumulator satisfies |acc| < 2^29 (checked per call from the bias, the
 * number of taps and the input offset: tops_rq_prepare), the multiplier is >= 0 and the
 * channel's shift is a right shift of 1..21. Then, exactly as tops_requantize + output offset:
 *   - the reference's h = floor((acc*m + 2^30) / 2^31) is SMMULR(2*acc, m) = floor((2*acc*m +
 *     2^31) / 2^32), the same number (2*acc fits in int32);
 *   - the rounding divide by 2^s with ties away from zero is floor((h + 2^(s-1) - [h < 0]) / 2^s),
 *     and adding output_offset * 2^s before the shift adds output_offset after it;
 *   - [h < 0] may be replaced by [acc < 0] (m >= 0: they differ only when h = 0 > acc, and
 *     (2^(s-1) - 1 + offset * 2^s) >> s = (2^(s-1) + offset * 2^s) >> s), so the adds fold into
 *     SMMLAR's accumulator: (SMMLAR(2*acc, m, nudge + (acc >> 31))) >> s.
 *   No intermediate overflows (|h| <= 2^29, |offset| <= 256 so |offset * 2^s| <= 2^29).
 */
typedef tops_requant tops_rq; /* multiplier; shift: right shift, 1..21; nudge: 2^(shift - 1) + output_offset * 2^shift */

/*
 * Scratch bytes of the per-channel requantization: none with a table precomputed in flash, a
 * tops_rq per channel built per call otherwise, and with the compact form's int16 bias also its
 * int32 expansion (tops_types.h).
 */
static inline int32_t tops_rq_scratch(const tops_per_channel_quant_params *quant, int32_t channels)
{
    if (quant != 0 && quant->fast != 0) {
        return 0;
    }
    return channels * ((int32_t)sizeof(tops_rq) + (quant != 0 && quant->bias16 != 0 ? 4 : 0));
}

/**
 * The compact per-channel quant (quant->right_shift set, tops_types.h) expanded at the start of
 * ctx's buffer: the tops_rq table (nudge from the right shift and output_offset), then, with
 * bias16, the int32 bias. On return *quant is a table-only quant of that table, *bias the
 * expanded bias (when bias16), and *ctx `rest`: the scratch after them, so the kernel goes on as
 * with a flash table. Any other quant: nothing changes. Returns 0 if the scratch is too small.
 */
int32_t tops_quant_expand(const tops_context **ctx, tops_context *rest, const tops_per_channel_quant_params **quant,
                          tops_per_channel_quant_params *expanded, const int32_t **bias, int32_t channels,
                          int32_t output_offset);

/**
 * Fills rq[0..n) (per_channel: from multiplier[i] / shift[i]; else every entry from [0]) and
 * returns 1 when the fast path is exact for every channel: each shift in [-21, -1], each
 * multiplier >= 0 and
 * max|bias| + taps * max|x + input_offset| * 128 < 2^29 (x any int8), |output_offset| <= 256. Returns 0 otherwise
 * (the caller then uses tops_requantize_inline).
 */
int32_t tops_rq_prepare(tops_rq *rq, int32_t n, const int32_t *multiplier, const int32_t *shift, int32_t per_channel,
                        int32_t output_offset, const int32_t *bias, int32_t taps, int32_t input_offset);

/** Requantized value + output offset (not yet clamped), fast path. */
static inline int32_t tops_rq_apply(int32_t acc, const tops_rq *q)
{
    return tops_smmlar(acc + acc, q->multiplier, q->nudge + (acc >> 31)) >> q->shift;
}

/** Clamp to the activation range: SSAT, then the narrower range when `full` is 0. */
static inline int8_t tops_act_s8(int32_t v, int32_t full, int32_t lo, int32_t hi)
{
    v = tops_ssat8(v);
    if (!full) {
        v = v < lo ? lo : v;
        v = v > hi ? hi : v;
    }
    return (int8_t)v;
}

/** Both int16 lanes set to v (the input offset, added by SXTAB16). */
static inline int32_t tops_dup16(int32_t v)
{
    return (int32_t)(((uint32_t)v & 0xFFFFu) | ((uint32_t)v << 16));
}

/*
 * q15 "column" layout used by the matrix kernels: values (input + offset, in [-255, 255]) in
 * groups of four stored as [v0, v2, v1, v3], the order SXTB16 / SXTB16-ROR-8 produce from four
 * int8 weights, so one SMLAD pairs each weight with its own input. A tail of len % 4 values
 * is stored in order.
 */

/** Append `len` int8 values (+ offset) starting at column index k (k % 4 == 0 for the fast path). */
void tops_q15_column_put_s8(int16_t *col, int32_t k, int32_t col_len, const int8_t *src, int32_t len, int32_t offset);

/** Zeros at column indexes [k, k + len) (padding: (input + offset) contributes nothing). */
void tops_q15_column_put_zero(int16_t *col, int32_t k, int32_t col_len, int32_t len);

/**
 * out[r] = requantized (bias[r] + sum_k row_r[k] * col[k]) for every row r of the int8 matrix
 * `rows` ([n_rows, len], row-major) against one or two columns (col_b may be NULL).
 * Results are written with stride 1 to out_a / out_b.
 */
void tops_mat_q15_s8(const int8_t *rows, int32_t n_rows, int32_t len, const int16_t *col_a, const int16_t *col_b,
                     const int32_t *bias, const int32_t *multiplier, const int32_t *shift, int32_t per_channel,
                     int32_t output_offset, const tops_activation *act, int8_t *out_a, int8_t *out_b);

/*
 * Column pair layout (conv2d / pointwise): the q15 columns (input + offset, zeros for padding)
 * of two output pixels, interleaved so one pointer walks both: for each group of four column
 * indexes, [a0, a2, a1, a3, b0, b2, b1, b3] (a = slot 0, b = slot 1; the order SXTB16 /
 * SXTB16-ROR-8 give four int8 weights), then the len % 4 tail values of a, then those of b,
 * in order. 2 * len int16 in all; the buffer must be 4-byte aligned.
 */
void tops_pair_put_s8(int16_t *pair, int32_t slot, int32_t k, int32_t len, const int8_t *src, int32_t n, int32_t offset);
void tops_pair_put_zero(int16_t *pair, int32_t slot, int32_t k, int32_t len, int32_t n);

/** How accumulators become int8 outputs: bias, fast table (rq, or NULL: per-channel multiplier/shift), offset, clamp. */
typedef struct {
    const int32_t *bias;
    const tops_rq *rq;
    const int32_t *multiplier;
    const int32_t *shift;
    int32_t output_offset;
    int32_t act_min;
    int32_t act_max;
} tops_out_params;

/**
 * For every row r of the int8 matrix `rows` ([n_rows, len]): out_a[r] / out_b[r] = the final
 * int8 of bias[r] + row_r . column a / b of `pair`.
 */
void tops_mat_pair_s8(const int8_t *rows, int32_t n_rows, int32_t len, const int16_t *pair, const tops_out_params *op,
                      int8_t *out_a, int8_t *out_b);

#endif /* TOPS_DSP_H */
