/*
 * Reference int8 element-wise add, TFLite scheme: both inputs shifted left for headroom,
 * rescaled to a common scale, summed, then rescaled to the output.
 * Contract: src/nn/int-reference/add.ts.
 */
#include "tops_common.h"

tops_status tops_add_s8(const tops_add_params *params,
                        const tops_dims *dims, const int8_t *input1, const int8_t *input2,
                        int8_t *output)
{
    int32_t i, size;
    if (params == 0 || input1 == 0 || input2 == 0 || output == 0 || !tops_dims_valid(dims) ||
        !tops_activation_valid(&params->activation) || params->left_shift < 0 || params->left_shift > 22 ||
        !tops_shift_valid(params->input1_shift) || !tops_shift_valid(params->input2_shift) ||
        !tops_shift_valid(params->output_shift)) {
        return TOPS_ARG_ERROR;
    }
    size = dims->n * dims->h * dims->w * dims->c;
    for (i = 0; i < size; i++) {
        /* |in + offset| <= 255, so the shifted values (and a + b) stay inside int32 for left_shift <= 22. */
        const int32_t x1 = ((int32_t)input1[i] + params->input1_offset) * ((int32_t)1 << params->left_shift);
        const int32_t x2 = ((int32_t)input2[i] + params->input2_offset) * ((int32_t)1 << params->left_shift);
        const int32_t a = tops_requantize(x1, params->input1_multiplier, params->input1_shift);
        const int32_t b = tops_requantize(x2, params->input2_multiplier, params->input2_shift);
        const int32_t sum = tops_requantize(a + b, params->output_multiplier, params->output_shift);
        output[i] = tops_clamp_s8(sum + params->output_offset, &params->activation);
    }
    return TOPS_OK;
}
