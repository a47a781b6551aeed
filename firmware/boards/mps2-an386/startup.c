/*
 * Minimal Cortex-M4 start-up for mps2-an386 under QEMU: vector table, reset handler that sets
 * up C memory (copy .data, zero .bss), then semihosting stdio (newlib librdimon) and main().
 * Linked with -nostartfiles, so newlib's crt0 (which asks the host for the stack via
 * SYS_HEAPINFO) is not used: the stack is the top of RAM from the linker script.
 */
#include <stdint.h>
#include <stdlib.h>

extern uint32_t __data_start__;
extern uint32_t __data_end__;
extern uint32_t __data_load__;
extern uint32_t __bss_start__;
extern uint32_t __bss_end__;
extern uint32_t __stack_top;

extern int main(void);
extern void initialise_monitor_handles(void); /* librdimon: opens the semihosting stdio handles */
extern void _exit(int status);

void tops_reset_handler(void);
void tops_fault_handler(void);
void _init(void);
void _fini(void);

/* newlib's exit() runs __libc_fini_array, which calls _fini (normally from crti.o, left out by
   -nostartfiles). Plain C99 has no constructors or destructors to run, so both are empty. */
void _init(void)
{
}

void _fini(void)
{
}

/* Exit status a fault reports to the host, so a crash never looks like a pass. */
#define TOPS_FAULT_EXIT 70

void tops_fault_handler(void)
{
    _exit(TOPS_FAULT_EXIT);
}

void tops_reset_handler(void)
{
    const uint32_t *src = &__data_load__;
    uint32_t *dst;
    for (dst = &__data_start__; dst < &__data_end__;) {
        *dst++ = *src++;
    }
    for (dst = &__bss_start__; dst < &__bss_end__;) {
        *dst++ = 0;
    }
    initialise_monitor_handles();
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
