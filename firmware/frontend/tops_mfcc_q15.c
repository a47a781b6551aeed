/*
 * Fixed-point MFCC front end (MicroNets §4). The contract is the header comment of
 * src/dsp/mfcc-q15.ts (steps 1-7), src/dsp/fft-q30.ts (the integer real FFT) and
 * src/dsp/log2-q16.ts (the integer log2); step numbers below refer to it. Every rounding is
 * spelled exactly as there, so the output equals MfccQ15.compute bit for bit.
 *
 * `>>` on negative signed values is an arithmetic shift (floor) on GCC/ARM, which the contract
 * relies on (int-arith.ts sra); values are scaled up by multiplying, never by `<<` on signed.
 *
 * Scratch (caller-owned, 8-byte aligned), for N/2 = M:
 *   int64 band_power[max_band_length]   P[k] of the band being summed (steps 4-5)
 *   int32 z[2 (M + 1)]                  the complex FFT in place, then Y[0..M] in place,
 *                                       interleaved (re, im): one pointer per butterfly leg, so
 *                                       the inner loop keeps its operands in registers
 *   int32 log_mel[mel_bands]            step 6 output (tops_mfcc_q15_frame / _compute only)
 * The split step writes Y in place over Z, pairing k with M - k (both read the same two
 * values), so no separate spectrum buffer is needed: 4 472 bytes for the KWS config.
 */
#include <stddef.h>
#include <string.h>

#include "tops_mfcc.h"

/*
 * TOPS_MFCC_ASM: the written-out Thumb-2 loops (board builds); TOPS_MFCC_DSP: the Armv7E-M DSP
 * instructions too (SSUB16/SEL, SMLAWB/SMLAWT: Cortex-M4/M7). The host build (-DTOPS_HOST_BUILD)
 * and cores without them take the C versions, which compute the same integers.
 */
#if defined(__thumb2__) && !defined(TOPS_HOST_BUILD)
/* The 13-register loops only when optimizing: at -O0 GCC keeps a frame pointer and cannot
   allocate them (as the dsp kernels, docs/firmware.md#ref-vs-dsp). */
#if defined(__OPTIMIZE__)
#define TOPS_MFCC_ASM 1
#endif
#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#define TOPS_MFCC_DSP 1
#endif
#endif

/*
 * Phase markers for the per-step cost breakdown of test/bench/stream.bench.ts: built with
 * -DTOPS_MFCC_PROFILE, log_mel_frame calls an out-of-line empty function between its steps and
 * the QEMU plugin snapshots the counters there. Compiled out otherwise.
 */
#ifdef TOPS_MFCC_PROFILE
void tops_mfcc_phase(void);
#define TOPS_MFCC_PHASE() tops_mfcc_phase()
#else
#define TOPS_MFCC_PHASE() ((void)0)
#endif

/* Number of significant bits: 0 for 0 (int-arith.ts bitLength). */
static int32_t bit_length32(uint32_t x)
{
    return x == 0 ? 0 : 32 - __builtin_clz(x);
}

static int32_t bit_length64(uint64_t x)
{
    return x == 0 ? 0 : 64 - __builtin_clzll(x);
}

/* rnd(x, s) = (x + 2^(s-1)) >> s for s > 0, x for s = 0 (int-arith.ts roundShift). */
static int64_t round_shift64(int64_t x, int32_t s)
{
    return s == 0 ? x : (x + ((int64_t)1 << (s - 1))) >> s;
}

/*
 * rnd(a*w1 + b*w2, 30): one component of a Q30 complex multiply. The contract's
 * mulSubRound30(a, w1, b, w2) = rnd(a*w1 - b*w2, 30) is called here with b or w2 negated: the
 * same integer, and a form that compiles to two SMLALs into an accumulator preset to 2^29.
 * Twiddles are in [-2^30, 2^30], so negating one cannot overflow.
 */
static inline int32_t mac_round30(int32_t a, int32_t w1, int32_t b, int32_t w2)
{
    return (int32_t)((((int64_t)1 << 29) + (int64_t)a * w1 + (int64_t)b * w2) >> 30);
}

/*
 * rnd(p, s) for 0 < s < 32 when the result fits int32: the 64-bit shift done on the two
 * halves (floor of the two's complement value), without the generic 64-bit shift's branches.
 */
static inline int32_t round_shift64_to32(int64_t p, int32_t s)
{
    const uint64_t q = (uint64_t)(p + ((int64_t)1 << (s - 1)));
    return (int32_t)(((uint32_t)q >> s) | ((uint32_t)(q >> 32) << (32 - s)));
}

static uint32_t abs32(int32_t x)
{
    return x < 0 ? (uint32_t)(-(int64_t)x) : (uint32_t)x;
}

/* Q16 log2 of x >= 1 (log2-q16.ts log2Q16): CLZ, 7-bit table index, linear interpolation. */
static int32_t log2_q16(const int32_t *table, uint64_t x)
{
    const int32_t rem_bits = 30 - TOPS_MFCC_LOG2_TABLE_BITS;
    const int32_t e = bit_length64(x) - 1;
    const uint64_t mant = e >= 30 ? x >> (e - 30) : x << (30 - e); /* in [2^30, 2^31) */
    const int32_t f = (int32_t)(mant - ((uint64_t)1 << 30));
    const int32_t i = f >> rem_bits;
    const int32_t r = f & (((int32_t)1 << rem_bits) - 1);
    const int32_t t0 = table[i];
    const int32_t t1 = table[i + 1];
    return e * 65536 + t0 + (int32_t)round_shift64((int64_t)(t1 - t0) * r, rem_bits);
}

/* Sizes derived from the tables; 0 when they are inconsistent. */
static int32_t tables_valid(const tops_mfcc_q15_tables *t)
{
    return t != NULL && t->fft_bit_reverse != NULL &&
           (t->contract == TOPS_MFCC_CONTRACT_Q31_FAST
                ? t->q31_window != NULL && t->q31_twiddles != NULL && t->q31_split != NULL && t->fft_size >= 8 &&
                      t->q31_component_bits > 0 && t->q31_component_bits <= 14
                : t->contract == TOPS_MFCC_CONTRACT_Q30 && t->window_q30 != NULL && t->fft_twiddle_re != NULL &&
                      t->fft_twiddle_im != NULL && t->fft_split_re != NULL && t->fft_split_im != NULL) &&
           t->mel_start != NULL && t->mel_length != NULL && t->mel_offset != NULL &&
           t->mel_weights_q15 != NULL && t->dct_q24 != NULL && t->log2_table_q16 != NULL &&
           t->fft_size >= 4 && (t->fft_size & (t->fft_size - 1)) == 0 && t->window_samples > 0 &&
           t->window_samples <= t->fft_size && t->stride_samples > 0 && t->mel_bands > 0 &&
           t->coefficients > 0 && t->max_band_length > 0 && t->window_shift >= 0 && t->band_bits > 0;
}

