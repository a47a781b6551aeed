/*
 * Requantization, dsp variant: the same function as kernels/ref/tops_requantize.c (contract
 * src/nn/int-reference/requantize.ts), computed with one SMULL/SMLAL instead of an int64
 * rounding division: the reference's "(a*b + nudge) / 2^31, truncating" equals
 * floor((a*b + 2^30) / 2^31) for both signs (for a*b < 0 the nudge 1 - 2^30 plus the 2^31 - 1
 * that turns truncation into floor sum to 2^30). The kernels inline the common case
 * (tops_requantize_inline in tops_dsp.h) and call this for left shifts and the saturation
 * corner; the harness's requantization cases test both paths.
 */
#include "tops_dsp.h"

int32_t tops_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    int64_t shifted = (int64_t)x * ((int64_t)1 << left);
    int32_t a, high, mask, threshold;
    if (shifted > INT32_MAX) {
        shifted = INT32_MAX;
    } else if (shifted < INT32_MIN) {
        shifted = INT32_MIN;
    }
    a = (int32_t)shifted;
    if (a == INT32_MIN && multiplier == INT32_MIN) {
        high = INT32_MAX;
    } else {
        high = (int32_t)(((int64_t)a * multiplier + ((int64_t)1 << 30)) >> 31);
    }
    if (shift >= 0) {
        return high;
    }
    mask = (int32_t)(((uint32_t)1 << -shift) - 1u);
    threshold = (mask >> 1) + (int32_t)((uint32_t)high >> 31);
    return (high >> -shift) + ((high & mask) > threshold ? 1 : 0);
}
