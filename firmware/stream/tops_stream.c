/*
 * Streaming front end and detector (tops_stream.h). The front end reuses the whole-clip code's
 * per-frame entry point (tops_mfcc_q15_frame), so a streamed frame and a whole-clip frame are
 * the same computation on the same samples; only the buffering is new here.
 *
 * Detector arithmetic (the contract shared with src/deploy/stream-detector.ts): with codes
 * p[c] = posterior + 128 in 0..255 (posterior = p / 256) and n = min(t + 1, W) posteriors in
 * the window, the smoothed posterior of class c is S[c] / (256 n), S[c] the sum of its last
 * n codes. "Smoothed >= theta" is decided exactly as 256 S[c] >= threshold_q16[c] n (one theta per
 * class when class_threshold_q16 is set, docs/results/2026-12-04-per-keyword-thresholds.md), and
 * classes are ranked by S[c] (all share n). Everything else is src/eval/event-detector.ts's rule.
 */
#include <stddef.h>
#include <string.h>

#include "tops_stream.h"

tops_status tops_mfcc_stream_init(tops_mfcc_stream *s, const tops_mfcc_q15_tables *tables, const tops_context *scratch,
                                  int16_t *window, int16_t *ring, int32_t frames)
{
    if (s == NULL || tables == NULL || scratch == NULL || window == NULL || ring == NULL || frames < 1) {
        return TOPS_ARG_ERROR;
    }
    if (tops_mfcc_q15_get_buffer_size(tables) == 0 || scratch->size < tops_mfcc_q15_get_buffer_size(tables) ||
        tables->window_samples % tables->stride_samples != 0) {
        return TOPS_ARG_ERROR;
    }
    s->tables = tables;
    s->scratch = *scratch;
    s->window = window;
    s->filled = 0;
    s->ring = ring;
    s->frames = frames;
    s->frames_done = 0;
    return TOPS_OK;
}

tops_status tops_mfcc_stream_push(tops_mfcc_stream *s, const int16_t *hop, int32_t *new_frame)
{
    const int32_t win = s->tables->window_samples;
    const int32_t stride = s->tables->stride_samples;
    const int32_t coeffs = s->tables->coefficients;
    int16_t *slot;
    tops_status st;
    *new_frame = 0;
    if (s->filled == win) {
        /* Keep the overlap (window - stride samples) at the front: 320 samples for the KWS hop. */
        memmove(s->window, s->window + stride, (size_t)(win - stride) * sizeof(int16_t));
        s->filled = win - stride;
    }
    memcpy(s->window + s->filled, hop, (size_t)stride * sizeof(int16_t));
    s->filled += stride;
    if (s->filled < win) {
        return TOPS_OK;
    }
    slot = s->ring + (size_t)(s->frames_done % s->frames) * (size_t)coeffs;
    st = tops_mfcc_q15_frame(&s->scratch, s->tables, s->window, slot);
    if (st != TOPS_OK) {
        return st;
    }
    /* The twin copy one ring length later keeps the newest `frames` frames contiguous. */
    memcpy(slot + (size_t)s->frames * (size_t)coeffs, slot, (size_t)coeffs * sizeof(int16_t));
    s->frames_done++;
    *new_frame = 1;
    return TOPS_OK;
}

const int16_t *tops_mfcc_stream_features(const tops_mfcc_stream *s)
{
    /* Frames done - frames ... done - 1 sit in slots (done % frames) ... (done % frames) + frames - 1. */
    const int32_t first = s->frames_done < s->frames ? 0 : s->frames_done % s->frames;
    return s->ring + (size_t)first * (size_t)s->tables->coefficients;
}

tops_status tops_kws_detector_init(tops_kws_detector *d, const tops_kws_detector_config *config, uint8_t *history,
                                   int32_t *sums, uint8_t *armed)
{
    int32_t c;
    if (d == NULL || config == NULL || history == NULL || sums == NULL || armed == NULL || config->keyword == NULL ||
        config->num_classes < 1 || config->smoothing < 1 || config->refractory < 0) {
        return TOPS_ARG_ERROR;
    }
    d->config = config;
    d->history = history;
    d->sums = sums;
    d->armed = armed;
    d->count = 0;
    d->last_fire = -config->refractory; /* no suppression before the first firing */
    for (c = 0; c < config->num_classes; c++) {
        sums[c] = 0;
        armed[c] = 1; /* as if the stream were preceded by silence */
    }
    return TOPS_OK;
}

int32_t tops_kws_detector_step(tops_kws_detector *d, const int8_t *posteriors)
{
    const tops_kws_detector_config *cfg = d->config;
    const int32_t nc = cfg->num_classes;
    const int32_t t = d->count;
    uint8_t *row = d->history + (size_t)(t % cfg->smoothing) * (size_t)nc;
    const int32_t n = t + 1 < cfg->smoothing ? t + 1 : cfg->smoothing;
    const int32_t bar = cfg->threshold_q16 * n; /* <= 65536 x 250: fits int32 */
    int32_t best_bar = bar;
    const int suppressed = t - d->last_fire < cfg->refractory;
    int32_t best = -1;
    int32_t best_sum = 0;
    int32_t c;
    /* Running sums: drop the code leaving the window, add the new one (integers: no drift). */
    for (c = 0; c < nc; c++) {
        const int32_t code = (int32_t)posteriors[c] + 128;
        if (t >= cfg->smoothing) {
            d->sums[c] -= row[c];
        }
        row[c] = (uint8_t)code;
        d->sums[c] += code;
    }
    d->count = t + 1;
    for (c = 0; c < nc; c++) {
        int32_t sum;
        if (!cfg->keyword[c]) {
            continue;
        }
        sum = d->sums[c];
        const int32_t class_bar = cfg->class_threshold_q16 != NULL ? cfg->class_threshold_q16[c] * n : bar;
        if (256 * sum < class_bar) {
            d->armed[c] = 1;
        } else if (suppressed) {
            d->armed[c] = 0;
        }
        if (best < 0 || sum > best_sum) { /* ascending c: ties keep the lowest class */
            best = c;
            best_sum = sum;
            best_bar = class_bar;
        }
    }
    if (best < 0 || suppressed || 256 * best_sum < best_bar || !d->armed[best]) {
        return -1;
    }
    d->armed[best] = 0;
    d->last_fire = t;
    return best;
}
