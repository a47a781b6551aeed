/*
 * Instruction counting on the board under QEMU (test programs only). SysTick counts core clock
 * ticks (CLKSOURCE = processor clock, 25 MHz on mps2-an386). With `-icount shift=0` QEMU
 * advances virtual time by 1 ns per instruction, so a tick is a fixed number of instructions
 * (40); tops_icount_calibrate() prints the ratio measured on a loop of known length so the
 * host never assumes it. Without -icount ticks follow host time and mean nothing.
 * Resolution: one tick; the 24-bit counter wraps every 2^24 ticks (~671 M instructions).
 * On the host (no __ARM_ARCH) every function is a no-op returning 0.
 */
#ifndef TOPS_ICOUNT_H
#define TOPS_ICOUNT_H

#include <stdint.h>
#include <stdio.h>

#if defined(__ARM_ARCH)
#define TOPS_SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define TOPS_SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define TOPS_SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static inline void tops_icount_start(void)
{
    TOPS_SYST_RVR = 0x00FFFFFFu;
    TOPS_SYST_CVR = 0;
    TOPS_SYST_CSR = 5u; /* enable, processor clock, no interrupt */
}

static inline uint32_t tops_icount_now(void)
{
    return TOPS_SYST_CVR;
}

/* Down-counter: ticks from `from` to `to`, modulo 2^24. */
static inline uint32_t tops_icount_elapsed(uint32_t from, uint32_t to)
{
    return (from - to) & 0x00FFFFFFu;
}

/* Prints "ICOUNT_CALIBRATION instructions=<n> ticks=<t>" for a loop of 3 instructions per iteration. */
static inline void tops_icount_calibrate(void)
{
    uint32_t iterations = 200000u;
    const uint32_t t0 = tops_icount_now();
    uint32_t t1;
    __asm__ volatile("1: subs %0, %0, #1\n\tnop\n\tbne 1b" : "+r"(iterations) : : "cc");
    t1 = tops_icount_now();
    printf("ICOUNT_CALIBRATION instructions=%lu ticks=%lu\n", 3ul * 200000ul,
           (unsigned long)tops_icount_elapsed(t0, t1));
}
#else
static inline void tops_icount_start(void)
{
}

static inline uint32_t tops_icount_now(void)
{
    return 0;
}

static inline uint32_t tops_icount_elapsed(uint32_t from, uint32_t to)
{
    (void)from;
    (void)to;
    return 0;
}

static inline void tops_icount_calibrate(void)
{
}
#endif

#endif /* TOPS_ICOUNT_H */
