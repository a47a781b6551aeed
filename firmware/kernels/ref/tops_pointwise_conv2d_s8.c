/*
 * 1x1 convolution entry point: checks the shape and runs the general convolution, which is
 * the reference one or, in the dsp variant, dsp/tops_conv2d_s8.c (for a 1x1 filter that
 * already reduces to "one pixel's channels as a q15 column, int8 rows x two columns"), so
 * both variants share this file. Its own entry point keeps room for a dedicated fast path.
 */
#include "tops_common.h"

int32_t tops_pointwise_conv2d_s8_get_buffer_size(const tops_dims *input_dims, const tops_dims *filter_dims)
{
    return tops_conv2d_s8_get_buffer_size(input_dims, filter_dims);
}

tops_status tops_pointwise_conv2d_s8(const tops_context *ctx, const tops_conv2d_params *params,
                                     const tops_per_channel_quant_params *quant,
                                     const tops_dims *input_dims, const int8_t *input,
                                     const tops_dims *filter_dims, const int8_t *filter,
                                     const tops_dims *bias_dims, const int32_t *bias,
                                     const tops_dims *output_dims, int8_t *output)
{
    if (!tops_pointwise_shape_valid(params, filter_dims)) {
        return TOPS_ARG_ERROR;
    }
    return tops_conv2d_s8(ctx, params, quant, input_dims, input, filter_dims, filter, bias_dims, bias,
                          output_dims, output);
}