int32_t tops_mfcc_q15_get_buffer_size(const tops_mfcc_q15_tables *tables)
{
    if (!tables_valid(tables)) {
        return 0;
    }
    return 8 * tables->max_band_length + 4 * 2 * (tables->fft_size / 2 + 1) + 4 * tables->mel_bands;
}

int32_t tops_mfcc_q15_frame_count(const tops_mfcc_q15_tables *tables, int32_t samples)
{
    if (!tables_valid(tables) || samples < tables->window_samples) {
        return 0;
    }
    return 1 + (samples - tables->window_samples) / tables->stride_samples;
}

typedef struct {
    int64_t *band_power;
    int32_t *z;
    int32_t *log_mel;
} mfcc_scratch;

static int scratch_from(const tops_context *ctx, const tops_mfcc_q15_tables *t, mfcc_scratch *s)
{
    const int32_t m = t->fft_size / 2;
    if (ctx == NULL || ctx->buf == NULL || ((uintptr_t)ctx->buf & 7u) != 0 ||
        ctx->size < tops_mfcc_q15_get_buffer_size(t)) {
        return 0;
    }
    s->band_power = (int64_t *)ctx->buf;
    s->z = (int32_t *)(s->band_power + t->max_band_length);
    s->log_mel = s->z + 2 * (m + 1);
    return 1;
}

/*
 * Twiddle j = len/4 of a stage is -i = (0, -2^30) in the table (fft-q30.ts, every power of
 * two): then mulSubRound30 is exact without a multiply, rnd(zi*2^30, 30) = zi and
 * rnd(-zr*2^30, 30) = -zr, the same integers. Checked, not assumed.
 */
static int twiddle_minus_i(const tops_mfcc_q15_tables *t)
{
    const int32_t m = t->fft_size / 2;
    return t->fft_twiddle_re[m / 4] == 0 && t->fft_twiddle_im[m / 4] == -((int32_t)1 << 30);
}

#if defined(TOPS_MFCC_DSP)
/*
 * Complex input n of the FFT, z[n] = v[i0] + i v[i0 + 1] with i0 = 2 rev(n), by SMLAWB/SMLAWT
 * (see window_into), 0 beyond the window.
 */
static inline void window_pair(const int32_t *w, const int16_t *x, int32_t i0, int32_t win, int32_t half, int32_t k,
                               int32_t *re, int32_t *im)
{
    if (i0 + 1 < win) {
        int32_t pair;
        memcpy(&pair, x + i0, sizeof pair); /* one LDR (unaligned access is allowed) */
        *re = __smlawb(w[i0], pair, half) >> k;
        *im = __smlawt(w[i0 + 1], pair, half) >> k;
    } else {
        *re = i0 < win ? __smlawb(w[i0], x[i0], half) >> k : 0;
        *im = 0;
    }
}
#endif

/*
 * Steps 1-2 fused with the FFT's input packing: z[n] = v[2 rev(n)] + i v[2 rev(n) + 1] with
 * v[i] = rnd(x[i] w[i], s - nrm) (or x[i] w[i] 2^(nrm - s)), 0 beyond the window. Returns 1 when
 * it also did the FFT's first two stages (first_two_stages' arithmetic on each group of four
 * inputs while they are in registers), 0 when complex_fft must do them.
 */
static int window_into(const tops_mfcc_q15_tables *t, const int16_t *x, int32_t nrm, int32_t *z)
{
    const int32_t m = t->fft_size / 2;
    const int32_t shift = t->window_shift - nrm;
    const int64_t up = shift < 0 ? (int64_t)1 << -shift : 1;
    int32_t n;
#if defined(TOPS_MFCC_DSP)
    if (shift >= 17 && shift < 32) {
        /*
         * s - nrm >= 17 (every frame whose peak is >= 2^(s - 17), 64 for the KWS window): with
         * s - nrm = 16 + k, rnd(x w, 16 + k) = (floor(x w / 2^16) + 2^(k-1)) >> k (an integer
         * added inside a floor of a power-of-two division commutes with it), and floor(x w /
         * 2^16) + 2^(k-1) is one SMLAWB (SMLAWT for the odd sample of the pair, both read by
         * one LDR): the same integers as the 64-bit product below.
         */
        const int32_t k = shift - 16;
        const int32_t half = (int32_t)1 << (k - 1);
        const int32_t *w = t->window_q30;
        const uint16_t *rev = t->fft_bit_reverse;
        const int32_t win = t->window_samples;
        if (m >= 4 && twiddle_minus_i(t)) {
            for (n = 0; n < m; n += 4, z += 8) {
                int32_t z0r, z0i, z1r, z1i, z2r, z2i, z3r, z3i;
                int32_t u0r, u0i, u1r, u1i, u2r, u2i, u3r, u3i;
                window_pair(w, x, 2 * (int32_t)rev[n], win, half, k, &z0r, &z0i);
                window_pair(w, x, 2 * (int32_t)rev[n + 1], win, half, k, &z1r, &z1i);
                window_pair(w, x, 2 * (int32_t)rev[n + 2], win, half, k, &z2r, &z2i);
                window_pair(w, x, 2 * (int32_t)rev[n + 3], win, half, k, &z3r, &z3i);
                u0r = z0r + z1r;
                u0i = z0i + z1i;
                u1r = z0r - z1r;
                u1i = z0i - z1i;
                u2r = z2r + z3r;
                u2i = z2i + z3i;
                u3r = z2r - z3r;
                u3i = z2i - z3i;
                z[0] = u0r + u2r;
                z[1] = u0i + u2i;
                z[4] = u0r - u2r;
                z[5] = u0i - u2i;
                z[2] = u1r + u3i;
                z[3] = u1i - u3r;
                z[6] = u1r - u3i;
                z[7] = u1i + u3r;
            }
            return 1;
        }
        for (n = 0; n < m; n++) {
            window_pair(w, x, 2 * (int32_t)rev[n], win, half, k, &z[2 * n], &z[2 * n + 1]);
        }
        return 0;
    }
#endif
    if (shift > 0 && shift < 32) {
        /* The usual case (s = 25 - nrm for the KWS window): split-half rounding shift. */
        const int32_t *w = t->window_q30;
        for (n = 0; n < m; n++) {
            const int32_t i0 = 2 * (int32_t)t->fft_bit_reverse[n];
            if (i0 + 1 < t->window_samples) {
                z[2 * n] = round_shift64_to32((int64_t)x[i0] * w[i0], shift);
                z[2 * n + 1] = round_shift64_to32((int64_t)x[i0 + 1] * w[i0 + 1], shift);
            } else {
                z[2 * n] = i0 < t->window_samples ? round_shift64_to32((int64_t)x[i0] * w[i0], shift) : 0;
                z[2 * n + 1] = 0;
            }
        }
        return 0;
    }
    /*
     * General case, straight from the contract. window_shift is about 15 + log2(window), so
     * s - nrm lies in 2..31 for every window from 4 to 2^16 samples: this path is kept for
     * completeness only and no test config reaches it.
     */
    for (n = 0; n < m; n++) {
        const int32_t i0 = 2 * (int32_t)t->fft_bit_reverse[n];
        int32_t pair[2];
        int32_t h;
        for (h = 0; h < 2; h++) {
            const int32_t i = i0 + h;
            if (i >= t->window_samples) {
                pair[h] = 0;
            } else {
                const int64_t p = (int64_t)x[i] * t->window_q30[i]; /* |p| < 2^45 */
                pair[h] = (int32_t)(shift >= 0 ? round_shift64(p, shift) : p * up);
            }
        }
        z[2 * n] = pair[0];
        z[2 * n + 1] = pair[1];
    }
    return 0;
}

