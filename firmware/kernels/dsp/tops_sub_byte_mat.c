/*
 * Shared inner kernels of the dsp/ packed-weight (s4 / s2) conv2d, pointwise and fully
 * connected variants: the column-pair writer (input + offset widened to int16 in the lane order
 * of the weight unpacking) and the packed-rows x column-pair product with requantization.
 * The unpack trick and the lane order are described in tops_sub_byte_dsp.h.
 *
 * Per int4 word (8 weights) and two output pixels: 1 LDR, LSL + 2 AND, 4 SXTB16, 4 LDRD of the
 * pair, 8 SMLAD for 16 MACs; the column is written once per pixel and reused by every row.
 */
#include "tops_sub_byte_dsp.h"

/* Lanes (a.lo, b.lo) and (a.hi, b.hi): PKHBT / PKHTB on the target. */
static inline int32_t tops_lo_lanes(int32_t a, int32_t b)
{
    return (int32_t)(((uint32_t)a & 0xFFFFu) | ((uint32_t)b << 16));
}

static inline int32_t tops_hi_lanes(int32_t a, int32_t b)
{
    return (int32_t)(((uint32_t)a >> 16) | ((uint32_t)b & 0xFFFF0000u));
}

void tops_sb_pair_put(int32_t bits, int16_t *pair, int32_t slot, int32_t len, const int8_t *src, int32_t offset)
{
    const int32_t group = 32 / bits;
    const int32_t body = len - len % group;
    const int32_t tail = len - body;
    const int32_t off2 = tops_dup16(offset);
    int16_t *dst = pair + slot * group;
    int32_t k;
    if (bits == 4) {
        /* Inputs e0..e3 in word a, e4..e7 in b; lane order [e0 e4 | e2 e6 | e1 e5 | e3 e7]. */
        for (k = 0; k < body; k += 8, dst += 16) {
            const int32_t a = tops_read_s32(src + k), b = tops_read_s32(src + k + 4);
            const int32_t a02 = tops_sxtab16(off2, a), a13 = tops_sxtab16_ror8(off2, a);
            const int32_t b02 = tops_sxtab16(off2, b), b13 = tops_sxtab16_ror8(off2, b);
            tops_write_s32(dst, tops_lo_lanes(a02, b02));
            tops_write_s32(dst + 2, tops_hi_lanes(a02, b02));
            tops_write_s32(dst + 4, tops_lo_lanes(a13, b13));
            tops_write_s32(dst + 6, tops_hi_lanes(a13, b13));
        }
    } else {
        /* Inputs in words a, b, c, d (e0..e15); word 2j pairs field j of a with that of c,
           word 2j + 1 field j of b with d (byte i of a packed word = input word i). */
        for (k = 0; k < body; k += 16, dst += 32) {
            const int32_t a = tops_read_s32(src + k), b = tops_read_s32(src + k + 4);
            const int32_t c = tops_read_s32(src + k + 8), d = tops_read_s32(src + k + 12);
            const int32_t a02 = tops_sxtab16(off2, a), a13 = tops_sxtab16_ror8(off2, a);
            const int32_t b02 = tops_sxtab16(off2, b), b13 = tops_sxtab16_ror8(off2, b);
            const int32_t c02 = tops_sxtab16(off2, c), c13 = tops_sxtab16_ror8(off2, c);
            const int32_t d02 = tops_sxtab16(off2, d), d13 = tops_sxtab16_ror8(off2, d);
            tops_write_s32(dst, tops_lo_lanes(a02, c02));
            tops_write_s32(dst + 2, tops_lo_lanes(b02, d02));
            tops_write_s32(dst + 4, tops_lo_lanes(a13, c13));
            tops_write_s32(dst + 6, tops_lo_lanes(b13, d13));
            tops_write_s32(dst + 8, tops_hi_lanes(a02, c02));
            tops_write_s32(dst + 10, tops_hi_lanes(b02, d02));
            tops_write_s32(dst + 12, tops_hi_lanes(a13, c13));
            tops_write_s32(dst + 14, tops_hi_lanes(b13, d13));
        }
    }
    for (k = 0; k < tail; k++) {
        pair[2 * body + slot * tail + k] = (int16_t)(src[body + k] + offset);
    }
}

