/*
 * Fully connected layer with packed int4 / int2 weights [C_OUT, C_IN], dsp variant (replaces
 * kernels/ref/tops_fully_connected_sub_byte.c; bit-exact with it). The input row (+ offset) is
 * widened once into a q15 column (two batch rows share a pass), then every output is an SMLAD
 * dot product with its packed row unpacked in registers (tops_sb_mat_pair). Scratch: a tops_rq
 * per output, then the column pair (4 bytes per input value).
 */
#include "tops_sub_byte_dsp.h"

static int32_t buffer_size(const tops_dims *filter_dims)
{
    return filter_dims == 0 ? 0 : tops_sb_mat_scratch(filter_dims->n, filter_dims->c);
}

int32_t tops_fully_connected_s4_get_buffer_size(const tops_dims *filter_dims)
{
    return buffer_size(filter_dims);
}

int32_t tops_fully_connected_s2_get_buffer_size(const tops_dims *filter_dims)
{
    return buffer_size(filter_dims);
}

TOPS_ALWAYS_INLINE tops_status fully_connected_packed_dsp(int32_t bits, const tops_context *ctx,
                                              const tops_fully_connected_params *params,
                                              const tops_per_tensor_quant_params *quant,
                                              const tops_dims *input_dims, const int8_t *input,
                                              const tops_dims *filter_dims, const uint8_t *filter,
                                              const tops_dims *bias_dims, const int32_t *bias,
                                              const tops_dims *output_dims, int8_t *output)
{
    int32_t b, depth, out_depth;
    tops_rq *rq;
    int16_t *pair;
    tops_out_params op;
    if (params == 0 || !tops_fully_connected_args_valid(quant, &params->activation, input_dims, input, filter_dims,
                                                        filter, bias_dims, bias, output_dims, output)) {
        return TOPS_ARG_ERROR;
    }
    if (!tops_scratch_valid(ctx, buffer_size(filter_dims))) {
        return TOPS_ARG_ERROR;
    }
    depth = filter_dims->c;
    out_depth = output_dims->c;
    if (!tops_sb_len_ok(depth)) {
        for (b = 0; b < input_dims->n; b++) { /* the reference arithmetic, for very long rows */
            int32_t o;
            for (o = 0; o < out_depth; o++) {
                int32_t acc = bias != 0 ? bias[o] : 0;
                acc += tops_dot_packed(bits, input + b * depth, params->input_offset, filter, o * depth, depth);
                acc = tops_requantize(acc, quant->multiplier, quant->shift) + params->output_offset;
                output[b * out_depth + o] = tops_clamp_s8(acc, &params->activation);
            }
        }
        return TOPS_OK;
    }
    rq = (tops_rq *)ctx->buf;
    pair = (int16_t *)(void *)(rq + out_depth);
    op.bias = bias;
    op.rq = tops_rq_prepare(rq, out_depth, &quant->multiplier, &quant->shift, 0, params->output_offset, bias, depth,
                            params->input_offset) ? rq : 0;
    op.multiplier = &quant->multiplier;
    op.shift = &quant->shift;
    op.output_offset = params->output_offset;
    op.act_min = params->activation.min;
    op.act_max = params->activation.max;
    for (b = 0; b + 2 <= input_dims->n; b += 2) {
        tops_sb_pair_put(bits, pair, 0, depth, input + b * depth, params->input_offset);
        tops_sb_pair_put(bits, pair, 1, depth, input + (b + 1) * depth, params->input_offset);
        tops_sb_mat_pair(bits, filter, out_depth, depth, pair, 1, 0, &op, output + b * out_depth,
                         output + (b + 1) * out_depth);
    }
    if (b < input_dims->n) {
        tops_sb_pair_put(bits, pair, 0, depth, input + b * depth, params->input_offset);
        tops_sb_mat_pair(bits, filter, out_depth, depth, pair, 0, 0, &op, output + b * out_depth, output + b * out_depth);
    }
    return TOPS_OK;
}

tops_status tops_fully_connected_s4(const tops_context *ctx, const tops_fully_connected_params *params,
                                    const tops_per_tensor_quant_params *quant,
                                    const tops_dims *input_dims, const int8_t *input,
                                    const tops_dims *filter_dims, const uint8_t *packed_filter,
                                    const tops_dims *bias_dims, const int32_t *bias,
                                    const tops_dims *output_dims, int8_t *output)
{
    return fully_connected_packed_dsp(4, ctx, params, quant, input_dims, input, filter_dims, packed_filter, bias_dims,
                                      bias, output_dims, output);
}

tops_status tops_fully_connected_s2(const tops_context *ctx, const tops_fully_connected_params *params,
                                    const tops_per_tensor_quant_params *quant,
                                    const tops_dims *input_dims, const int8_t *input,
                                    const tops_dims *filter_dims, const uint8_t *packed_filter,
                                    const tops_dims *bias_dims, const int32_t *bias,
                                    const tops_dims *output_dims, int8_t *output)
{
    return fully_connected_packed_dsp(2, ctx, params, quant, input_dims, input, filter_dims, packed_filter, bias_dims,
                                      bias, output_dims, output);
}
