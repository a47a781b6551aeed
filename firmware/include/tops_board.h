/*
 * Board services of the tinyops start-up (firmware/boards/cortex-m/tops_startup.c): region
 * markers for the instruction-count plugin and the stack high-water mark. Not part of the
 * kernel API (tops_nn.h); a harness or generated model main() uses them.
 */
#ifndef TOPS_BOARD_H
#define TOPS_BOARD_H

#include <stdint.h>

/**
 * Region marker: an empty function that is never inlined. The QEMU plugin
 * (firmware/tools/qemu-insn-plugin) snapshots the running instruction count each time its
 * address executes, so the instructions between two calls are the difference of snapshots.
 */
void tops_mark(void);

/**
 * Bytes of stack used since reset or the last tops_stack_repaint(): the distance from the top
 * of the stack to the deepest word that no longer holds the start-up's paint pattern. Equals
 * the whole reservation if the stack overflowed it. The last value returned is what the
 * start-up prints at exit ("TOPS_STACK_HIGH_WATER <bytes>" on semihosting stderr); without a
 * call, it measures the whole run at exit.
 */
uint32_t tops_stack_high_water(void);

/** Paint the free stack below the caller again, so the next measurement covers only what follows. */
void tops_stack_repaint(void);

/** Bytes of heap handed out by _sbrk (newlib's malloc, e.g. semihosting stdio buffers). */
uint32_t tops_heap_used(void);

#endif /* TOPS_BOARD_H */
