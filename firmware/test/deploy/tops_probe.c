/*
 * Probe firmware for the src/deploy tests (test/integration/firmware-deploy.test.ts): each
 * -D switch turns on one behaviour whose effect the test can predict.
 *   TOPS_PROBE_LOOP=N        N iterations of a fixed-size loop between two tops_mark() calls
 *   TOPS_PROBE_LOCAL_BYTES=N a function that fills a local array of N bytes (stack use)
 *   TOPS_PROBE_FLASH_BYTES=N a const array of N bytes kept in flash (link overflow)
 *   TOPS_PROBE_FILE_IO       read in.bin from QEMU's cwd, write out.bin with every byte + 1
 *   TOPS_PROBE_HANG          spin forever (timeout handling)
 *   TOPS_PROBE_EXIT=N        exit status
 */
#include <stdint.h>
#include <stdio.h>

#include "tops_board.h"

#ifndef TOPS_PROBE_EXIT
#define TOPS_PROBE_EXIT 0
#endif

#ifdef TOPS_PROBE_FLASH_BYTES
/* volatile reads below keep the whole array alive through --gc-sections. */
const uint8_t tops_probe_blob[TOPS_PROBE_FLASH_BYTES] = {1};
#endif

#ifdef TOPS_PROBE_LOOP
/* volatile accumulator: the compiler may neither unroll the loop away nor vectorise it. The
   count is read at run time so every N compiles to the same instructions (a constant would
   change the compare's encoding), making the cost exactly a + k*N. */
static volatile uint32_t tops_probe_sink;
static volatile uint32_t tops_probe_iterations = TOPS_PROBE_LOOP;

static __attribute__((noinline)) void probe_loop(void)
{
    const uint32_t n = tops_probe_iterations;
    uint32_t i;
    for (i = 0; i < n; i++) {
        tops_probe_sink = tops_probe_sink + i;
    }
}
#endif

#ifdef TOPS_PROBE_LOCAL_BYTES
static __attribute__((noinline)) uint32_t probe_local(uint32_t seed)
{
    volatile uint8_t local[TOPS_PROBE_LOCAL_BYTES];
    uint32_t i, sum = 0;
    for (i = 0; i < sizeof local; i++) {
        local[i] = (uint8_t)(seed + i);
    }
    for (i = 0; i < sizeof local; i += 64) {
        sum += local[i];
    }
    return sum;
}
#endif

#ifdef TOPS_PROBE_FILE_IO
static int probe_file_io(void)
{
    uint8_t buf[256];
    size_t n, i;
    FILE *in = fopen("in.bin", "rb");
    FILE *out;
    if (in == NULL) {
        printf("cannot open in.bin\n");
        return 2;
    }
    n = fread(buf, 1, sizeof buf, in);
    fclose(in);
    for (i = 0; i < n; i++) {
        buf[i] = (uint8_t)(buf[i] + 1);
    }
    out = fopen("out.bin", "wb");
    if (out == NULL || fwrite(buf, 1, n, out) != n) {
        printf("cannot write out.bin\n");
        return 3;
    }
    fclose(out);
    printf("copied %lu bytes\n", (unsigned long)n);
    return 0;
}
#endif

#ifdef TOPS_PROBE_HANG
static volatile uint32_t tops_probe_spin;
#endif

int main(void)
{
    int status = TOPS_PROBE_EXIT;
    tops_mark();
#ifdef TOPS_PROBE_LOOP
    probe_loop();
    tops_mark();
#endif
#ifdef TOPS_PROBE_LOCAL_BYTES
    {
        /* Measure only the call: repaint below main's frame, call, read the mark. */
        uint32_t sum, used;
        tops_stack_repaint();
        sum = probe_local(7u);
        used = tops_stack_high_water();
        printf("local sum %lu stack %lu\n", (unsigned long)sum, (unsigned long)used);
    }
#endif
#ifdef TOPS_PROBE_FLASH_BYTES
    printf("blob %d\n", ((const volatile uint8_t *)tops_probe_blob)[TOPS_PROBE_FLASH_BYTES - 1]);
#endif
#ifdef TOPS_PROBE_FILE_IO
    if (status == 0) {
        status = probe_file_io();
    }
#endif
#ifdef TOPS_PROBE_HANG
    for (;;) {
        tops_probe_spin++;
    }
#endif
    printf("probe done\n");
    return status;
}
