/**
 * Latency model of a partitioned (external-memory) inference against the same inference all in
 * SRAM (docs/external-memory.md). Modelled, not measured: QEMU has no memory timing.
 *
 * Transfer of b bytes: t = accessLatency + b / bandwidth (src/boards/external-memory.ts: the
 * interface clock × bus width of the STM32F7 FMC / QUADSPI, the paper's Table I sizes).
 * Compute of a part: its MACs × instructions/MAC × cycles/instruction / clock; ops without
 * MACs (add, pooling, softmax) cost `instructionsPerElement` per input byte. One DMA engine
 * serialises the transfers; the CPU overlaps them with compute (TinyOps, Sadiq et al., §IV-A,
 * Fig. 8): while part p is computed the DMA fetches part p+1 and writes back part p−1, so
 *
 *   T_op = once + in_0 + Σ_p max(c_p, in_{p+1} + out_{p−1}) + out_{P−1}
 *
 * (in_P = out_{−1} = 0; `once` = weights fetched once before the parts). The all-in-SRAM time
 * is Σ_p c_p; the overhead is Σ T_op / Σ c_p − 1.
 */
import type { ExternalMemory } from '../boards/external-memory';
import type { OpPartition, PartitionPlan } from './partition-plan';
import type { PartitionOpShape } from './partition-shapes';

export interface ComputeModel {
  readonly clockHz: number;
  /** Executed instructions per MAC of the int8 kernels (measured in QEMU by `deploy`). */
  readonly instructionsPerMac: number;
  /** Cycles per instruction of the core (src/deploy/cycle-model.ts applied to a measured run). */
  readonly cyclesPerInstruction: number;
  /** Instructions per input byte of ops without MACs (element-wise add, average pooling, softmax). */
  readonly instructionsPerElement: number;
}

/**
 * Defaults from the default pipeline's measured deploy on stm32f746zg
 * (docs/results/2026-12-04-default-pipeline.md: 5.06 M instructions, 1.91 per MAC, ≈ 14.7 ms
 * at 216 MHz by the CPI model → 0.627 cycles/instruction). Cortex-M4: the same kernels
 * (1.90 instructions/MAC, issue 13), CPI 1.5 from the M4 cycle model's cI = 1 plus its
 * read and branch terms (docs/cycle-model.md); a modelled figure.
 */
export function defaultComputeModel(core: 'cortex-m4' | 'cortex-m7', clockHz: number): ComputeModel {
  return core === 'cortex-m7'
    ? { clockHz, instructionsPerMac: 1.91, cyclesPerInstruction: 0.627, instructionsPerElement: 3 }
    : { clockHz, instructionsPerMac: 1.9, cyclesPerInstruction: 1.5, instructionsPerElement: 3 };
}

export interface OpLatency {
  readonly op: string;
  readonly parts: number;
  readonly computeUs: number;
  readonly transferUs: number;
  /** With double buffering: the time the op takes from external memory. */
  readonly pipelinedUs: number;
}

export interface ExternalLatency {
  readonly sramOnlyMs: number;
  readonly partitionedMs: number;
  /** partitioned / SRAM-only − 1. */
  readonly modelledOverhead: number;
  /** What the overhead would be without overlap (every transfer waited for). */
  readonly serialOverhead: number;
  readonly ops: readonly OpLatency[];
}

export function transferUs(bytes: number, mem: ExternalMemory): number {
  return bytes === 0 ? 0 : mem.accessLatencyNs / 1000 + (bytes / mem.bandwidthBytesPerSec) * 1e6;
}

function computeUs(shape: PartitionOpShape, share: number, m: ComputeModel): number {
  const instructions =
    shape.macs > 0
      ? shape.macs * m.instructionsPerMac
      : shape.inputs.reduce((s, x) => s + x.h * x.w * x.c, 0) * m.instructionsPerElement;
  return ((share * instructions * m.cyclesPerInstruction) / m.clockHz) * 1e6;
}

function opLatency(
  p: OpPartition,
  shape: PartitionOpShape,
  acts: ExternalMemory,
  weights: ExternalMemory,
  m: ComputeModel,
): OpLatency {
  const outElems = shape.output.h * shape.output.w * shape.output.c;
  const c = p.slices.map((s) => computeUs(shape, (s.outRows * shape.output.w * s.channels) / outElems, m));
  const inC = (x: { c: number }, g: number) => (shape.inputChannelSlice ? Math.min(g, x.c) : x.c);
  const inT = p.slices.map(
    (s) =>
      shape.inputs.reduce((t, x) => t + transferUs(s.inRows * x.w * inC(x, s.channels), acts), 0) +
      transferUs(p.weightBytesPerPart, weights),
  );
  const outT = p.slices.map((s) => transferUs(s.outRows * shape.output.w * s.channels, acts));
  const once = transferUs(p.weightBytesOnce, weights);
  let t = once + (inT[0] ?? 0);
  for (let i = 0; i < c.length; i++) t += Math.max(c[i]!, (inT[i + 1] ?? 0) + (i > 0 ? outT[i - 1]! : 0));
  t += outT[c.length - 1] ?? 0;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return { op: p.op, parts: p.parts, computeUs: sum(c), transferUs: once + sum(inT) + sum(outT), pipelinedUs: t };
}

export function modelExternalLatency(
  plan: Extract<PartitionPlan, { mode: 'external' }>,
  shapes: readonly PartitionOpShape[],
  acts: ExternalMemory,
  weights: ExternalMemory,
  m: ComputeModel,
): ExternalLatency {
  const byName = new Map(shapes.map((s) => [s.name, s]));
  const ops = plan.ops.map((p) => opLatency(p, byName.get(p.op)!, acts, weights, m));
  const compute = ops.reduce((s, o) => s + o.computeUs, 0);
  const piped = ops.reduce((s, o) => s + o.pipelinedUs, 0);
  const serial = ops.reduce((s, o) => s + o.computeUs + o.transferUs, 0);
  return {
    sramOnlyMs: compute / 1000,
    partitionedMs: piped / 1000,
    modelledOverhead: compute > 0 ? piped / compute - 1 : 0,
    serialOverhead: compute > 0 ? serial / compute - 1 : 0,
    ops,
  };
}
