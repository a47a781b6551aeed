/*
 * Shared inner kernels of the dsp/ convolution and fully connected variants: the q15 column
 * (im2col) writer and the int8-rows x q15-columns product with requantization.
 *
 * Why q15 columns: the input offset (-zero point) has to be added to every input before the
 * multiply; SXTAB16 does that for two values in one instruction while widening to int16, and
 * the column is then reused by every output channel, so the add costs nothing per MAC. The
 * weights are widened on the fly with SXTB16 (two per instruction) and multiplied with SMLAD
 * (two MACs per instruction). Two output channels x two columns per pass share every load:
 * per 16 MACs, 2 weight loads + 4 SXTB16 + 4 column loads + 8 SMLAD.
 */
#include "tops_dsp.h"

/* Position of column index k in the [v0, v2, v1, v3] layout. */
static int32_t tops_col_pos(int32_t k, int32_t col_len)
{
    static const int8_t swap[4] = {0, 2, 1, 3};
    if (k >= (col_len & ~3)) {
        return k; /* tail stored in order */
    }
    return (k & ~3) + swap[k & 3];
}

void tops_q15_column_put_s8(int16_t *col, int32_t k, int32_t col_len, const int8_t *src, int32_t len, int32_t offset)
{
    const int32_t body_end = col_len & ~3;
    const int32_t offset2 = tops_dup16(offset);
    int32_t i = 0;
    if ((k & 3) == 0) {
        for (; i + 4 <= len && k + i + 4 <= body_end; i += 4) {
            const int32_t x = tops_read_s32(src + i);
            tops_write_s32(col + k + i, tops_sxtab16(offset2, x));                /* v0, v2 */
            tops_write_s32(col + k + i + 2, tops_sxtab16_ror8(offset2, x)); /* v1, v3 */
        }
    }
    for (; i < len; i++) {
        col[tops_col_pos(k + i, col_len)] = (int16_t)(src[i] + offset);
    }
}

void tops_q15_column_put_zero(int16_t *col, int32_t k, int32_t col_len, int32_t len)
{
    int32_t i;
    for (i = 0; i < len; i++) {
        col[tops_col_pos(k + i, col_len)] = 0;
    }
}

static inline int8_t tops_finish(int32_t acc, int32_t multiplier, int32_t shift, int32_t output_offset, const tops_activation *act)
{
    return tops_clamp_s8(tops_requantize_inline(acc, multiplier, shift) + output_offset, act);
}

