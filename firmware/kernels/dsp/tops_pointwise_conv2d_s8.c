/*
 * 1x1 convolution, dsp variant: the general dsp convolution already reduces to "convert one
 * pixel's channels to a q15 column, then int8 rows x two columns" for a 1x1 filter, so this
 * entry point only checks the shape (as the reference does) and forwards.
 */
#include "tops_dsp.h"

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
    if (params == 0 || filter_dims == 0 || filter_dims->h != 1 || filter_dims->w != 1 ||
        params->padding.w != 0 || params->padding.h != 0) {
        return TOPS_ARG_ERROR;
    }
    return tops_conv2d_s8(ctx, params, quant, input_dims, input, filter_dims, filter, bias_dims, bias,
                          output_dims, output);
}
