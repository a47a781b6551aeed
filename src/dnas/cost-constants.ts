import type { Board } from '../boards/registry';
import type { OpClass } from './op-classes';

/**
 * Measured constants of the DNAS cost models (src/dnas/cost-model.ts), from real `deploy`
 * runs on this machine (QEMU instruction counts, linked ELF sizes, stack high-water):
 *
 *   bash scripts/build.sh && node dist/src/dnas/calibrate-costs.js .tinyops/store
 *
 * Refitted 2026-12-04 12:40 UTC from 5 deploy runs on the firmware of that hour (dsp kernels
 * with the asm depthwise group loop and requantization tables in flash, -O2): DS-CNN-S on
 * stm32f446re and stm32f746zg, and three 1-epoch calibration models (32|96,48,128 on the
 * f446re, 96|128s2,64,96 on the f746zg, 144|224s2,176,224,256 on the f767zi) of
 * docs/results/2026-12-04-dnas-full-size.md. The first fit (07:50, 4 runs) predated the asm
 * depthwise loop (4.27 → 3.11 instructions/MAC) and over-predicted DS-CNN-S by 15%. Re-run it
 * after a kernel, harness or front-end change (e.g. a new requantization-table layout changes
 * the per-op flash) and paste the output here; docs/stages/dnas.md says what each number means.
 *
 * Session 7 (2026-12-04 16:30 UTC), not refitted: the dsp conv2d / pointwise kernels' row-pair
 * asm routine (firmware/README.md) cut conv and pointwise instructions; both terms of `conv`
 * and `pointwise` are scaled by the mean ratio new / old over DS-CNN-S on stm32f446re
 * (kernels.bench: conv 0.899, pointwise 0.887) and DS-CNN-M on stm32f746zg (the default
 * pipeline's deploy, per op: conv 0.886, pointwise 0.937): conv × 0.892 (1.5541 → 1.3863,
 * 90353 → 80595), pointwise × 0.912 (1.1352 → 1.0353, 162569 → 148263); the kernels' flash
 * grew by 1,206 B (DS-CNN-M deploy, 17,314 → 18,520 B), added to fixedFlashBytes. Refit with
 * calibrate-costs.js when five deploys of the current firmware are in a store.
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
    conv: { perUnit: 1.3863, perCall: 80595 },
    pointwise: { perUnit: 1.0353, perCall: 148263 },
    depthwise: { perUnit: 3.108, perCall: 13212 },
    'depthwise-strided': { perUnit: 2.9564, perCall: 8817 },
    dense: { perUnit: 2.1089, perCall: 1026 },
    avgpool: { perUnit: 18.4332, perCall: -834 },
    // No adds in the derived (plain) DS-CNNs; a guess of one instruction per byte pair.
    add: { perUnit: 4, perCall: 100 },
    softmax: { perUnit: 95.4333, perCall: 0 },
  },
  cyclesPerInstruction: { 'cortex-m4': 1.1642, 'cortex-m7': 0.6258 },
  modelFlash: { perOpBytes: 350, baseBytes: -989 },
  fixedFlashBytes: { 'cortex-m4': 73042, 'cortex-m7': 73242 },
  fixedSramBytes: { 'cortex-m4': 40708, 'cortex-m7': 40708 },
};
