/*
 * Runs every kernel on the generated vectors (tops_test_vectors.h) and compares with the
 * expected outputs of the TypeScript integer reference. Same program on the host (gcc) and
 * on the board (QEMU, semihosting printf/exit).
 *
 * Output, one line each: "MISMATCH <case> index=<i> got=<v> want=<v>" (first per case),
 * "FAIL <case> mismatches=<n>" or "FAIL <case> status=<s>", then a final summary
 * "TOPS_TEST cases=<n> mismatches=<total> failed=<cases>". Exit status 0 iff nothing failed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tops_nn.h"
#include "tops_test_case.h"
#include "tops_test_vectors.h"
#if defined(TOPS_TEST_TIMING)
#include "tops_icount.h" /* -DTOPS_TEST_TIMING: "TICKS <case> ticks=<t>" per case (benchmarks) */
#endif

static int8_t output_buf[TOPS_TEST_MAX_OUTPUT];

/* Scratch for the kernels that want it (the dsp/ variants' im2col columns, requantization
   tables, unpacked filters), sized per case by tops_<op>_<type>_get_buffer_size() as a caller
   must; int32_t for word alignment. */
#ifndef TOPS_TEST_SCRATCH_BYTES
#define TOPS_TEST_SCRATCH_BYTES 16384
#endif
static int32_t scratch_buf[TOPS_TEST_SCRATCH_BYTES / 4];

static int32_t scratch_size(const tops_test_case *t)
{
    switch (t->kind) {
    case TOPS_TEST_CONV2D:
        return tops_conv2d_s8_get_buffer_size(&t->input_dims, &t->filter_dims);
    case TOPS_TEST_POINTWISE_CONV2D:
        return tops_pointwise_conv2d_s8_get_buffer_size(&t->input_dims, &t->filter_dims);
    case TOPS_TEST_DEPTHWISE_CONV2D:
        return tops_depthwise_conv2d_s8_get_buffer_size(&t->input_dims, &t->filter_dims);
    case TOPS_TEST_FULLY_CONNECTED:
        return tops_fully_connected_s8_get_buffer_size(&t->filter_dims);
    case TOPS_TEST_AVGPOOL:
        return tops_avgpool_s8_get_buffer_size(&t->output_dims);
    case TOPS_TEST_ADD:
    case TOPS_TEST_SOFTMAX:
        return 0;
    case TOPS_TEST_CONV2D_S4:
        return tops_conv2d_s4_get_buffer_size(&t->input_dims, &t->filter_dims);
    case TOPS_TEST_CONV2D_S2:
        return tops_conv2d_s2_get_buffer_size(&t->input_dims, &t->filter_dims);
    case TOPS_TEST_POINTWISE_CONV2D_S4:
        return tops_pointwise_conv2d_s4_get_buffer_size(&t->input_dims, &t->filter_dims);
    case TOPS_TEST_POINTWISE_CONV2D_S2:
        return tops_pointwise_conv2d_s2_get_buffer_size(&t->input_dims, &t->filter_dims);
    case TOPS_TEST_DEPTHWISE_CONV2D_S4:
        return tops_depthwise_conv2d_s4_get_buffer_size(&t->input_dims, &t->filter_dims);
    case TOPS_TEST_DEPTHWISE_CONV2D_S2:
        return tops_depthwise_conv2d_s2_get_buffer_size(&t->input_dims, &t->filter_dims);
    case TOPS_TEST_FULLY_CONNECTED_S4:
        return tops_fully_connected_s4_get_buffer_size(&t->filter_dims);
    case TOPS_TEST_FULLY_CONNECTED_S2:
        return tops_fully_connected_s2_get_buffer_size(&t->filter_dims);
    }
    return 0;
}

