/*
 * int8 depthwise convolution (depth multiplier 1), dsp variant; bit-exact with
 * kernels/ref/tops_depthwise_conv2d_s8.c (contract src/nn/int-reference/depthwise-conv2d.ts).
 *
 * Every channel has its own accumulator, so SMLAD (which sums two products) does not apply
 * across channels; instead four channels per pass: one word load brings four int8 inputs and
 * one four int8 weights (NHWC keeps channels adjacent), SXTAB16 widens the inputs and adds the
 * input offset, and SMLABB/SMLATT do one MAC each. The weights are widened once per call into
 * the scratch (with the requantization table, tops_rq), so a tap costs one LDRD for them. No
 * im2col: with no reuse across channels a q15 copy would cost more than it saves.
 */
#include "tops_dsp.h"

/* One filter tap for four adjacent channels: input load + 2 widenings, pre-widened weights, 4 MACs. */
TOPS_ALWAYS_INLINE void tops_dw_tap(const int8_t *in_p, const int32_t *w_p, int32_t offset2, int32_t *acc)
{
    const int32_t x = tops_read_s32(in_p);
    const int32_t x02 = tops_sxtab16(offset2, x);
    const int32_t x13 = tops_sxtab16_ror8(offset2, x);
    const int32_t w02 = w_p[0];
    const int32_t w13 = w_p[1];
    acc[0] = tops_smlabb(x02, w02, acc[0]);
    acc[2] = tops_smlatt(x02, w02, acc[2]);
    acc[1] = tops_smlabb(x13, w13, acc[1]);
    acc[3] = tops_smlatt(x13, w13, acc[3]);
}

/*
 * A whole 3x3 window (no padding inside) for four channels: in_p is the top-left input pixel,
 * ch the pixel stride (bytes), row_step the stride of input rows, w_p the nine taps' widened
 * weights (two words each, in tap order). Per tap: 3 LDR, 2 SXTAB16, 4 MACs. Hand-allocated
 * on the target: gcc spills and reloads weights in the unrolled C. 12 register operands, not
 * 13 (one LDRD for both weight words): with 13, gcc 12 -O3 for the M7 finds no allocation.
 */
TOPS_ALWAYS_INLINE void tops_dw_3x3(const int8_t *in_p, int32_t ch, int32_t row_step, const int32_t *w_p, int32_t offset2,
                                    int32_t *acc, const int32_t two_wide)
{
#ifdef TOPS_DSP_ASM
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    int32_t x, t, wv;
    const int32_t step = row_step - ch; /* the pointer has moved one pixel within the row */
#define TOPS_DW_TAP(LOAD)                                   \
    LOAD "\n\t"                                             \
    "ldr %[wv], [%[w]], #4\n\t"                            \
    "sxtab16 %[t], %[off], %[x]\n\t"                       \
    "sxtab16 %[x], %[off], %[x], ror #8\n\t"               \
    "smlabb %[a0], %[t], %[wv], %[a0]\n\t"                 \
    "smlatt %[a2], %[t], %[wv], %[a2]\n\t"                 \
    "ldr %[wv], [%[w]], #4\n\t"                            \
    "smlabb %[a1], %[x], %[wv], %[a1]\n\t"                 \
    "smlatt %[a3], %[x], %[wv], %[a3]\n\t"
#define TOPS_DW_ROW                                         \
    TOPS_DW_TAP("ldr %[x], [%[in]]")                         \
    TOPS_DW_TAP("ldr %[x], [%[in], %[ch]]")                  \
    TOPS_DW_TAP("add %[in], %[in], %[ch]\n\tldr %[x], [%[in], %[ch]]")
    if (two_wide) {
#define TOPS_DW_ROW2                                        \
    TOPS_DW_TAP("ldr %[x], [%[in]]")                         \
    TOPS_DW_TAP("ldr %[x], [%[in], %[ch]]")
        /* Weights of the clipped column are skipped: w advances by the third tap's 8 bytes. */
        __asm__(TOPS_DW_ROW2 "add %[in], %[in], %[step]\n\tadd %[w], %[w], #8\n\t" TOPS_DW_ROW2
                "add %[in], %[in], %[step]\n\tadd %[w], %[w], #8\n\t" TOPS_DW_ROW2
                : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [in] "+r"(in_p), [w] "+r"(w_p),
                  [x] "=&r"(x), [t] "=&r"(t), [wv] "=&r"(wv)
                : [ch] "r"(ch), [step] "r"(row_step), [off] "r"(offset2)
                : "memory");
#undef TOPS_DW_ROW2
    } else {
    __asm__(TOPS_DW_ROW "add %[in], %[in], %[step]\n\t" TOPS_DW_ROW "add %[in], %[in], %[step]\n\t" TOPS_DW_ROW
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [in] "+r"(in_p), [w] "+r"(w_p),
              [x] "=&r"(x), [t] "=&r"(t), [wv] "=&r"(wv)
            : [ch] "r"(ch), [step] "r"(step), [off] "r"(offset2)
            : "memory");
    }
#undef TOPS_DW_ROW
#undef TOPS_DW_TAP
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
#else
    int32_t ky;
    for (ky = 0; ky < 3; ky++, in_p += row_step, w_p += 6) {
        tops_dw_tap(in_p, w_p, offset2, acc);
        tops_dw_tap(in_p + ch, w_p + 2, offset2, acc);
        if (!two_wide) {
            tops_dw_tap(in_p + 2 * ch, w_p + 4, offset2, acc);
        }
    }
#endif
}

