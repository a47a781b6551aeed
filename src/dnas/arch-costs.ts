import type { Board } from '../boards/registry';
import { planMemory, type PlanOp, type PlanTensor } from '../codegen/memory-plan';
import { planDsCnn, type DsCnnArchitecture, type Pair } from '../nn/ds-cnn-arch';
import type { Tf } from '../nn/tf';
import { COST_CONSTANTS, type CostConstants, type FrontEndKind } from './cost-constants';
import { expectedCosts, samePadTop } from './cost-model';
import type { SearchSpace } from './search-space';

/**
 * Costs of one concrete DS-CNN (no residual branches): flash and latency from the same
 * formulas as the search (cost-model.ts with one-hot z over a one-choice space), SRAM from
 * the real planner (src/codegen/memory-plan.ts) over the ops codegen emits for it.
 */

export interface ArchCosts {
  readonly flashBytes: number;
  readonly sramBytes: number;
  readonly arenaBytes: number;
  /** The cost model's arena (hard max over ops), for comparison with the planner's. */
  readonly modelArenaBytes: number;
  readonly instructions: number;
  readonly latencyMs: number;
  readonly macs: number;
  readonly params: number;
}

export interface ArchCostEnv {
  readonly inputShape: Pair;
  readonly numClasses: number;
  readonly core: Board['core'];
  readonly clockHz: number;
  /** The firmware's front end, for the fixed flash and SRAM (default `mfcc`, the KWS firmware). */
  readonly frontEnd?: FrontEndKind;
  readonly constants?: CostConstants;
}

/** The search space whose only point is `arch` (every block kept, one width each). */
export function singletonSpace(arch: DsCnnArchitecture): SearchSpace {
  if (arch.skip) throw new RangeError('architecture costs: residual (skip: true) DS-CNNs are not modelled');
  return {
    firstConv: { widths: [arch.firstConv.filters], kernel: arch.firstConv.kernel, stride: arch.firstConv.stride },
    blocks: arch.blocks.map((b) => ({ widths: [b.filters], stride: b.stride, skippable: false })),
    dropout: arch.dropout,
    batchNorm: arch.batchNorm,
  };
}

const align4 = (n: number) => Math.ceil(n / 4) * 4;

/**
 * The tensors and ops `quantize` + `codegen` produce for this DS-CNN with dsp kernels, as the
 * planner sees them (scratch: kernel-variants.ts; in-place candidates: model-c.ts).
 */
export function dsCnnPlanOps(
  arch: DsCnnArchitecture,
  inputShape: Pair,
  numClasses: number,
): { tensors: PlanTensor[]; ops: PlanOp[]; input: string; output: string } {
  const plan = planDsCnn(arch, inputShape, numClasses);
  const tensors: PlanTensor[] = [{ name: 'features', bytes: inputShape[0] * inputShape[1] }];
  const ops: PlanOp[] = [];
  const fc = plan.firstConv;
  const bytes = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  tensors.push({ name: 'conv0', bytes: bytes(fc.output) });
  ops.push({ name: 'conv0', inputs: ['features'], output: 'conv0', scratchBytes: 4 * fc.kernel[0] * fc.kernel[1] }); // requantization tables in flash (codegen default), not in scratch
  let prev = 'conv0';
  let [h] = fc.output;
  plan.blocks.forEach((b, i) => {
    const [ho, wo, c] = b.output;
    const cin = b.input[2];
    const dw = `block${i + 1}_dw`;
    const pw = `block${i + 1}_pw`;
    tensors.push({ name: dw, bytes: ho * wo * cin }, { name: pw, bytes: ho * wo * c });
    const slab = Math.ceil(ho / 5);
    const stride1 = b.stride[0] === 1 && b.stride[1] === 1;
    ops.push({
      name: dw,
      inputs: [prev],
      output: dw,
      scratchBytes: Math.floor(cin / 4) * (9 * 8 + 64), // widened weights + asm group table (kernel-variants.ts)
      ...(stride1 ? { inPlace: { shift: samePadTop(h, 3, 1) * wo * cin, tempBytes: align4(wo * cin * slab) } } : {}),
    });
    ops.push({
      name: pw,
      inputs: [dw],
      output: pw,
      scratchBytes: 4 * cin,
      ...(c <= cin ? { inPlace: { shift: 0, tempBytes: align4(wo * c * slab) } } : {}),
    });
    prev = pw;
    h = ho;
  });
  tensors.push(
    { name: 'pool', bytes: plan.features },
    { name: 'dense', bytes: numClasses },
    { name: 'softmax', bytes: numClasses },
  );
  ops.push({ name: 'pool', inputs: [prev], output: 'pool', scratchBytes: 0 });
  ops.push({ name: 'dense', inputs: ['pool'], output: 'dense', scratchBytes: 2 * plan.features });
  ops.push({ name: 'softmax', inputs: ['dense'], output: 'softmax', scratchBytes: 0 });
  return { tensors, ops, input: 'features', output: 'softmax' };
}

export function architectureCosts(tf: Tf, arch: DsCnnArchitecture, env: ArchCostEnv): ArchCosts {
  const space = singletonSpace(arch);
  const m = tf.tidy(() => {
    const one = tf.tensor1d([1]);
    const c = expectedCosts(
      tf,
      { ...env, space },
      { firstConv: one, blocks: space.blocks.map(() => ({ width: one })) },
    );
    return [c.flashBytes, c.arenaBytes, c.instructions, c.latencyMs, c.macs, c.params].map(
      (t) => t.dataSync()[0] as number,
    );
  });
  const [flash, modelArena, instructions, latencyMs, macs, params] = m as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const p = dsCnnPlanOps(arch, env.inputShape, env.numClasses);
  const arenaBytes = planMemory(p.tensors, p.ops, p.input, p.output).arenaBytes;
  return {
    flashBytes: Math.round(flash),
    arenaBytes,
    sramBytes: arenaBytes + (env.constants ?? COST_CONSTANTS).fixedSramBytes[env.frontEnd ?? 'mfcc'][env.core],
    modelArenaBytes: Math.round(modelArena),
    instructions: Math.round(instructions),
    latencyMs,
    macs: Math.round(macs),
    params: Math.round(params),
  };
}
