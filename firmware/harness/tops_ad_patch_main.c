/*
 * Anomaly-detection harness: audio -> log-mel patch -> machine-ID classifier on the board, for
 * the deploy stage's bit-exactness check (src/deploy/ad-vectors.ts). Same file protocol and
 * markers as tops_model_main.c's audio mode:
 *
 *   vectors.bin   N patches of int16 PCM, TOPS_FRONTEND_PATCH_SAMPLES each (the samples one
 *                 patch spans: (patch_frames - 1) * hop + window)
 *   outputs.bin   N x TOPS_MODEL_OUTPUT_BYTES int8 outputs (written)
 *   layers.bin    every op's output for vector 0 (written; for per-layer diffs)
 *
 * Per vector: tops_mark(), the front end (patch_frames frames of fixed-point log-mel computed
 * hop by hop from a two-hop sample window as a streaming device would, the 2x2 block mean and
 * band normalization: firmware/frontend/tops_logmel_q15.c), the model's input quantization,
 * tops_mark(), the network (a mark after every op), tops_mark(). The front end's count includes
 * reading each hop of samples over semihosting (a few hundred instructions per frame).
 * stdout: "vectors N", "stack B", then "ok" or "error ...".
 */
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include "tops_model.h"
#include "tops_frontend.h"

#include "tops_harness.h"

static int16_t window[TOPS_FRONTEND_WINDOW_SAMPLES];
static int16_t spectrogram[TOPS_FRONTEND_PATCH_FRAMES][TOPS_FRONTEND_MEL_BANDS];
static int16_t patch[TOPS_FRONTEND_PATCH_ROWS * TOPS_FRONTEND_PATCH_COLS];
static uint64_t scratch[(TOPS_FRONTEND_BUFFER_SIZE + 7) / 8];

/* One patch's front end from the file: 1, or 0 when the file ends before it, -1 on an error. */
static int32_t front_end(FILE *in)
{
    const tops_context ctx = {scratch, (int32_t)sizeof(scratch)};
    const int16_t *rows[TOPS_FRONTEND_PATCH_FRAMES];
    const size_t keep = TOPS_FRONTEND_WINDOW_SAMPLES - TOPS_FRONTEND_HOP_SAMPLES;
    if (fread(window, sizeof(int16_t), TOPS_FRONTEND_WINDOW_SAMPLES, in) != TOPS_FRONTEND_WINDOW_SAMPLES) {
        return 0;
    }
    for (int32_t t = 0; t < TOPS_FRONTEND_PATCH_FRAMES; t++) {
        if (t > 0) {
            memmove(window, window + TOPS_FRONTEND_HOP_SAMPLES, keep * sizeof(int16_t));
            if (fread(window + keep, sizeof(int16_t), TOPS_FRONTEND_HOP_SAMPLES, in) != TOPS_FRONTEND_HOP_SAMPLES) {
                return -1;
            }
        }
        if (tops_logmel_q15_frame(&ctx, &tops_frontend, window, spectrogram[t]) != TOPS_OK) {
            return -1;
        }
        rows[t] = spectrogram[t];
    }
    if (tops_logmel_q15_patch(&tops_frontend, rows, patch) != TOPS_OK) {
        return -1;
    }
    tops_model_quantize_input(patch, tops_model_input());
    return 1;
}

int main(void)
{
    FILE *in = fopen("vectors.bin", "rb");
    FILE *out = fopen("outputs.bin", "wb");
    if (in == NULL || out == NULL) {
        printf("error cannot open vectors.bin / outputs.bin\n");
        return 2;
    }
    layers_file = fopen("layers.bin", "wb");
    long n = 0;
    uint32_t stack = 0;
    for (;;) {
        const int next = fgetc(in); /* end of the vectors before the marker, so every mark belongs to a vector */
        if (next == EOF || ungetc(next, in) == EOF) break;
        tops_model_set_layer_hook(n == 0 && layers_file != NULL ? dump_layer : 0);
        if (n == 1) tops_stack_repaint(); /* vector 0 ran the dump hook (stdio): measure from vector 1 */
        tops_mark();
        if (front_end(in) != 1) {
            printf("error front end at vector %ld\n", n);
            return 1;
        }
        tops_mark();
        tops_status st = tops_model_invoke();
        tops_mark();
        if (n == 1) stack = tops_stack_high_water();
        if (st != TOPS_OK) {
            printf("error %d at vector %ld\n", (int)st, n);
            return 1;
        }
        fwrite(tops_model_output(), 1, TOPS_MODEL_OUTPUT_BYTES, out);
        n++;
    }
    fclose(in);
    fclose(out);
    if (layers_file != NULL) fclose(layers_file);
    printf("vectors %ld\nstack %lu\nok\n", n, (unsigned long)stack);
    return 0;
}