static tops_status run_case(const tops_test_case *t, int8_t *out)
{
    /* + the int32 expansion of a compact quant's int16 bias (tops_rq_scratch) */
    const int32_t need = scratch_size(t) + (t->per_channel.bias16 != 0 ? 4 * t->output_dims.c : 0);
    tops_context ctx = {0, 0};
    if (need > (int32_t)sizeof scratch_buf) {
        printf("FAIL %s scratch=%ld exceeds TOPS_TEST_SCRATCH_BYTES\n", t->name, (long)need);
        return TOPS_ARG_ERROR;
    }
    if (need > 0) {
        ctx.buf = scratch_buf;
        ctx.size = need;
    }
    switch (t->kind) {
    case TOPS_TEST_CONV2D:
        return tops_conv2d_s8(&ctx, &t->conv, &t->per_channel, &t->input_dims, t->input, &t->filter_dims,
                              t->filter, &t->bias_dims, t->bias, &t->output_dims, out);
    case TOPS_TEST_POINTWISE_CONV2D:
        return tops_pointwise_conv2d_s8(&ctx, &t->conv, &t->per_channel, &t->input_dims, t->input,
                                        &t->filter_dims, t->filter, &t->bias_dims, t->bias, &t->output_dims, out);
    case TOPS_TEST_DEPTHWISE_CONV2D:
        return tops_depthwise_conv2d_s8(&ctx, &t->depthwise, &t->per_channel, &t->input_dims, t->input,
                                        &t->filter_dims, t->filter, &t->bias_dims, t->bias, &t->output_dims, out);
    case TOPS_TEST_FULLY_CONNECTED:
        return tops_fully_connected_s8(&ctx, &t->fc, &t->per_tensor, &t->input_dims, t->input, &t->filter_dims,
                                       t->filter, &t->bias_dims, t->bias, &t->output_dims, out);
    case TOPS_TEST_AVGPOOL:
        return tops_avgpool_s8(&ctx, &t->pool, &t->input_dims, t->input, &t->filter_dims, &t->output_dims, out);
    case TOPS_TEST_ADD:
        return tops_add_s8(&t->add, &t->input_dims, t->input, t->input2, out);
    case TOPS_TEST_SOFTMAX:
        return tops_softmax_s8(&t->softmax, &t->input_dims, t->input, out);
    case TOPS_TEST_CONV2D_S4:
        return tops_conv2d_s4(&ctx, &t->conv, &t->per_channel, &t->input_dims, t->input, &t->filter_dims,
                              t->packed_filter, &t->bias_dims, t->bias, &t->output_dims, out);
    case TOPS_TEST_CONV2D_S2:
        return tops_conv2d_s2(&ctx, &t->conv, &t->per_channel, &t->input_dims, t->input, &t->filter_dims,
                              t->packed_filter, &t->bias_dims, t->bias, &t->output_dims, out);
    case TOPS_TEST_POINTWISE_CONV2D_S4:
        return tops_pointwise_conv2d_s4(&ctx, &t->conv, &t->per_channel, &t->input_dims, t->input, &t->filter_dims,
                              t->packed_filter, &t->bias_dims, t->bias, &t->output_dims, out);
    case TOPS_TEST_POINTWISE_CONV2D_S2:
        return tops_pointwise_conv2d_s2(&ctx, &t->conv, &t->per_channel, &t->input_dims, t->input, &t->filter_dims,
                              t->packed_filter, &t->bias_dims, t->bias, &t->output_dims, out);
    case TOPS_TEST_DEPTHWISE_CONV2D_S4:
        return tops_depthwise_conv2d_s4(&ctx, &t->depthwise, &t->per_channel, &t->input_dims, t->input, &t->filter_dims,
                              t->packed_filter, &t->bias_dims, t->bias, &t->output_dims, out);
    case TOPS_TEST_DEPTHWISE_CONV2D_S2:
        return tops_depthwise_conv2d_s2(&ctx, &t->depthwise, &t->per_channel, &t->input_dims, t->input, &t->filter_dims,
                              t->packed_filter, &t->bias_dims, t->bias, &t->output_dims, out);
    case TOPS_TEST_FULLY_CONNECTED_S4:
        return tops_fully_connected_s4(&ctx, &t->fc, &t->per_tensor, &t->input_dims, t->input, &t->filter_dims,
                              t->packed_filter, &t->bias_dims, t->bias, &t->output_dims, out);
    case TOPS_TEST_FULLY_CONNECTED_S2:
        return tops_fully_connected_s2(&ctx, &t->fc, &t->per_tensor, &t->input_dims, t->input, &t->filter_dims,
                              t->packed_filter, &t->bias_dims, t->bias, &t->output_dims, out);
    }
    return TOPS_ARG_ERROR;
}