/*
 * Fast requantization (tops_rq_apply) + SSAT #8 + store of four channels' accumulators: per
 * channel LDRD + LDR of its tops_rq, 2 adds, SMMLAR, ASR, SSAT, STRB. In asm on the target:
 * gcc spills the four shifts in the C version.
 */
TOPS_ALWAYS_INLINE void tops_dw_store4(const int32_t *acc, const tops_rq *q, int8_t *out)
{
#ifdef TOPS_DSP_ASM
    int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    int32_t m, sh, n;
    const tops_rq *qp = q;
    int8_t *o = out;
#define TOPS_DW_STORE(A)                            \
    "ldrd %[m], %[sh], [%[q]], #12\n\t"           \
    "ldr %[n], [%[q], #-4]\n\t"                   \
    "add %[n], %[n], " A ", asr #31\n\t"          \
    "add " A ", " A ", " A "\n\t"                  \
    "smmlar " A ", " A ", %[m], %[n]\n\t"         \
    "asr " A ", " A ", %[sh]\n\t"                 \
    "ssat " A ", #8, " A "\n\t"                   \
    "strb " A ", [%[o]], #1\n\t"
    __asm__ volatile(TOPS_DW_STORE("%[a0]") TOPS_DW_STORE("%[a1]") TOPS_DW_STORE("%[a2]") TOPS_DW_STORE("%[a3]")
                     : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [q] "+r"(qp), [o] "+r"(o),
                       [m] "=&r"(m), [sh] "=&r"(sh), [n] "=&r"(n)
                     :
                     : "memory");
#undef TOPS_DW_STORE
#else
    int32_t i;
    for (i = 0; i < 4; i++) {
        out[i] = (int8_t)tops_ssat8(tops_rq_apply(acc[i], &q[i]));
    }
#endif
}

#ifdef TOPS_DSP_ASM
/*
 * Every whole group of four channels of one output pixel whose clipped window is ROWS x COLS
 * taps of a 3x3 filter (ROWS, COLS in {2, 3}), in one asm loop: no C between groups (gcc
 * spilled the pointers, accumulators and table entries around every group). The weights are
 * widened as 2*w and gq holds per group [2*bias of its 4 channels, then their 4 tops_rq]
 * (tops_dw_group_table), so the loop accumulates 2*acc directly, the input of SMMLAR (no
 * `add A, A, A` per channel, and acc >> 31 has the same sign), and one LDM starts a group.
 * Per group: that LDM, per tap LDR + LDM of both weight words + 2 SXTAB16 + 4 MACs, per
 * channel LDM of its tops_rq + 2 adds, SMMLAR, ASR, SSAT, STRB: 106 instructions per 36 MACs.
 * All 14 registers are fixed (LDM lists must ascend), so the output pointer and the output
 * end live on the stack. The third tap of a row is read at [in, ch, lsl #1]: the input
 * pointer moves only by whole rows, and moves back after them. Only for the fast table and the
 * full int8 range (tops_dw_groups_apply).
 */
