/**
 * The codegen stage's side of external memory (docs/external-memory.md): the `sramBudget:` and
 * `externalWeights:` config keys, the decision whether the model needs external memory on its
 * board, and what goes into memory-plan.json and the stage metrics.
 */
import { z } from 'zod';
import { parseByteSize } from '../boards/external-memory';
import { findBoard } from '../boards/registry';
import { StageInputError } from '../errors';
import type { IntModel, IntOp } from '../quant/int-model';
import { packedWeightBytes } from '../quant/int-model';
import type { ExternalLatency } from './ext-mem-latency';
import { planModelPartitions } from './external-memory-plan';
import { PartitionDoesNotFitError, type PartitionPlan } from './partition-plan';

const SIZE_HINT = 'bytes (e.g. 65536) or a size such as "64K" or "1M"';

export const externalMemoryConfigFields = {
  sramBudget: z
    .union([z.number(), z.string()])
    .optional()
    .refine((v) => v === undefined || parseByteSize(v) !== undefined, { message: `expected ${SIZE_HINT}` })
    .meta({
      description: `SRAM the model's activations may use (${SIZE_HINT}); defaults to the board's SRAM. Over it, activations go to the board's external memory and ops run in double-buffered parts (docs/external-memory.md).`,
    }),
  externalWeights: z.enum(['auto', 'never', 'always']).default('auto').meta({
    description:
      "Weights in the board's external flash, fetched into SRAM per part: auto = when they exceed 75 % of internal flash.",
  }),
};

export interface ExternalMemoryConfig {
  readonly board?: string | undefined;
  readonly sramBudget?: number | string | undefined;
  readonly externalWeights: 'auto' | 'never' | 'always';
}

/** Internal flash the weights may take before `externalWeights: auto` moves them out (code, front end, harness need the rest). */
export const WEIGHT_FLASH_SHARE = 0.75;

export interface StageExternalMemory {
  readonly plan: Extract<PartitionPlan, { mode: 'external' }>;
  readonly latency?: ExternalLatency;
  /** For memory-plan.json (the deploy stage and the report read it). */
  readonly summary: Readonly<Record<string, unknown>>;
  /** Flat stage metrics: externalMemoryBytes, …Parts, …Transfers, …ModelledOverhead. */
  readonly metrics: Readonly<Record<string, number | boolean>>;
  readonly line: string;
}

/** Undefined when the model fits the budget (the ordinary all-in-SRAM code). */
export function planExternalMemoryForStage(
  model: IntModel,
  config: ExternalMemoryConfig,
  stageName: string,
  scratch: (op: IntOp, model: IntModel) => number,
): StageExternalMemory | undefined {
  const board = findBoard(config.board ?? '');
  const field = `stages.${stageName}.with.sramBudget`;
  const budget = config.sramBudget !== undefined ? parseByteSize(config.sramBudget)! : board?.sramBytes;
  if (budget === undefined) return undefined;
  const weightBytes = packedWeightBytes(model);
  const hasExternal = (board?.externalMemory?.length ?? 0) > 0;
  const weightsExternal =
    config.externalWeights === 'always' ||
    (config.externalWeights === 'auto' &&
      hasExternal &&
      board !== undefined &&
      weightBytes > WEIGHT_FLASH_SHARE * board.flashBytes);
  let result;
  try {
    result = planModelPartitions(model, { sramBudgetBytes: budget, weightsExternal, scratch }, board);
  } catch (e) {
    if (e instanceof PartitionDoesNotFitError) throw new StageInputError(`${field}: ${e.message}; raise the budget`);
    throw e;
  }
  const { plan, latency } = result;
  if (plan.mode === 'sram') return undefined;
  if (!hasExternal) {
    // Without an explicit budget an oversized arena keeps failing at link time with the sizes.
    if (config.sramBudget === undefined) return undefined;
    throw new StageInputError(
      `${field}: the activations need ${plan.arenaBytes} B but the budget is ${budget} B, and board ${board?.name ?? config.board ?? '(none)'} has no external memory (src/boards/registry.ts); use a board with external SDRAM (stm32f746zg, stm32f767zi) or a larger budget`,
    );
  }
  const summary = {
    sramBudgetBytes: budget,
    sramNeedBytes: plan.sramArenaBytes,
    bytes: plan.arenaBytes + (plan.weightsExternal ? weightBytes : 0),
    arenaBytes: plan.arenaBytes,
    weightsExternal: plan.weightsExternal,
    fastBytes: plan.fastBytes,
    parts: plan.parts,
    transfers: plan.transfers,
    bytesIn: plan.bytesIn,
    bytesOut: plan.bytesOut,
    ...(latency
      ? {
          modelledOverhead: Number(latency.modelledOverhead.toFixed(4)),
          serialOverhead: Number(latency.serialOverhead.toFixed(4)),
          sramOnlyMs: Number(latency.sramOnlyMs.toFixed(3)),
          partitionedMs: Number(latency.partitionedMs.toFixed(3)),
        }
      : {}),
    ops: plan.ops.map((o) => ({
      op: o.op,
      parts: o.parts,
      rowsPerPart: o.rowsPerPart,
      channelsPerPart: o.channelsPerPart,
      transfers: o.transfers,
      workingSetBytes: o.workingSetBytes,
    })),
  };
  const metrics = {
    externalMemoryBytes: summary.bytes,
    externalMemoryParts: plan.parts,
    externalMemoryTransfers: plan.transfers,
    externalMemoryFastBytes: plan.fastBytes,
    ...(latency ? { externalMemoryModelledOverhead: summary.modelledOverhead as number } : {}),
  };
  const line = `external memory: ${(summary.bytes / 1024).toFixed(1)} KB, ${plan.parts} parts, ${plan.transfers} transfers through ${plan.fastBytes} B of SRAM (budget ${budget} B, all in SRAM would need ${plan.sramArenaBytes} B)${latency ? `, modelled overhead ${(latency.modelledOverhead * 100).toFixed(1)} %` : ''}`;
  return { plan, ...(latency ? { latency } : {}), summary, metrics, line };
}
