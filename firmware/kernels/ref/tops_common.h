/* Helpers shared by the reference kernels (internal: not part of the public API). */
#ifndef TOPS_COMMON_H
#define TOPS_COMMON_H

#include "tops_nn.h"

/** Every dim positive: an empty or negative shape is a caller bug, reported as TOPS_ARG_ERROR. */
static inline int tops_dims_valid(const tops_dims *d)
{
    return d != 0 && d->n > 0 && d->h > 0 && d->w > 0 && d->c > 0;
}

static inline int tops_activation_valid(const tops_activation *a)
{
    return a->min >= -128 && a->max <= 127 && a->min <= a->max;
}

static inline int tops_shift_valid(int32_t shift)
{
    return shift >= -31 && shift <= 30;
}

static inline int tops_tile_positive(const tops_tile *t)
{
    return t->w > 0 && t->h > 0;
}

/** Clamp the final value (zero point already added) to the activation range, which lies inside int8. */
static inline int8_t tops_clamp_s8(int32_t v, const tops_activation *a)
{
    if (v < a->min) {
        v = a->min;
    }
    if (v > a->max) {
        v = a->max;
    }
    return (int8_t)v;
}

#endif /* TOPS_COMMON_H */