void tops_mat_q15_s8(const int8_t *rows, int32_t n_rows, int32_t len, const int16_t *col_a, const int16_t *col_b,
                     const int32_t *bias, const int32_t *multiplier, const int32_t *shift, int32_t per_channel,
                     int32_t output_offset, const tops_activation *act, int8_t *out_a, int8_t *out_b)
{
    const int32_t body = len & ~3;
    int32_t r = 0;
    for (; r + 2 <= n_rows; r += 2) {
        const int8_t *w0 = rows + r * len;
        const int8_t *w1 = w0 + len;
        const int16_t *a = col_a;
        const int16_t *b = col_b != 0 ? col_b : col_a;
        const int32_t b0 = bias != 0 ? bias[r] : 0;
        const int32_t b1 = bias != 0 ? bias[r + 1] : 0;
        int32_t a0 = b0, a1 = b1, c0 = b0, c1 = b1;
        int32_t k;
        const int32_t q0 = per_channel ? r : 0;
        const int32_t q1 = per_channel ? r + 1 : 0;
        if (col_b != 0) {
            /* Pointers walk row 0 and column a; row 1 and column b are reached by a fixed
               offset, which keeps the loop's live registers within the 13 Thumb-2 has. */
            const int8_t *pw = w0;
            const int16_t *pa = a;
            const int32_t w_step = len;
            const int32_t x_step = (int32_t)(b - a);
            int32_t n;
            for (n = body >> 2; n > 0; n--, pw += 4, pa += 4) {
                const int32_t wa = tops_read_s32(pw);
                const int32_t wb = tops_read_s32(pw + w_step);
                const int32_t wa02 = tops_sxtb16(wa);
                const int32_t wa13 = tops_sxtb16_ror8(wa);
                const int32_t wb02 = tops_sxtb16(wb);
                const int32_t wb13 = tops_sxtb16_ror8(wb);
                int32_t x = tops_read_s32(pa);
                a0 = tops_smlad(wa02, x, a0);
                a1 = tops_smlad(wb02, x, a1);
                x = tops_read_s32(pa + 2);
                a0 = tops_smlad(wa13, x, a0);
                a1 = tops_smlad(wb13, x, a1);
                x = tops_read_s32(pa + x_step);
                c0 = tops_smlad(wa02, x, c0);
                c1 = tops_smlad(wb02, x, c1);
                x = tops_read_s32(pa + x_step + 2);
                c0 = tops_smlad(wa13, x, c0);
                c1 = tops_smlad(wb13, x, c1);
            }
            k = body;
            for (; k < len; k++) {
                c0 += (int32_t)w0[k] * b[k];
                c1 += (int32_t)w1[k] * b[k];
            }
            out_b[r] = tops_finish(c0, multiplier[q0], shift[q0], output_offset, act);
            out_b[r + 1] = tops_finish(c1, multiplier[q1], shift[q1], output_offset, act);
        } else {
            for (k = 0; k < body; k += 4) {
                const int32_t wa = tops_read_s32(w0 + k);
                const int32_t wb = tops_read_s32(w1 + k);
                const int32_t xa02 = tops_read_s32(a + k);
                const int32_t xa13 = tops_read_s32(a + k + 2);
                a0 = tops_smlad(tops_sxtb16(wa), xa02, a0);
                a0 = tops_smlad(tops_sxtb16_ror8(wa), xa13, a0);
                a1 = tops_smlad(tops_sxtb16(wb), xa02, a1);
                a1 = tops_smlad(tops_sxtb16_ror8(wb), xa13, a1);
            }
        }
        for (k = body; k < len; k++) {
            a0 += (int32_t)w0[k] * a[k];
            a1 += (int32_t)w1[k] * a[k];
        }
        out_a[r] = tops_finish(a0, multiplier[q0], shift[q0], output_offset, act);
        out_a[r + 1] = tops_finish(a1, multiplier[q1], shift[q1], output_offset, act);
    }
    for (; r < n_rows; r++) { /* odd row count: one row at a time */
        const int8_t *w0 = rows + r * len;
        const int32_t q0 = per_channel ? r : 0;
        int32_t a0 = bias != 0 ? bias[r] : 0;
        int32_t c0 = a0;
        int32_t k;
        for (k = 0; k < body; k += 4) {
            const int32_t wa = tops_read_s32(w0 + k);
            const int32_t wa02 = tops_sxtb16(wa);
            const int32_t wa13 = tops_sxtb16_ror8(wa);
            a0 = tops_smlad(wa02, tops_read_s32(col_a + k), a0);
            a0 = tops_smlad(wa13, tops_read_s32(col_a + k + 2), a0);
            if (col_b != 0) {
                c0 = tops_smlad(wa02, tops_read_s32(col_b + k), c0);
                c0 = tops_smlad(wa13, tops_read_s32(col_b + k + 2), c0);
            }
        }
        for (; k < len; k++) {
            a0 += (int32_t)w0[k] * col_a[k];
            if (col_b != 0) {
                c0 += (int32_t)w0[k] * col_b[k];
            }
        }
        out_a[r] = tops_finish(a0, multiplier[q0], shift[q0], output_offset, act);
        if (col_b != 0) {
            out_b[r] = tops_finish(c0, multiplier[q0], shift[q0], output_offset, act);
        }
    }
}

/* ---- Two-pixel column pairs (conv2d / pointwise) -------------------------------------- */

/* Position (in int16 units) of index k of column `slot` in the pair layout (tops_dsp.h). */
static int32_t tops_pair_pos(int32_t k, int32_t slot, int32_t len)
{
    static const int8_t swap[4] = {0, 2, 1, 3};
    const int32_t body = len & ~3;
    if (k >= body) {
        return 2 * body + slot * (len - body) + (k - body);
    }
    return 2 * (k & ~3) + 4 * slot + swap[k & 3];
}

void tops_pair_put_s8(int16_t *pair, int32_t slot, int32_t k, int32_t len, const int8_t *src, int32_t n, int32_t offset)
{
    const int32_t body = len & ~3;
    const int32_t offset2 = tops_dup16(offset);
    int32_t i = 0;
    if ((k & 3) == 0) {
        int16_t *dst = pair + 2 * k + 4 * slot;
        for (; i + 4 <= n && k + i + 4 <= body; i += 4, dst += 8) {
            const int32_t x = tops_read_s32(src + i);
            tops_write_s32(dst, tops_sxtab16(offset2, x));          /* v0, v2 */
            tops_write_s32(dst + 2, tops_sxtab16_ror8(offset2, x)); /* v1, v3 */
        }
    }
    for (; i < n; i++) {
        pair[tops_pair_pos(k + i, slot, len)] = (int16_t)(src[i] + offset);
    }
}