/*
 * One twiddle's butterflies of a stage: (a, b) -> (a + t, a - t), t = w b, for a at pa,
 * pa + stride, ... below end and b half2 values after each a:
 *   tr = mulSubRound30(br, wr, bi, wi) = rnd(br wr + bi (-wi), 30)
 *   ti = mulSubRound30(br, wi, -bi, wr) = rnd(br wi + bi wr, 30)
 * On Thumb-2 (Cortex-M3/M4/M7) the loop is written out: two SMLALs into an accumulator preset
 * to 2^29 per product pair, the >> 30 on the two halves. The loop keeps 13 values live, and
 * GCC's allocation of the 64-bit accumulators spilled and reloaded operands (35-43 instructions
 * per butterfly against 24 here). Same integers as the C below (the host build and the tests'
 * reference); test/integration/firmware-qemu-stream.test.ts and firmware-qemu-mfcc.test.ts check
 * it bit for bit on the board.
 */
#if defined(TOPS_MFCC_ASM)
/*
 * The loop of butterflies() for a stage whose partner offset (H = 4 half2 bytes) and group
 * stride (S = 8 half2 bytes) fit LDRD/STRD immediates (S <= 1020: half2 <= 64): b read at
 * [pa, #H], pa post-incremented by the store, 22 instructions per butterfly instead of 24.
 */
#define TOPS_STAGE_BUTTERFLIES(H, S)                                                                  \
    __asm__ volatile(                                                                                 \
        "1:\n\t"                                                                                      \
        "ldrd   %[br], %[bi], [%[pa], #" #H "]\n\t"                                                  \
        "mov    %[lo], #0x20000000\n\t"                                                              \
        "mov    %[hi], #0\n\t"                                                                       \
        "smlal  %[lo], %[hi], %[br], %[wr]\n\t"                                                      \
        "smlal  %[lo], %[hi], %[bi], %[nwi]\n\t"                                                     \
        "lsr    %[lo], %[lo], #30\n\t"                                                               \
        "orr    %[ar], %[lo], %[hi], lsl #2\n\t"                                                     \
        "mov    %[lo], #0x20000000\n\t"                                                              \
        "mov    %[hi], #0\n\t"                                                                       \
        "smlal  %[lo], %[hi], %[br], %[wi]\n\t"                                                      \
        "smlal  %[lo], %[hi], %[bi], %[wr]\n\t"                                                      \
        "lsr    %[lo], %[lo], #30\n\t"                                                               \
        "orr    %[ai], %[lo], %[hi], lsl #2\n\t"                                                     \
        "ldrd   %[br], %[bi], [%[pa]]\n\t"                                                           \
        "sub    %[lo], %[br], %[ar]\n\t"                                                             \
        "sub    %[hi], %[bi], %[ai]\n\t"                                                             \
        "strd   %[lo], %[hi], [%[pa], #" #H "]\n\t"                                                  \
        "add    %[lo], %[br], %[ar]\n\t"                                                             \
        "add    %[hi], %[bi], %[ai]\n\t"                                                             \
        "strd   %[lo], %[hi], [%[pa]], #" #S "\n\t"                                                  \
        "cmp    %[pa], %[end]\n\t"                                                                   \
        "blo    1b\n\t"                                                                              \
        : [pa] "+r"(pa), [br] "=&r"(br), [bi] "=&r"(bi), [ar] "=&r"(ar), [ai] "=&r"(ai), [lo] "=&r"(lo), \
          [hi] "=&r"(hi)                                                                             \
        : [end] "r"(end), [wr] "r"(wr), [wi] "r"(wi), [nwi] "r"(nwi)                                  \
        : "cc", "memory")
#endif

static void butterflies(int32_t *pa, const int32_t *end, int32_t half2, int32_t stride,
                        int32_t wr, int32_t wi)
{
#if defined(TOPS_MFCC_ASM)
    int32_t *pb = pa + half2;
    const int32_t nwi = -wi;
    const int32_t step_bytes = 4 * stride;
    int32_t br, bi, ar, ai, lo, hi;
    if (pa >= end) {
        return;
    }
    if (stride == 2 * half2) {
        switch (half2) {
        case 4: TOPS_STAGE_BUTTERFLIES(16, 32); return;
        case 8: TOPS_STAGE_BUTTERFLIES(32, 64); return;
        case 16: TOPS_STAGE_BUTTERFLIES(64, 128); return;
        case 32: TOPS_STAGE_BUTTERFLIES(128, 256); return;
        case 64: TOPS_STAGE_BUTTERFLIES(256, 512); return;
        default: break;
        }
    }
    __asm__ volatile(
        "1:\n\t"
        "ldrd   %[br], %[bi], [%[pb]]\n\t"
        "mov    %[lo], #0x20000000\n\t"
        "mov    %[hi], #0\n\t"
        "smlal  %[lo], %[hi], %[br], %[wr]\n\t"
        "smlal  %[lo], %[hi], %[bi], %[nwi]\n\t"
        "lsr    %[lo], %[lo], #30\n\t"
        "orr    %[ar], %[lo], %[hi], lsl #2\n\t"      /* ar <- tr */
        "mov    %[lo], #0x20000000\n\t"
        "mov    %[hi], #0\n\t"
        "smlal  %[lo], %[hi], %[br], %[wi]\n\t"
        "smlal  %[lo], %[hi], %[bi], %[wr]\n\t"
        "lsr    %[lo], %[lo], #30\n\t"
        "orr    %[ai], %[lo], %[hi], lsl #2\n\t"      /* ai <- ti */
        "ldrd   %[br], %[bi], [%[pa]]\n\t"            /* br, bi <- ar, ai */
        "sub    %[lo], %[br], %[ar]\n\t"
        "sub    %[hi], %[bi], %[ai]\n\t"
        "strd   %[lo], %[hi], [%[pb]]\n\t"
        "add    %[lo], %[br], %[ar]\n\t"
        "add    %[hi], %[bi], %[ai]\n\t"
        "strd   %[lo], %[hi], [%[pa]]\n\t"
        "add    %[pa], %[pa], %[step]\n\t"
        "add    %[pb], %[pb], %[step]\n\t"
        "cmp    %[pa], %[end]\n\t"
        "blo    1b\n\t"
        : [pa] "+r"(pa), [pb] "+r"(pb), [br] "=&r"(br), [bi] "=&r"(bi), [ar] "=&r"(ar), [ai] "=&r"(ai),
          [lo] "=&r"(lo), [hi] "=&r"(hi)
        : [end] "r"(end), [step] "r"(step_bytes), [wr] "r"(wr), [wi] "r"(wi), [nwi] "r"(nwi)
        : "cc", "memory");
#else
    const int32_t nwi = -wi;
    for (; pa < end; pa += stride) {
        int32_t *pb = pa + half2;
        const int32_t ar = pa[0], ai = pa[1], br = pb[0], bi = pb[1];
        const int32_t tr = mac_round30(br, wr, bi, nwi);
        const int32_t ti = mac_round30(br, wi, bi, wr);
        pb[0] = ar - tr;
        pb[1] = ai - ti;
        pa[0] = ar + tr;
        pa[1] = ai + ti;
    }
#endif
}