/* The packed word at p, shifted down by `phase` bits (0 < phase < 8) when the row starts mid-byte:
   the group's weights span bytes p..p+4, all inside the tensor. */
TOPS_ALWAYS_INLINE uint32_t tops_sb_word(const uint8_t *p, int32_t phase, const int32_t phased)
{
    const uint32_t w = (uint32_t)tops_read_s32(p);
    if (phased) {
        return (w >> phase) | ((uint32_t)p[4] << (32 - phase));
    }
    return w;
}

/*
 * `groups` whole words of one row against column a (and b when `two`) of the pair: scaled sums
 * (times 2^(8 - bits), tops_sub_byte_dsp.h). x walks the pair: per group, a's words then b's.
 */
TOPS_ALWAYS_INLINE void tops_sb_dot(const int32_t bits, const uint8_t *p, int32_t phase, const int32_t phased,
                                    const int32_t *x, int32_t groups, const int32_t two, int32_t *sa, int32_t *sb)
{
    int32_t a = 0, b = 0, n;
    if (bits == 4) {
        for (n = groups; n > 0; n--, p += 4, x += 8) {
            const uint32_t w = tops_sb_word(p, phase, phased);
            const int32_t lo = (int32_t)((w << 4) & 0xF0F0F0F0u);
            const int32_t hi = (int32_t)(w & 0xF0F0F0F0u);
            const int32_t l02 = tops_sxtb16(lo), l13 = tops_sxtb16_ror8(lo);
            const int32_t h02 = tops_sxtb16(hi), h13 = tops_sxtb16_ror8(hi);
            a = tops_smlad(l02, x[0], a);
            a = tops_smlad(l13, x[1], a);
            a = tops_smlad(h02, x[2], a);
            a = tops_smlad(h13, x[3], a);
            if (two) {
                b = tops_smlad(l02, x[4], b);
                b = tops_smlad(l13, x[5], b);
                b = tops_smlad(h02, x[6], b);
                b = tops_smlad(h13, x[7], b);
            }
        }
    } else {
        for (n = groups; n > 0; n--, p += 4, x += 16) {
            const uint32_t w = tops_sb_word(p, phase, phased);
            const int32_t t0 = (int32_t)((w << 6) & 0xC0C0C0C0u);
            const int32_t t1 = (int32_t)((w << 4) & 0xC0C0C0C0u);
            const int32_t t2 = (int32_t)((w << 2) & 0xC0C0C0C0u);
            const int32_t t3 = (int32_t)(w & 0xC0C0C0C0u);
            const int32_t e0 = tops_sxtb16(t0), o0 = tops_sxtb16_ror8(t0);
            const int32_t e1 = tops_sxtb16(t1), o1 = tops_sxtb16_ror8(t1);
            const int32_t e2 = tops_sxtb16(t2), o2 = tops_sxtb16_ror8(t2);
            const int32_t e3 = tops_sxtb16(t3), o3 = tops_sxtb16_ror8(t3);
            a = tops_smlad(e0, x[0], a);
            a = tops_smlad(o0, x[1], a);
            a = tops_smlad(e1, x[2], a);
            a = tops_smlad(o1, x[3], a);
            a = tops_smlad(e2, x[4], a);
            a = tops_smlad(o2, x[5], a);
            a = tops_smlad(e3, x[6], a);
            a = tops_smlad(o3, x[7], a);
            if (two) {
                b = tops_smlad(e0, x[8], b);
                b = tops_smlad(o0, x[9], b);
                b = tops_smlad(e1, x[10], b);
                b = tops_smlad(o1, x[11], b);
                b = tops_smlad(e2, x[12], b);
                b = tops_smlad(o2, x[13], b);
                b = tops_smlad(e3, x[14], b);
                b = tops_smlad(o3, x[15], b);
            }
        }
    }
    *sa = a;
    *sb = b;
}

