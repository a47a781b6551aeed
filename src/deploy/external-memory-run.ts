/**
 * The deploy stage's side of a partitioned (external-memory) model: the emulated DMA source it
 * links, and the board's transfer counters (printed by firmware/harness/tops_model_main.c)
 * checked against the codegen plan (src/codegen/partition-plan.ts) — the double-buffered
 * schedule the board ran is the one that was planned, every part's transfers counted.
 */
import path from 'node:path';
import { TinyopsError } from '../errors';
import { FIRMWARE_DIR } from './firmware-paths';

export const EXTMEM_RUNTIME_SOURCE = path.join(FIRMWARE_DIR, 'runtime', 'tops_extmem.c');

/** What codegen wrote under `externalMemory` in memory-plan.json (the fields deploy reads). */
export interface PlannedExternalMemory {
  readonly sramBudgetBytes: number;
  readonly bytes: number;
  readonly fastBytes: number;
  readonly parts: number;
  readonly transfers: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly modelledOverhead?: number;
}

export interface MeasuredExternalMemory {
  readonly transfersPerInference: number;
  readonly bytesPerInference: number;
  /** Transfers in flight when a kernel started, per inference (> 0: fetches overlap compute). */
  readonly overlappedPerInference: number;
  readonly kernelCallsPerInference: number;
}

export class TransferCountError extends TinyopsError {}

export function parseExternalMemoryLine(stdout: string, vectors: number): MeasuredExternalMemory {
  const m = /^extmem transfers (\d+) bytes (\d+) overlapped (\d+) kernels (\d+)$/m.exec(stdout);
  if (!m) throw new TransferCountError('the partitioned firmware printed no "extmem transfers" line');
  const [t, b, o, k] = m.slice(1).map(Number) as [number, number, number, number];
  return {
    transfersPerInference: t / vectors,
    bytesPerInference: b / vectors,
    overlappedPerInference: o / vectors,
    kernelCallsPerInference: k / vectors,
  };
}

/** Throws when the board moved other transfers or bytes than the plan says. */
export function checkTransfers(planned: PlannedExternalMemory, measured: MeasuredExternalMemory): void {
  if (
    measured.transfersPerInference !== planned.transfers ||
    measured.bytesPerInference !== planned.bytesIn + planned.bytesOut ||
    measured.kernelCallsPerInference !== planned.parts
  ) {
    throw new TransferCountError(
      `the board ran ${measured.transfersPerInference} transfers (${measured.bytesPerInference} B) and ${measured.kernelCallsPerInference} kernel calls per inference; the partition plan has ${planned.transfers} (${planned.bytesIn + planned.bytesOut} B) and ${planned.parts} parts`,
    );
  }
}