#define TOPS_DWG_TAP(LOAD)                                  \
    LOAD "\n\t"                                             \
    "ldmia %[w]!, {%[wa], %[wb]}\n\t"                      \
    "sxtab16 %[t], %[off], %[x]\n\t"                       \
    "sxtab16 %[x], %[off], %[x], ror #8\n\t"               \
    "smlabb %[a0], %[t], %[wa], %[a0]\n\t"                 \
    "smlatt %[a2], %[t], %[wa], %[a2]\n\t"                 \
    "smlabb %[a1], %[x], %[wb], %[a1]\n\t"                 \
    "smlatt %[a3], %[x], %[wb], %[a3]\n\t"
#define TOPS_DWG_ROW3                                       \
    TOPS_DWG_TAP("ldr %[x], [%[in]]")                        \
    TOPS_DWG_TAP("ldr %[x], [%[in], %[ch]]")                 \
    TOPS_DWG_TAP("ldr %[x], [%[in], %[ch], lsl #1]")
/* The clipped column's weights are skipped. */
#define TOPS_DWG_ROW2                                       \
    TOPS_DWG_TAP("ldr %[x], [%[in]]")                        \
    TOPS_DWG_TAP("ldr %[x], [%[in], %[ch]]")                 \
    "add %[w], %[w], #8\n\t"
#define TOPS_DWG_NEXT "add %[in], %[in], %[rs]\n\t"
/* m, shift, nudge = x, t, wa; the output pointer in wb. */
#define TOPS_DWG_STORE(A)                           \
    "ldmia %[q]!, {%[x], %[t], %[wa]}\n\t"        \
    "add %[wa], %[wa], " A ", asr #31\n\t"        \
    "smmlar " A ", " A ", %[x], %[wa]\n\t"        \
    "asr " A ", " A ", %[t]\n\t"                  \
    "ssat " A ", #8, " A "\n\t"                   \
    "strb " A ", [%[wb]], #1\n\t"
#define TOPS_DWG_LOOP(TAPS)                                                                              \
    __asm__ volatile("1:\n\t"                                                                            \
                     "ldmia %[q]!, {%[a0], %[a1], %[a2], %[a3]}\n\t" TAPS "ldr %[wb], %[op]\n\t" TOPS_DWG_STORE("%[a0]")           \
                         TOPS_DWG_STORE("%[a1]") TOPS_DWG_STORE("%[a2]") TOPS_DWG_STORE("%[a3]")         \
                     "str %[wb], %[op]\n\t"                                                              \
                     "ldr %[x], %[end]\n\t"                                                              \
                     "cmp %[wb], %[x]\n\t"                                                               \
                     "bne 1b\n\t"                                                                        \
                     : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [in] "+r"(in),    \
                       [w] "+r"(w), [q] "+r"(qp), [x] "=&r"(x), [t] "=&r"(t), [wa] "=&r"(wa),           \
                       [wb] "=&r"(wb), [op] "+m"(out)                                                    \
                     : [ch] "r"(chr), [rs] "r"(rs), [off] "r"(off), [end] "m"(end)                      \
                     : "cc", "memory")