void tops_pair_put_zero(int16_t *pair, int32_t slot, int32_t k, int32_t len, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        pair[tops_pair_pos(k + i, slot, len)] = 0;
    }
}

/*
 * Two rows (row a at *pw, row b at *pw + len) times the two columns of a pair, `groups` groups
 * of four indexes: aa += a.col_a, ab += a.col_b, ba += b.col_a, bb += b.col_b; *pw advances by
 * 4 * groups. Per group: 2 weight loads, 4 SXTB16, 2 LDRD of the pair, 8 SMLAD (loop test every
 * two groups).
 * gcc keeps spilling `len` in this loop, hence the hand-allocated version for the target.
 */
TOPS_ALWAYS_INLINE void tops_dot_2x2(const int8_t **pw, int32_t len, const int32_t *x, int32_t groups, int32_t *aa,
                                     int32_t *ab, int32_t *ba, int32_t *bb)
{
#ifdef TOPS_DSP_ASM
    if (groups > 0) {
        const int8_t *p = *pw;
        const int32_t *end = x + 4 * groups;
        int32_t acc_aa = *aa, acc_ab = *ab, acc_ba = *ba, acc_bb = *bb;
        int32_t wa, wb, t, u, x0, x1;
#define TOPS_DOT_GROUP                                \
    "ldr %[wb], [%[p], %[len]]\n\t"                   \
    "ldr %[wa], [%[p]], #4\n\t"                       \
    "ldrd %[x0], %[x1], [%[x]], #16\n\t"              \
    "sxtb16 %[t], %[wa]\n\t"                          \
    "sxtb16 %[wa], %[wa], ror #8\n\t"                 \
    "sxtb16 %[u], %[wb]\n\t"                          \
    "sxtb16 %[wb], %[wb], ror #8\n\t"                 \
    "smlad %[aa], %[t], %[x0], %[aa]\n\t"             \
    "smlad %[aa], %[wa], %[x1], %[aa]\n\t"            \
    "smlad %[ba], %[u], %[x0], %[ba]\n\t"             \
    "smlad %[ba], %[wb], %[x1], %[ba]\n\t"            \
    "ldrd %[x0], %[x1], [%[x], #-8]\n\t"              \
    "smlad %[ab], %[t], %[x0], %[ab]\n\t"             \
    "smlad %[ab], %[wa], %[x1], %[ab]\n\t"            \
    "smlad %[bb], %[u], %[x0], %[bb]\n\t"             \
    "smlad %[bb], %[wb], %[x1], %[bb]\n\t"
        /* Two groups per iteration; an odd count enters at the second one. */
        __asm__ volatile(
            "sub %[t], %[end], %[x]\n\t"
            "tst %[t], #16\n\t"
            "bne 2f\n\t"
            "1:\n\t" TOPS_DOT_GROUP
            "2:\n\t" TOPS_DOT_GROUP
            "cmp %[x], %[end]\n\t"
            "bne 1b\n\t"
            : [aa] "+r"(acc_aa), [ab] "+r"(acc_ab), [ba] "+r"(acc_ba), [bb] "+r"(acc_bb), [p] "+r"(p), [x] "+r"(x),
              [wa] "=&r"(wa), [wb] "=&r"(wb), [t] "=&r"(t), [u] "=&r"(u), [x0] "=&r"(x0), [x1] "=&r"(x1)
            : [len] "r"(len), [end] "r"(end)
            : "cc", "memory");
#undef TOPS_DOT_GROUP
        *pw = p;
        *aa = acc_aa;
        *ab = acc_ab;
        *ba = acc_ba;
        *bb = acc_bb;
    }
#else
    const int8_t *p = *pw;
    int32_t n;
    for (n = groups; n > 0; n--, p += 4, x += 4) {
        const int32_t wa = tops_read_s32(p);
        const int32_t wb = tops_read_s32(p + len);
        const int32_t a02 = tops_sxtb16(wa);
        const int32_t a13 = tops_sxtb16_ror8(wa);
        const int32_t b02 = tops_sxtb16(wb);
        const int32_t b13 = tops_sxtb16_ror8(wb);
        *aa = tops_smlad(a13, x[1], tops_smlad(a02, x[0], *aa));
        *ba = tops_smlad(b13, x[1], tops_smlad(b02, x[0], *ba));
        *ab = tops_smlad(a13, x[3], tops_smlad(a02, x[2], *ab));
        *bb = tops_smlad(b13, x[3], tops_smlad(b02, x[2], *bb));
    }
    *pw = p;
#endif
}

