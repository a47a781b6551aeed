/*
 * Requantization, dsp variant: the same function as kernels/ref/tops_requantize.c (contract
 * src/nn/int-reference/requantize.ts), computed with one SMULL instead of an int64 rounding
 * division; see tops_requantize_inline in tops_dsp.h for why the two agree bit for bit.
 */
#include "tops_dsp.h"

int32_t tops_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    return tops_requantize_inline(x, multiplier, shift);
}
