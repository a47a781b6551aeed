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
