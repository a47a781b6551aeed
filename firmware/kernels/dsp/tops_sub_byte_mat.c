/*
 * Shared inner kernels of the dsp/ packed-weight (s4 / s2) conv2d, pointwise and fully
 * connected variants: the column-pair writer (input + offset widened to int16 in the lane order
 * of the weight unpacking) and the packed-rows x column-pair product with requantization.
 * The unpack trick and the lane order are described in tops_sub_byte_dsp.h.
 *
 * Two output channels x two pixels per pass share every load: per int4 word of each of the two
 * rows (8 weights), 4 LDR of weights, 6 LSL/AND, 8 SXTB16, 4 LDRD of the pair, 16 SMLAD for
 * 32 MACs. The column is written once per pixel and reused by every row.
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
    int16_t *dst = pair + 2 * slot; /* word s of this slot at dst + 4 s (slots interleaved) */
    int32_t k;
    if (bits == 4) {
        /* Inputs e0..e3 in word a, e4..e7 in b; lane order [e0 e4 | e2 e6 | e1 e5 | e3 e7]. */
        for (k = 0; k < body; k += 8, dst += 16) {
            const int32_t a = tops_read_s32(src + k), b = tops_read_s32(src + k + 4);
            const int32_t a02 = tops_sxtab16(off2, a), a13 = tops_sxtab16_ror8(off2, a);
            const int32_t b02 = tops_sxtab16(off2, b), b13 = tops_sxtab16_ror8(off2, b);
            tops_write_s32(dst, tops_lo_lanes(a02, b02));
            tops_write_s32(dst + 4, tops_hi_lanes(a02, b02));
            tops_write_s32(dst + 8, tops_lo_lanes(a13, b13));
            tops_write_s32(dst + 12, tops_hi_lanes(a13, b13));
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
            tops_write_s32(dst + 4, tops_lo_lanes(b02, d02));
            tops_write_s32(dst + 8, tops_lo_lanes(a13, c13));
            tops_write_s32(dst + 12, tops_lo_lanes(b13, d13));
            tops_write_s32(dst + 16, tops_hi_lanes(a02, c02));
            tops_write_s32(dst + 20, tops_hi_lanes(b02, d02));
            tops_write_s32(dst + 24, tops_hi_lanes(a13, c13));
            tops_write_s32(dst + 28, tops_hi_lanes(b13, d13));
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
 * (times 2^(8 - bits), tops_sub_byte_dsp.h). x walks the pair: word s of a, then of b.
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
            a = tops_smlad(l13, x[2], a);
            a = tops_smlad(h02, x[4], a);
            a = tops_smlad(h13, x[6], a);
            if (two) {
                b = tops_smlad(l02, x[1], b);
                b = tops_smlad(l13, x[3], b);
                b = tops_smlad(h02, x[5], b);
                b = tops_smlad(h13, x[7], b);
            }
        }
    } else {
        for (n = groups; n > 0; n--, p += 4, x += 16) {
            const uint32_t w = tops_sb_word(p, phase, phased);
            /* Field j of every byte in the top bits: (w << (6 - 2j)) & 0xC0C0C0C0, unrolled. */
#define TOPS_SB_FIELD2(J)                                                  \
    do {                                                                   \
        const int32_t t = (int32_t)((w << (6 - 2 * (J))) & 0xC0C0C0C0u);   \
        const int32_t e = tops_sxtb16(t), o = tops_sxtb16_ror8(t);         \
        a = tops_smlad(e, x[4 * (J)], a);                                  \
        a = tops_smlad(o, x[4 * (J) + 2], a);                              \
        if (two) {                                                         \
            b = tops_smlad(e, x[4 * (J) + 1], b);                          \
            b = tops_smlad(o, x[4 * (J) + 3], b);                          \
        }                                                                  \
    } while (0)
            TOPS_SB_FIELD2(0);
            TOPS_SB_FIELD2(1);
            TOPS_SB_FIELD2(2);
            TOPS_SB_FIELD2(3);
#undef TOPS_SB_FIELD2
        }
    }
    *sa = a;
    *sb = b;
}

/*
 * Two rows (row a at p, row b at p + stride bytes, both starting on a byte) x the two columns,
 * int4: scaled sums aa = a.col_a, ab = a.col_b, ba = b.col_a, bb = b.col_b. Per word of each
 * row: the low fields (w << 4 & 0xF0F0F0F0) then the high ones (reloaded: w & 0xF0F0F0F0), each
 * as SXTB16 / SXTB16 ROR 8 against one LDRD of the pair. Hand-allocated on the target
 * (14 registers; gcc spills the C version).
 */
