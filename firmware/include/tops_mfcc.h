/*
 * tinyops fixed-point MFCC front end (MicroNets §4 KWS: 40 ms window, 20 ms stride, 40 mel
 * bands, 10 coefficients, 49 frames per 1 s clip at 16 kHz — or any config the tables encode).
 *
 * int16 PCM in, int16 Q5 MFCCs out (value = out / 32, range ±1024, step 1/32), bit for bit
 * equal to the TypeScript contract src/dsp/mfcc-q15.ts (MfccQ15). Every table comes from the
 * TypeScript (src/dsp/mfcc-q15-tables.ts) through the emitter src/codegen/mfcc-tables-c.ts,
 * which writes a `const tops_mfcc_q15_tables` instance; this code never computes a table.
 *
 * Integer only: int32 data, int64 products and sums where the contract says so, CLZ for bit
 * lengths. No malloc: the caller provides scratch sized by tops_mfcc_q15_get_buffer_size().
 *
 * Model input: the features stage stores exactly these frames (as out / 32 in float32,
 * row-major [frames][coefficients], src/dsp/clip-features.ts). The int8 model input is
 * q = clamp(round(value / s_in) + zp_in) with the model's input scale s_in and zero point
 * zp_in; that conversion belongs to the model's input quantization, not to this front end.
 */
#ifndef TOPS_MFCC_H
#define TOPS_MFCC_H

#include "tops_types.h"

/** Fractional bits of the output (mfcc-q15-tables.ts OUTPUT_FRAC_BITS). */
#define TOPS_MFCC_OUTPUT_FRAC_BITS 5
/** Per-band component bound before squaring (COMPONENT_BITS). */
#define TOPS_MFCC_COMPONENT_BITS 25
/** Fractional bits of the window table (WINDOW_FRAC_BITS). */
#define TOPS_MFCC_WINDOW_FRAC_BITS 30
/** Fractional bits of the DCT table (DCT_FRAC_BITS). */
#define TOPS_MFCC_DCT_FRAC_BITS 24
/** Index bits of the log2 table (log2-q16.ts LOG2_TABLE_BITS); the table has 2^7 + 1 entries. */
#define TOPS_MFCC_LOG2_TABLE_BITS 7

/*
 * Fixed-point contracts (features `contract:`): Q30 = src/dsp/mfcc-q15.ts (radix-2 FFT, Q30
 * twiddles, 64-bit rounding); Q31_FAST = src/dsp/mfcc-q31.ts (radix-4 FFT with high-word Q31
 * products, 32-bit band powers; tops_mfcc_q31_impl.h). Same API, same output layout.
 */
#define TOPS_MFCC_CONTRACT_Q30 0
#define TOPS_MFCC_CONTRACT_Q31_FAST 1

/**
 * Everything one MFCC configuration needs; emitted by src/codegen/mfcc-tables-c.ts (never
 * written by hand). Field names follow MfccQ15Tables / RealFftQ30Tables.
 */
typedef struct {
    int32_t sample_rate;
    int32_t clip_samples;     /* clip length the features stage uses (zero-padded / cut) */
    int32_t window_samples;
    int32_t stride_samples;
    int32_t fft_size;         /* N: real FFT size, power of two >= window_samples */
    int32_t frames;           /* frames per clip of clip_samples */
    int32_t mel_bands;
    int32_t coefficients;
    int32_t max_band_length;  /* longest mel band in bins (scratch sizing) */
    int32_t window_shift;     /* s of step 2 */
    int32_t band_bits;        /* per-band power normalization target (steps 4-5) */
    int32_t log2_floor_q16;   /* round(2^16 log2(1e-10)) */
    const int32_t *window_q30;        /* [window_samples] periodic Hann, Q30 (NULL for Q31_FAST) */
    const uint16_t *fft_bit_reverse;  /* [N/2] */
    const int32_t *fft_twiddle_re;    /* [N/4] Q30 e^{-2 pi i j/(N/2)}; these four NULL for Q31_FAST */
    const int32_t *fft_twiddle_im;
    const int32_t *fft_split_re;      /* [N/2 + 1] Q30 e^{-2 pi i k/N} */
    const int32_t *fft_split_im;
    const uint16_t *mel_start;        /* [mel_bands] first bin of band m */
    const uint16_t *mel_length;       /* [mel_bands] bins in band m */
    const uint32_t *mel_offset;       /* [mel_bands] index of band m's first weight */
    const int16_t *mel_weights_q15;   /* concatenated triangle weights, Q15 */
    const int32_t *dct_q24;           /* [coefficients][mel_bands], Q24, carries 10 log10(2) */
    const int32_t *log2_table_q16;    /* [2^7 + 1] round(2^16 log2(1 + i/128)) */
    int32_t contract;                 /* TOPS_MFCC_CONTRACT_* */
    int32_t q31_component_bits;       /* Q31_FAST: per-band component bound (mfcc-q31.ts steps 4-5) */
    const int32_t *q31_window;        /* Q31_FAST: [window_samples] periodic Hann, Q31 */
    const int32_t *q31_twiddles;      /* Q31_FAST: radix-4 twiddles, 6 words per (stage, j) (fft-q31.ts) */
    const int32_t *q31_split;         /* Q31_FAST: [2 (N/4 + 1)] (cos, sin) Q31 of the split step */
} tops_mfcc_q15_tables;

/** Scratch bytes for any of the functions below (0 on inconsistent tables). */
int32_t tops_mfcc_q15_get_buffer_size(const tops_mfcc_q15_tables *tables);

/** Frames for a signal of `samples` samples: 0 if shorter than one window (mfcc.ts frameCount). */
int32_t tops_mfcc_q15_frame_count(const tops_mfcc_q15_tables *tables, int32_t samples);

/**
 * Steps 1-6 of the contract for one frame: window_samples int16 samples at `frame` into
 * mel_bands Q16 log2 energies (log_mel[m] >= log2_floor_q16).
 */
tops_status tops_mfcc_q15_log_mel_frame(const tops_context *ctx, const tops_mfcc_q15_tables *tables,
                                        const int16_t *frame, int32_t *log_mel);

/** Steps 1-7 for one frame: `coefficients` int16 Q5 MFCCs into `out`. */
tops_status tops_mfcc_q15_frame(const tops_context *ctx, const tops_mfcc_q15_tables *tables,
                                const int16_t *frame, int16_t *out);

/**
 * All frames of a signal of `samples` samples (frame t starts at t * stride_samples):
 * features [frames][coefficients] row-major, the layout of MfccQ15.compute and of one row of
 * the features stage's tensor. For a 1 s clip pass clip_samples samples (the features stage
 * zero-pads or cuts clips to that length first) and get `frames` rows.
 * features_size is the capacity in int16 values; TOPS_ARG_ERROR if it is too small.
 */
tops_status tops_mfcc_q15_compute(const tops_context *ctx, const tops_mfcc_q15_tables *tables,
                                  const int16_t *signal, int32_t samples,
                                  int16_t *features, int32_t features_size);

#endif /* TOPS_MFCC_H */