/* The len % 4 tail indexes (stored in order after the body) of rows a (p) and b (p + len). */
TOPS_ALWAYS_INLINE void tops_pair_tail(const int8_t *p, int32_t len, const int16_t *tail_a, int32_t tail, int32_t *aa,
                                       int32_t *ab, int32_t *ba, int32_t *bb)
{
    const int16_t *tail_b = tail_a + tail;
    int32_t k;
    for (k = 0; k < tail; k++) {
        *aa += (int32_t)p[k] * tail_a[k];
        *ab += (int32_t)p[k] * tail_b[k];
        *ba += (int32_t)p[len + k] * tail_a[k];
        *bb += (int32_t)p[len + k] * tail_b[k];
    }
}

/* Requantized + offset value of one accumulator (before the clamp), for channel r. */
TOPS_ALWAYS_INLINE int32_t tops_pair_value(int32_t acc, const tops_out_params *op, int32_t r, const int32_t fast)
{
    if (fast) {
        return tops_rq_apply(acc, &op->rq[r]);
    }
    return tops_requantize_inline(acc, op->multiplier[r], op->shift[r]) + op->output_offset;
}

TOPS_ALWAYS_INLINE void tops_mat_pair_impl(const int8_t *rows, int32_t n_rows, int32_t len, const int16_t *pair,
                                          const tops_out_params *op, int8_t *out_a, int8_t *out_b, const int32_t fast,
                                          const int32_t full)
{
    const int32_t body = len & ~3;
    const int32_t tail = len - body;
    const int16_t *tail_a = pair + 2 * body;
    const int32_t *x = (const int32_t *)(const void *)pair;
    const int32_t *bias = op->bias;
    const int32_t lo = op->act_min, hi = op->act_max;
    const int8_t *pw = rows;
    int32_t r;
    const tops_rq *q = op->rq;
    int8_t *oa = out_a, *ob = out_b;
    int32_t pairs;
    for (pairs = n_rows >> 1; pairs > 0; pairs--, oa += 2, ob += 2) {
        int32_t aa = 0, ab, ba = 0, bb;
        int32_t v0, v1, v2, v3;
        if (bias != 0) {
            aa = bias[0];
            ba = bias[1];
            bias += 2;
        }
        ab = aa;
        bb = ba;
        tops_dot_2x2(&pw, len, x, body >> 2, &aa, &ab, &ba, &bb);
        if (tail != 0) {
            tops_pair_tail(pw, len, tail_a, tail, &aa, &ab, &ba, &bb);
        }
        pw += len + tail; /* past row b */
        if (fast) {
            /* Loaded into locals first: the int8 stores could alias the table. */
            const tops_rq qa = q[0], qb = q[1];
            q += 2;
            v0 = tops_rq_apply(aa, &qa);
            v1 = tops_rq_apply(ab, &qa);
            v2 = tops_rq_apply(ba, &qb);
            v3 = tops_rq_apply(bb, &qb);
        } else {
            const int32_t r0 = (int32_t)(oa - out_a);
            v0 = tops_pair_value(aa, op, r0, 0);
            v1 = tops_pair_value(ab, op, r0, 0);
            v2 = tops_pair_value(ba, op, r0 + 1, 0);
            v3 = tops_pair_value(bb, op, r0 + 1, 0);
        }
        oa[0] = tops_act_s8(v0, full, lo, hi);
        ob[0] = tops_act_s8(v1, full, lo, hi);
        oa[1] = tops_act_s8(v2, full, lo, hi);
        ob[1] = tops_act_s8(v3, full, lo, hi);
    }
    r = n_rows & ~1;
    bias = op->bias;
    if (r < n_rows) { /* odd row count: the last row alone */
        const int32_t b0 = bias != 0 ? bias[r] : 0;
        int32_t aa = b0, ab = b0, n, k;
        for (n = body >> 2; n > 0; n--, pw += 4, x += 4) {
            const int32_t wa = tops_read_s32(pw);
            const int32_t a02 = tops_sxtb16(wa);
            const int32_t a13 = tops_sxtb16_ror8(wa);
            aa = tops_smlad(a02, x[0], aa);
            aa = tops_smlad(a13, x[1], aa);
            ab = tops_smlad(a02, x[2], ab);
            ab = tops_smlad(a13, x[3], ab);
        }
        for (k = 0; k < tail; k++) {
            aa += (int32_t)pw[k] * tail_a[k];
            ab += (int32_t)pw[k] * tail_a[tail + k];
        }
        out_a[r] = tops_act_s8(tops_pair_value(aa, op, r, fast), full, lo, hi);
        out_b[r] = tops_act_s8(tops_pair_value(ab, op, r, fast), full, lo, hi);
    }
}

