import type { Board } from '../boards/registry';
import type { OpClass } from './op-classes';

/**
 * Measured constants of the DNAS cost models (src/dnas/cost-model.ts), from real `deploy`
 * runs on this machine (QEMU instruction counts, linked ELF sizes, stack high-water):
 *
 *   bash scripts/build.sh && node dist/src/dnas/calibrate-costs.js .tinyops/store
 *
 * Refitted 2026-12-04 18:14 UTC from 4 deploy runs of codegen v15 / deploy v9 (dsp kernels
 * with the row-pair conv/pointwise asm and the group-table depthwise set-up, requantization
 * tables in flash, -O2; docs/results/2026-12-04-dnas-current-firmware.md): three 1-epoch
 * calibration models (32|96,48,128 on stm32f446re, 96|128s2,64,96 on stm32f746zg,
 * 144|224s2,176,224,256 on stm32f767zi; run 20261204-180431-7767f3) and kws.yaml's DS-CNN-M on
 * stm32f746zg (run 20261204-171531-cb72b7). Earlier fits: 07:50 (before the asm depthwise
 * loop), 12:40 (before the row-pair asm; conv / pointwise perUnit then lowered by hand, perCall
 * and the fixed flash kept, which left the tiny pipeline test at 22% latency / 7% flash error).
 * Re-run after a kernel, harness or front-end change (e.g. a new requantization-table layout
 * changes the per-op flash) and paste the output here; docs/stages/dnas.md says what each
 * number means.
 */

/** instructions = perUnit · work + perCall; work = MACs (convs, FC) or input bytes (pool, add, softmax). */
export interface OpInstructions {
  readonly perUnit: number;
  readonly perCall: number;
}

/**
 * Which front end the firmware runs before the model: the MFCC of KWS (src/dsp/mfcc-q31.ts) or
 * the log-mel patches of anomaly detection (src/dsp/logmel-patch-q15.ts). The fixed flash and SRAM
 * differ by several KB between the two (front-end code and tables, audio and patch buffers).
 */
export type FrontEndKind = 'mfcc' | 'logmel';

/** The front end of a feature header's / int model's `frontEnd` config (absent or MFCC → mfcc). */
export function frontEndKindOf(frontEnd: Readonly<Record<string, unknown>> | undefined): FrontEndKind {
  return frontEnd?.type === 'logmel' ? 'logmel' : 'mfcc';
}

type PerCore = Readonly<Record<Board['core'], number>>;

export interface CostConstants {
  readonly instructions: Readonly<Record<OpClass, OpInstructions>>;
  /** Estimated cycles / instruction of a whole inference (docs/cycle-model.md CPI model over the measured mix). */
  readonly cyclesPerInstruction: Readonly<Record<Board['core'], number>>;
  /** The generated model object besides its arrays: params/dims structs and the call of each op. */
  readonly modelFlash: { readonly perOpBytes: number; readonly baseBytes: number };
  /**
   * Image flash that does not depend on the model: kernels, front end, start-up, harness, libc —
   * measured on models with depthwise-separable blocks.
   */
  readonly fixedFlashBytes: Readonly<Record<FrontEndKind, PerCore>>;
  /**
   * The depthwise and pointwise kernels' code, part of the fixed flash but linked only when at
   * least one block is kept: a model whose blocks are all skipped is this much smaller
   * (the cost model subtracts it times P(every block skipped)).
   */
  readonly blockKernelsFlashBytes: PerCore;
  /** Measured SRAM minus the arena: harness and libc data/bss, front-end buffers, stack high-water. */
  readonly fixedSramBytes: Readonly<Record<FrontEndKind, PerCore>>;
}

export const COST_CONSTANTS: CostConstants = {
  instructions: {
    conv: { perUnit: 1.3474, perCall: 110637 },
    pointwise: { perUnit: 1.0985, perCall: 108642 },
    depthwise: { perUnit: 3.0214, perCall: 11102 },
    'depthwise-strided': { perUnit: 2.8034, perCall: 7832 },
    dense: { perUnit: 2.1103, perCall: 1024 },
    avgpool: { perUnit: 18.2765, perCall: 2120 },
    // No adds in the derived (plain) DS-CNNs; a guess of one instruction per byte pair.
    add: { perUnit: 4, perCall: 100 },
    softmax: { perUnit: 95.5625, perCall: 0 },
  },
  cyclesPerInstruction: { 'cortex-m4': 1.1417, 'cortex-m7': 0.6192 },
  modelFlash: { perOpBytes: 302, baseBytes: -450 },
  fixedFlashBytes: {
    mfcc: { 'cortex-m4': 77716, 'cortex-m7': 77888 },
    // Anomaly detection's firmware (log-mel patch front end, no MFCC), 2026-12-05: the tiny
    // AD search pipeline (test/fixtures/pipelines/tiny-ad-dnas.yaml) deployed on both boards.
    logmel: { 'cortex-m4': 80296, 'cortex-m7': 80504 },
  },
  // Log-mel firmware, 2026-12-05: tiny AD searches that skipped every block (8 | –) against
  // tiny-ad-dnas.yaml's 12 | 12, 12 and 12 | 12, 16 (calibrate-costs.ts fits it when both exist).
  blockKernelsFlashBytes: { 'cortex-m4': 8896, 'cortex-m7': 9028 },
  fixedSramBytes: {
    mfcc: { 'cortex-m4': 40796, 'cortex-m7': 40796 },
    logmel: { 'cortex-m4': 20552, 'cortex-m7': 20552 },
  },
};
