/*
 * Tests of firmware/stream/tops_stream.c (tops_stream.h), on the host (gcc) and on the board
 * (QEMU, semihosting), with files written by test/helpers/stream-firmware.ts:
 *
 *   stream_frontend.bin  "TOPSSTRM", int32 samples, int32 values; int16 pcm[samples];
 *                        int16 expected[values] (MfccQ15.compute of the whole signal, TypeScript)
 *     The signal goes hop by hop through tops_mfcc_stream_push. Every new frame must equal the
 *     same frame of tops_mfcc_q15_compute on the whole signal (C) and of the TypeScript; once
 *     the ring is full, the whole ring window (tops_mfcc_stream_features) must equal the
 *     whole-signal frames f - frames + 1 .. f. tops_mark() brackets every push (the
 *     instruction-count plugin measures the front end per hop).
 *     Both files are optional. Output: "MISMATCH frame=<f> ..." (first few), "TOPS_STREAM_FRONTEND hops=<h> frames=<n>
 *     mismatches=<m>".
 *
 *   stream_detector.bin  "TOPSDETC", int32 classes, smoothing, threshold_q16, refractory, count;
 *                        uint8 keyword[classes]; int32 class_threshold_q16[classes]; int8 posteriors[count][classes]
 *     Output: "event <t> <class>" per detection, then "TOPS_STREAM_DETECTOR posteriors=<count>".
 *
 * The config header tops_stream_test_config.h (generated) includes the emitted tables header
 * and defines TOPS_STREAM_TEST_TABLES, _BUFFER_SIZE, _FRAMES, _COEFFICIENTS, _MAX_SAMPLES, _MAX_VALUES.
 * Exit 0 iff nothing mismatched. Build with -DTOPS_HOST_BUILD on the host.
 */
#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "tops_stream.h"
#include "tops_stream_test_config.h"

#ifdef TOPS_HOST_BUILD
static void tops_mark(void) {}
#else
#include "tops_board.h"
#endif

#define MAX_WINDOW 4096
#define MAX_VALUES TOPS_STREAM_TEST_MAX_VALUES

static int16_t signal_buf[TOPS_STREAM_TEST_MAX_SAMPLES];
static int16_t whole_c[MAX_VALUES];
static int16_t whole_ts[MAX_VALUES];
static uint64_t scratch_buf[(TOPS_STREAM_TEST_BUFFER_SIZE + 7) / 8];
static int16_t window_buf[MAX_WINDOW];
static int16_t ring_buf[TOPS_MFCC_STREAM_RING_VALUES(TOPS_STREAM_TEST_FRAMES, TOPS_STREAM_TEST_COEFFICIENTS)];

static int32_t le32(const uint8_t *b)
{
    return (int32_t)((uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24));
}

static int read_exact(FILE *f, void *dst, size_t bytes)
{
    return fread(dst, 1, bytes, f) == bytes;
}