#ifdef TOPS_DSP_ASM
/*
 * Every row pair of one column pair in one hand-allocated asm routine (the 2 x 2 blocks of
 * tops_mat_pair_impl with the fast table, the full int8 range, a bias and len % 4 == 0).
 * In C, gcc kept the block's pointers and counters in the stack around the dot-product asm
 * and spilled its accumulators (~80 instructions of glue per 2 x 2 block); here all 14
 * registers are fixed for the inner loop (aa ab ba bb = r0-r3, p = r4, x = r5, len = r6,
 * end = r7, weights r8-r11, column words r12 / lr) and only the per-block pointers live in
 * the frame: the table pointer and both output pointers come back with one LDM, the bias by
 * one LDM per block. Glue per block: ~40 instructions (bias + copies 5, entry test 2, row step
 * 1, per output 6 as in tops_rq_apply + SSAT + STRB, 2 table LDM, frame LDM/STM, loop test 3).
 * The dot product runs four groups per iteration, entered once per block at the group that
 * leaves a multiple of four (the entry address computed once per call; 16 groups: 8 loop
 * tests instead of 16). Field order matters: the routine copies the first five words into its
 * frame ([sp] = q, out_a, out_b, bias, out_a_end) and loads len / pair_end with one LDM into
 * r6 / r7.
 */
typedef struct {
    const tops_rq *q;
    int8_t *out_a;
    int8_t *out_b;
    const int32_t *bias;
    const int8_t *out_a_end; /* out_a + 2 * (row pairs) */
    int32_t len;
    const int16_t *pair_end; /* pair + 2 * len */
} tops_pair_job;

void tops_pair_blocks(const int8_t *rows, const tops_pair_job *job);

/* One group of four column indexes: two weight words, both column words of slot a then b. */
#define TOPS_PB_GROUP                    \
    "ldr r9, [r4, r6]\n\t"               \
    "ldr r8, [r4], #4\n\t"               \
    "ldrd r12, lr, [r5], #16\n\t"        \
    "sxtb16 r10, r8\n\t"                 \
    "sxtb16 r8, r8, ror #8\n\t"          \
    "sxtb16 r11, r9\n\t"                 \
    "sxtb16 r9, r9, ror #8\n\t"          \
    "smlad r0, r10, r12, r0\n\t"         \
    "smlad r0, r8, lr, r0\n\t"           \
    "smlad r2, r11, r12, r2\n\t"         \
    "smlad r2, r9, lr, r2\n\t"           \
    "ldrd r12, lr, [r5, #-8]\n\t"        \
    "smlad r1, r10, r12, r1\n\t"         \
    "smlad r1, r8, lr, r1\n\t"           \
    "smlad r3, r11, r12, r3\n\t"         \
    "smlad r3, r9, lr, r3\n\t"
/* Accumulator ACC -> int8 at [OUT], post-incremented: tops_rq_apply (m = r9, shift = r10,
   nudge = lr), SSAT #8. ACC is dead afterwards and holds the nudge + sign. */
#define TOPS_PB_STORE(ACC, OUT)              \
    "add r5, " ACC ", " ACC "\n\t"           \
    "add " ACC ", lr, " ACC ", asr #31\n\t"  \
    "smmlar r5, r5, r9, " ACC "\n\t"         \
    "asr r5, r5, r10\n\t"                    \
    "ssat r5, #8, r5\n\t"                    \
    "strb r5, [" OUT "], #1\n\t"
