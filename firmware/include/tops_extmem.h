/*
 * DMA-like transfers between external memory and SRAM fast buffers, for models the partition
 * planner (src/codegen/partition-plan.ts) split into parts (TinyOps, Sadiq et al., §IV-A:
 * double buffering, the DMA fetches the next part while the CPU computes this one).
 *
 * The interface is what a DMA stream offers: start a transfer on a channel, later wait for it.
 * firmware/runtime/tops_extmem.c implements it with copies for the emulator, with the semantics
 * of an asynchronous engine made observable: start fills the destination with a poison pattern
 * (the engine may be writing it at any time) and the bytes arrive only when wait returns, so a
 * schedule that reads a buffer before waiting for it, or reuses a buffer still being filled or
 * drained, gives wrong outputs instead of silently working. A board port implements the same
 * four functions with its DMA controller.
 */
#ifndef TOPS_EXTMEM_H
#define TOPS_EXTMEM_H

#include <stdint.h>

/** Transfers one channel can have in flight (input slices of a two-input op plus a weight slice). */
#define TOPS_DMA_QUEUE 4

typedef struct {
    int8_t *dst;
    const int8_t *src;
    int32_t row_bytes;
    int32_t rows;
    int32_t dst_stride;
    int32_t src_stride;
} tops_dma_desc;

typedef struct {
    tops_dma_desc pending[TOPS_DMA_QUEUE];
    int32_t count;
} tops_dma_channel;

/** One part of a partitioned op (src/codegen/partition-plan.ts PartSlice), in the generated parts tables. */
typedef struct {
    int32_t out_row;
    int32_t out_rows;
    int32_t in_row;
    int32_t in_rows;
    int32_t pad_top;
    int32_t channel;
    int32_t channels;
} tops_part;

/** Counters since reset: every transfer started, bytes moved, and transfers in flight while a kernel ran. */
typedef struct {
    uint32_t transfers;
    uint32_t bytes;
    /** Sum over kernel calls of the transfers in flight when the kernel started (> 0: the schedule overlaps). */
    uint32_t overlapped;
    uint32_t kernel_calls;
} tops_dma_stats;

extern tops_dma_stats tops_dma_counters;

void tops_dma_channel_init(tops_dma_channel *ch);
/** Starts a contiguous copy of `bytes` bytes. */
void tops_dma_start(tops_dma_channel *ch, void *dst, const void *src, int32_t bytes);
/** Starts a 2-D copy: `rows` rows of `row_bytes`, each row `dst_stride` / `src_stride` bytes after the previous. */
void tops_dma_start_2d(tops_dma_channel *ch, void *dst, int32_t dst_stride, const void *src, int32_t src_stride,
                       int32_t row_bytes, int32_t rows);
/** Returns when every transfer started on `ch` has completed. */
void tops_dma_wait(tops_dma_channel *ch);
/** Called by the generated code just before a kernel runs on a part: counts the transfers then in flight. */
void tops_dma_note_compute(const tops_dma_channel *channels, int32_t count);

#endif /* TOPS_EXTMEM_H */
