/*
 * Kernel benchmark firmware (test/bench/kernels.bench.ts): runs one int8 DS-CNN-S layer of each
 * kind on deterministic pseudo-random data, each call bracketed by tops_mark() so the QEMU
 * plugin's snapshots give the instructions of that call alone. Built once with the ref and once
 * with the dsp kernels; prints "LAYER <name> status=<s> checksum=<c>" so the bench can check
 * both variants computed the same outputs.
 *
 * Shapes (MicroNets / Hello Edge DS-CNN-S on 49x10 MFCC): conv 10x4 stride 2 "same" padding
 * 49x10x1 -> 25x5x64; depthwise 3x3 stride 1 pad 1 on 25x5x64; pointwise 64 -> 64 on 25x5;
 * fully connected 64 -> 12.
 */
#include <stdint.h>
#include <stdio.h>

#include "tops_board.h"
#include "tops_nn.h"

#define CH 64
#define OH 25
#define OW 5

static int8_t in_mfcc[49 * 10];
static int8_t conv_w[CH * 10 * 4];
static int8_t act_a[OH * OW * CH];
static int8_t act_b[OH * OW * CH];
static int8_t dw_w[3 * 3 * CH];
static int8_t pw_w[CH * CH];
static int8_t fc_w[12 * CH];
static int8_t fc_out[12];
static int32_t bias[CH];
static int32_t mult[CH];
static int32_t shift[CH];
static int32_t scratch[1024];

static uint32_t lcg_state = 12345u;

static int8_t next_s8(void)
{
    lcg_state = lcg_state * 1664525u + 1013904223u;
    return (int8_t)(lcg_state >> 24);
}

static void fill(int8_t *p, int32_t n)
{
    int32_t i;
    for (i = 0; i < n; i++) {
        p[i] = next_s8();
    }
}

static uint32_t checksum(const int8_t *p, int32_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    int32_t i;
    for (i = 0; i < n; i++) {
        h = (h ^ (uint8_t)p[i]) * 16777619u;
    }
    return h;
}

static tops_context context_for(int32_t bytes)
{
    tops_context ctx = {0, 0};
    if (bytes > (int32_t)sizeof scratch) {
        printf("scratch too small: %ld\n", (long)bytes);
        ctx.size = -1; /* the kernel rejects it and the bench reports the status */
        return ctx;
    }
    if (bytes > 0) {
        ctx.buf = scratch;
        ctx.size = bytes;
    }
    return ctx;
}

static void report(const char *name, tops_status s, const int8_t *out, int32_t n)
{
    printf("LAYER %s status=%d checksum=%lu\n", name, (int)s, (unsigned long)checksum(out, n));
}

int main(void)
{
    int32_t i;
    tops_status s;
    const tops_per_channel_quant_params pc = {mult, shift, 0, 0, 0};
    fill(in_mfcc, (int32_t)sizeof in_mfcc);
    fill(conv_w, (int32_t)sizeof conv_w);
    fill(dw_w, (int32_t)sizeof dw_w);
    fill(pw_w, (int32_t)sizeof pw_w);
    fill(fc_w, (int32_t)sizeof fc_w);
    for (i = 0; i < CH; i++) {
        bias[i] = (int32_t)next_s8() * 37;
        mult[i] = 1300000000 + (int32_t)next_s8() * 1000000;
        shift[i] = -8 - (i & 3);
    }
    {
        const tops_dims in_d = {1, 49, 10, 1}, f_d = {CH, 10, 4, 1}, b_d = {1, 1, 1, CH}, o_d = {1, OH, OW, CH};
        const tops_conv2d_params p = {5, -3, {2, 2}, {1, 4}, {-128, 127}};
        const tops_context ctx = context_for(tops_conv2d_s8_get_buffer_size(&in_d, &f_d));
        tops_mark();
        s = tops_conv2d_s8(&ctx, &p, &pc, &in_d, in_mfcc, &f_d, conv_w, &b_d, bias, &o_d, act_a);
        tops_mark();
        report("conv2d", s, act_a, (int32_t)sizeof act_a);
    }
    {
        const tops_dims d = {1, OH, OW, CH}, f_d = {1, 3, 3, CH}, b_d = {1, 1, 1, CH};
        const tops_depthwise_conv2d_params p = {-7, 2, {1, 1}, {1, 1}, {-128, 127}};
        const tops_context ctx = context_for(tops_depthwise_conv2d_s8_get_buffer_size(&d, &f_d));
        tops_mark();
        s = tops_depthwise_conv2d_s8(&ctx, &p, &pc, &d, act_a, &f_d, dw_w, &b_d, bias, &d, act_b);
        tops_mark();
        report("depthwise_conv2d", s, act_b, (int32_t)sizeof act_b);
    }
    {
        const tops_dims d = {1, OH, OW, CH}, f_d = {CH, 1, 1, CH}, b_d = {1, 1, 1, CH};
        const tops_conv2d_params p = {-2, 1, {1, 1}, {0, 0}, {-128, 127}};
        const tops_context ctx = context_for(tops_pointwise_conv2d_s8_get_buffer_size(&d, &f_d));
        tops_mark();
        s = tops_pointwise_conv2d_s8(&ctx, &p, &pc, &d, act_b, &f_d, pw_w, &b_d, bias, &d, act_a);
        tops_mark();
        report("pointwise_conv2d", s, act_a, (int32_t)sizeof act_a);
    }
    {
        const tops_dims in_d = {1, 1, 1, CH}, f_d = {12, 1, 1, CH}, b_d = {1, 1, 1, 12}, o_d = {1, 1, 1, 12};
        const tops_fully_connected_params p = {3, -1, {-128, 127}};
        const tops_per_tensor_quant_params pt = {1400000000, -7};
        const tops_context ctx = context_for(tops_fully_connected_s8_get_buffer_size(&f_d));
        tops_mark();
        s = tops_fully_connected_s8(&ctx, &p, &pt, &in_d, act_a, &f_d, fc_w, &b_d, bias, &o_d, fc_out);
        tops_mark();
        report("fully_connected", s, fc_out, (int32_t)sizeof fc_out);
    }
    return 0;
}
