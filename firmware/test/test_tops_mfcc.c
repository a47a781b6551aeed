/*
 * Runs the fixed-point MFCC front end (tops_mfcc_q15_compute) on every clip of
 * tops_mfcc_vectors.bin and compares each int16 output with the TypeScript MfccQ15 result
 * stored beside it. Same program on the host (gcc) and on the board (QEMU, semihosting).
 *
 * Why a file and not a generated header like test_tops_kernels.c: 20+ one-second clips are
 * 640 KB of PCM, more than the board's 512 KB flash; semihosting reads them from the host at
 * run time (only the MFCC tables, which a real firmware embeds, are compiled in).
 *
 * The tables come from a generated config header, tops_mfcc_test_config.h, which includes the
 * emitted tables header and defines TOPS_MFCC_TEST_TABLES (the table instance) and
 * TOPS_MFCC_TEST_BUFFER_SIZE, TOPS_MFCC_TEST_MAX_SAMPLES, TOPS_MFCC_TEST_MAX_VALUES.
 *
 * File (little endian): "TOPSMFCC", int32 clips, int32 samples, int32 values; then per clip
 * int16 pcm[samples], int16 expected[values].
 *
 * Output: "MISMATCH clip=<c> index=<i> got=<v> want=<v>" (first per clip), "FAIL clip=<c> ...",
 * "MFCC_TICKS clip=<c> frames=<f> ticks=<t>" and on ARM "ICOUNT_CALIBRATION ..." (tops_icount.h),
 * then "TOPS_MFCC_TEST clips=<n> values=<n> mismatches=<n> failed=<n>". Exit 0 iff nothing failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tops_mfcc.h"
#include "tops_icount.h"
#include "tops_mfcc_test_config.h"

static int16_t signal_buf[TOPS_MFCC_TEST_MAX_SAMPLES];
static int16_t expected_buf[TOPS_MFCC_TEST_MAX_VALUES];
static int16_t features_buf[TOPS_MFCC_TEST_MAX_VALUES];
static uint64_t scratch_buf[(TOPS_MFCC_TEST_BUFFER_SIZE + 7) / 8]; /* 8-byte aligned */


static int read_exact(FILE *f, void *dst, size_t bytes)
{
    return fread(dst, 1, bytes, f) == bytes;
}

static int32_t le32(const uint8_t *b)
{
    return (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24);
}

/* int16 little endian in place (the host and the board are both little endian; this keeps the file format explicit). */
static void le16_in_place(int16_t *v, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        const uint8_t *b = (const uint8_t *)&v[i];
        v[i] = (int16_t)((uint16_t)b[0] | (uint16_t)b[1] << 8);
    }
}

/* Bad arguments are reported, not crashes. */
static int check_arg_errors(void)
{
    const tops_context none = {0, 0};
    const tops_context small = {scratch_buf, 16};
    const tops_context misaligned = {(uint8_t *)scratch_buf + 4, TOPS_MFCC_TEST_BUFFER_SIZE};
    int failures = 0;
    failures += tops_mfcc_q15_compute(&none, &TOPS_MFCC_TEST_TABLES, signal_buf, 0, features_buf, 1) != TOPS_ARG_ERROR;
    failures += tops_mfcc_q15_frame(&small, &TOPS_MFCC_TEST_TABLES, signal_buf, features_buf) != TOPS_ARG_ERROR;
    failures += tops_mfcc_q15_frame(&misaligned, &TOPS_MFCC_TEST_TABLES, signal_buf, features_buf) != TOPS_ARG_ERROR;
    failures += tops_mfcc_q15_get_buffer_size(0) != 0;
    if (failures != 0) {
        printf("FAIL arg_errors count=%d\n", failures);
    }
    return failures;
}

int main(void)
{
    const tops_context ctx = {scratch_buf, (int32_t)sizeof(scratch_buf)};
    uint8_t head[20];
    int32_t clips, samples, values, c, total_mismatches = 0;
    int failed = 0;
    FILE *f = fopen("tops_mfcc_vectors.bin", "rb");
    if (f == NULL || !read_exact(f, head, sizeof(head)) || memcmp(head, "TOPSMFCC", 8) != 0) {
        printf("FAIL cannot read tops_mfcc_vectors.bin\n");
        return EXIT_FAILURE;
    }
    clips = le32(head + 8);
    samples = le32(head + 12);
    values = le32(head + 16);
    if (samples > TOPS_MFCC_TEST_MAX_SAMPLES || values > TOPS_MFCC_TEST_MAX_VALUES ||
        tops_mfcc_q15_get_buffer_size(&TOPS_MFCC_TEST_TABLES) > (int32_t)sizeof(scratch_buf) ||
        tops_mfcc_q15_frame_count(&TOPS_MFCC_TEST_TABLES, samples) * TOPS_MFCC_TEST_TABLES.coefficients != values) {
        printf("FAIL vectors do not fit the tables (samples=%ld values=%ld)\n", (long)samples, (long)values);
        return EXIT_FAILURE;
    }
    tops_icount_start();
    tops_icount_calibrate();
    for (c = 0; c < clips; c++) {
        int32_t i, mismatches = 0;
        tops_status status;
        uint32_t t0, t1;
        if (!read_exact(f, signal_buf, (size_t)samples * 2) || !read_exact(f, expected_buf, (size_t)values * 2)) {
            printf("FAIL clip=%ld truncated file\n", (long)c);
            failed++;
            break;
        }
        le16_in_place(signal_buf, samples);
        le16_in_place(expected_buf, values);
        for (i = 0; i < values; i++) {
            features_buf[i] = (int16_t)0x5a5a; /* poison, so an unwritten output shows up */
        }
        t0 = tops_icount_now();
        status = tops_mfcc_q15_compute(&ctx, &TOPS_MFCC_TEST_TABLES, signal_buf, samples, features_buf, values);
        t1 = tops_icount_now();
        printf("MFCC_TICKS clip=%ld frames=%ld ticks=%lu\n", (long)c, (long)(values / TOPS_MFCC_TEST_TABLES.coefficients),
               (unsigned long)tops_icount_elapsed(t0, t1)); /* 0 on the host */
        if (status != TOPS_OK) {
            printf("FAIL clip=%ld status=%d\n", (long)c, (int)status);
            failed++;
            continue;
        }
        for (i = 0; i < values; i++) {
            if (features_buf[i] != expected_buf[i]) {
                if (mismatches == 0) {
                    printf("MISMATCH clip=%ld index=%ld got=%d want=%d\n", (long)c, (long)i, features_buf[i],
                           expected_buf[i]);
                }
                mismatches++;
            }
        }
        if (mismatches != 0) {
            printf("FAIL clip=%ld mismatches=%ld\n", (long)c, (long)mismatches);
            failed++;
        }
        total_mismatches += mismatches;
    }
    fclose(f);
    failed += check_arg_errors();
    printf("TOPS_MFCC_TEST clips=%ld values=%ld mismatches=%ld failed=%d\n", (long)clips, (long)values,
           (long)total_mismatches, failed);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