/*
 * One butterfly (the arithmetic of butterflies() above) for the last stages, where a twiddle
 * has only one to four butterflies and the per-twiddle set-up would cost more than the work.
 */
static inline void butterfly_one(int32_t *pa, int32_t *pb, int32_t wr, int32_t wi)
{
#if defined(TOPS_MFCC_ASM)
    const int32_t nwi = -wi;
    int32_t br, bi, ar, ai, lo, hi;
    __asm__ volatile(
        "ldrd   %[br], %[bi], [%[pb]]\n\t"
        "mov    %[lo], #0x20000000\n\t"
        "mov    %[hi], #0\n\t"
        "smlal  %[lo], %[hi], %[br], %[wr]\n\t"
        "smlal  %[lo], %[hi], %[bi], %[nwi]\n\t"
        "lsr    %[lo], %[lo], #30\n\t"
        "orr    %[ar], %[lo], %[hi], lsl #2\n\t"
        "mov    %[lo], #0x20000000\n\t"
        "mov    %[hi], #0\n\t"
        "smlal  %[lo], %[hi], %[br], %[wi]\n\t"
        "smlal  %[lo], %[hi], %[bi], %[wr]\n\t"
        "lsr    %[lo], %[lo], #30\n\t"
        "orr    %[ai], %[lo], %[hi], lsl #2\n\t"
        "ldrd   %[br], %[bi], [%[pa]]\n\t"
        "sub    %[lo], %[br], %[ar]\n\t"
        "sub    %[hi], %[bi], %[ai]\n\t"
        "strd   %[lo], %[hi], [%[pb]]\n\t"
        "add    %[lo], %[br], %[ar]\n\t"
        "add    %[hi], %[bi], %[ai]\n\t"
        "strd   %[lo], %[hi], [%[pa]]\n\t"
        : [br] "=&r"(br), [bi] "=&r"(bi), [ar] "=&r"(ar), [ai] "=&r"(ai), [lo] "=&r"(lo), [hi] "=&r"(hi)
        : [pa] "r"(pa), [pb] "r"(pb), [wr] "r"(wr), [wi] "r"(wi), [nwi] "r"(nwi)
        : "memory");
#else
    const int32_t ar = pa[0], ai = pa[1], br = pb[0], bi = pb[1];
    const int32_t tr = mac_round30(br, wr, bi, -wi);
    const int32_t ti = mac_round30(br, wi, bi, wr);
    pb[0] = ar - tr;
    pb[1] = ai - ti;
    pa[0] = ar + tr;
    pa[1] = ai + ti;
#endif
}

#if defined(TOPS_MFCC_ASM)
/*
 * Butterflies j = 1 .. count of one group of a last stage, the twiddles read with
 * post-increment (STEP_BYTES = 4 step, an immediate). Arithmetic of butterflies(): ti first,
 * then tr = rnd(br wr - bi wi, 30) with the accumulator started at 2^29 - bi wi (SMULL, then
 * RSBS / SBC negate the 64-bit product and add the rounding constant: the same 64-bit sum as
 * 2^29 + br wr + bi (-wi), without negating wi). 13 registers, 26 instructions per butterfly. The twiddle -i butterfly goes through the multiplies here: exact,
 * so the same integers.
 */
#define TOPS_GROUP_BUTTERFLIES(STEP_BYTES)                                                            \
    __asm__ volatile(                                                                                 \
        "1:\n\t"                                                                                      \
        "ldr    %[wr], [%[tre]], #" #STEP_BYTES "\n\t"                                                \
        "ldr    %[wi], [%[tim]], #" #STEP_BYTES "\n\t"                                                \
        "ldrd   %[br], %[bi], [%[pb]]\n\t"                                                           \
        "mov    %[lo], #0x20000000\n\t"                                                              \
        "mov    %[hi], #0\n\t"                                                                       \
        "smlal  %[lo], %[hi], %[br], %[wi]\n\t"                                                      \
        "smlal  %[lo], %[hi], %[bi], %[wr]\n\t"                                                      \
        "lsr    %[lo], %[lo], #30\n\t"                                                               \
        "orr    %[ai], %[lo], %[hi], lsl #2\n\t"                                                     \
        "smull  %[lo], %[hi], %[bi], %[wi]\n\t"                                                      \
        "rsbs   %[lo], %[lo], #0x20000000\n\t"                                                       \
        "sbc    %[hi], %[hi], %[hi], lsl #1\n\t"                                                     \
        "smlal  %[lo], %[hi], %[br], %[wr]\n\t"                                                      \
        "lsr    %[lo], %[lo], #30\n\t"                                                               \
        "orr    %[ar], %[lo], %[hi], lsl #2\n\t"                                                     \
        "ldrd   %[br], %[bi], [%[pa]]\n\t"                                                           \
        "sub    %[lo], %[br], %[ar]\n\t"                                                             \
        "sub    %[hi], %[bi], %[ai]\n\t"                                                             \
        "strd   %[lo], %[hi], [%[pb]], #8\n\t"                                                       \
        "add    %[lo], %[br], %[ar]\n\t"                                                             \
        "add    %[hi], %[bi], %[ai]\n\t"                                                             \
        "strd   %[lo], %[hi], [%[pa]], #8\n\t"                                                       \
        "subs   %[n], %[n], #1\n\t"                                                                  \
        "bne    1b\n\t"                                                                              \
        : [pa] "+r"(pa), [pb] "+r"(pb), [tre] "+r"(tre), [tim] "+r"(tim), [n] "+r"(n), [wr] "=&r"(wr), \
          [wi] "=&r"(wi), [br] "=&r"(br), [bi] "=&r"(bi), [ar] "=&r"(ar), [ai] "=&r"(ai), [lo] "=&r"(lo), \
          [hi] "=&r"(hi)                                                                             \
        :                                                                                             \
        : "cc", "memory")

