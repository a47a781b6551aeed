/*
 * Model harness: runs the generated model (tops_model.h) on test vectors from the host and
 * writes its outputs back, over semihosting file I/O on the board (plain stdio on the host).
 *
 *   vectors.bin   N x TOPS_MODEL_INPUT_BYTES int8 inputs, or with -DTOPS_AUDIO_VECTORS N clips of
 *                 int16 PCM (TOPS_FRONTEND_CLIP_SAMPLES each) that go through the fixed-point MFCC
 *                 (firmware/frontend, tables in the generated tops_frontend.c) and the model's
 *                 integer input quantization first: audio -> label, as on the device
 *   outputs.bin   N x TOPS_MODEL_OUTPUT_BYTES int8 outputs (written)
 *   layers.bin    every op's output for vector 0, in op order (written; for per-layer diffs)
 *
 * stdout: for a partitioned model "extmem transfers T bytes B overlapped O kernels K" (emulated DMA
 * counters over all vectors, firmware/include/tops_extmem.h), "vectors N", "stack B" (deepest
 * stack use during inference, bytes; board only), then
 * "ok" or "error <status>". tops_mark() brackets every inference so the instruction-count
 * plugin can measure exactly one invoke (the deploy stage finds the marker in the ELF).
 * Build with -DTOPS_HOST_BUILD for the host (no start-up: markers and stack paint are no-ops).
 */
#include <stdio.h>
#include <stdint.h>
#include "tops_model.h"
#ifdef TOPS_MODEL_EXTERNAL_MEMORY
#include "tops_extmem.h"
#endif
#ifdef TOPS_AUDIO_VECTORS
#include "tops_frontend.h"
#include "tops_mfcc.h"
#endif

#include "tops_harness.h"

int main(void)
{
    FILE *in = fopen("vectors.bin", "rb");
    FILE *out = fopen("outputs.bin", "wb");
    if (in == NULL || out == NULL) {
        printf("error cannot open vectors.bin / outputs.bin\n");
        return 2;
    }
    layers_file = fopen("layers.bin", "wb");
    int32_t n = 0;
    uint32_t stack = 0;
#ifdef TOPS_AUDIO_VECTORS
    static int16_t pcm[TOPS_FRONTEND_CLIP_SAMPLES];
    static int16_t features[TOPS_FRONTEND_FRAMES * TOPS_FRONTEND_COEFFICIENTS];
    static uint64_t scratch[(TOPS_FRONTEND_BUFFER_SIZE + 7) / 8];
    const tops_context mfcc_ctx = {scratch, (int32_t)sizeof(scratch)};
    while (fread(pcm, sizeof(int16_t), TOPS_FRONTEND_CLIP_SAMPLES, in) == TOPS_FRONTEND_CLIP_SAMPLES) {
        tops_model_set_layer_hook(n == 0 && layers_file != NULL ? dump_layer : 0);
        if (n == 1) tops_stack_repaint(); /* vector 0 ran the dump hook (stdio): measure from vector 1 */
        tops_mark();
        if (tops_mfcc_q15_compute(&mfcc_ctx, &tops_frontend, pcm, TOPS_FRONTEND_CLIP_SAMPLES, features,
                                  TOPS_FRONTEND_FRAMES * TOPS_FRONTEND_COEFFICIENTS) != TOPS_OK) {
            printf("error front end at vector %ld\n", (long)n);
            return 1;
        }
        tops_model_quantize_input(features, tops_model_input());
#else
    static int8_t input[TOPS_MODEL_INPUT_BYTES];
    while (fread(input, 1, TOPS_MODEL_INPUT_BYTES, in) == TOPS_MODEL_INPUT_BYTES) {
        int8_t *dst = tops_model_input();
        for (int32_t i = 0; i < TOPS_MODEL_INPUT_BYTES; i++) dst[i] = input[i];
        tops_model_set_layer_hook(n == 0 && layers_file != NULL ? dump_layer : 0);
        if (n == 1) tops_stack_repaint(); /* vector 0 ran the dump hook (stdio): measure from vector 1 */
#endif
        tops_mark();
        tops_status st = tops_model_invoke();
        tops_mark();
        if (n == 1) stack = tops_stack_high_water();
        if (st != TOPS_OK) {
            printf("error %d at vector %ld\n", (int)st, (long)n);
            return 1;
        }
        fwrite(tops_model_output(), 1, TOPS_MODEL_OUTPUT_BYTES, out);
        n++;
    }
    fclose(in);
    fclose(out);
    if (layers_file != NULL) fclose(layers_file);
#ifdef TOPS_MODEL_EXTERNAL_MEMORY
    /* Partitioned model (docs/external-memory.md): DMA transfers over all vectors. */
    printf("extmem transfers %lu bytes %lu overlapped %lu kernels %lu\n", (unsigned long)tops_dma_counters.transfers,
           (unsigned long)tops_dma_counters.bytes, (unsigned long)tops_dma_counters.overlapped,
           (unsigned long)tops_dma_counters.kernel_calls);
#endif
    printf("vectors %ld\nstack %lu\nok\n", (long)n, (unsigned long)stack);
    return 0;
}
