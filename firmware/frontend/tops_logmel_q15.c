/*
 * Fixed-point log-mel front end for anomaly detection; the contract and the layout are in
 * firmware/include/tops_logmel.h. Integer only, no malloc.
 */
#include <stddef.h>
#include "tops_logmel.h"

static int32_t tables_ok(const tops_logmel_q15_tables *t)
{
    return t != NULL && t->mfcc != NULL && t->patch_frames > 0 && t->patch_hop > 0 && t->downsample > 0 &&
           t->patch_frames % t->downsample == 0 && t->mfcc->mel_bands % t->downsample == 0 &&
           (t->band_mean_q5 == NULL) == (t->band_gain_q15 == NULL);
}

static int16_t sat16(int64_t v)
{
    return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
}

/* rnd(x, s) = floor((x + 2^(s-1)) / 2^s) for s >= 1 (int-arith.ts roundShift), without shifting a negative value. */
static int64_t round_shift(int64_t x, int32_t s)
{
    const int64_t d = (int64_t)1 << s;
    const int64_t y = x + (d >> 1);
    return y >= 0 ? y / d : -((-y + d - 1) / d);
}

/* floor(a / b) for b > 0 (logmel-patches.ts: Math.floor((s + area/2) / area)). */
static int32_t floor_div(int32_t a, int32_t b)
{
    return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int32_t tops_logmel_q15_get_buffer_size(const tops_logmel_q15_tables *tables)
{
    if (!tables_ok(tables)) {
        return 0;
    }
    const int32_t mfcc = tops_mfcc_q15_get_buffer_size(tables->mfcc);
    return mfcc == 0 ? 0 : mfcc + 4 * tables->mfcc->mel_bands;
}

tops_status tops_logmel_q15_frame(const tops_context *ctx, const tops_logmel_q15_tables *tables,
                                  const int16_t *frame, int16_t *out)
{
    const int32_t need = tops_logmel_q15_get_buffer_size(tables);
    if (need == 0 || ctx == NULL || ctx->buf == NULL || ctx->size < need || frame == NULL || out == NULL) {
        return TOPS_ARG_ERROR;
    }
    const int32_t bands = tables->mfcc->mel_bands;
    const int32_t mfcc_bytes = need - 4 * bands;
    int32_t *log_mel = (int32_t *)((int8_t *)ctx->buf + mfcc_bytes);
    const tops_context mfcc_ctx = {ctx->buf, mfcc_bytes};
    if (tops_mfcc_q15_log_mel_frame(&mfcc_ctx, tables->mfcc, frame, log_mel) != TOPS_OK) {
        return TOPS_ARG_ERROR;
    }
    /* logmel.ts: out = sat16(rnd(L * DB_PER_LOG2_Q15, 16 + 15 - 5)), |L| < 2^22 so the product fits int64. */
    for (int32_t m = 0; m < bands; m++) {
        out[m] = sat16(round_shift((int64_t)log_mel[m] * TOPS_LOGMEL_DB_PER_LOG2_Q15, 16 + 15 - TOPS_LOGMEL_FRAC_BITS));
    }
    return TOPS_OK;
}

tops_status tops_logmel_q15_patch(const tops_logmel_q15_tables *tables, const int16_t *const *rows, int16_t *patch)
{
    if (!tables_ok(tables) || rows == NULL || patch == NULL) {
        return TOPS_ARG_ERROR;
    }
    const int32_t f = tables->downsample;
    const int32_t area = f * f;
    const int32_t bands = tables->mfcc->mel_bands;
    const int32_t out_rows = tables->patch_frames / f;
    const int32_t out_cols = bands / f;
    for (int32_t r = 0; r < out_rows; r++) {
        for (int32_t c = 0; c < out_cols; c++) {
            int32_t s = 0;
            for (int32_t dt = 0; dt < f; dt++) {
                const int16_t *row = rows[r * f + dt];
                for (int32_t db = 0; db < f; db++) {
                    s += row[c * f + db];
                }
            }
            int32_t q = floor_div(s + area / 2, area);
            if (tables->band_mean_q5 != NULL) {
                /* band-normalization.ts: z = sat16(rnd((q - m_b) k_b, 15)); |q - m_b| < 2^17, k_b <= 2^18. */
                q = sat16(round_shift((int64_t)(q - tables->band_mean_q5[c]) * tables->band_gain_q15[c], 15));
            }
            patch[r * out_cols + c] = (int16_t)q;
        }
    }
    return TOPS_OK;
}