__attribute__((noinline)) static void tops_dw_groups(const int8_t *in_p, const int32_t *w_p, const int32_t *gq,
                                                     int8_t *out, int32_t groups, int32_t ch,
                                                     int32_t row_step, int32_t offset2, int32_t rows, int32_t cols)
{
    register int32_t a0 __asm__("r0");
    register int32_t a1 __asm__("r1");
    register int32_t a2 __asm__("r2");
    register int32_t a3 __asm__("r3");
    register int32_t x __asm__("r4");
    register int32_t t __asm__("r5");
    register int32_t wa __asm__("r6");
    register int32_t wb __asm__("r8");
    register const int8_t *in __asm__("r7") = in_p;
    register const int32_t *w __asm__("r9") = w_p;
    register int32_t off __asm__("r10") = offset2;
    register int32_t chr __asm__("r11") = ch;
    register int32_t rs __asm__("r12") = row_step;
    register const int32_t *qp __asm__("lr") = gq;
    int8_t *end = out + 4 * groups;
    if (rows == 3 && cols == 3) {
        TOPS_DWG_LOOP(TOPS_DWG_ROW3 TOPS_DWG_NEXT TOPS_DWG_ROW3 TOPS_DWG_NEXT TOPS_DWG_ROW3
                      "sub %[in], %[in], %[rs], lsl #1\n\t"
                      "add %[in], %[in], #4\n\t");
    } else if (rows == 3) {
        TOPS_DWG_LOOP(TOPS_DWG_ROW2 TOPS_DWG_NEXT TOPS_DWG_ROW2 TOPS_DWG_NEXT TOPS_DWG_ROW2
                      "sub %[in], %[in], %[rs], lsl #1\n\t"
                      "add %[in], %[in], #4\n\t");
    } else if (cols == 3) { /* two rows: the clipped row's weights are skipped */
        TOPS_DWG_LOOP(TOPS_DWG_ROW3 TOPS_DWG_NEXT TOPS_DWG_ROW3
                      "sub %[in], %[in], %[rs]\n\t"
                      "add %[in], %[in], #4\n\t"
                      "add %[w], %[w], #24\n\t");
    } else {
        TOPS_DWG_LOOP(TOPS_DWG_ROW2 TOPS_DWG_NEXT TOPS_DWG_ROW2
                      "sub %[in], %[in], %[rs]\n\t"
                      "add %[in], %[in], #4\n\t"
                      "add %[w], %[w], #24\n\t");
    }
    (void)a0; (void)a1; (void)a2; (void)a3; (void)x; (void)t; (void)wa; (void)wb;
}
#undef TOPS_DWG_LOOP
#undef TOPS_DWG_STORE
#undef TOPS_DWG_NEXT
#undef TOPS_DWG_ROW2
#undef TOPS_DWG_ROW3
#undef TOPS_DWG_TAP
#endif

/*
 * The weights of every whole group of four channels as [w0, w2], [w1, w3] per tap; doubled for
 * the asm group loop, which accumulates 2*acc (|2w| <= 256 fits a halfword): SXTB16 then SADD16
 * of the word with itself, 2 instructions per word (byte loads and packing took 5; the in-place
 * slabs of model-c.ts widen once per call, 5 calls per layer). Out of line: once per call, and
 * inlined gcc unswitched it into two copies.
 */
__attribute__((noinline)) static void tops_dw_widen(int32_t *wq, const int8_t *filter, int32_t channels, int32_t taps,
                                                    int32_t doubled)
{
    int32_t g, t;
    for (g = 0; g < channels >> 2; g++) {
        for (t = 0; t < taps; t++, wq += 2) {
            const int32_t w = tops_read_s32(filter + t * channels + 4 * g);
            const int32_t w02 = tops_sxtb16(w);
            const int32_t w13 = tops_sxtb16_ror8(w);
            wq[0] = doubled ? tops_double16(w02) : w02;
            wq[1] = doubled ? tops_double16(w13) : w13;
        }
    }
}

static int32_t tops_dw_group_table_bytes(const tops_dims *filter_dims)
{
    return filter_dims->h == 3 && filter_dims->w == 3 ? (filter_dims->c >> 2) * 64 : 0;
}

#ifdef TOPS_DSP_ASM
/* Taps a window starting at x0 keeps along one axis. */
static int32_t tops_dw_span(int32_t x0, int32_t in_len, int32_t k)
{
    const int32_t lo = x0 < 0 ? -x0 : 0;
    const int32_t hi = in_len - x0 < k ? in_len - x0 : k;
    return hi - lo;
}

/*
 * Fewest taps a clipped window keeps along one axis over all output positions: the span is
 * min(k, in_len - x0, k + x0, in_len), concave in x0, so its minimum is at the first or last.
 */
