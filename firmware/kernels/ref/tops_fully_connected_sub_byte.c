/*
 * Reference fully connected layer with packed int4 / int2 weights [C_OUT, C_IN] (row o starts
 * at flat index o * C_IN, possibly mid-byte): the arithmetic of tops_fully_connected_s8 on the
 * unpacked weights. Contract: src/nn/int-reference/sub-byte.ts.
 */
#include "tops_sub_byte.h"

static tops_status fully_connected_packed(int32_t bits, const tops_fully_connected_params *params,
                                          const tops_per_tensor_quant_params *quant,
                                          const tops_dims *input_dims, const int8_t *input,
                                          const tops_dims *filter_dims, const uint8_t *filter,
                                          const tops_dims *bias_dims, const int32_t *bias,
                                          const tops_dims *output_dims, int8_t *output)
{
    int32_t b, o, depth, out_depth;
    if (params == 0 || !tops_fully_connected_args_valid(quant, &params->activation, input_dims, input, filter_dims,
                                                        filter, bias_dims, bias, output_dims, output)) {
        return TOPS_ARG_ERROR;
    }
    depth = filter_dims->c;
    out_depth = output_dims->c;
    for (b = 0; b < input_dims->n; b++) {
        const int8_t *in_row = input + b * depth;
        for (o = 0; o < out_depth; o++) {
            int32_t acc = bias != 0 ? bias[o] : 0;
            acc += tops_dot_packed(bits, in_row, params->input_offset, filter, o * depth, depth);
            acc = tops_requantize(acc, quant->multiplier, quant->shift) + params->output_offset;
            output[b * out_depth + o] = tops_clamp_s8(acc, &params->activation);
        }
    }
    return TOPS_OK;
}

int32_t tops_fully_connected_s4_get_buffer_size(const tops_dims *filter_dims)
{
    (void)filter_dims;
    return 0;
}

int32_t tops_fully_connected_s2_get_buffer_size(const tops_dims *filter_dims)
{
    return tops_fully_connected_s4_get_buffer_size(filter_dims);
}

tops_status tops_fully_connected_s4(const tops_context *ctx, const tops_fully_connected_params *params,
                                    const tops_per_tensor_quant_params *quant,
                                    const tops_dims *input_dims, const int8_t *input,
                                    const tops_dims *filter_dims, const uint8_t *packed_filter,
                                    const tops_dims *bias_dims, const int32_t *bias,
                                    const tops_dims *output_dims, int8_t *output)
{
    (void)ctx;
    return fully_connected_packed(4, params, quant, input_dims, input, filter_dims, packed_filter, bias_dims, bias,
                                  output_dims, output);
}

tops_status tops_fully_connected_s2(const tops_context *ctx, const tops_fully_connected_params *params,
                                    const tops_per_tensor_quant_params *quant,
                                    const tops_dims *input_dims, const int8_t *input,
                                    const tops_dims *filter_dims, const uint8_t *packed_filter,
                                    const tops_dims *bias_dims, const int32_t *bias,
                                    const tops_dims *output_dims, int8_t *output)
{
    (void)ctx;
    return fully_connected_packed(2, params, quant, input_dims, input, filter_dims, packed_filter, bias_dims, bias,
                                  output_dims, output);
}