/* Returns 0 when `step` has no written-out loop (the caller falls back to butterfly_one). */
static int group_butterflies(int32_t *group, int32_t half2, const int32_t *re, const int32_t *im, int32_t step, int32_t count)
{
    int32_t *pa = group + 2;
    int32_t *pb = pa + half2;
    const int32_t *tre = re + step;
    const int32_t *tim = im + step;
    int32_t n = count;
    int32_t wr, wi, br, bi, ar, ai, lo, hi;
    if (count < 1) {
        return 1;
    }
    switch (step) {
    case 1: TOPS_GROUP_BUTTERFLIES(4); return 1;
    case 2: TOPS_GROUP_BUTTERFLIES(8); return 1;
    case 4: TOPS_GROUP_BUTTERFLIES(16); return 1;
    default: return 0;
    }
}
/* Stages whose groups take group_butterflies (all their j, the -i twiddle included). */
#define WRITTEN_OUT_GROUPS(step) ((step) == 1 || (step) == 2 || (step) == 4)
#else
#define WRITTEN_OUT_GROUPS(step) 0
#endif

/*
 * Stages len = 2 and 4 of the FFT in one pass over groups of four values: their twiddles are 1
 * and -i, applied without a multiply (see complex_fft), so every value is a sum or difference
 * of inputs and the fused pass computes the same integers with half the loads and stores.
 */
static void first_two_stages(int32_t *z, const int32_t *end)
{
    for (; z < end; z += 8) {
        /* len = 2: (z0, z1) and (z2, z3) */
        const int32_t u0r = z[0] + z[2], u0i = z[1] + z[3];
        const int32_t u1r = z[0] - z[2], u1i = z[1] - z[3];
        const int32_t u2r = z[4] + z[6], u2i = z[5] + z[7];
        const int32_t u3r = z[4] - z[6], u3i = z[5] - z[7];
        /* len = 4: (u0, u2) with twiddle 1, (u1, u3) with -i: t = (u3.im, -u3.re) */
        z[0] = u0r + u2r;
        z[1] = u0i + u2i;
        z[4] = u0r - u2r;
        z[5] = u0i - u2i;
        z[2] = u1r + u3i;
        z[3] = u1i - u3r;
        z[6] = u1r - u3i;
        z[7] = u1i + u3r;
    }
}

/* Step 3a: the M-point radix-2 DIT complex FFT in place (fft-q30.ts), inputs already bit-reversed. */
static void complex_fft(const tops_mfcc_q15_tables *t, int32_t *z, int first_stages_done)
{
    const int32_t m = t->fft_size / 2;
    const int minus_i = twiddle_minus_i(t);
    int32_t *const end = z + 2 * m;
    int32_t len = 2;
    if (first_stages_done) {
        len = 8;
    } else if (m >= 4 && minus_i) {
        first_two_stages(z, end);
        len = 8;
    }
    for (; len <= m; len *= 2) {
        const int32_t half2 = len; /* int32 offset of the partner: 2 * (len / 2) */
        const int32_t stride = 2 * len;
        const int32_t step = m / len;
        int32_t j;
        int32_t *pa;
        /* j = 0: twiddle 1, applied without a multiply. */
        for (pa = z; pa < end; pa += stride) {
            int32_t *pb = pa + half2;
            const int32_t ar = pa[0], ai = pa[1], br = pb[0], bi = pb[1];
            pb[0] = ar - br;
            pb[1] = ai - bi;
            pa[0] = ar + br;
            pa[1] = ai + bi;
        }
        if (len >= 4 && minus_i && !WRITTEN_OUT_GROUPS(step)) {
            for (pa = z + len / 2; pa < end; pa += stride) { /* j = len/4: 2 * j = len / 2 */
                int32_t *pb = pa + half2;
                const int32_t ar = pa[0], ai = pa[1], tr = pb[1], ti = -pb[0];
                pb[0] = ar - tr;
                pb[1] = ai - ti;
                pa[0] = ar + tr;
                pa[1] = ai + ti;
            }
        }
        if (step > 4) {
            /* Butterflies of one stage are independent, so j runs outside to load each twiddle once. */
            for (j = 1; j < len / 2; j++) {
                const int32_t wr = t->fft_twiddle_re[j * step];
                const int32_t wi = t->fft_twiddle_im[j * step];
                if (j != len / 4 || !minus_i) {
                    butterflies(z + 2 * j, end, half2, stride, wr, wi);
                }
            }
        } else {
            /* The last stages (<= 4 groups): group outside, each twiddle loaded per butterfly. */
            for (pa = z; pa < end; pa += stride) {
                const int32_t *wr = t->fft_twiddle_re;
#if defined(TOPS_MFCC_ASM)
                if (group_butterflies(pa, half2, wr, t->fft_twiddle_im, step, len / 2 - 1)) {
                    continue;
                }
#endif
                const int32_t *wi = t->fft_twiddle_im;
                for (j = 1; j < len / 2; j++) {
                    if (j != len / 4 || !minus_i) { /* j = len/4 was done by the -i loop */
                        butterfly_one(pa + 2 * j, pa + 2 * j + half2, wr[j * step], wi[j * step]);
                    }
                }
            }
        }
    }
}

/*
 * One split output: Y = E - i T O with E = a + conj(b), O = a - conj(b); T = 1 (k = 0),
 * -1 (k = M) or the Q30 split twiddle k. Y.re = E.re + U.im, Y.im = E.im - U.re, U = T O.
 */
static inline void split_one(const tops_mfcc_q15_tables *t, int32_t k, int32_t ar, int32_t ai, int32_t br, int32_t bi,
                             int32_t *y)
{
    const int32_t m = t->fft_size / 2;
    const int32_t er = ar + br;
    const int32_t ei = ai - bi;
    const int32_t or_ = ar - br;
    const int32_t oi = ai + bi;
    int32_t ur = or_;
    int32_t ui = oi;
    if (k == m) {
        ur = -or_;
        ui = -oi;
    } else if (k != 0) {
        ur = mac_round30(or_, t->fft_split_re[k], oi, -t->fft_split_im[k]); /* mulSubRound30(or, sr, oi, si) */
        ui = mac_round30(oi, t->fft_split_re[k], or_, t->fft_split_im[k]);  /* mulSubRound30(oi, sr, -or, si) */
    }
    y[0] = er + ui;
    y[1] = ei - ur;
}

/*
 * The general split output (0 < k < M) with the twiddle (sr, si) = T: the k branch of
 * split_one without its tests, for the loop below.
 */
static inline void split_general(int32_t sr, int32_t si, int32_t ar, int32_t ai, int32_t br, int32_t bi, int32_t *y)
{
    const int32_t or_ = ar - br;
    const int32_t oi = ai + bi;
    const int32_t ur = mac_round30(or_, sr, oi, -si); /* mulSubRound30(or, sr, oi, si) */
    const int32_t ui = mac_round30(oi, sr, or_, si);  /* mulSubRound30(oi, sr, -or, si) */
    y[0] = (ar + br) + ui;
    y[1] = (ai - bi) - ur;
}

