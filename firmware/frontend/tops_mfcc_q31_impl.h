/*
 * The q31-fast fixed-point MFCC (features `contract: q31-fast`), steps 2-6. The contract is the
 * header comment of src/dsp/mfcc-q31.ts and src/dsp/fft-q31.ts; every value below is the
 * integer named there, so the output equals MfccQ31.compute bit for bit.
 *
 * Included by tops_mfcc_q15.c only (one translation unit): every build that lists that file
 * gets both contracts, and this one shares its static helpers (block peak, log2, DCT, scratch).
 * Step 1 (block peak, nrm) and step 7 (DCT) are the default contract's and run there.
 *
 * Cost: every twiddle product is one SMMUL / SMMLA / SMMLS (high word of the 64-bit product,
 * no rounding constant, no 64-bit shift), the 1/4 scaling of a radix-4 stage rides on those
 * products and on shifted-operand adds, and the band powers are 32-bit (one shift per band,
 * MUL / MLA, SMLAWB): firmware/README.md has the per-step instruction counts.
 */
#ifndef TOPS_MFCC_Q31_IMPL_H
#define TOPS_MFCC_Q31_IMPL_H

/* hi(a, w) = floor(a w / 2^32) (SMMUL); acc + hi(a, w) (SMMLA); acc - ceil(a w / 2^32) (SMMLS). */
#if defined(TOPS_MFCC_DSP)
static inline int32_t q31_mul_hi(int32_t a, int32_t w)
{
    int32_t r;
    __asm__("smmul %0, %1, %2" : "=r"(r) : "r"(a), "r"(w));
    return r;
}
static inline int32_t q31_mla_hi(int32_t a, int32_t w, int32_t acc)
{
    int32_t r;
    __asm__("smmla %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(w), "r"(acc));
    return r;
}
static inline int32_t q31_mls_hi(int32_t a, int32_t w, int32_t acc)
{
    int32_t r;
    __asm__("smmls %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(w), "r"(acc));
    return r;
}
/* acc + floor(p w / 2^16) for 0 <= p < 2^31, 0 <= w < 2^15 (SMLAWB). */
static inline int32_t q31_mla_w(int32_t p, int32_t w, int32_t acc)
{
    return __smlawb(p, w, acc);
}
#else
static inline int32_t q31_mul_hi(int32_t a, int32_t w)
{
    return (int32_t)(((int64_t)a * w) >> 32);
}
static inline int32_t q31_mla_hi(int32_t a, int32_t w, int32_t acc)
{
    return acc + q31_mul_hi(a, w);
}
static inline int32_t q31_mls_hi(int32_t a, int32_t w, int32_t acc)
{
    /* |acc| < 2^31: acc 2^32 - a w fits int64 for the contract's operands. */
    return (int32_t)(((int64_t)acc * 4294967296LL - (int64_t)a * w) >> 32);
}
static inline int32_t q31_mla_w(int32_t p, int32_t w, int32_t acc)
{
    return acc + (int32_t)(((int64_t)p * w) >> 16);
}
#endif

/* v[i] of step 2: hi(x[i] 2^(15 + nrm), w31[i]), 0 beyond the window. */
static inline int32_t q31_v(const int16_t *x, const int32_t *w, int32_t i, int32_t win, int32_t up)
{
    return i < win ? q31_mul_hi((int32_t)x[i] * up, w[i]) : 0;
}

/*
 * Step 2 and the FFT's input order (and, when log2 M is odd, its radix-2 stage: positions
 * 2q, 2q + 1 hold z[n] and z[n + M/2] for n = rev(2q), so the stage is a + b, a - b of
 * z[n] = (v[2n], v[2n + 1]) and z[n + M/2] = (v[2n + M], v[2n + M + 1]), written at rev(n)).
 */
/* Positions 2 rev(n), + 1 of the radix-2 stage: a + b, a - b (a = z[n], b = z[n + M/2]). */
static inline void q31_window_generic(const tops_mfcc_q15_tables *t, const int16_t *x, int32_t up, int32_t n,
                                      int32_t *z)
{
    const int32_t m = t->fft_size / 2;
    const int32_t win = t->window_samples;
    const int32_t *w = t->q31_window;
    int32_t *o = z + 2 * t->fft_bit_reverse[n];
    const int32_t i = 2 * n;
    const int32_t ar = q31_v(x, w, i, win, up);
    const int32_t ai = q31_v(x, w, i + 1, win, up);
    const int32_t br = q31_v(x, w, i + m, win, up);
    const int32_t bi = q31_v(x, w, i + m + 1, win, up);
    o[0] = ar + br;
    o[1] = ai + bi;
    o[2] = ar - br;
    o[3] = ai - bi;
}

static void q31_window(const tops_mfcc_q15_tables *t, const int16_t *x, int32_t nrm, int32_t *z)
{
    const int32_t m = t->fft_size / 2;
    const int32_t win = t->window_samples;
    const int32_t up = (int32_t)1 << (15 + nrm);
    const int32_t *w = t->q31_window;
    const uint16_t *rev = t->fft_bit_reverse;
    int32_t n = 0;
    if ((__builtin_ctz((uint32_t)m) & 1) != 0) { /* log2 M odd */
        const int32_t half = m / 2;
        /* n < both: all four samples inside the window (2n + M + 1 < win) */
        const int32_t both = win > m ? ((win - m) / 2 < half ? (win - m) / 2 : half) : 0;
        /* from = ceil((win - M) / 2) <= n < only: z[n] inside (2n + 1 < win), z[n + M/2] padding */
        const int32_t from = win > m ? (win - m + 1) / 2 : 0;
        const int32_t only = win / 2 < half ? win / 2 : half;
        for (; n < both; n++) {
            int32_t *o = z + 2 * rev[n];
            const int16_t *xa = x + 2 * n;
            const int32_t *wa = w + 2 * n;
            const int32_t ar = q31_mul_hi(xa[0] * up, wa[0]);
            const int32_t ai = q31_mul_hi(xa[1] * up, wa[1]);
            const int32_t br = q31_mul_hi(xa[m] * up, wa[m]);
            const int32_t bi = q31_mul_hi(xa[m + 1] * up, wa[m + 1]);
            o[0] = ar + br;
            o[1] = ai + bi;
            o[2] = ar - br;
            o[3] = ai - bi;
        }
        for (; n < from && n < half; n++) {
            q31_window_generic(t, x, up, n, z);
        }
        for (; n < only; n++) {
            int32_t *o = z + 2 * rev[n];
            const int32_t ar = q31_mul_hi(x[2 * n] * up, w[2 * n]);
            const int32_t ai = q31_mul_hi(x[2 * n + 1] * up, w[2 * n + 1]);
            o[0] = ar;
            o[1] = ai;
            o[2] = ar;
            o[3] = ai;
        }
        for (; n < half; n++) {
            q31_window_generic(t, x, up, n, z);
        }
    } else {
        for (; n < m; n++) {
            int32_t *o = z + 2 * rev[n];
            const int32_t i = 2 * n;
            o[0] = q31_v(x, w, i, win, up);
            o[1] = q31_v(x, w, i + 1, win, up);
        }
    }
}

/* One radix-4 butterfly's adds (fft-q31.ts step 2) at pa, pa + step, + 2 step, + 3 step. */
static inline void q31_radix4_out(int32_t *pa, int32_t step, int32_t br, int32_t bi, int32_t cr, int32_t ci,
                                  int32_t dr, int32_t di)
{
    const int32_t ar = pa[0] >> 1;
    const int32_t ai = pa[1] >> 1;
    const int32_t s0r = ar + br;
    const int32_t s0i = ai + bi;
    const int32_t s1r = ar - br;
    const int32_t s1i = ai - bi;
    const int32_t s2r = cr + dr;
    const int32_t s2i = ci + di;
    const int32_t s3r = cr - dr;
    const int32_t s3i = ci - di;
    pa[0] = (s0r >> 1) + s2r;
    pa[1] = (s0i >> 1) + s2i;
    pa[step] = (s1r >> 1) + s3i;
    pa[step + 1] = (s1i >> 1) - s3r;
    pa[2 * step] = (s0r >> 1) - s2r;
    pa[2 * step + 1] = (s0i >> 1) - s2i;
    pa[3 * step] = (s1r >> 1) - s3i;
    pa[3 * step + 1] = (s1i >> 1) + s3r;
}

#if defined(TOPS_MFCC_ASM) && defined(TOPS_MFCC_DSP)
/*
 * The j >= 1 butterflies of every group of one radix-4 stage, written out for Thumb-2 (GCC's
 * allocation of the C version spilled: ~75 instructions per butterfly; this loop is 42: seven
 * LDRD, twelve SMMUL/SMMLA/SMMLS, sixteen adds with a shifted operand, four STRD with
 * post-increment, three for the loop). r0 = first group's base, r1 = end of z, r2 = 8h (bytes
 * from A to B), r3 = the stage's twiddles at j = 1. Requires h >= 2. Per butterfly: B, C, D times
 * their twiddles (b in r9/r10, c in r11/r12, d in lr/r7), then s2 = c + d and s3 = c - d in place
 * (s3 = s2 - 2d), then A and the four outputs as in fft-q31.ts step 2.
 */
void tops_mfcc_q31_radix4_groups(int32_t *z, int32_t *end, int32_t stride_bytes, const int32_t *tw);
__asm__(
    "   .text\n"
    "   .align 2\n"
    "   .global tops_mfcc_q31_radix4_groups\n"
    "   .thumb\n"
    "   .thumb_func\n"
    "   .syntax unified\n"
    "   .type tops_mfcc_q31_radix4_groups, %function\n"
    "tops_mfcc_q31_radix4_groups:\n"
    "   push    {r4-r11, lr}\n"
    "   sub     sp, sp, #16\n"
    "   str     r1, [sp, #0]\n"            /* end of z */
    "   str     r2, [sp, #4]\n"            /* S = 8h */
    "   str     r3, [sp, #8]\n"            /* twiddles at j = 1 */
    "1:\n"                                 /* group at base r0 */
    "   add     r5, r0, r2\n"
    "   str     r5, [sp, #12]\n"           /* A's end: base + S */
    "   add     r0, r0, #8\n"              /* pa: j = 1 */
    "   add     r1, r0, r2\n"              /* pb */
    "   add     r3, r1, r2\n"              /* pc (r2 is reused below) */
    "   mov     r4, r3\n"
    "   add     r3, r3, r2\n"              /* pd */
    "   mov     r2, r4\n"                  /* pc */
    "   ldr     r4, [sp, #8]\n"            /* tw */
    "2:\n"
    "   ldrd    r5, r6, [r1]\n"            /* B */
    "   ldrd    r7, r8, [r4], #8\n"        /* c2, s2 */
    "   smmul   r9, r5, r7\n"
    "   smmla   r9, r6, r8, r9\n"          /* br */
    "   smmul   r10, r6, r7\n"
    "   smmls   r10, r5, r8, r10\n"        /* bi */
    "   ldrd    r5, r6, [r2]\n"            /* C */
    "   ldrd    r7, r8, [r4], #8\n"        /* c1, s1 */
    "   smmul   r11, r5, r7\n"
    "   smmla   r11, r6, r8, r11\n"        /* cr */
    "   smmul   r12, r6, r7\n"
    "   smmls   r12, r5, r8, r12\n"        /* ci */
    "   ldrd    r5, r6, [r3]\n"            /* D */
    "   ldrd    r7, r8, [r4], #8\n"        /* c3, s3 */
    "   smmul   lr, r5, r7\n"
    "   smmla   lr, r6, r8, lr\n"          /* dr */
    "   smmul   r7, r6, r7\n"
    "   smmls   r7, r5, r8, r7\n"          /* di */
    "   add     r11, r11, lr\n"            /* s2r */
    "   sub     lr, r11, lr, lsl #1\n"     /* s3r */
    "   add     r12, r12, r7\n"            /* s2i */
    "   sub     r7, r12, r7, lsl #1\n"     /* s3i */
    "   ldrd    r5, r6, [r0]\n"            /* A */
    "   add     r8, r9, r5, asr #1\n"      /* s0r */
    "   rsb     r9, r9, r5, asr #1\n"      /* s1r */
    "   add     r5, r10, r6, asr #1\n"     /* s0i */
    "   rsb     r10, r10, r6, asr #1\n"    /* s1i */
    "   add     r6, r11, r8, asr #1\n"     /* y0r */
    "   rsb     r11, r11, r8, asr #1\n"    /* y2r */
    "   add     r8, r12, r5, asr #1\n"     /* y0i */
    "   rsb     r12, r12, r5, asr #1\n"    /* y2i */
    "   strd    r6, r8, [r0], #8\n"
    "   strd    r11, r12, [r2], #8\n"
    "   add     r5, r7, r9, asr #1\n"      /* y1r */
    "   rsb     r7, r7, r9, asr #1\n"      /* y3r */
    "   rsb     r6, lr, r10, asr #1\n"     /* y1i */
    "   add     lr, lr, r10, asr #1\n"     /* y3i */
    "   strd    r5, r6, [r1], #8\n"
    "   strd    r7, lr, [r3], #8\n"
    "   ldr     r5, [sp, #12]\n"
    "   cmp     r0, r5\n"
    "   blo     2b\n"
    "   mov     r0, r3\n"                  /* next group: pd ended at base + 4S */
    "   ldr     r1, [sp, #0]\n"
    "   ldr     r2, [sp, #4]\n"
    "   cmp     r0, r1\n"
    "   blo     1b\n"
    "   add     sp, sp, #16\n"
    "   pop     {r4-r11, pc}\n"
    "   .size tops_mfcc_q31_radix4_groups, .-tops_mfcc_q31_radix4_groups\n");
#endif

/* The radix-4 stages: quarter length h from h0 to M/4, twiddles 6 words per (stage, j). */
static void q31_complex_fft(const tops_mfcc_q15_tables *t, int32_t *z)
{
    const int32_t m = t->fft_size / 2;
    const int32_t *tw = t->q31_twiddles;
    int32_t h;
    for (h = (__builtin_ctz((uint32_t)m) & 1) != 0 ? 2 : 1; 4 * h <= m; h *= 4) {
        const int32_t step = 2 * h; /* words from A to B */
        int32_t *base;
        for (base = z; base < z + 2 * m; base += 4 * step) {
            /* j = 0: u = 1, no multiply */
            q31_radix4_out(base, step, base[step] >> 1, base[step + 1] >> 1, base[2 * step] >> 2,
                           base[2 * step + 1] >> 2, base[3 * step] >> 2, base[3 * step + 1] >> 2);
        }
#if defined(TOPS_MFCC_ASM) && defined(TOPS_MFCC_DSP)
        if (h >= 2) {
            tops_mfcc_q31_radix4_groups(z, z + 2 * m, 4 * step, tw + 6);
        }
#else
        for (base = z; base < z + 2 * m; base += 4 * step) {
            int32_t *pa = base;
            const int32_t *w = tw + 6;
            const int32_t *end = base + step;
            for (pa += 2; pa < end; pa += 2, w += 6) {
                const int32_t bre = pa[step], bim = pa[step + 1];
                const int32_t cre = pa[2 * step], cim = pa[2 * step + 1];
                const int32_t dre = pa[3 * step], dim = pa[3 * step + 1];
                const int32_t br = q31_mla_hi(bim, w[1], q31_mul_hi(bre, w[0]));
                const int32_t bi = q31_mls_hi(bre, w[1], q31_mul_hi(bim, w[0]));
                const int32_t cr = q31_mla_hi(cim, w[3], q31_mul_hi(cre, w[2]));
                const int32_t ci = q31_mls_hi(cre, w[3], q31_mul_hi(cim, w[2]));
                const int32_t dr = q31_mla_hi(dim, w[5], q31_mul_hi(dre, w[4]));
                const int32_t di = q31_mls_hi(dre, w[5], q31_mul_hi(dim, w[4]));
                q31_radix4_out(pa, step, br, bi, cr, ci, dr, di);
            }
        }
#endif
        tw += 6 * h;
    }
}

/* Split step in place: Y[k] and Y[M - k] from Z[k], Z[M - k] (fft-q31.ts step 3). */
static void q31_split(const tops_mfcc_q15_tables *t, int32_t *z)
{
    const int32_t m = t->fft_size / 2;
    const int32_t *sp = t->q31_split + 2;
    int32_t *pk = z + 2;
    int32_t *pm = z + 2 * (m - 1);
    const int32_t z0r = z[0], z0i = z[1];
    z[0] = z0r + z0i;
    z[1] = 0;
    z[2 * m] = z0r - z0i;
    z[2 * m + 1] = 0;
    for (; pk < pm; pk += 2, pm -= 2, sp += 2) {
        const int32_t er = pk[0] + pm[0];
        const int32_t ei = pk[1] - pm[1];
        const int32_t or_ = pk[0] - pm[0];
        const int32_t oi = pk[1] + pm[1];
        const int32_t ur = q31_mla_hi(oi, sp[1], q31_mul_hi(or_, sp[0]));
        const int32_t ui = q31_mls_hi(or_, sp[1], q31_mul_hi(oi, sp[0]));
        pk[0] = (er >> 1) + ui;
        pk[1] = (ei >> 1) - ur;
        pm[0] = (er >> 1) - ui;
        pm[1] = (-ei >> 1) - ur;
    }
    { /* k = M/2 = M - k */
        const int32_t er = 2 * pk[0];
        const int32_t oi = 2 * pk[1];
        const int32_t ur = q31_mla_hi(oi, sp[1], q31_mul_hi(0, sp[0]));
        const int32_t ui = q31_mls_hi(0, sp[1], q31_mul_hi(oi, sp[0]));
        pk[0] = (er >> 1) + ui;
        pk[1] = 0 - ur;
    }
}

/* Steps 2-6 after step 1 (nrm): Q16 log2 mel energies into out. */
static void q31_log_mel_frame(const tops_mfcc_q15_tables *t, int32_t *y, const int16_t *x, int32_t nrm, int32_t *out)
{
    const int32_t cb = t->q31_component_bits;
    int32_t g0, m;
    q31_window(t, x, nrm, y);
    TOPS_MFCC_PHASE();
    q31_complex_fft(t, y);
    TOPS_MFCC_PHASE();
    q31_split(t, y);
    TOPS_MFCC_PHASE();
    { /* Y = 2^(29 + nrm - fftShift) X, fftShift = 2 (radix-4 stages) = log2 M rounded down to even */
        const int32_t p = __builtin_ctz((uint32_t)(t->fft_size / 2));
        g0 = 29 + nrm - (p - (p & 1));
    }
    for (m = 0; m < t->mel_bands; m++) {
        const int32_t len = t->mel_length[m];
        const int16_t *w = t->mel_weights_q15 + t->mel_offset[m];
        const int32_t *yb = y + 2 * t->mel_start[m];
        uint32_t c = 0;
        int32_t acc = 0, q, g, l;
#if defined(TOPS_MFCC_ASM) && defined(TOPS_MFCC_DSP)
        /* The two passes written out (7 and 9 instructions per bin; GCC's loops took ~12 each). */
        if (len > 0) {
            const int32_t *py = yb;
            int32_t n = len, re, im;
            __asm__ volatile(
                "1:\n\t"
                "ldrd   %[re], %[im], [%[py]], #8\n\t"
                "eor    %[re], %[re], %[re], asr #31\n\t"
                "eor    %[im], %[im], %[im], asr #31\n\t"
                "orr    %[c], %[c], %[re]\n\t"
                "orr    %[c], %[c], %[im]\n\t"
                "subs   %[n], %[n], #1\n\t"
                "bne    1b\n\t"
                : [py] "+r"(py), [n] "+r"(n), [c] "+r"(c), [re] "=&r"(re), [im] "=&r"(im)
                :
                : "cc", "memory");
        }
        q = bit_length32(c) - cb;
        if (q < 0) {
            q = 0;
        }
        if (len > 0) {
            const int32_t *py = yb;
            const int16_t *pw = w;
            int32_t n = len, re, im, p, wt;
            __asm__ volatile(
                "1:\n\t"
                "ldrd   %[re], %[im], [%[py]], #8\n\t"
                "asr    %[re], %[re], %[q]\n\t"
                "asr    %[im], %[im], %[q]\n\t"
                "mul    %[p], %[re], %[re]\n\t"
                "mla    %[p], %[im], %[im], %[p]\n\t"
                "ldrsh  %[wt], [%[pw]], #2\n\t"
                "smlawb %[acc], %[p], %[wt], %[acc]\n\t"
                "subs   %[n], %[n], #1\n\t"
                "bne    1b\n\t"
                : [py] "+r"(py), [pw] "+r"(pw), [n] "+r"(n), [acc] "+r"(acc), [re] "=&r"(re), [im] "=&r"(im),
                  [p] "=&r"(p), [wt] "=&r"(wt)
                : [q] "r"(q)
                : "cc", "memory");
        }
#else
        int32_t i;
        for (i = 0; i < len; i++) {
            const int32_t re = yb[2 * i], im = yb[2 * i + 1];
            c |= (uint32_t)(re ^ (re >> 31)) | (uint32_t)(im ^ (im >> 31));
        }
        q = bit_length32(c) - cb;
        if (q < 0) {
            q = 0;
        }
        for (i = 0; i < len; i++) {
            const int32_t cr = yb[2 * i] >> q, ci = yb[2 * i + 1] >> q;
            acc = q31_mla_w(cr * cr + ci * ci, w[i], acc);
        }
#endif
        g = g0 - q;
        l = acc == 0 ? t->log2_floor_q16 : log2_q16(t->log2_table_q16, (uint64_t)acc) + (1 - 2 * g) * 65536;
        out[m] = l > t->log2_floor_q16 ? l : t->log2_floor_q16;
    }
}

#endif /* TOPS_MFCC_Q31_IMPL_H */