static int32_t tops_dw_min_span(int32_t out_len, int32_t stride, int32_t pad, int32_t in_len, int32_t k)
{
    const int32_t first = tops_dw_span(-pad, in_len, k);
    const int32_t last = tops_dw_span((out_len - 1) * stride - pad, in_len, k);
    return first < last ? first : last;
}
#endif

/*
 * Whether tops_dw_groups runs every whole channel group of this call: the asm target, the
 * fast table, the full int8 range, a 3x3 filter, at least one group and no window clipped
 * below 2x2 (so no C path reads the widened weights, which are then 2*w).
 */
__attribute__((noinline)) static int32_t tops_dw_groups_apply(const tops_depthwise_conv2d_params *params, const tops_dims *input_dims,
                                    const tops_dims *filter_dims, const tops_dims *output_dims, int32_t fast,
                                    int32_t full)
{
#ifdef TOPS_DSP_ASM
    return fast && full && filter_dims->h == 3 && filter_dims->w == 3 && input_dims->c >= 4 &&
           tops_dw_min_span(output_dims->h, params->stride.h, params->padding.h, input_dims->h, 3) >= 2 &&
           tops_dw_min_span(output_dims->w, params->stride.w, params->padding.w, input_dims->w, 3) >= 2;
#else
    (void)params; (void)input_dims; (void)filter_dims; (void)output_dims; (void)fast; (void)full;
    return 0;
#endif
}

/*
 * The asm loop's table: per group of four channels 2*bias of each (0 without a bias), then
 * their four tops_rq entries, so one LDM loads a group's accumulators and the entries follow
 * in the order the loop stores (16 words per group).
 */
typedef struct {
    tops_rq q[4];
} tops_dw_rq4; /* a group's four entries, copied as one struct (LDM / STM, not 12 LDR / STR) */

__attribute__((noinline)) static void tops_dw_group_table(int32_t *gq, const tops_rq *table, const int32_t *bias, int32_t groups)
{
    int32_t g, i;
    for (g = 0; g < groups; g++, gq += 16, table += 4) {
        for (i = 0; i < 4; i++) {
            gq[i] = bias != 0 ? 2 * bias[4 * g + i] : 0;
        }
        *(tops_dw_rq4 *)(void *)(gq + 4) = *(const tops_dw_rq4 *)(const void *)table;
    }
}

int32_t tops_depthwise_conv2d_s8_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    (void)input_dims;
    if (filter_dims == 0) {
        return 0;
    }
    /* Requantization table (a tops_rq per channel), for a 3x3 filter the asm loop's group table
       (tops_dw_group_table: 64 bytes per whole group of four channels), then the weights of
       every whole group widened to [w0, w2], [w1, w3] per tap. */
    return filter_dims->c * (int32_t)sizeof(tops_rq) + tops_dw_group_table_bytes(filter_dims) +
           (filter_dims->c >> 2) * filter_dims->h * filter_dims->w * 8;
}

