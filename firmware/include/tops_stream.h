/*
 * Streaming keyword spotting on the device (docs/stages/deploy.md "Streaming check"):
 *
 *  - tops_mfcc_stream: the fixed-point MFCC front end (tops_mfcc.h) one hop at a time. Each
 *    call takes the stride_samples new samples of one 20 ms hop, keeps the last
 *    window_samples - stride_samples samples as overlap and, once a whole window is buffered,
 *    computes exactly one new frame into a ring of the model's `frames` feature frames. Frame f
 *    of the stream equals frame f of tops_mfcc_q15_compute on the whole signal, bit for bit:
 *    both call the same per-frame code on the same window_samples samples.
 *
 *  - tops_kws_detector: the host `evaluate` detector (src/eval/smoothing.ts causal moving
 *    average, src/eval/event-detector.ts threshold / arming / refractory rule) on the int8
 *    softmax output, in integers. The host twin is src/deploy/stream-detector.ts; both take the
 *    same inputs and must give the same detections (the deploy stage checks it in QEMU).
 *
 * No malloc: every buffer is the caller's, sized by the macros below.
 */
#ifndef TOPS_STREAM_H
#define TOPS_STREAM_H

#include "tops_mfcc.h"

/*
 * The ring holds every frame twice (slots s and s + frames), so the newest `frames` frames
 * are always contiguous, oldest first, and the model input is read in place: 2 x frames x
 * coefficients int16 values.
 */
#define TOPS_MFCC_STREAM_RING_VALUES(frames, coefficients) (2 * (frames) * (coefficients))

typedef struct {
    const tops_mfcc_q15_tables *tables;
    tops_context scratch;   /* tops_mfcc_q15_get_buffer_size(tables) bytes, 8-byte aligned */
    int16_t *window;        /* [window_samples]: the newest samples, oldest first */
    int32_t filled;         /* samples in `window` (reaches window_samples after the first frame) */
    int16_t *ring;          /* [TOPS_MFCC_STREAM_RING_VALUES(frames, coefficients)] */
    int32_t frames;         /* frames the model sees (the ring's length) */
    int32_t frames_done;    /* frames computed since init */
} tops_mfcc_stream;

/**
 * TOPS_ARG_ERROR on bad tables or buffers, or when window_samples is not a multiple of
 * stride_samples (then hop boundaries would not be frame boundaries).
 */
tops_status tops_mfcc_stream_init(tops_mfcc_stream *s, const tops_mfcc_q15_tables *tables, const tops_context *scratch,
                                  int16_t *window, int16_t *ring, int32_t frames);

/**
 * One hop: stride_samples new samples. *new_frame = 1 when it completed a frame (frame
 * number frames_done - 1, now the newest in the ring), 0 while the first window fills.
 */
tops_status tops_mfcc_stream_push(tops_mfcc_stream *s, const int16_t *hop, int32_t *new_frame);

/** The newest min(frames_done, frames) frames, oldest first, [frames][coefficients] row-major. */
const int16_t *tops_mfcc_stream_features(const tops_mfcc_stream *s);

/** What the detector needs to know; built by the deploy stage (src/deploy/stream-detector.ts). */
typedef struct {
    int32_t num_classes;
    const uint8_t *keyword;   /* [num_classes]: 1 = the class may fire (not _silence_/_unknown_) */
    int32_t smoothing;        /* W >= 1 posteriors in the causal moving average */
    int32_t threshold_q16;    /* theta * 65536, rounded: mean posterior >= theta fires */
    int32_t refractory;       /* after a firing at t, t+1 .. t+refractory-1 fire nothing */
    const int32_t *class_threshold_q16; /* [num_classes] per-class theta * 65536, or NULL: threshold_q16 for all */
} tops_kws_detector_config;

/* Caller-owned state: W x num_classes history bytes, num_classes sums and flags. */
typedef struct {
    const tops_kws_detector_config *config;
    uint8_t *history;   /* [smoothing][num_classes] posterior codes (int8 + 128), a ring */
    int32_t *sums;      /* [num_classes] sum of the codes in the history */
    uint8_t *armed;     /* [num_classes] */
    int32_t count;      /* posteriors seen */
    int32_t last_fire;  /* index of the last firing (-refractory before the first) */
} tops_kws_detector;

tops_status tops_kws_detector_init(tops_kws_detector *d, const tops_kws_detector_config *config, uint8_t *history,
                                   int32_t *sums, uint8_t *armed);

/**
 * One posterior vector (the model's int8 softmax output, scale 1/256, zero point -128).
 * Returns the class index that fires at this posterior, or -1.
 */
int32_t tops_kws_detector_step(tops_kws_detector *d, const int8_t *posteriors);

#endif /* TOPS_STREAM_H */