static int test_frontend(void)
{
    const tops_mfcc_q15_tables *t = &TOPS_STREAM_TEST_TABLES;
    const tops_context ctx = {scratch_buf, (int32_t)sizeof(scratch_buf)};
    const int32_t coeffs = t->coefficients;
    const int32_t frames = TOPS_STREAM_TEST_FRAMES;
    tops_mfcc_stream s;
    uint8_t head[16];
    int32_t samples, values, hops, h, mismatches = 0, whole_frames;
    FILE *f = fopen("stream_frontend.bin", "rb");
    if (f == NULL) {
        return 0; /* optional */
    }
    if (!read_exact(f, head, 16) || memcmp(head, "TOPSSTRM", 8) != 0) {
        printf("FAIL cannot read stream_frontend.bin\n");
        return 1;
    }
    samples = le32(head + 8);
    values = le32(head + 12);
    if (samples > TOPS_STREAM_TEST_MAX_SAMPLES || values > MAX_VALUES || t->window_samples > MAX_WINDOW ||
        !read_exact(f, signal_buf, (size_t)samples * 2) || !read_exact(f, whole_ts, (size_t)values * 2)) {
        printf("FAIL stream_frontend.bin too large or short\n");
        return 1;
    }
    fclose(f);
    whole_frames = tops_mfcc_q15_frame_count(t, samples);
    if (whole_frames * coeffs != values ||
        tops_mfcc_q15_compute(&ctx, t, signal_buf, samples, whole_c, MAX_VALUES) != TOPS_OK) {
        printf("FAIL whole-signal front end (frames %ld, values %ld)\n", (long)whole_frames, (long)values);
        return 1;
    }
    if (tops_mfcc_stream_init(&s, t, &ctx, window_buf, ring_buf, frames) != TOPS_OK) {
        printf("FAIL tops_mfcc_stream_init\n");
        return 1;
    }
    hops = samples / t->stride_samples;
    for (h = 0; h < hops; h++) {
        int32_t made, k;
        tops_status st;
        tops_mark();
        st = tops_mfcc_stream_push(&s, signal_buf + h * t->stride_samples, &made);
        tops_mark();
        if (st != TOPS_OK) {
            printf("FAIL push at hop %ld\n", (long)h);
            return 1;
        }
        if (made) {
            const int32_t fr = s.frames_done - 1;
            const int32_t have = s.frames_done < frames ? s.frames_done : frames;
            const int16_t *win = tops_mfcc_stream_features(&s);
            const int16_t *newest = win + (have - 1) * coeffs;
            for (k = 0; k < coeffs; k++) {
                if (fr >= whole_frames || newest[k] != whole_c[fr * coeffs + k] || newest[k] != whole_ts[fr * coeffs + k]) {
                    if (mismatches < 5) {
                        printf("MISMATCH frame=%ld coefficient=%ld stream=%d c=%d ts=%d\n", (long)fr, (long)k, newest[k],
                               fr < whole_frames ? whole_c[fr * coeffs + k] : 0, fr < whole_frames ? whole_ts[fr * coeffs + k] : 0);
                    }
                    mismatches++;
                }
            }
            /* The ring window is the last `have` whole-signal frames, oldest first. */
            if (memcmp(win, whole_c + (fr - have + 1) * coeffs, (size_t)(have * coeffs) * sizeof(int16_t)) != 0) {
                if (mismatches < 5) {
                    printf("MISMATCH ring window ending at frame=%ld\n", (long)fr);
                }
                mismatches++;
            }
        }
    }
    if (s.frames_done != whole_frames) {
        printf("MISMATCH frames stream=%ld whole=%ld\n", (long)s.frames_done, (long)whole_frames);
        mismatches++;
    }
    printf("TOPS_STREAM_FRONTEND hops=%ld frames=%ld mismatches=%ld\n", (long)hops, (long)s.frames_done, (long)mismatches);
    return mismatches == 0 ? 0 : 1;
}

static int test_detector(void)
{
    /* Up to 32 classes and W = 250 (the options schema's maximum): 8 KB, fits the board beside the signal. */
    static uint8_t keyword[32];
    static uint8_t history[256 * 32];
    static int32_t sums[32];
    static uint8_t armed[32];
    static int32_t class_thresholds[32];
    static int8_t row[32];
    uint8_t word[4];
    tops_kws_detector_config cfg;
    tops_kws_detector d;
    uint8_t head[28];
    int32_t count, t;
    FILE *f = fopen("stream_detector.bin", "rb");
    if (f == NULL) {
        return 0; /* optional */
    }
    if (!read_exact(f, head, 28) || memcmp(head, "TOPSDETC", 8) != 0) {
        printf("FAIL cannot read stream_detector.bin\n");
        return 1;
    }
    cfg.num_classes = le32(head + 8);
    cfg.smoothing = le32(head + 12);
    cfg.threshold_q16 = le32(head + 16);
    cfg.refractory = le32(head + 20);
    cfg.keyword = keyword;
    cfg.class_threshold_q16 = class_thresholds; /* the per-class table follows the keyword mask */
    count = le32(head + 24);
    if (cfg.num_classes < 1 || cfg.num_classes > 32 || cfg.smoothing < 1 || cfg.smoothing > 256 ||
        !read_exact(f, keyword, (size_t)cfg.num_classes)) {
        printf("FAIL bad detector config\n");
        return 1;
    }
    for (t = 0; t < cfg.num_classes; t++) {
        if (!read_exact(f, word, 4)) {
            printf("FAIL stream_detector.bin ends in the threshold table\n");
            return 1;
        }
        class_thresholds[t] = le32(word);
    }
    if (tops_kws_detector_init(&d, &cfg, history, sums, armed) != TOPS_OK) {
        printf("FAIL bad detector config\n");
        return 1;
    }
    for (t = 0; t < count; t++) {
        int32_t fired;
        if (!read_exact(f, row, (size_t)cfg.num_classes)) {
            printf("FAIL stream_detector.bin ends at posterior %ld\n", (long)t);
            return 1;
        }
        fired = tops_kws_detector_step(&d, row);
        if (fired >= 0) {
            printf("event %ld %ld\n", (long)t, (long)fired);
        }
    }
    fclose(f);
    printf("TOPS_STREAM_DETECTOR posteriors=%ld\n", (long)count);
    return 0;
}

int main(void)
{
    const int fe = test_frontend();
    const int det = test_detector();
    return fe || det ? 1 : 0;
}
