/*
 * Reference int8 fully connected layer, per-tensor requantization.
 * Contract: src/nn/int-reference/fully-connected.ts.
 */
#include "tops_common.h"

int32_t tops_fully_connected_s8_get_buffer_size(const tops_dims *filter_dims)
{
    (void)filter_dims;
    return 0;
}

tops_status tops_fully_connected_s8(const tops_context *ctx, const tops_fully_connected_params *params,
                                    const tops_per_tensor_quant_params *quant,
                                    const tops_dims *input_dims, const int8_t *input,
                                    const tops_dims *filter_dims, const int8_t *filter,
                                    const tops_dims *bias_dims, const int32_t *bias,
                                    const tops_dims *output_dims, int8_t *output)
{
    int32_t b, o, i, depth, out_depth;
    (void)ctx;
    if (params == 0 || !tops_fully_connected_args_valid(quant, &params->activation, input_dims, input, filter_dims,
                                                        filter, bias_dims, bias, output_dims, output)) {
        return TOPS_ARG_ERROR;
    }
    depth = filter_dims->c;
    out_depth = output_dims->c;
    for (b = 0; b < input_dims->n; b++) {
        const int8_t *in_row = input + b * depth;
        for (o = 0; o < out_depth; o++) {
            const int8_t *w_row = filter + o * depth;
            int32_t acc = bias != 0 ? bias[o] : 0;
            for (i = 0; i < depth; i++) {
                acc += ((int32_t)in_row[i] + params->input_offset) * (int32_t)w_row[i];
            }
            acc = tops_requantize(acc, quant->multiplier, quant->shift) + params->output_offset;
            output[b * out_depth + o] = tops_clamp_s8(acc, &params->activation);
        }
    }
    return TOPS_OK;
}
