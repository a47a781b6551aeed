import { F7_DISCO_QSPI, F7_DISCO_SDRAM, type ExternalMemory } from './external-memory';

/**
 * The board registry (docs/architecture.md#boards): data, not code paths. `deploy` links against these
 * memory sizes and runs the firmware on the QEMU machine that emulates the core.
 * The F7 entries carry the external memories of the same MCU's Discovery kit (TinyOps Table I),
 * used only when a model exceeds the SRAM budget (docs/external-memory.md).
 */
export interface Board {
  readonly name: string;
  readonly core: 'cortex-m4' | 'cortex-m7';
  readonly fpu: boolean;
  /** DSP extension (SMLAD, SXTB16, ...). */
  readonly dsp: boolean;
  readonly clockHz: number;
  readonly sramBytes: number;
  readonly flashBytes: number;
  /** `qemu-system-arm -M <machine>` that emulates the core. */
  readonly qemuMachine: string;
  /** External SDRAM / QSPI flash the partition planner may use (src/boards/external-memory.ts); none when absent. */
  readonly externalMemory?: readonly ExternalMemory[];
}

const KB = 1024;

export const boards: readonly Board[] = [
  {
    name: 'stm32f446re',
    core: 'cortex-m4',
    fpu: true,
    dsp: true,
    clockHz: 180e6,
    sramBytes: 128 * KB,
    flashBytes: 512 * KB,
    qemuMachine: 'mps2-an386',
  },
  {
    name: 'stm32f746zg',
    core: 'cortex-m7',
    fpu: true,
    dsp: true,
    clockHz: 216e6,
    sramBytes: 320 * KB,
    flashBytes: 1024 * KB,
    qemuMachine: 'mps2-an500',
    externalMemory: [F7_DISCO_SDRAM, F7_DISCO_QSPI],
  },
  {
    name: 'stm32f767zi',
    core: 'cortex-m7',
    fpu: true,
    dsp: true,
    clockHz: 216e6,
    sramBytes: 512 * KB,
    flashBytes: 2048 * KB,
    qemuMachine: 'mps2-an500',
    externalMemory: [F7_DISCO_SDRAM, F7_DISCO_QSPI],
  },
];

export const boardNames: readonly string[] = boards.map((b) => b.name);

export function findBoard(name: string): Board | undefined {
  return boards.find((b) => b.name === name);
}