/* Step 3b: the split step in place: Y[k] and Y[M - k] both come from Z[k] and Z[M - k]. */
static void split_in_place(const tops_mfcc_q15_tables *t, int32_t *z)
{
    const int32_t m = t->fft_size / 2;
    const int32_t *sr = t->fft_split_re;
    const int32_t *si = t->fft_split_im;
    int32_t *pa = z + 2;
    int32_t *pb = z + 2 * (m - 1);
    int32_t k;
    /* k = 0 and k = M both use a = b = Z[0]. */
    {
        const int32_t r0 = z[0];
        const int32_t i0 = z[1];
        split_one(t, 0, r0, i0, r0, i0, &z[0]);
        split_one(t, m, r0, i0, r0, i0, &z[2 * m]);
    }
#if defined(TOPS_MFCC_ASM)
    /*
     * Written out for Thumb-2 (45 instructions per k against 68 from GCC): with E = a + conj(b),
     * O = a - conj(b) of the pair, output k is (E.re + rnd(O.im sr + O.re si), E.im - rnd(O.re sr
     * - O.im si)) and output M - k, from (b, a), has O' = (-O.re, O.im), E' = conj(E):
     * (E.re + rnd(O.im sr' - O.re si'), -(E.im + rnd(-(O.re sr' + O.im si')))) with (sr', si') the
     * twiddle M - k: the products of split_general, term for term. A difference or a negated sum
     * starts from 2^29 - P (SMULL, then RSBS / SBC: the 64-bit negation plus the rounding
     * constant), so no twiddle is negated. d is the byte
     * distance from twiddle k to twiddle M - k (4 (M - 2k)); the pair's b is at pa + 2 d.
     */
    if (m >= 4) {
        const int32_t *pre = sr + 1;
        const int32_t *pim = si + 1;
        int32_t d = 4 * (m - 2);
        int32_t ra, rb, rc, rd, re, rf, rg, rh, rx;
        __asm__ volatile(
            "1:\n\t"
            "ldrd   %[ra], %[rb], [%[pa]]\n\t"           /* ar, ai */
            "add    %[rx], %[pa], %[d], lsl #1\n\t"
            "ldrd   %[rc], %[rd], [%[rx]]\n\t"           /* br, bi */
            "add    %[re], %[ra], %[rc]\n\t"             /* E.re */
            "sub    %[ra], %[ra], %[rc]\n\t"             /* O.re */
            "add    %[rc], %[rb], %[rd]\n\t"             /* O.im */
            "sub    %[rb], %[rb], %[rd]\n\t"             /* E.im */
            "ldr    %[rd], [%[pre], %[d]]\n\t"           /* sr' */
            "ldr    %[rh], [%[pim], %[d]]\n\t"           /* si' */
            "smull  %[rf], %[rg], %[ra], %[rh]\n\t"
            "rsbs   %[rf], %[rf], #0x20000000\n\t"
            "sbc    %[rg], %[rg], %[rg], lsl #1\n\t"
            "smlal  %[rf], %[rg], %[rc], %[rd]\n\t"
            "lsr    %[rf], %[rf], #30\n\t"
            "orr    %[rx], %[rf], %[rg], lsl #2\n\t"     /* ui' */
            "smull  %[rf], %[rg], %[ra], %[rd]\n\t"
            "smlal  %[rf], %[rg], %[rc], %[rh]\n\t"
            "rsbs   %[rf], %[rf], #0x20000000\n\t"
            "sbc    %[rg], %[rg], %[rg], lsl #1\n\t"
            "lsr    %[rf], %[rf], #30\n\t"
            "orr    %[rf], %[rf], %[rg], lsl #2\n\t"     /* ur' */
            "add    %[rg], %[re], %[rx]\n\t"
            "add    %[rf], %[rf], %[rb]\n\t"
            "rsb    %[rf], %[rf], #0\n\t"
            "add    %[rx], %[pa], %[d], lsl #1\n\t"
            "strd   %[rg], %[rf], [%[rx]]\n\t"           /* Y[M - k] */
            "ldr    %[rd], [%[pre]], #4\n\t"             /* sr */
            "ldr    %[rh], [%[pim]], #4\n\t"             /* si */
            "mov    %[rf], #0x20000000\n\t"
            "mov    %[rg], #0\n\t"
            "smlal  %[rf], %[rg], %[rc], %[rd]\n\t"
            "smlal  %[rf], %[rg], %[ra], %[rh]\n\t"
            "lsr    %[rf], %[rf], #30\n\t"
            "orr    %[rx], %[rf], %[rg], lsl #2\n\t"     /* ui */
            "smull  %[rf], %[rg], %[rc], %[rh]\n\t"
            "rsbs   %[rf], %[rf], #0x20000000\n\t"
            "sbc    %[rg], %[rg], %[rg], lsl #1\n\t"
            "smlal  %[rf], %[rg], %[ra], %[rd]\n\t"
            "lsr    %[rf], %[rf], #30\n\t"
            "orr    %[rf], %[rf], %[rg], lsl #2\n\t"     /* ur */
            "add    %[rg], %[re], %[rx]\n\t"
            "sub    %[rf], %[rb], %[rf]\n\t"
            "strd   %[rg], %[rf], [%[pa]], #8\n\t"       /* Y[k] */
            "subs   %[d], %[d], #8\n\t"
            "bne    1b\n\t"
            : [pa] "+r"(pa), [pre] "+r"(pre), [pim] "+r"(pim), [d] "+r"(d), [ra] "=&r"(ra), [rb] "=&r"(rb),
              [rc] "=&r"(rc), [rd] "=&r"(rd), [re] "=&r"(re), [rf] "=&r"(rf), [rg] "=&r"(rg), [rh] "=&r"(rh),
              [rx] "=&r"(rx)
            :
            : "cc", "memory");
    }
    (void)pb;
    (void)k;
#else
    for (k = 1; k < m / 2; k++, pa += 2, pb -= 2) {
        const int32_t ar = pa[0], ai = pa[1], br = pb[0], bi = pb[1];
        split_general(sr[k], si[k], ar, ai, br, bi, pa);
        split_general(sr[m - k], si[m - k], br, bi, ar, ai, pb);
    }
#endif
    /* k = M/2 pairs with itself. */
    {
        const int32_t ar = z[m], ai = z[m + 1];
        split_general(sr[m / 2], si[m / 2], ar, ai, ar, ai, &z[m]);
    }
}

/*
 * Step 1's peak = max |x[n]|. On the DSP cores two samples per SSUB16 + SEL: a running per-lane
 * maximum and minimum over aligned words (LDRD, four samples per iteration), then
 * max(max, -min) over the two lanes; the unaligned head and the tail go through the C loop.
 * The GE flags of SSUB16 come from the exact 17-bit differences, so no lane can wrap.
 */
