/*
 * Host / QEMU check of the fixed-point log-mel front end (firmware/frontend/tops_logmel_q15.c)
 * against the TypeScript (src/dsp/logmel-patch-q15.ts), driven by test/helpers/logmel-firmware.ts:
 * reads N patches of PCM (TOPS_FRONTEND_PATCH_SAMPLES int16 each) from vectors.bin, writes each
 * patch's int16 Q5 codes to patches.bin; the test compares them with the TypeScript's.
 * Frames are computed hop by hop from a sliding window, as the deploy harness does.
 */
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include "tops_frontend.h"

static int16_t window[TOPS_FRONTEND_WINDOW_SAMPLES];
static int16_t spectrogram[TOPS_FRONTEND_PATCH_FRAMES][TOPS_FRONTEND_MEL_BANDS];
static int16_t patch[TOPS_FRONTEND_PATCH_ROWS * TOPS_FRONTEND_PATCH_COLS];
static uint64_t scratch[(TOPS_FRONTEND_BUFFER_SIZE + 7) / 8];

int main(void)
{
    FILE *in = fopen("vectors.bin", "rb");
    FILE *out = fopen("patches.bin", "wb");
    if (in == NULL || out == NULL) {
        printf("error cannot open vectors.bin / patches.bin\n");
        return 2;
    }
    const tops_context ctx = {scratch, (int32_t)sizeof(scratch)};
    const int16_t *rows[TOPS_FRONTEND_PATCH_FRAMES];
    const size_t keep = TOPS_FRONTEND_WINDOW_SAMPLES - TOPS_FRONTEND_HOP_SAMPLES;
    long n = 0;
    while (fread(window, sizeof(int16_t), TOPS_FRONTEND_WINDOW_SAMPLES, in) == TOPS_FRONTEND_WINDOW_SAMPLES) {
        for (int32_t t = 0; t < TOPS_FRONTEND_PATCH_FRAMES; t++) {
            if (t > 0) {
                memmove(window, window + TOPS_FRONTEND_HOP_SAMPLES, keep * sizeof(int16_t));
                if (fread(window + keep, sizeof(int16_t), TOPS_FRONTEND_HOP_SAMPLES, in) != TOPS_FRONTEND_HOP_SAMPLES) {
                    printf("error short patch %ld\n", n);
                    return 1;
                }
            }
            if (tops_logmel_q15_frame(&ctx, &tops_frontend, window, spectrogram[t]) != TOPS_OK) {
                printf("error frame %ld/%ld\n", n, (long)t);
                return 1;
            }
            rows[t] = spectrogram[t];
        }
        if (tops_logmel_q15_patch(&tops_frontend, rows, patch) != TOPS_OK) {
            printf("error patch %ld\n", n);
            return 1;
        }
        fwrite(patch, sizeof(int16_t), TOPS_FRONTEND_PATCH_ROWS * TOPS_FRONTEND_PATCH_COLS, out);
        n++;
    }
    fclose(in);
    fclose(out);
    printf("patches %ld\nok\n", n);
    return 0;
}