TOPS_ALWAYS_INLINE int32_t tops_sb_value(int32_t acc, const tops_out_params *op, int32_t r, int32_t q, const int32_t fast)
{
    if (fast) {
        return tops_rq_apply(acc, &op->rq[r]);
    }
    return tops_requantize_inline(acc, op->multiplier[q], op->shift[q]) + op->output_offset;
}

TOPS_ALWAYS_INLINE void tops_sb_mat_impl(const int32_t bits, const uint8_t *packed, int32_t n_rows, int32_t len,
                                         const int16_t *pair, const int32_t two, int32_t per_channel,
                                         const tops_out_params *op, int8_t *out_a, int8_t *out_b, const int32_t fast,
                                         const int32_t full)
{
    const int32_t group = 32 / bits;
    const int32_t body = len - len % group;
    const int32_t tail = len - body;
    const int32_t groups = body / group;
    const int32_t down = 8 - bits;
    const int16_t *tail_a = pair + 2 * body;
    const int16_t *tail_b = tail_a + tail;
    const int32_t *x = (const int32_t *)(const void *)pair;
    const int32_t lo = op->act_min, hi = op->act_max;
    int32_t r;
    for (r = 0; r < n_rows; r++) {
        const int32_t first = r * len; /* flat index of the row's first weight */
        const int32_t bit = first * bits;
        const uint8_t *p = packed + (bit >> 3);
        const int32_t phase = bit & 7;
        const int32_t b0 = op->bias != 0 ? op->bias[r] : 0;
        int32_t sa, sb, acc_a, acc_b, k;
        if (phase == 0) {
            tops_sb_dot(bits, p, 0, 0, x, groups, two, &sa, &sb);
        } else {
            tops_sb_dot(bits, p, phase, 1, x, groups, two, &sa, &sb);
        }
        /* >> of a negative int32: arithmetic on gcc (as the other dsp kernels assume); the
           scaled sums are exact multiples of 2^down. */
        acc_a = b0 + (sa >> down);
        acc_b = b0 + (sb >> down);
        for (k = 0; k < tail; k++) {
            const int32_t w = tops_packed_weight(packed, bits, first + body + k);
            acc_a += w * tail_a[k];
            if (two) {
                acc_b += w * tail_b[k];
            }
        }
        out_a[r] = tops_act_s8(tops_sb_value(acc_a, op, r, per_channel ? r : 0, fast), full, lo, hi);
        if (two) {
            out_b[r] = tops_act_s8(tops_sb_value(acc_b, op, r, per_channel ? r : 0, fast), full, lo, hi);
        }
    }
}

/* One instantiation per (bits, two, fast, full) actually used: constant flags fold away. */
#define TOPS_SB_DISPATCH(BITS)                                                                              \
    if (two) {                                                                                              \
        if (op->rq != 0 && full) {                                                                          \
            tops_sb_mat_impl(BITS, packed, n_rows, len, pair, 1, per_channel, op, out_a, out_b, 1, 1);      \
        } else if (op->rq != 0) {                                                                           \
            tops_sb_mat_impl(BITS, packed, n_rows, len, pair, 1, per_channel, op, out_a, out_b, 1, 0);      \
        } else {                                                                                            \
            tops_sb_mat_impl(BITS, packed, n_rows, len, pair, 1, per_channel, op, out_a, out_b, 0, 0);      \
        }                                                                                                   \
    } else if (op->rq != 0) {                                                                               \
        tops_sb_mat_impl(BITS, packed, n_rows, len, pair, 0, per_channel, op, out_a, out_b, 1, 0);          \
    } else {                                                                                                \
        tops_sb_mat_impl(BITS, packed, n_rows, len, pair, 0, per_channel, op, out_a, out_b, 0, 0);          \
    }

void tops_sb_mat_pair(int32_t bits, const uint8_t *packed, int32_t n_rows, int32_t len, const int16_t *pair,
                      int32_t two, int32_t per_channel, const tops_out_params *op, int8_t *out_a, int8_t *out_b)
{
    const int32_t full = op->act_min == -128 && op->act_max == 127;
    if (bits == 4) {
        TOPS_SB_DISPATCH(4)
    } else {
        TOPS_SB_DISPATCH(2)
    }
}
#undef TOPS_SB_DISPATCH
