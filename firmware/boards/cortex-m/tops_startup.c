/*
 * One start-up for every board in src/boards/registry.ts (Cortex-M4 and Cortex-M7 under QEMU's
 * mps2-an386 / mps2-an500). The linker script is generated per board by
 * src/deploy/linker-script.ts and provides the symbols used here.
 *
 * Reset: enable the FPU (we build with the hard-float ABI), copy .data, zero .bss, paint the
 * stack for the high-water mark, open the semihosting stdio handles (newlib librdimon), run
 * main() and exit with its status. Linked with -nostartfiles, so newlib's crt0 (which asks the
 * host for memory via SYS_HEAPINFO) is not used: the stack and heap are what the linker
 * script reserves, and a link that does not fit the board's SRAM fails.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tops_board.h"

extern uint32_t __data_start__;
extern uint32_t __data_end__;
extern uint32_t __data_load__;
extern uint32_t __bss_start__;
extern uint32_t __bss_end__;
extern uint32_t __stack_top;
extern uint32_t __stack_limit;
extern uint32_t __heap_start;
extern uint32_t __heap_limit_addr;

extern int main(void);
extern void initialise_monitor_handles(void); /* librdimon: opens the semihosting stdio handles */
extern void _exit(int status);

void tops_reset_handler(void);
void tops_fault_handler(void);
void _init(void);
void _fini(void);
void *_sbrk(ptrdiff_t incr);

/* Any value works; this one is unlikely as data and as a stack address. */
#define TOPS_STACK_PAINT 0xC5A5C5A5u
/* Exit status a fault reports to the host, so a crash never looks like a pass. */
#define TOPS_FAULT_EXIT 70
/* Armv7-M Coprocessor Access Control Register (ARMv7-M ARM B3.2.20). */
#define TOPS_CPACR (*(volatile uint32_t *)0xE000ED88u)

/* newlib's exit() runs __libc_fini_array, which calls _fini (normally from crti.o, left out by
   -nostartfiles). Plain C99 has no constructors or destructors to run, so both are empty. */
void _init(void)
{
}

void _fini(void)
{
}

void tops_fault_handler(void)
{
    _exit(TOPS_FAULT_EXIT);
}

/* noinline + an asm body: GCC must neither inline the call nor prove it pure and delete it,
   or the plugin would never see the marker's address execute. */
__attribute__((noinline)) void tops_mark(void)
{
    __asm__ volatile("" ::: "memory");
}

static uint32_t *tops_current_sp(void)
{
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* Paint [__stack_limit, sp - 64 bytes): nothing below sp is live, and the margin keeps this
   function's own frame (if the compiler spills below the read sp) out of the way. */
static void tops_paint_below(uint32_t *sp)
{
    uint32_t *p;
    for (p = &__stack_limit; p < sp - 16; p++) {
        *p = TOPS_STACK_PAINT;
    }
}

__attribute__((noinline)) void tops_stack_repaint(void)
{
    tops_paint_below(tops_current_sp());
}

static uint32_t tops_stack_reported;
static int tops_stack_was_reported;

uint32_t tops_stack_high_water(void)
{
    const uint32_t *p = &__stack_limit;
    while (p < &__stack_top && *p == TOPS_STACK_PAINT) {
        p++;
    }
    tops_stack_reported = (uint32_t)((const char *)&__stack_top - (const char *)p);
    tops_stack_was_reported = 1;
    return tops_stack_reported;
}

/* Heap between the end of .bss and the stack reservation (linker script), so the heap can
   never grow into the painted stack and the stack measurement stays honest. */
static char *tops_heap_end;

void *_sbrk(ptrdiff_t incr)
{
    char *prev;
    if (tops_heap_end == NULL) {
        tops_heap_end = (char *)&__heap_start;
    }
    if (incr > (char *)&__heap_limit_addr - tops_heap_end || incr < (char *)&__heap_start - tops_heap_end) {
        errno = ENOMEM;
        return (void *)-1;
    }
    prev = tops_heap_end;
    tops_heap_end += incr;
    return prev;
}

uint32_t tops_heap_used(void)
{
    return tops_heap_end == NULL ? 0u : (uint32_t)(tops_heap_end - (char *)&__heap_start);
}

/* Printed on stderr so src/deploy/run-on-qemu.ts can read it without touching stdout. */
static void tops_report_at_exit(void)
{
    const uint32_t stack = tops_stack_was_reported ? tops_stack_reported : tops_stack_high_water();
    fprintf(stderr, "TOPS_STACK_HIGH_WATER %lu\nTOPS_HEAP_USED %lu\n", (unsigned long)stack,
            (unsigned long)tops_heap_used());
}

void tops_reset_handler(void)
{
    const uint32_t *src = &__data_load__;
    uint32_t *dst;
#if defined(__ARM_FP)
    /* CP10 and CP11 full access before any floating-point instruction can run. */
    TOPS_CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    for (dst = &__data_start__; dst < &__data_end__;) {
        *dst++ = *src++;
    }
    for (dst = &__bss_start__; dst < &__bss_end__;) {
        *dst++ = 0;
    }
    tops_paint_below(tops_current_sp());
    initialise_monitor_handles();
    atexit(tops_report_at_exit);
    exit(main());
}

/* Armv7-M vector table: initial stack pointer, then the 15 system exception handlers. */
typedef struct {
    const uint32_t *initial_sp;
    void (*handlers[15])(void);
} tops_vector_table;

__attribute__((section(".isr_vector"), used)) static const tops_vector_table tops_vectors = {
    &__stack_top,
    {
        tops_reset_handler, /* Reset */
        tops_fault_handler, /* NMI */
        tops_fault_handler, /* HardFault */
        tops_fault_handler, /* MemManage */
        tops_fault_handler, /* BusFault */
        tops_fault_handler, /* UsageFault */
        0, 0, 0, 0,         /* reserved */
        tops_fault_handler, /* SVCall */
        tops_fault_handler, /* DebugMonitor */
        0,                  /* reserved */
        tops_fault_handler, /* PendSV */
        tops_fault_handler, /* SysTick */
    },
};