TOPS_ALWAYS_INLINE void tops_sb_dot_2x2_s4(const uint8_t *p, int32_t stride, const int32_t *x, int32_t groups,
                                           int32_t *aa, int32_t *ab, int32_t *ba, int32_t *bb)
{
#ifdef TOPS_DSP_ASM
    if (groups > 0) {
        const int32_t *end = x + 8 * groups;
        int32_t acc_aa = 0, acc_ab = 0, acc_ba = 0, acc_bb = 0;
        int32_t wa, wb, va, vb, xa, xb;
#define TOPS_SB_HALF(WORD_A, WORD_B)                   \
    "ldrd %[xa], %[xb], [%[x]], #8\n\t"               \
    "sxtb16 %[va], " WORD_A "\n\t"                     \
    "sxtb16 %[vb], " WORD_B "\n\t"                     \
    "smlad %[aa], %[va], %[xa], %[aa]\n\t"            \
    "smlad %[ab], %[va], %[xb], %[ab]\n\t"            \
    "smlad %[ba], %[vb], %[xa], %[ba]\n\t"            \
    "smlad %[bb], %[vb], %[xb], %[bb]\n\t"
        __asm__ volatile(
            "1:\n\t"
            "ldr %[wb], [%[p], %[stride]]\n\t"
            "ldr %[wa], [%[p]]\n\t"
            "lsl %[wa], %[wa], #4\n\t"
            "lsl %[wb], %[wb], #4\n\t"
            "and %[wa], %[wa], #0xF0F0F0F0\n\t"
            "and %[wb], %[wb], #0xF0F0F0F0\n\t"
            TOPS_SB_HALF("%[wa]", "%[wb]")
            TOPS_SB_HALF("%[wa], ror #8", "%[wb], ror #8")
            "ldr %[wb], [%[p], %[stride]]\n\t"
            "ldr %[wa], [%[p]], #4\n\t"
            "and %[wa], %[wa], #0xF0F0F0F0\n\t"
            "and %[wb], %[wb], #0xF0F0F0F0\n\t"
            TOPS_SB_HALF("%[wa]", "%[wb]")
            TOPS_SB_HALF("%[wa], ror #8", "%[wb], ror #8")
            "cmp %[x], %[end]\n\t"
            "bne 1b\n\t"
            : [aa] "+r"(acc_aa), [ab] "+r"(acc_ab), [ba] "+r"(acc_ba), [bb] "+r"(acc_bb), [p] "+r"(p), [x] "+r"(x),
              [wa] "=&r"(wa), [wb] "=&r"(wb), [va] "=&r"(va), [vb] "=&r"(vb), [xa] "=&r"(xa), [xb] "=&r"(xb)
            : [stride] "r"(stride), [end] "r"(end)
            : "cc", "memory");
#undef TOPS_SB_HALF
        *aa = acc_aa;
        *ab = acc_ab;
        *ba = acc_ba;
        *bb = acc_bb;
    } else {
        *aa = *ab = *ba = *bb = 0;
    }
#else
    int32_t n, a0 = 0, a1 = 0, b0 = 0, b1 = 0;
    for (n = groups; n > 0; n--, p += 4, x += 8) {
        const uint32_t wa = (uint32_t)tops_read_s32(p), wb = (uint32_t)tops_read_s32(p + stride);
        const int32_t la = (int32_t)((wa << 4) & 0xF0F0F0F0u), ha = (int32_t)(wa & 0xF0F0F0F0u);
        const int32_t lb = (int32_t)((wb << 4) & 0xF0F0F0F0u), hb = (int32_t)(wb & 0xF0F0F0F0u);
        const int32_t u[4] = {tops_sxtb16(la), tops_sxtb16_ror8(la), tops_sxtb16(ha), tops_sxtb16_ror8(ha)};
        const int32_t v[4] = {tops_sxtb16(lb), tops_sxtb16_ror8(lb), tops_sxtb16(hb), tops_sxtb16_ror8(hb)};
        int32_t s;
        for (s = 0; s < 4; s++) {
            a0 = tops_smlad(u[s], x[2 * s], a0);
            a1 = tops_smlad(u[s], x[2 * s + 1], a1);
            b0 = tops_smlad(v[s], x[2 * s], b0);
            b1 = tops_smlad(v[s], x[2 * s + 1], b1);
        }
    }
    *aa = a0;
    *ab = a1;
    *ba = b0;
    *bb = b1;
#endif
}