__asm__(".pushsection .text.tops_pair_blocks,\"ax\",%progbits\n\t"
        ".syntax unified\n\t"
        ".thumb\n\t"
        ".p2align 2\n\t"
        ".global tops_pair_blocks\n\t"
        ".hidden tops_pair_blocks\n\t"
        ".type tops_pair_blocks, %function\n\t"
        ".thumb_func\n"
        "tops_pair_blocks:\n\t"
        "push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
        "sub sp, sp, #24\n\t"
        "mov r4, r0\n\t"
        "ldmia r1!, {r0, r2, r3, r5, r8}\n\t"
        "stmia sp, {r0, r2, r3, r5, r8}\n\t"
        "ldmia r1, {r6, r7}\n\t"
        /* len / 4 groups, four per iteration; the first pass enters so that it runs
           (len / 4) % 4 of them (all four when 0): entry address, Thumb bit set, at [sp, #20] */
        "and r8, r6, #12\n\t"
        "adr r9, 10f\n\t"
        "cmp r8, #4\n\t"
        "it eq\n\t"
        "adreq r9, 13f\n\t"
        "cmp r8, #8\n\t"
        "it eq\n\t"
        "adreq r9, 12f\n\t"
        "cmp r8, #12\n\t"
        "it eq\n\t"
        "adreq r9, 11f\n\t"
        "orr r9, r9, #1\n\t"
        "str r9, [sp, #20]\n"
        "3:\n\t" /* block: bias of rows a, b into both columns' accumulators */
        "ldr r5, [sp, #12]\n\t"
        "ldmia r5!, {r0, r2}\n\t"
        "str r5, [sp, #12]\n\t"
        "mov r1, r0\n\t"
        "mov r3, r2\n\t"
        "sub r5, r7, r6, lsl #2\n\t"
        "ldr r8, [sp, #20]\n\t"
        "bx r8\n"
        "10:\n\t" TOPS_PB_GROUP
        "11:\n\t" TOPS_PB_GROUP
        "12:\n\t" TOPS_PB_GROUP
        "13:\n\t" TOPS_PB_GROUP
        "cmp r5, r7\n\t"
        "bne 10b\n\t"
        "add r4, r4, r6\n\t" /* past row b */
        "ldmia sp, {r8, r11, r12}\n\t"
        "ldmia r8!, {r9, r10, lr}\n\t"
        TOPS_PB_STORE("r0", "r11")
        TOPS_PB_STORE("r1", "r12")
        "ldmia r8!, {r9, r10, lr}\n\t"
        TOPS_PB_STORE("r2", "r11")
        TOPS_PB_STORE("r3", "r12")
        "stmia sp, {r8, r11, r12}\n\t"
        "ldr r5, [sp, #16]\n\t"
        "cmp r11, r5\n\t"
        "bne 3b\n\t"
        "add sp, sp, #24\n\t"
        "pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n\t"
        ".size tops_pair_blocks, .-tops_pair_blocks\n\t"
        ".popsection");
#undef TOPS_PB_STORE
#undef TOPS_PB_GROUP
#endif

void tops_mat_pair_s8(const int8_t *rows, int32_t n_rows, int32_t len, const int16_t *pair, const tops_out_params *op,
                      int8_t *out_a, int8_t *out_b)
{
    const int32_t full = op->act_min == -128 && op->act_max == 127;
#ifdef TOPS_DSP_ASM
    if (op->rq != 0 && full && op->bias != 0 && n_rows >= 2 && len >= 4 && (len & 3) == 0) {
        const int32_t done = n_rows & ~1;
        const tops_pair_job job = {op->rq, out_a, out_b, op->bias, out_a + done, len, pair + 2 * len};
        tops_pair_blocks(rows, &job);
        if (done < n_rows) { /* odd row count: the last row by the C loop, as a one-row matrix */
            tops_out_params last = *op;
            last.bias = op->bias + done;
            last.rq = op->rq + done;
            tops_mat_pair_impl(rows + done * len, 1, len, pair, &last, out_a + done, out_b + done, 1, 1);
        }
        return;
    }
#endif
    if (op->rq != 0 && full) {
        tops_mat_pair_impl(rows, n_rows, len, pair, op, out_a, out_b, 1, 1);
    } else if (op->rq != 0) {
        tops_mat_pair_impl(rows, n_rows, len, pair, op, out_a, out_b, 1, 0);
    } else {
        tops_mat_pair_impl(rows, n_rows, len, pair, op, out_a, out_b, 0, 0);
    }
}
