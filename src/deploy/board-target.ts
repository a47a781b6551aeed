import { Board, boardNames, findBoard } from '../boards/registry';
import { UnknownBoardError } from './errors';

/**
 * What the compiler and QEMU need to know about a registry board (docs/architecture.md#boards).
 *
 * Float ABI: hard (`-mfloat-abi=hard`), as a real deployment would build; the start-up enables
 * CP10/CP11 before any FP instruction. The kernels are integer-only, so this only matters for
 * float code a user adds. The Cortex-M7 boards differ in FPU width (STM32F746: single
 * precision FPv5-SP; STM32F767: double precision FPv5-D16); the registry only records "has an
 * FPU", so both M7 boards build for fpv5-sp-d16, the subset both have (QEMU's M7 has the
 * double-precision unit and runs either).
 */
export interface BoardTarget {
  readonly board: Board;
  readonly cpuFlags: readonly string[];
  readonly qemuMachine: string;
  /** Where QEMU's machine has RAM for the code (link address of FLASH) and for data. */
  readonly flashOrigin: number;
  readonly ramOrigin: number;
  /**
   * Where the board's external memories go in QEMU (undefined when the board has none): a RAM
   * region of the machine separate from the one standing in for SRAM (see QEMU_EXTERNAL_RAM).
   */
  readonly externalOrigin?: number;
}

const CPU_FLAGS: Record<Board['core'], readonly string[]> = {
  'cortex-m4': ['-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv4-sp-d16'],
  'cortex-m7': ['-mcpu=cortex-m7', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv5-sp-d16'],
};

/**
 * QEMU 7.2 mps2-an386 and mps2-an500 both map 4 MB of ZBT SSRAM1 at 0x00000000 (our "flash")
 * and 4 MB of SSRAM2/3 at 0x20000000 (our SRAM), checked with `info mtree`. Every registry board
 * (≤ 2 MB flash, ≤ 512 KB SRAM) fits, so the linker script can use the board's real sizes.
 */
const QEMU_RAM_BYTES = 4 * 1024 * 1024;
const FLASH_ORIGIN = 0x0000_0000;
const RAM_ORIGIN = 0x2000_0000;

/**
 * A second RAM the machine maps (QEMU 7.2 `info mtree`): mps2-an386 has 16 MB of PSRAM at
 * 0x21000000, mps2-an500 16 MB at 0x60000000. The external SDRAM then QSPI flash of a board
 * (src/boards/external-memory.ts, 8 + 8 MB) are laid out there, in that order.
 */
const QEMU_EXTERNAL_RAM: Readonly<Record<string, { origin: number; bytes: number }>> = {
  'mps2-an386': { origin: 0x2100_0000, bytes: 16 * 1024 * 1024 },
  'mps2-an500': { origin: 0x6000_0000, bytes: 16 * 1024 * 1024 },
};

export function resolveBoard(name: string): BoardTarget {
  const board = findBoard(name);
  if (board === undefined) throw new UnknownBoardError(name, boardNames);
  if (board.flashBytes > QEMU_RAM_BYTES || board.sramBytes > QEMU_RAM_BYTES) {
    // A registry entry QEMU cannot hold: a bug in the registry, not a user mistake.
    throw new Error(`board ${name}: ${board.flashBytes} B flash / ${board.sramBytes} B SRAM exceed the 4 MB QEMU maps`);
  }
  const ext = QEMU_EXTERNAL_RAM[board.qemuMachine];
  const extBytes = (board.externalMemory ?? []).reduce((s, m) => s + m.bytes, 0);
  if (extBytes > 0 && (ext === undefined || extBytes > ext.bytes)) {
    throw new Error(
      `board ${name}: ${extBytes} B of external memory exceed what QEMU ${board.qemuMachine} maps besides its SRAM`,
    );
  }
  return {
    board,
    cpuFlags: CPU_FLAGS[board.core],
    qemuMachine: board.qemuMachine,
    flashOrigin: FLASH_ORIGIN,
    ramOrigin: RAM_ORIGIN,
    ...(extBytes > 0 && ext ? { externalOrigin: ext.origin } : {}),
  };
}
