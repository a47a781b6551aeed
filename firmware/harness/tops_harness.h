/*
 * What the board harnesses (tops_model_main.c, tops_ad_patch_main.c) share: the board hooks
 * (instruction-count markers and stack high-water mark of tops_board.h; no-ops in a host build,
 * which has no start-up) and the per-layer dump of vector 0 into layers.bin. Each harness is a
 * program of its own, so the definitions are static and each harness includes the header once,
 * before its own code.
 */
#ifndef TOPS_HARNESS_H
#define TOPS_HARNESS_H

#include <stdio.h>
#include <stdint.h>

#ifdef TOPS_HOST_BUILD
static void tops_mark(void) {}
static void tops_stack_repaint(void) {}
static uint32_t tops_stack_high_water(void) { return 0; }
#else
#include "tops_board.h"
#endif

/* layers.bin, opened by main(); NULL when it cannot be written (then no dump). */
static FILE *layers_file;

/* The layer hook of vector 0: every op's output, in op order. */
static void dump_layer(int32_t op, const char *name, const int8_t *data, int32_t bytes)
{
    (void)op;
    (void)name;
    fwrite(data, 1, (size_t)bytes, layers_file);
}

#endif /* TOPS_HARNESS_H */
