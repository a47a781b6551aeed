import { Board } from '../boards/registry';
import { resolveBoard } from './board-target';
import { ExecutionCounts } from './plugin-report';

/**
 * Cycles-per-instruction model: cycles = I·cI + R·cR + W·cW + B·cB, where I = instructions,
 * R/W = memory read/write accesses and B = executed translation blocks (each ends in a branch
 * or other control-flow change), all counted exactly by the QEMU plugin.
 *
 * Cortex-M4 (Cortex-M4 TRM, "Processor instruction timings"): ALU, MUL/MLA, the DSP
 * SMLAD/SMLABB family and SMULL/SMLAL take 1 cycle → cI = 1. LDR takes 2 cycles and LDM/POP
 * of k registers 1 + k, i.e. one extra cycle per word read → cR = 1. STR retires in 1 cycle
 * through the write buffer → cW = 0. A taken branch refills the 3-stage pipeline (1 + P,
 * P = 1..3) → cB = 2, charged for every block.
 *
 * Cortex-M7: 6-stage, dual-issue, with branch prediction and (on the STM32F7) caches and TCM.
 * Arm quotes 2.14 DMIPS/MHz vs 1.25 for the M4 (×1.7 per clock), and int8 inner loops
 * dual-issue a load with an ALU/MAC op. Model: cI = 0.6 (≈40 % of instructions pair),
 * cR = 0 (single-cycle L1/TCM hits, load-use hidden by issue), cW = 0, cB = 0.5 (predicted
 * loop branches cost ~0, a mispredict ~8; loops dominate).
 *
 * Limits (why it is an estimate): zero flash wait states / 100 % cache hits assumed (the
 * STM32F4 ART accelerator and F7 caches come close for loop-heavy kernels, not for cold code);
 * back-to-back pipelined loads on the M4 cost N + 1, not 2N (over-estimate); STM/PUSH of k
 * registers costs 1 + k but is counted as 1 (under-estimate); every block end is charged as a
 * taken branch, although untaken conditional branches cost 1 (over-estimate); SDIV/UDIV
 * (2–12 cycles) count as 1; no interrupts, no bus contention. Expect ±25 % on the M4 and
 * ±40 % on the M7 against a real board; compare variants by instruction counts, which are exact.
 */
export interface CpiModel {
  readonly id: string;
  readonly perInstruction: number;
  readonly perRead: number;
  readonly perWrite: number;
  readonly perBlock: number;
}

export const CPI_MODELS: Record<Board['core'], CpiModel> = {
  'cortex-m4': { id: 'cortex-m4-cpi-v1', perInstruction: 1, perRead: 1, perWrite: 0, perBlock: 2 },
  'cortex-m7': { id: 'cortex-m7-cpi-v1', perInstruction: 0.6, perRead: 0, perWrite: 0, perBlock: 0.5 },
};

export interface LatencyEstimate {
  readonly cycles: number;
  readonly ms: number;
  /** Model id and formula, e.g. "cortex-m4-cpi-v1: cycles = 1·I + 1·R + 0·W + 2·B @ 180 MHz". */
  readonly model: string;
}

export function estimateLatency(board: string, counts: ExecutionCounts): LatencyEstimate {
  const b = resolveBoard(board).board;
  const m = CPI_MODELS[b.core];
  const cycles = Math.round(
    counts.instructions * m.perInstruction +
      counts.memReads * m.perRead +
      counts.memWrites * m.perWrite +
      counts.blocks * m.perBlock,
  );
  return {
    cycles,
    ms: (cycles / b.clockHz) * 1000,
    model: `${m.id}: cycles = ${m.perInstruction}·I + ${m.perRead}·R + ${m.perWrite}·W + ${m.perBlock}·B @ ${b.clockHz / 1e6} MHz`,
  };
}
