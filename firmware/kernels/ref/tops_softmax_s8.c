/*
 * Reference int8 softmax by exponent look-up table (contract and LUT definition:
 * src/nn/int-reference/softmax.ts). Per row: e_i = lut[max - x_i], S = sum e_i (int64),
 * q_i = (512 e_i + S) / (2 S)  (e_i * 256 / S rounded half up), out_i = min(q_i - 128, 127).
 */
#include "tops_common.h"

tops_status tops_softmax_s8(const tops_softmax_params *params,
                            const tops_dims *dims, const int8_t *input, int8_t *output)
{
    int32_t row, rows, i, depth;
    if (params == 0 || params->exp_lut == 0 || params->exp_lut[0] <= 0 || input == 0 || output == 0 ||
        !tops_dims_valid(dims)) {
        return TOPS_ARG_ERROR;
    }
    depth = dims->c;
    rows = dims->n * dims->h * dims->w;
    for (row = 0; row < rows; row++) {
        const int8_t *in = input + row * depth;
        int8_t *out = output + row * depth;
        int32_t max = -128;
        int64_t sum = 0;
        for (i = 0; i < depth; i++) {
            if (in[i] > max) {
                max = in[i];
            }
        }
        for (i = 0; i < depth; i++) {
            sum += params->exp_lut[max - in[i]];
        }
        /* sum >= exp_lut[0] > 0: the row maximum contributes exp_lut[0]. */
        for (i = 0; i < depth; i++) {
            const int64_t e = params->exp_lut[max - in[i]];
            int32_t q = (int32_t)((512 * e + sum) / (2 * sum)) - 128;
            out[i] = (int8_t)(q > 127 ? 127 : q);
        }
    }
    return TOPS_OK;
}
