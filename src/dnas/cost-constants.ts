import type { Board } from '../boards/registry';
import type { OpClass } from './op-classes';

/**
 * Measured constants of the DNAS cost models (src/dnas/cost-model.ts), from real `deploy`
 * runs on this machine (QEMU instruction counts, linked ELF sizes, stack high-water):
 *
 *   bash scripts/build.sh && node dist/src/dnas/calibrate-costs.js .tinyops/store
 *
 * Fitted 2026-12-04 from 4 deploy runs (kws.yaml on stm32f746zg, 3 × quickstart.yaml on
 * stm32f446re; dsp kernels, -O2, 8–12 ops). Re-run it after a kernel, harness or front-end
 * change and paste the output here; docs/stages/dnas.md says what each number means.
 */

/** instructions = perUnit · work + perCall; work = MACs (convs, FC) or input bytes (pool, add, softmax). */
export interface OpInstructions {
  readonly perUnit: number;
  readonly perCall: number;
}

export interface CostConstants {
  readonly instructions: Readonly<Record<OpClass, OpInstructions>>;
  /** Estimated cycles / instruction of a whole inference (docs/cycle-model.md CPI model over the measured mix). */
  readonly cyclesPerInstruction: Readonly<Record<Board['core'], number>>;
  /** The generated model object besides its arrays: params/dims structs and the call of each op. */
  readonly modelFlash: { readonly perOpBytes: number; readonly baseBytes: number };
  /** Image flash that does not depend on the model: kernels, MFCC front end, start-up, harness, libc. */
  readonly fixedFlashBytes: Readonly<Record<Board['core'], number>>;
  /** Measured SRAM minus the arena: harness and libc data/bss, front-end buffers, stack high-water. */
  readonly fixedSramBytes: Readonly<Record<Board['core'], number>>;
}

export const COST_CONSTANTS: CostConstants = {
  instructions: {
    conv: { perUnit: 1.5212, perCall: 98187 },
    pointwise: { perUnit: 1.3262, perCall: 81522 },
    depthwise: { perUnit: 4.2669, perCall: 15444 },
    // No strided depthwise in the calibration runs: the stride-1 fit (same kernel, one call instead of slabs).
    'depthwise-strided': { perUnit: 4.2669, perCall: 15444 },
    dense: { perUnit: 2.7376, perCall: 552 },
    avgpool: { perUnit: 18.1644, perCall: 356 },
    // No adds in the derived (plain) DS-CNNs; a guess of one instruction per byte pair.
    add: { perUnit: 4, perCall: 100 },
    softmax: { perUnit: 89.8333, perCall: 72 },
  },
  cyclesPerInstruction: { 'cortex-m4': 1.2111, 'cortex-m7': 0.6276 },
  modelFlash: { perOpBytes: 304, baseBytes: -369 },
  fixedFlashBytes: { 'cortex-m4': 69004, 'cortex-m7': 69208 },
  fixedSramBytes: { 'cortex-m4': 40692, 'cortex-m7': 40684 },
};
