import { FirmwareBuild } from './build-firmware';
import { QemuRun } from './run-on-qemu';

export interface SramUsage {
  /** data + bss, from the ELF. */
  readonly staticBytes: number;
  /** Deepest stack use measured in QEMU (start-up paint, see firmware/include/tops_board.h). */
  readonly stackHighWaterBytes: number;
  /** Heap handed out by _sbrk (newlib stdio buffers in a semihosting harness). */
  readonly heapUsedBytes: number;
  /** docs/architecture.md#boards: data + bss + stack high-water. */
  readonly measuredBytes: number;
  /** measuredBytes + heap used: what this firmware, harness included, really touched. */
  readonly measuredWithHeapBytes: number;
}

/**
 * Measured SRAM of a build and one of its runs. Throws if the run did not report a stack
 * high-water mark (the firmware did not exit through the tinyops start-up, e.g. it faulted).
 */
export function sramUsage(build: FirmwareBuild, run: QemuRun): SramUsage {
  if (run.stackHighWaterBytes === undefined) {
    throw new Error(`run of ${build.elfPath} reported no stack high-water mark (exit status ${run.exitCode})`);
  }
  const heap = run.heapUsedBytes ?? 0;
  const measured = build.staticSramBytes + run.stackHighWaterBytes;
  return {
    staticBytes: build.staticSramBytes,
    stackHighWaterBytes: run.stackHighWaterBytes,
    heapUsedBytes: heap,
    measuredBytes: measured,
    measuredWithHeapBytes: measured + heap,
  };
}