static uint32_t block_peak(const int16_t *x, int32_t count)
{
    uint32_t peak = 0;
    int32_t n = 0;
#if defined(TOPS_MFCC_DSP)
    if (((uintptr_t)x & 2u) != 0 && count > 0) {
        peak = abs32(x[0]);
        n = 1;
    }
    if (count - n >= 4) {
        const int16_t *p = x + n;
        const int16_t *end = p + ((count - n) & ~3);
        uint32_t mx = 0x80008000u; /* both lanes -32768 */
        uint32_t mn = 0x7fff7fffu; /* both lanes 32767 */
        uint32_t v0, v1, d;
        __asm__ volatile(
            "1:\n\t"
            "ldrd   %[v0], %[v1], [%[p]], #8\n\t"
            "ssub16 %[d], %[v0], %[mx]\n\t"
            "sel    %[mx], %[v0], %[mx]\n\t"
            "ssub16 %[d], %[mn], %[v0]\n\t"
            "sel    %[mn], %[v0], %[mn]\n\t"
            "ssub16 %[d], %[v1], %[mx]\n\t"
            "sel    %[mx], %[v1], %[mx]\n\t"
            "ssub16 %[d], %[mn], %[v1]\n\t"
            "sel    %[mn], %[v1], %[mn]\n\t"
            "cmp    %[p], %[end]\n\t"
            "blo    1b\n\t"
            : [p] "+r"(p), [mx] "+r"(mx), [mn] "+r"(mn), [v0] "=&r"(v0), [v1] "=&r"(v1), [d] "=&r"(d)
            : [end] "r"(end)
            : "cc", "memory");
        {
            const int32_t lanes[4] = {(int16_t)(mx & 0xffffu), (int16_t)(mx >> 16), (int16_t)(mn & 0xffffu),
                                      (int16_t)(mn >> 16)};
            int32_t i;
            for (i = 0; i < 4; i++) {
                const uint32_t a = abs32(lanes[i]);
                if (a > peak) {
                    peak = a;
                }
            }
        }
        n = (int32_t)(end - x);
    }
#endif
    for (; n < count; n++) {
        const uint32_t a = abs32(x[n]);
        if (a > peak) {
            peak = a;
        }
    }
    return peak;
}

/* The q31-fast contract (src/dsp/mfcc-q31.ts): its steps 2-6, sharing the helpers above. */
#include "tops_mfcc_q31_impl.h"

/* Steps 1-6 with scratch already carved. */
static void log_mel_frame(const tops_mfcc_q15_tables *t, const mfcc_scratch *s, const int16_t *x, int32_t *out)
{
    int32_t *y = s->z;
    int64_t *power = s->band_power;
    uint32_t peak = 0;
    int32_t nrm, scale, m;
    int first_stages_done;

    /* 1. block normalization */
    peak = block_peak(x, t->window_samples);
    nrm = 15 - bit_length32(peak);
    if (nrm < 0) {
        nrm = 0;
    }
    TOPS_MFCC_PHASE();
    if (t->contract == TOPS_MFCC_CONTRACT_Q31_FAST) {
        q31_log_mel_frame(t, y, x, nrm, out);
        return;
    }

    /* 2-3. window, FFT: Y = 2^(15 + 30 + 1 + nrm - s) X */
    first_stages_done = window_into(t, x, nrm, y);
    TOPS_MFCC_PHASE();
    complex_fft(t, y, first_stages_done);
    TOPS_MFCC_PHASE();
    split_in_place(t, y);
    TOPS_MFCC_PHASE();
    scale = 15 + TOPS_MFCC_WINDOW_FRAC_BITS + 1 + nrm - t->window_shift;

    /* 4-6. per band: component normalization, power, power normalization, mel sum, log */
    for (m = 0; m < t->mel_bands; m++) {
        const int32_t start = t->mel_start[m];
        const int32_t len = t->mel_length[m];
        const int16_t *w = t->mel_weights_q15 + t->mel_offset[m];
        const int32_t *yb = y + 2 * start;
        uint32_t cmax = 0;
        uint32_t pmax_lo = 0, pmax_hi = 0;
        int64_t acc = 0;
        int32_t q, sh, g, l, i;
        /*
         * Only bitLength(max) is used of cmax and pmax, and for non-negative values that is the
         * bitLength of their bitwise OR: an OR per value instead of a compare and select.
         */
#if defined(TOPS_MFCC_ASM)
        if (len > 0) {
            const int32_t *py = yb;
            int32_t n = len;
            int32_t re, im, ta, tb;
            __asm__ volatile(
                "1:\n\t"
                "ldrd   %[re], %[im], [%[py]], #8\n\t"
                "eor    %[ta], %[re], %[re], asr #31\n\t"
                "sub    %[ta], %[ta], %[re], asr #31\n\t"   /* |re| */
                "eor    %[tb], %[im], %[im], asr #31\n\t"
                "sub    %[tb], %[tb], %[im], asr #31\n\t"   /* |im| */
                "orr    %[c], %[c], %[ta]\n\t"
                "orr    %[c], %[c], %[tb]\n\t"
                "subs   %[n], %[n], #1\n\t"
                "bne    1b\n\t"
                : [py] "+r"(py), [n] "+r"(n), [c] "+r"(cmax), [re] "=&r"(re), [im] "=&r"(im), [ta] "=&r"(ta),
                  [tb] "=&r"(tb)
                :
                : "cc", "memory");
        }
#else
        for (i = 0; i < len; i++) {
            cmax |= abs32(yb[2 * i]) | abs32(yb[2 * i + 1]);
        }
#endif
        q = bit_length32(cmax) - TOPS_MFCC_COMPONENT_BITS;
        if (q < 0) {
            q = 0;
        }
        {
            /* |Y| <= 2^30 + a few LSB (fft-q30.ts SCALING) and q <= 6: Y + 2^(q-1) cannot overflow. */
            const int32_t half = q == 0 ? 0 : (int32_t)1 << (q - 1);
#if defined(TOPS_MFCC_ASM)
            if (len > 0) {
                const int32_t *py = yb;
                int64_t *pp = power;
                int32_t n = len;
                int32_t cr, ci, lo, hi;
                /* P = rnd(re, q)^2 + rnd(im, q)^2 (an SMULL and an SMLAL), stored, ORed into pmax. */
                __asm__ volatile(
                    "1:\n\t"
                    "ldrd   %[cr], %[ci], [%[py]], #8\n\t"
                    "add    %[cr], %[cr], %[half]\n\t"
                    "asr    %[cr], %[cr], %[q]\n\t"
                    "add    %[ci], %[ci], %[half]\n\t"
                    "asr    %[ci], %[ci], %[q]\n\t"
                    "smull  %[lo], %[hi], %[cr], %[cr]\n\t"
                    "smlal  %[lo], %[hi], %[ci], %[ci]\n\t"
                    "strd   %[lo], %[hi], [%[pp]], #8\n\t"
                    "orr    %[plo], %[plo], %[lo]\n\t"
                    "orr    %[phi], %[phi], %[hi]\n\t"
                    "subs   %[n], %[n], #1\n\t"
                    "bne    1b\n\t"
                    : [py] "+r"(py), [pp] "+r"(pp), [n] "+r"(n), [plo] "+r"(pmax_lo), [phi] "+r"(pmax_hi),
                      [cr] "=&r"(cr), [ci] "=&r"(ci), [lo] "=&r"(lo), [hi] "=&r"(hi)
                    : [half] "r"(half), [q] "r"(q)
                    : "cc", "memory");
            }
#else
            for (i = 0; i < len; i++) {
                const int32_t cr = (yb[2 * i] + half) >> q;
                const int32_t ci = (yb[2 * i + 1] + half) >> q;
                const int64_t p = (int64_t)cr * cr + (int64_t)ci * ci; /* < 2^51 */
                power[i] = p;
                pmax_lo |= (uint32_t)p;
                pmax_hi |= (uint32_t)((uint64_t)p >> 32);
            }
#endif
        }
        sh = (pmax_hi != 0 ? 32 + bit_length32(pmax_hi) : bit_length32(pmax_lo)) - t->band_bits;
        if (sh < 0) {
            sh = 0;
        }
        /* rnd(P, sh) <= 2^band_bits <= 2^30: an int32 operand for SMLAL. */
        if (sh > 0 && sh < 32) {
            /* The usual case: the rounding shift on the two 32-bit halves (the result fits). */
#if defined(TOPS_MFCC_ASM)
            if (len > 0) {
                const int64_t *pp = power;
                const int16_t *pw = w;
                const uint32_t rnd = (uint32_t)1 << (sh - 1);
                const int32_t left = 32 - sh;
                uint32_t alo = 0;
                int32_t ahi = 0;
                int32_t n = len;
                uint32_t lo, hi;
                int32_t wt;
                __asm__ volatile(
                    "1:\n\t"
                    "ldrd   %[lo], %[hi], [%[pp]], #8\n\t"
                    "adds   %[lo], %[lo], %[rnd]\n\t"
                    "adc    %[hi], %[hi], #0\n\t"
                    "lsr    %[lo], %[lo], %[sh]\n\t"
                    "lsl    %[hi], %[hi], %[left]\n\t"
                    "orr    %[lo], %[lo], %[hi]\n\t"           /* rnd(P, sh) */
                    "ldrsh  %[wt], [%[pw]], #2\n\t"
                    "smlal  %[alo], %[ahi], %[lo], %[wt]\n\t"
                    "subs   %[n], %[n], #1\n\t"
                    "bne    1b\n\t"
                    : [pp] "+r"(pp), [pw] "+r"(pw), [n] "+r"(n), [alo] "+r"(alo), [ahi] "+r"(ahi), [lo] "=&r"(lo),
                      [hi] "=&r"(hi), [wt] "=&r"(wt)
                    : [rnd] "r"(rnd), [sh] "r"(sh), [left] "r"(left)
                    : "cc", "memory");
                acc = (int64_t)(((uint64_t)(uint32_t)ahi << 32) | alo);
            }
#else
            for (i = 0; i < len; i++) {
                acc += (int64_t)w[i] * round_shift64_to32(power[i], sh); /* < 2^52 */
            }
#endif
        } else {
            for (i = 0; i < len; i++) {
                acc += (int64_t)w[i] * (int32_t)round_shift64(power[i], sh);
            }
        }
        g = 2 * (scale - q);
        l = acc == 0 ? t->log2_floor_q16
                     : log2_q16(t->log2_table_q16, (uint64_t)acc) + (sh - 15 - g) * 65536;
        out[m] = l > t->log2_floor_q16 ? l : t->log2_floor_q16;
    }
}

