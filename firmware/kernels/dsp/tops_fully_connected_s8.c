/*
 * int8 fully connected, dsp variant (bit-exact with kernels/ref/tops_fully_connected_s8.c).
 * The input row (+ input offset) is widened once into a q15 column in the scratch buffer; each
 * output is then an SMLAD dot product with its int8 weight row (tops_mat_q15_s8), two rows
 * per pass.
 */
#include "tops_dsp.h"

int32_t tops_fully_connected_s8_get_buffer_size(const tops_dims *filter_dims)
{
    return filter_dims == 0 ? 0 : filter_dims->c * (int32_t)sizeof(int16_t);
}

tops_status tops_fully_connected_s8(const tops_context *ctx, const tops_fully_connected_params *params,
                                    const tops_per_tensor_quant_params *quant,
                                    const tops_dims *input_dims, const int8_t *input,
                                    const tops_dims *filter_dims, const int8_t *filter,
                                    const tops_dims *bias_dims, const int32_t *bias,
                                    const tops_dims *output_dims, int8_t *output)
{
    int32_t b, depth, out_depth;
    int16_t *col;
    if (params == 0 || !tops_fully_connected_args_valid(quant, &params->activation, input_dims, input, filter_dims,
                                                        filter, bias_dims, bias, output_dims, output)) {
        return TOPS_ARG_ERROR;
    }
    depth = filter_dims->c;
    out_depth = output_dims->c;
    if (!tops_scratch_valid(ctx, tops_fully_connected_s8_get_buffer_size(filter_dims))) {
        return TOPS_ARG_ERROR;
    }
    col = (int16_t *)ctx->buf;
    for (b = 0; b < input_dims->n; b++) {
        tops_q15_column_put_s8(col, 0, depth, input + b * depth, depth, params->input_offset);
        tops_mat_q15_s8(filter, out_depth, depth, col, 0, bias, &quant->multiplier, &quant->shift, 0,
                        params->output_offset, &params->activation, output + b * out_depth, 0);
    }
    return TOPS_OK;
}
