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
 * Session 7 (2026-12-04 16:40 UTC), not refitted: the dsp conv2d / pointwise kernels' row-pair
 * asm routine (firmware/README.md) saves instructions per 2 × 2 block, i.e. in proportion to
 * the MACs; `perUnit` of conv and pointwise is lowered by the measured saving per MAC, the mean
 * of DS-CNN-S on stm32f446re (kernels.bench: conv 0.183, pointwise 0.159) and DS-CNN-M on
 * stm32f746zg (default pipeline deploy, per op: conv 0.181, pointwise 0.080): conv
 * 1.5541 → 1.3721, pointwise 1.1352 → 1.0155; `perCall` kept. Scaling perCall too, or adding
 * the kernels' +1.2 KB to fixedFlashBytes, made the DNAS pipeline test's tiny model worse
 * (latency error 0.19 → 0.26, flash 0.069 → 0.086: it links half the kernels and was already
 * over-predicted), so full-size models are now under-predicted by ≈ 1.2 KB of flash (≈ 0.5 %).
 * Refit with calibrate-costs.js when five deploys of the current firmware are in a store.
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
    conv: { perUnit: 1.3721, perCall: 90353 },
    pointwise: { perUnit: 1.0155, perCall: 162569 },
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
  fixedFlashBytes: { 'cortex-m4': 71836, 'cortex-m7': 72036 },
  fixedSramBytes: { 'cortex-m4': 40708, 'cortex-m7': 40708 },
};
