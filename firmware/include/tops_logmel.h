/*
 * tinyops fixed-point log-mel front end for anomaly detection (MicroNets §4.3: 64 ms window,
 * 32 ms hop, 64 mel bands, patches of 64 frames every 20 frames, 2x2 block average to 32x32).
 *
 * Bit for bit equal to the TypeScript contract: src/dsp/logmel.ts (LogmelQ15: the MFCC front
 * end's steps 1-6, then dB in Q5), src/dsp/logmel-patches.ts (integer block mean, rounded half
 * up) and src/dsp/band-normalization.ts (normalizeBandsFixed). The frame step reuses
 * firmware/frontend/tops_mfcc_q15.c (its tables, emitted by src/codegen/mfcc-tables-c.ts);
 * the patch constants are emitted by src/codegen/logmel-tables-c.ts.
 *
 * A streaming device keeps the last patch_frames rows of Q5 dB (patch_frames x mel_bands int16),
 * computes one row per hop with tops_logmel_q15_frame, and every patch_hop rows turns the
 * window into one model input with tops_logmel_q15_patch (then tops_model_quantize_input).
 */
#ifndef TOPS_LOGMEL_H
#define TOPS_LOGMEL_H

#include "tops_mfcc.h"

/** Fractional bits of the output (logmel.ts LOGMEL_FRAC_BITS): value = out / 32 dB. */
#define TOPS_LOGMEL_FRAC_BITS 5
/** round(2^15 * 10 log10 2) (logmel.ts DB_PER_LOG2_Q15). */
#define TOPS_LOGMEL_DB_PER_LOG2_Q15 98642

typedef struct {
    const tops_mfcc_q15_tables *mfcc; /* window, FFT, mel and log2 tables (the DCT is unused) */
    int32_t patch_frames;             /* rows of spectrogram per patch */
    int32_t patch_hop;                /* rows between patches */
    int32_t downsample;               /* block-average factor f (1 = none) */
    const int32_t *band_mean_q5;      /* [mel_bands / f] round(32 mean_b), or NULL: no normalization */
    const int32_t *band_gain_q15;     /* [mel_bands / f] round(2^15 / sd_b) */
} tops_logmel_q15_tables;

/** Scratch bytes for tops_logmel_q15_frame (the MFCC front end's scratch plus the Q16 log row). */
int32_t tops_logmel_q15_get_buffer_size(const tops_logmel_q15_tables *tables);

/** One frame: window_samples int16 samples at `frame` -> mel_bands Q5 dB values in `out`. */
tops_status tops_logmel_q15_frame(const tops_context *ctx, const tops_logmel_q15_tables *tables,
                                  const int16_t *frame, int16_t *out);

/**
 * One patch from patch_frames consecutive rows of Q5 dB: rows[r] is the r-th row (mel_bands
 * values each; the caller's ring buffer order). Writes (patch_frames / f) x (mel_bands / f)
 * int16 Q5 values: block means, then band normalization when the tables have it. These are the
 * features stage's stored values times 32, the model's front-end codes.
 */
tops_status tops_logmel_q15_patch(const tops_logmel_q15_tables *tables, const int16_t *const *rows, int16_t *patch);

#endif /* TOPS_LOGMEL_H */
