/*
 * Sub-byte weight access for the s4/s2 kernels (internal). The packing is the one of
 * src/quant/sub-byte.ts (MicroNets §5.1.3; thesis ch. 4): a filter tensor in its int8 layout,
 * flattened row-major, element i of
 *   int4: byte i/2, bits 0-3 for even i, bits 4-7 for odd i;
 *   int2: byte i/4, bits 2*(i%4) .. 2*(i%4)+1;
 * two's complement fields, sign-extended on read. Rows are not byte-aligned (a row of an odd
 * number of int4 weights starts mid-byte), so the dot products handle a misaligned head.
 *
 * Sign extension is ((field ^ half) - half): no shifts of negative values (undefined in C).
 */
#ifndef TOPS_SUB_BYTE_H
#define TOPS_SUB_BYTE_H

#include "tops_common.h"

static inline int32_t tops_s4_field(uint32_t nibble)
{
    return (int32_t)(nibble ^ 8u) - 8;
}

static inline int32_t tops_s2_field(uint32_t field)
{
    return (int32_t)(field ^ 2u) - 2;
}

/** Weight `index` of a packed tensor with `bits` (4 or 2) per weight. */
static inline int32_t tops_packed_weight(const uint8_t *packed, int32_t bits, int32_t index)
{
    if (bits == 4) {
        return tops_s4_field((uint32_t)(packed[index >> 1] >> ((index & 1) * 4)) & 0x0Fu);
    }
    return tops_s2_field((uint32_t)(packed[index >> 2] >> ((index & 3) * 2)) & 0x03u);
}

/** Σ (in[i] + offset) · w[index + i], i < n, int4 weights: two per byte once aligned. */
static inline int32_t tops_dot_s4(const int8_t *in, int32_t offset, const uint8_t *packed, int32_t index, int32_t n)
{
    const uint8_t *p = packed + (index >> 1);
    int32_t acc = 0;
    int32_t i = 0;
    if ((index & 1) != 0 && n > 0) {
        acc += ((int32_t)in[0] + offset) * tops_s4_field((uint32_t)*p++ >> 4);
        i = 1;
    }
    /* Four weights (two bytes) per iteration: the loop overhead of one byte is what made s4
       slower than s2 on pointwise layers (test/bench/sub-byte-kernels.bench.ts). */
    for (; i + 3 < n; i += 4) {
        const uint32_t b0 = p[0];
        const uint32_t b1 = p[1];
        p += 2;
        acc += ((int32_t)in[i] + offset) * tops_s4_field(b0 & 0x0Fu);
        acc += ((int32_t)in[i + 1] + offset) * tops_s4_field(b0 >> 4);
        acc += ((int32_t)in[i + 2] + offset) * tops_s4_field(b1 & 0x0Fu);
        acc += ((int32_t)in[i + 3] + offset) * tops_s4_field(b1 >> 4);
    }
    for (; i + 1 < n; i += 2) {
        const uint32_t b = *p++;
        acc += ((int32_t)in[i] + offset) * tops_s4_field(b & 0x0Fu);
        acc += ((int32_t)in[i + 1] + offset) * tops_s4_field(b >> 4);
    }
    if (i < n) {
        acc += ((int32_t)in[i] + offset) * tops_s4_field((uint32_t)*p & 0x0Fu);
    }
    return acc;
}

/** The same for int2 weights: four per byte once aligned. */
static inline int32_t tops_dot_s2(const int8_t *in, int32_t offset, const uint8_t *packed, int32_t index, int32_t n)
{
    int32_t acc = 0;
    int32_t i = 0;
    const uint8_t *p;
    for (; i < n && ((index + i) & 3) != 0; i++) {
        acc += ((int32_t)in[i] + offset) * tops_packed_weight(packed, 2, index + i);
    }
    p = packed + ((index + i) >> 2);
    for (; i + 3 < n; i += 4) {
        const uint32_t b = *p++;
        acc += ((int32_t)in[i] + offset) * tops_s2_field(b & 3u);
        acc += ((int32_t)in[i + 1] + offset) * tops_s2_field((b >> 2) & 3u);
        acc += ((int32_t)in[i + 2] + offset) * tops_s2_field((b >> 4) & 3u);
        acc += ((int32_t)in[i + 3] + offset) * tops_s2_field(b >> 6);
    }
    for (; i < n; i++) {
        acc += ((int32_t)in[i] + offset) * tops_packed_weight(packed, 2, index + i);
    }
    return acc;
}

static inline int32_t tops_dot_packed(int32_t bits, const int8_t *in, int32_t offset, const uint8_t *packed,
                                      int32_t index, int32_t n)
{
    if (n == 1) {
        /* One input channel (a KWS model's first conv): a single extraction, no loop set-up. */
        return ((int32_t)in[0] + offset) * tops_packed_weight(packed, bits, index);
    }
    return bits == 4 ? tops_dot_s4(in, offset, packed, index, n) : tops_dot_s2(in, offset, packed, index, n);
}

#endif /* TOPS_SUB_BYTE_H */
