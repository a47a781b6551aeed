/*
 * Internal helpers of the dsp/ packed-weight (s4 / s2) kernels: unpacking a 32-bit word of
 * packed weights (src/quant/sub-byte.ts layout, kernels/ref/tops_sub_byte.h) into int16 lanes
 * with masks and SXTB16, and SMLAD against a q15 column laid out in the same lane order.
 *
 * The unpack trick (MicroNets §5.1.3: sub-byte weights are "unpacked with 8-bit instructions").
 * A word holds G = 32 / bits weights, F = 8 / bits per byte. For field j of every byte,
 *   t_j = (w << (8 - bits * (j + 1))) & top_mask      (top_mask 0xF0F0F0F0 or 0xC0C0C0C0)
 * puts field j in the top bits of each byte, so each byte of t_j is the signed weight times
 * S = 2^(8 - bits), exactly (no pollution from the neighbouring fields, no sign fix-up).
 * SXTB16(t_j) gives bytes 0 and 2 as int16 lanes, SXTB16(t_j, ROR 8) bytes 1 and 3. Per int4
 * word: LSL, 2 AND, 4 SXTB16 for 8 weights; per int2 word: 3 LSL, 4 AND, 8 SXTB16 for 16.
 * The products are S times too large, and S * |w| <= 128, so the lane values fit int16 and the
 * dot product of `len` values (|x + offset| <= 255) stays exact in int32 while
 * len * 128 * 255 < 2^31 (len < 65793; tops_sb_len_ok). acc = sum >> (8 - bits), exact.
 *
 * Lane order: weight e of a word (e < G) is in byte i = e / F, field j = e % F, so it lands in
 * lane (i >> 1) of unpacked word s = 2j + (i & 1): tops_sb_pos. The column (input + offset)
 * is stored in that order per group of G indexes, so word s of the column pairs with unpacked
 * word s and one SMLAD does two MACs.
 */
#ifndef TOPS_SUB_BYTE_DSP_H
#define TOPS_SUB_BYTE_DSP_H

#include "tops_dsp.h"
#include "../ref/tops_sub_byte.h"

/* Longest dot product the scaled accumulator holds exactly (see the file comment). */
#define TOPS_SB_MAX_LEN 65536

static inline int32_t tops_sb_len_ok(int32_t len)
{
    return len < TOPS_SB_MAX_LEN;
}

/*
 * Column pair for two output pixels (slot 0 = a, slot 1 = b), 2 * len int16, 4-byte aligned:
 * for each whole group of G = 32 / bits indexes, G / 2 words per slot in lane order, the two
 * slots interleaved word by word (a's word s, b's word s, ...: one LDRD loads both); then the
 * len % G tail values of a in order, then those of b.
 * Writes src[0..len) + offset into `slot`.
 */
void tops_sb_pair_put(int32_t bits, int16_t *pair, int32_t slot, int32_t len, const int8_t *src, int32_t offset);

/**
 * For each row r < n_rows of the packed weight matrix (row r = flat weights [r * len, (r+1) * len),
 * rows may start mid-byte): out_a[r] (and out_b[r] when `two`) = the final int8 of
 * bias[r] + row_r . column a (b) of `pair`, requantized by op (tops_out_params, tops_dsp.h;
 * without op->rq: multiplier / shift [r] when per_channel, else [0]).
 */
void tops_sb_mat_pair_s4(const uint8_t *packed, int32_t n_rows, int32_t len, const int16_t *pair, int32_t two,
                         int32_t per_channel, const tops_out_params *op, int8_t *out_a, int8_t *out_b);
void tops_sb_mat_pair_s2(const uint8_t *packed, int32_t n_rows, int32_t len, const int16_t *pair, int32_t two,
                         int32_t per_channel, const tops_out_params *op, int8_t *out_a, int8_t *out_b);

/* One function per width (not a runtime switch), so a model without int2 layers links no int2 code. */
static inline void tops_sb_mat_pair(int32_t bits, const uint8_t *packed, int32_t n_rows, int32_t len, const int16_t *pair,
                                    int32_t two, int32_t per_channel, const tops_out_params *op, int8_t *out_a,
                                    int8_t *out_b)
{
    if (bits == 4) {
        tops_sb_mat_pair_s4(packed, n_rows, len, pair, two, per_channel, op, out_a, out_b);
    } else {
        tops_sb_mat_pair_s2(packed, n_rows, len, pair, two, per_channel, op, out_a, out_b);
    }
}

/** Scratch of the matrix kernels: a tops_rq per output row, then the column pair. */
static inline int32_t tops_sb_mat_scratch(int32_t rows, int32_t len)
{
    return rows * (int32_t)sizeof(tops_rq) + 4 * len;
}

#endif /* TOPS_SUB_BYTE_DSP_H */