TOPS_ALWAYS_INLINE void tops_dw_impl(const tops_depthwise_conv2d_params *params, const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input, const tops_dims *filter_dims,
                                     const int8_t *filter, const int32_t *bias, const tops_dims *output_dims,
                                     int8_t *output, const tops_rq *rq, const int32_t *wq, const int32_t fast,
                                     const int32_t full, const int32_t *gq)
{
    const int32_t channels = input_dims->c;
    const int32_t offset2 = tops_dup16(params->input_offset);
    const int32_t taps = filter_dims->h * filter_dims->w;
    const int32_t lo = params->activation.min, hi = params->activation.max;
    const int32_t in_row_step = input_dims->w * channels;
    const int32_t fw = filter_dims->w;
    int32_t b, oy, ox, c;
    for (b = 0; b < output_dims->n; b++) {
        for (oy = 0; oy < output_dims->h; oy++) {
            const int32_t y0 = oy * params->stride.h - params->padding.h;
            const int32_t ky_lo = y0 < 0 ? -y0 : 0;
            const int32_t ky_hi = input_dims->h - y0 < filter_dims->h ? input_dims->h - y0 : filter_dims->h;
            const int32_t rows = ky_hi - ky_lo;
            for (ox = 0; ox < output_dims->w; ox++) {
                const int32_t x0 = ox * params->stride.w - params->padding.w;
                const int32_t kx_lo = x0 < 0 ? -x0 : 0;
                const int32_t kx_hi = input_dims->w - x0 < fw ? input_dims->w - x0 : fw;
                const int32_t cols = kx_hi - kx_lo;
                const int32_t interior = rows == 3 && cols == 3 && filter_dims->h == 3 && fw == 3;
                /* Left / right border of a 3x3 filter: three rows of two taps. */
                const int32_t side = rows == 3 && cols == 2 && filter_dims->h == 3 && fw == 3;
                int8_t *out = output + ((b * output_dims->h + oy) * output_dims->w + ox) * channels;
                const int8_t *in_corner = input + ((b * input_dims->h + y0 + ky_lo) * input_dims->w + x0 + kx_lo) * channels;
                const int32_t *w_corner = wq + (ky_lo * fw + kx_lo) * 2;
                const tops_rq *q = rq;
                c = 0;
#ifndef TOPS_DSP_ASM
                (void)gq;
#else
                if (gq != 0) { /* every window is at least 2x2 here (tops_dw_groups_apply) */
                    tops_dw_groups(in_corner, w_corner, gq, out, channels >> 2, channels, in_row_step, offset2, rows, cols);
                    c = channels & ~3;
                }
#endif
                for (; c + 4 <= channels; c += 4, q += 4, w_corner += 2 * taps) {
                    int32_t acc[4] = {0, 0, 0, 0};
                    const int8_t *in_p = in_corner + c;
                    const int32_t *w_p = w_corner;
                    int32_t ky, kx, v0, v1, v2, v3;
                    if (bias != 0) {
                        acc[0] = bias[c];
                        acc[1] = bias[c + 1];
                        acc[2] = bias[c + 2];
                        acc[3] = bias[c + 3];
                    }
                    if (interior) {
                        tops_dw_3x3(in_p, channels, in_row_step, w_p, offset2, acc, 0);
                    } else if (side) {
                        tops_dw_3x3(in_p, channels, in_row_step, w_p, offset2, acc, 1);
                    } else {
                        for (ky = 0; ky < rows; ky++, in_p += in_row_step, w_p += 2 * fw) {
                            if (cols == 2) { /* the 3-wide window clipped at a left / right border */
                                tops_dw_tap(in_p, w_p, offset2, acc);
                                tops_dw_tap(in_p + channels, w_p + 2, offset2, acc);
                            } else if (cols == 3) {
                                tops_dw_tap(in_p, w_p, offset2, acc);
                                tops_dw_tap(in_p + channels, w_p + 2, offset2, acc);
                                tops_dw_tap(in_p + 2 * channels, w_p + 4, offset2, acc);
                            } else {
                                for (kx = 0; kx < cols; kx++) {
                                    tops_dw_tap(in_p + kx * channels, w_p + 2 * kx, offset2, acc);
                                }
                            }
                        }
                    }
                    if (fast && full) {
                        tops_dw_store4(acc, q, out + c);
                        continue;
                    }
                    if (fast) {
                        v0 = tops_rq_apply(acc[0], &q[0]);
                        v1 = tops_rq_apply(acc[1], &q[1]);
                        v2 = tops_rq_apply(acc[2], &q[2]);
                        v3 = tops_rq_apply(acc[3], &q[3]);
                    } else {
                        const int32_t oo = params->output_offset;
                        v0 = tops_requantize_inline(acc[0], quant->multiplier[c], quant->shift[c]) + oo;
                        v1 = tops_requantize_inline(acc[1], quant->multiplier[c + 1], quant->shift[c + 1]) + oo;
                        v2 = tops_requantize_inline(acc[2], quant->multiplier[c + 2], quant->shift[c + 2]) + oo;
                        v3 = tops_requantize_inline(acc[3], quant->multiplier[c + 3], quant->shift[c + 3]) + oo;
                    }
                    out[c] = tops_act_s8(v0, full, lo, hi);
                    out[c + 1] = tops_act_s8(v1, full, lo, hi);
                    out[c + 2] = tops_act_s8(v2, full, lo, hi);
                    out[c + 3] = tops_act_s8(v3, full, lo, hi);
                }
                for (; c < channels; c++) { /* channels % 4 left over: plain MACs */
                    int32_t acc = bias != 0 ? bias[c] : 0;
                    int32_t ky, kx;
                    for (ky = ky_lo; ky < ky_hi; ky++) {
                        for (kx = kx_lo; kx < kx_hi; kx++) {
                            acc += ((int32_t)input[((b * input_dims->h + y0 + ky) * input_dims->w + x0 + kx) * channels + c] +
                                    params->input_offset) *
                                   (int32_t)filter[(ky * fw + kx) * channels + c];
                        }
                    }
                    /* with the table: a table-only quant has no multiplier / shift arrays */
                    out[c] = tops_act_s8(fast ? tops_rq_apply(acc, &rq[c])
                                              : tops_requantize_inline(acc, quant->multiplier[c], quant->shift[c]) +
                                                    params->output_offset,
                                         0, lo, hi);
                }
            }
        }
    }
}