/* Requantized, offset and clamped output of row r's accumulator (fast table when op->rq). */
TOPS_ALWAYS_INLINE int8_t tops_sb_out(int32_t acc, const tops_out_params *op, int32_t r, int32_t per_channel, int32_t full)
{
    int32_t v;
    if (op->rq != 0) {
        v = tops_rq_apply(acc, &op->rq[r]);
    } else {
        const int32_t q = per_channel ? r : 0;
        v = tops_requantize_inline(acc, op->multiplier[q], op->shift[q]) + op->output_offset;
    }
    return tops_act_s8(v, full, op->act_min, op->act_max);
}

/* Rows r0.. one at a time (any row phase), against one or two columns. */
TOPS_ALWAYS_INLINE void tops_sb_rows(const int32_t bits, const uint8_t *packed, int32_t r0, int32_t n_rows, int32_t len,
                                     const int16_t *pair, const int32_t two, int32_t per_channel,
                                     const tops_out_params *op, int8_t *out_a, int8_t *out_b)
{
    const int32_t group = 32 / bits;
    const int32_t body = len - len % group;
    const int32_t tail = len - body;
    const int32_t groups = body / group;
    const int32_t down = 8 - bits;
    const int16_t *tail_a = pair + 2 * body;
    const int16_t *tail_b = tail_a + tail;
    const int32_t *x = (const int32_t *)(const void *)pair;
    const int32_t full = op->act_min == -128 && op->act_max == 127;
    int32_t r;
    for (r = r0; r < n_rows; r++) {
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
        out_a[r] = tops_sb_out(acc_a, op, r, per_channel, full);
        if (two) {
            out_b[r] = tops_sb_out(acc_b, op, r, per_channel, full);
        }
    }
}

void tops_sb_mat_pair_s4(const uint8_t *packed, int32_t n_rows, int32_t len, const int16_t *pair, int32_t two,
                         int32_t per_channel, const tops_out_params *op, int8_t *out_a, int8_t *out_b)
{
    int32_t r = 0;
    if (!two) {
        tops_sb_rows(4, packed, 0, n_rows, len, pair, 0, per_channel, op, out_a, out_b);
        return;
    }
    if ((len & 1) == 0) { /* every row starts on a byte: two rows per pass */
        const int32_t row_bytes = len >> 1;
        const int32_t body = len & ~7;
        const int32_t tail = len - body;
        const int16_t *tail_a = pair + 2 * body;
        const int16_t *tail_b = tail_a + tail;
        const int32_t *x = (const int32_t *)(const void *)pair;
        const int32_t full = op->act_min == -128 && op->act_max == 127;
        for (; r + 2 <= n_rows; r += 2) {
            const uint8_t *p = packed + r * row_bytes;
            const int32_t b0 = op->bias != 0 ? op->bias[r] : 0;
            const int32_t b1 = op->bias != 0 ? op->bias[r + 1] : 0;
            int32_t aa, ab, ba, bb, k;
            tops_sb_dot_2x2_s4(p, row_bytes, x, body >> 3, &aa, &ab, &ba, &bb);
            aa = b0 + (aa >> 4);
            ab = b0 + (ab >> 4);
            ba = b1 + (ba >> 4);
            bb = b1 + (bb >> 4);
            for (k = 0; k < tail; k++) {
                const int32_t wa = tops_packed_weight(packed, 4, r * len + body + k);
                const int32_t wb = tops_packed_weight(packed, 4, (r + 1) * len + body + k);
                aa += wa * tail_a[k];
                ab += wa * tail_b[k];
                ba += wb * tail_a[k];
                bb += wb * tail_b[k];
            }
            out_a[r] = tops_sb_out(aa, op, r, per_channel, full);
            out_b[r] = tops_sb_out(ab, op, r, per_channel, full);
            out_a[r + 1] = tops_sb_out(ba, op, r + 1, per_channel, full);
            out_b[r + 1] = tops_sb_out(bb, op, r + 1, per_channel, full);
        }
    }
    tops_sb_rows(4, packed, r, n_rows, len, pair, 1, per_channel, op, out_a, out_b);
}

void tops_sb_mat_pair_s2(const uint8_t *packed, int32_t n_rows, int32_t len, const int16_t *pair, int32_t two,
                         int32_t per_channel, const tops_out_params *op, int8_t *out_a, int8_t *out_b)
{
    if (two) {
        tops_sb_rows(2, packed, 0, n_rows, len, pair, 1, per_channel, op, out_a, out_b);
    } else {
        tops_sb_rows(2, packed, 0, n_rows, len, pair, 0, per_channel, op, out_a, out_b);
    }
}
