/*
 * Requantization, TFLite semantics (contract: src/nn/int-reference/requantize.ts).
 * Only int32/int64 arithmetic; the int64 product is what a Cortex-M4 SMULL gives.
 */
#include "tops_nn.h"

/* a*b / 2^31 rounded to nearest, ties toward +infinity (-0.5 -> 0, the gemmlowp nudge);
   INT32_MIN * INT32_MIN saturates. */
static int32_t tops_srdhm(int32_t a, int32_t b)
{
    int64_t ab;
    int64_t nudge;
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    ab = (int64_t)a * (int64_t)b;
    nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    /* C99 division truncates toward zero: that, with the nudge, is the rounding rule. */
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* x / 2^exponent rounded half away from zero; exponent in [0, 31]. */
static int32_t tops_rounding_divide_by_pot(int32_t x, int32_t exponent)
{
    int32_t mask;
    int32_t remainder;
    int32_t threshold;
    int32_t result;
    if (exponent == 0) {
        return x;
    }
    mask = (int32_t)(((int64_t)1 << exponent) - 1);
    remainder = x & mask;
    threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    /* Arithmetic right shift of a negative int32: implementation-defined in C99 but arithmetic
       on gcc for every target we build; divide by a power of two rounding down otherwise. */
    result = x >> exponent;
    return result + (remainder > threshold ? 1 : 0);
}

int32_t tops_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    const int32_t left = shift > 0 ? shift : 0;
    const int32_t right = shift > 0 ? 0 : -shift;
    /* Saturate x * 2^left instead of overflowing (TFLite leaves that undefined). */
    int64_t shifted = (int64_t)x * ((int64_t)1 << left);
    if (shifted > INT32_MAX) {
        shifted = INT32_MAX;
    } else if (shifted < INT32_MIN) {
        shifted = INT32_MIN;
    }
    return tops_rounding_divide_by_pot(tops_srdhm((int32_t)shifted, multiplier), right);
}