/* tops_requantize against the reference on its edge and random cases; returns mismatches. */
static int32_t check_requantize(void)
{
    int32_t i, mismatches = 0;
    for (i = 0; i < TOPS_TEST_REQUANTIZE_COUNT; i++) {
        const int32_t got = tops_requantize(tops_requantize_x[i], tops_requantize_multiplier[i], tops_requantize_shift[i]);
        if (got != tops_requantize_expected[i]) {
            if (mismatches == 0) {
                printf("MISMATCH requantize index=%ld got=%ld want=%ld\n", (long)i, (long)got,
                       (long)tops_requantize_expected[i]);
            }
            mismatches++;
        }
    }
    if (mismatches != 0) {
        printf("FAIL requantize mismatches=%ld\n", (long)mismatches);
    }
    return mismatches;
}

/* Bad arguments must be reported, not crash: one NULL and one inconsistent-dims call per family. */
static int check_arg_errors(void)
{
    const tops_dims d = {1, 2, 2, 2};
    const tops_dims bad = {1, 2, 2, 3};
    const int8_t in[8] = {0};
    int8_t out[8];
    const tops_add_params add = {0, 1 << 30, -1, 0, 1 << 30, -1, 20, 0, 1 << 30, 0, {-128, 127}};
    const int32_t lut_zero[TOPS_SOFTMAX_LUT_SIZE] = {0};
    const tops_softmax_params sm = {lut_zero};
    const tops_avgpool_params pool = {{1, 1}, {0, 0}, {-128, 127}};
    const tops_context ctx = {0, 0};
    int failures = 0;
    failures += tops_add_s8(&add, &d, in, 0, out) != TOPS_ARG_ERROR;
    failures += tops_softmax_s8(&sm, &d, in, out) != TOPS_ARG_ERROR;
    failures += tops_avgpool_s8(&ctx, &pool, &d, in, &d, &bad, out) != TOPS_ARG_ERROR;
    failures += tops_conv2d_s8(&ctx, 0, 0, &d, in, &d, in, 0, 0, &d, out) != TOPS_ARG_ERROR;
    failures += tops_conv2d_s4(&ctx, 0, 0, &d, in, &d, (const uint8_t *)in, 0, 0, &d, out) != TOPS_ARG_ERROR;
    failures += tops_fully_connected_s2(&ctx, 0, 0, &d, in, &d, (const uint8_t *)in, 0, 0, &d, out) != TOPS_ARG_ERROR;
    if (failures != 0) {
        printf("FAIL arg_errors count=%d\n", failures);
    }
    return failures;
}

int main(void)
{
    int32_t total_mismatches = 0;
    int failed = 0;
    int c;
    for (c = 0; c < TOPS_TEST_CASE_COUNT; c++) {
        const tops_test_case *t = &tops_test_cases[c];
        int32_t i, mismatches = 0;
        tops_status status;
        for (i = 0; i < t->output_size; i++) {
            output_buf[i] = (int8_t)0x5a; /* poison, so an unwritten output shows up */
        }
#if defined(TOPS_TEST_TIMING)
        {
            uint32_t t0;
            if (c == 0) {
                tops_icount_start();
                tops_icount_calibrate();
            }
            t0 = tops_icount_now();
            status = run_case(t, output_buf);
            printf("TICKS %s ticks=%lu\n", t->name, (unsigned long)tops_icount_elapsed(t0, tops_icount_now()));
        }
#else
        status = run_case(t, output_buf);
#endif
        if (status != TOPS_OK) {
            printf("FAIL %s status=%d\n", t->name, (int)status);
            failed++;
            continue;
        }
        for (i = 0; i < t->output_size; i++) {
            if (output_buf[i] != t->expected[i]) {
                if (mismatches == 0) {
                    printf("MISMATCH %s index=%ld got=%d want=%d\n", t->name, (long)i, output_buf[i],
                           t->expected[i]);
                }
                mismatches++;
            }
        }
        if (mismatches != 0) {
            printf("FAIL %s mismatches=%ld\n", t->name, (long)mismatches);
            failed++;
        }
        total_mismatches += mismatches;
    }
    {
        const int32_t requantize_mismatches = check_requantize();
        total_mismatches += requantize_mismatches;
        failed += requantize_mismatches != 0;
    }
    failed += check_arg_errors();
    printf("TOPS_TEST cases=%d mismatches=%ld failed=%d\n", TOPS_TEST_CASE_COUNT, (long)total_mismatches, failed);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
