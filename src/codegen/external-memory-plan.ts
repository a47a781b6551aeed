/**
 * One entry point for the codegen stage, tests and benches: the integer model and an SRAM budget
 * in, the partition plan (partition-plan.ts) and its modelled latency (ext-mem-latency.ts) out.
 */
import type { Board } from '../boards/registry';
import { activationMemory, weightMemory } from '../boards/external-memory';
import type { IntModel, IntOp } from '../quant/int-model';
import { defaultComputeModel, modelExternalLatency, type ComputeModel, type ExternalLatency } from './ext-mem-latency';
import { planModelMemory } from './model-c';
import { planPartitions, type PartitionPlan } from './partition-plan';
import { partitionShapes } from './partition-shapes';

export interface ExternalMemoryRequest {
  readonly sramBudgetBytes: number;
  readonly weightsExternal: boolean;
  /** Kernel scratch of an op (kernel-variants.ts scratchFor). */
  readonly scratch?: (op: IntOp, model: IntModel) => number;
}

export interface ExternalMemoryPlan {
  readonly plan: PartitionPlan;
  /** Modelled latency when the plan uses external memory and the board has some. */
  readonly latency?: ExternalLatency;
}

export function planModelPartitions(
  model: IntModel,
  req: ExternalMemoryRequest,
  board?: Board,
  compute?: ComputeModel,
): ExternalMemoryPlan {
  const scratch = (op: IntOp) => req.scratch?.(op, model) ?? 0;
  const sramArena = planModelMemory(model, { scratchBytes: req.scratch }).arenaBytes;
  const externalArena = planModelMemory(model, { inPlace: false }).arenaBytes;
  const shapes = partitionShapes(model, scratch);
  const plan = planPartitions(shapes, {
    sramBudgetBytes: req.sramBudgetBytes,
    arenaBytes: sramArena,
    externalArenaBytes: externalArena,
    weightsExternal: req.weightsExternal,
  });
  const acts = activationMemory(board?.externalMemory);
  const weights = weightMemory(board?.externalMemory);
  if (plan.mode === 'sram' || !board || !acts || !weights) return { plan };
  const latency = modelExternalLatency(
    plan,
    shapes,
    acts,
    weights,
    compute ?? defaultComputeModel(board.core, board.clockHz),
  );
  return { plan, latency };
}
