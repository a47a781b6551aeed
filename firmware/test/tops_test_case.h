/*
 * One generated test case for test_tops_kernels.c. The vectors header (written by
 * test/helpers/test-vectors.ts, never edited) fills a table of these; each case sets only the
 * fields its kernel reads.
 */
#ifndef TOPS_TEST_CASE_H
#define TOPS_TEST_CASE_H

#include "tops_nn.h"

/*
 * Cases 3, 7, 11, ... of the conv family hand the dsp kernels only the codegen requantization
 * table (multiplier / shift NULL), as a model generated with `requantTables: flash` does; the
 * ref kernels, which ignore the table, keep the arrays. TOPS_TEST_DSP comes from the dsp
 * builds (test/helpers/firmware-build.ts, Makefile KERNELS=dsp).
 */
#if defined(TOPS_TEST_DSP)
#define TOPS_TEST_TABLE_ONLY(array) 0
#define TOPS_TEST_DSP_ONLY(array) array
#else
#define TOPS_TEST_TABLE_ONLY(array) array
#define TOPS_TEST_DSP_ONLY(array) 0
#endif
/*
 * Cases 1, 5, 9, ... of the conv family with a table run the compact quant in dsp builds
 * (multiplier + right_shift + int16 bias, shift / table / int32 bias NULL; tops_types.h), as a
 * model generated with `requantTables: compact` does. TOPS_TEST_TABLE_ONLY(x) keeps x in the ref
 * builds only, TOPS_TEST_DSP_ONLY(x) in the dsp builds only.
 */

typedef enum {
    TOPS_TEST_CONV2D,
    TOPS_TEST_POINTWISE_CONV2D,
    TOPS_TEST_DEPTHWISE_CONV2D,
    TOPS_TEST_FULLY_CONNECTED,
    TOPS_TEST_AVGPOOL,
    TOPS_TEST_ADD,
    TOPS_TEST_SOFTMAX,
    TOPS_TEST_CONV2D_S4,
    TOPS_TEST_CONV2D_S2,
    TOPS_TEST_POINTWISE_CONV2D_S4,
    TOPS_TEST_POINTWISE_CONV2D_S2,
    TOPS_TEST_DEPTHWISE_CONV2D_S4,
    TOPS_TEST_DEPTHWISE_CONV2D_S2,
    TOPS_TEST_FULLY_CONNECTED_S4,
    TOPS_TEST_FULLY_CONNECTED_S2
} tops_test_kind;

typedef struct {
    tops_test_kind kind;
    const char *name;
    tops_conv2d_params conv;
    tops_depthwise_conv2d_params depthwise;
    tops_fully_connected_params fc;
    tops_avgpool_params pool;
    tops_add_params add;
    tops_softmax_params softmax;
    tops_per_channel_quant_params per_channel;
    tops_per_tensor_quant_params per_tensor;
    tops_dims input_dims;
    tops_dims filter_dims;
    tops_dims bias_dims;
    tops_dims output_dims;
    const int8_t *input;
    const int8_t *input2;
    const int8_t *filter;
    const int32_t *bias;
    const int8_t *expected;
    int32_t output_size;
    const uint8_t *packed_filter; /* sub-byte kinds: weights packed as src/quant/sub-byte.ts */
} tops_test_case;

#endif /* TOPS_TEST_CASE_H */