tops_status tops_depthwise_conv2d_s8(const tops_context *ctx, const tops_depthwise_conv2d_params *params,
                                     const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input,
                                     const tops_dims *filter_dims, const int8_t *filter,
                                     const tops_dims *bias_dims, const int32_t *bias,
                                     const tops_dims *output_dims, int8_t *output)
{
    int32_t taps, full, fast, dwg;
    tops_rq *rq;
    const tops_rq *table;
    int32_t *gq, *wq;
    tops_context rest;
    tops_per_channel_quant_params expanded;
    if (params == 0 || !tops_conv_args_valid(TOPS_FILTER_DEPTHWISE, quant, &params->activation, &params->stride, &params->padding,
                                             input_dims, input, filter_dims, filter, bias_dims, bias, output_dims, output) ||
        !tops_quant_expand(&ctx, &rest, &quant, &expanded, &bias, input_dims->c, params->output_offset)) {
        return TOPS_ARG_ERROR;
    }
    /* A table precomputed at codegen (quant->fast) replaces the one built here, and its scratch. */
    if (!tops_scratch_valid(ctx, tops_depthwise_conv2d_s8_get_buffer_size(input_dims, filter_dims) -
                                     input_dims->c * (int32_t)sizeof(tops_rq) + tops_rq_scratch(quant, input_dims->c))) {
        return TOPS_ARG_ERROR;
    }
    taps = filter_dims->h * filter_dims->w;
    rq = (tops_rq *)ctx->buf;
    gq = (int32_t *)(void *)((int8_t *)ctx->buf + tops_rq_scratch(quant, input_dims->c));
    wq = gq + tops_dw_group_table_bytes(filter_dims) / 4;
    full = params->activation.min == -128 && params->activation.max == 127;
    table = quant->fast != 0 ? quant->fast : rq;
    fast = quant->fast != 0 || tops_rq_prepare(rq, input_dims->c, quant->multiplier, quant->shift, 1, params->output_offset,
                                               bias, taps, params->input_offset);
    dwg = tops_dw_groups_apply(params, input_dims, filter_dims, output_dims, fast, full);
    tops_dw_widen(wq, filter, input_dims->c, taps, dwg);
    if (dwg) {
        tops_dw_group_table(gq, table, bias, input_dims->c >> 2);
    }
    /* dwg implies fast && full: that instance takes gq (NULL otherwise), no fourth copy of the body. */
    if (!fast) {
        tops_dw_impl(params, quant, input_dims, input, filter_dims, filter, bias, output_dims, output, table, wq, 0, 0, 0);
    } else if (full) {
        tops_dw_impl(params, quant, input_dims, input, filter_dims, filter, bias, output_dims, output, table, wq, 1, 1,
                     dwg ? gq : 0);
    } else {
        tops_dw_impl(params, quant, input_dims, input, filter_dims, filter, bias, output_dims, output, table, wq, 1, 0, 0);
    }
    return TOPS_OK;
}