/* 7. DCT of the log energies to int16 Q5 MFCCs. */
static int16_t sat16_round(int64_t acc, int32_t shift)
{
    const int64_t r = round_shift64(acc, shift);
    return (int16_t)(r > 32767 ? 32767 : r < -32768 ? -32768 : r);
}

/* Two coefficients per pass share each log_mel load; each sum is the same exact int64. */
static void dct_q5(const tops_mfcc_q15_tables *t, const int32_t *log_mel, int16_t *out)
{
    const int32_t out_shift = TOPS_MFCC_DCT_FRAC_BITS + 16 - TOPS_MFCC_OUTPUT_FRAC_BITS;
    const int32_t bands = t->mel_bands;
    int32_t j = 0, m;
    for (; j + 1 < t->coefficients; j += 2) {
        const int32_t *row0 = t->dct_q24 + j * bands;
        const int32_t *row1 = row0 + bands;
        int64_t acc0 = 0, acc1 = 0;
        for (m = 0; m < bands; m++) {
            const int32_t l = log_mel[m];
            acc0 += (int64_t)row0[m] * l; /* < 2^51 */
            acc1 += (int64_t)row1[m] * l;
        }
        out[j] = sat16_round(acc0, out_shift);
        out[j + 1] = sat16_round(acc1, out_shift);
    }
    if (j < t->coefficients) {
        const int32_t *row = t->dct_q24 + j * bands;
        int64_t acc = 0;
        for (m = 0; m < bands; m++) {
            acc += (int64_t)row[m] * log_mel[m];
        }
        out[j] = sat16_round(acc, out_shift);
    }
}

tops_status tops_mfcc_q15_log_mel_frame(const tops_context *ctx, const tops_mfcc_q15_tables *tables,
                                        const int16_t *frame, int32_t *log_mel)
{
    mfcc_scratch s;
    if (!tables_valid(tables) || frame == NULL || log_mel == NULL || !scratch_from(ctx, tables, &s)) {
        return TOPS_ARG_ERROR;
    }
    log_mel_frame(tables, &s, frame, log_mel);
    return TOPS_OK;
}

tops_status tops_mfcc_q15_frame(const tops_context *ctx, const tops_mfcc_q15_tables *tables,
                                const int16_t *frame, int16_t *out)
{
    mfcc_scratch s;
    if (!tables_valid(tables) || frame == NULL || out == NULL || !scratch_from(ctx, tables, &s)) {
        return TOPS_ARG_ERROR;
    }
    log_mel_frame(tables, &s, frame, s.log_mel);
    TOPS_MFCC_PHASE();
    dct_q5(tables, s.log_mel, out);
    TOPS_MFCC_PHASE();
    return TOPS_OK;
}

tops_status tops_mfcc_q15_compute(const tops_context *ctx, const tops_mfcc_q15_tables *tables,
                                  const int16_t *signal, int32_t samples,
                                  int16_t *features, int32_t features_size)
{
    mfcc_scratch s;
    int32_t frames, f;
    if (!tables_valid(tables) || signal == NULL || features == NULL || samples < 0 ||
        !scratch_from(ctx, tables, &s)) {
        return TOPS_ARG_ERROR;
    }
    frames = tops_mfcc_q15_frame_count(tables, samples);
    if (features_size < frames * tables->coefficients) {
        return TOPS_ARG_ERROR;
    }
    for (f = 0; f < frames; f++) {
        log_mel_frame(tables, &s, signal + f * tables->stride_samples, s.log_mel);
        dct_q5(tables, s.log_mel, features + f * tables->coefficients);
    }
    return TOPS_OK;
}
