/*
 * Emulated DMA for the external-memory partitioned models (firmware/include/tops_extmem.h says
 * why start poisons the destination and wait does the copy). In QEMU the "external memory" is
 * a separate RAM region the linker script places the activation arena (and external weights)
 * in (src/deploy/linker-script.ts); on a board the same calls drive the DMA controller.
 */
#include <string.h>
#include "tops_extmem.h"

/* What a destination holds between start and wait: never a plausible tensor (all bytes equal). */
#define TOPS_DMA_POISON 0x5A

tops_dma_stats tops_dma_counters;

void tops_dma_channel_init(tops_dma_channel *ch)
{
    ch->count = 0;
}

void tops_dma_start_2d(tops_dma_channel *ch, void *dst, int32_t dst_stride, const void *src, int32_t src_stride,
                       int32_t row_bytes, int32_t rows)
{
    int32_t r;
    if (ch->count == TOPS_DMA_QUEUE) {
        tops_dma_wait(ch); /* a real stream would stall too */
    }
    tops_dma_desc *d = &ch->pending[ch->count++];
    d->dst = (int8_t *)dst;
    d->src = (const int8_t *)src;
    d->row_bytes = row_bytes;
    d->rows = rows;
    d->dst_stride = dst_stride;
    d->src_stride = src_stride;
    for (r = 0; r < rows; r++) {
        memset(d->dst + r * dst_stride, TOPS_DMA_POISON, (size_t)row_bytes);
    }
    tops_dma_counters.transfers++;
    tops_dma_counters.bytes += (uint32_t)(row_bytes * rows);
}

void tops_dma_start(tops_dma_channel *ch, void *dst, const void *src, int32_t bytes)
{
    tops_dma_start_2d(ch, dst, bytes, src, bytes, bytes, 1);
}

void tops_dma_wait(tops_dma_channel *ch)
{
    int32_t i;
    int32_t r;
    for (i = 0; i < ch->count; i++) {
        const tops_dma_desc *d = &ch->pending[i];
        for (r = 0; r < d->rows; r++) {
            memcpy(d->dst + r * d->dst_stride, d->src + r * d->src_stride, (size_t)d->row_bytes);
        }
    }
    ch->count = 0;
}

void tops_dma_note_compute(const tops_dma_channel *channels, int32_t count)
{
    int32_t i;
    for (i = 0; i < count; i++) {
        tops_dma_counters.overlapped += (uint32_t)channels[i].count;
    }
    tops_dma_counters.kernel_calls++;
}
