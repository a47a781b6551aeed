/*
 * Host runner of the generated model (tops_model.h) for whole data splits: the integer model's
 * outputs for every input vector, and optionally the output of one named op (e.g. the pooled
 * embedding "pool" the anomaly-detection embedding score reads, docs/anomaly-detection.md).
 * Built with the host gcc and the portable ref kernels by src/nn/host-int-model.ts; the kernels
 * are bit-exact with the TypeScript integer reference (src/nn/int-reference), so this is the
 * same arithmetic, compiled instead of interpreted.
 *
 *   tops_int_outputs [op-name]
 *   vectors.bin   N x TOPS_MODEL_INPUT_BYTES int8 inputs
 *   outputs.bin   N x TOPS_MODEL_OUTPUT_BYTES int8 outputs (written)
 *   taps.bin      N x (bytes of op-name's output), when op-name is given (written)
 *
 * stdout: "vectors N taps B" (B = bytes per vector of the tapped op, 0 if none) then "ok";
 * "error ..." and exit code 1 otherwise.
 */
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include "tops_model.h"

static const char *tap_name;
static FILE *tap_file;
static int32_t tap_bytes;

static void tap_layer(int32_t op, const char *name, const int8_t *data, int32_t bytes)
{
    (void)op;
    if (strcmp(name, tap_name) != 0) return;
    fwrite(data, 1, (size_t)bytes, tap_file);
    tap_bytes = bytes;
}

int main(int argc, char **argv)
{
    FILE *in = fopen("vectors.bin", "rb");
    FILE *out = fopen("outputs.bin", "wb");
    if (in == NULL || out == NULL) {
        printf("error cannot open vectors.bin / outputs.bin\n");
        return 1;
    }
    if (argc > 1) {
        tap_name = argv[1];
        tap_file = fopen("taps.bin", "wb");
        if (tap_file == NULL) {
            printf("error cannot open taps.bin\n");
            return 1;
        }
        tops_model_set_layer_hook(tap_layer);
    }
    static int8_t input[TOPS_MODEL_INPUT_BYTES];
    long n = 0;
    while (fread(input, 1, TOPS_MODEL_INPUT_BYTES, in) == TOPS_MODEL_INPUT_BYTES) {
        memcpy(tops_model_input(), input, TOPS_MODEL_INPUT_BYTES);
        tops_status st = tops_model_invoke();
        if (st != TOPS_OK) {
            printf("error %d at vector %ld\n", (int)st, n);
            return 1;
        }
        fwrite(tops_model_output(), 1, TOPS_MODEL_OUTPUT_BYTES, out);
        n++;
    }
    fclose(in);
    fclose(out);
    if (tap_file != NULL) fclose(tap_file);
    printf("vectors %ld taps %ld\nok\n", n, (long)tap_bytes);
    return 0;
}
