/**
 * Generated C of a partitioned (external-memory) model, built for the host with the ref kernels
 * and the emulated DMA (firmware/runtime/tops_extmem.c), and the int8 inputs / expected outputs
 * of the integer reference: the fixture of the external-memory tests.
 */
import path from 'node:path';
import type { KernelVariant } from '../../src/codegen/kernel-variants';
import { emitModelC, type ModelC } from '../../src/codegen/model-c';
import type { PartitionPlan } from '../../src/codegen/partition-plan';
import { frontEndCodes, quantizeModelInput, runIntModel } from '../../src/nn/int-reference';
import type { IntModel } from '../../src/quant/int-model';
import { Prng } from '../../src/util/prng';
import { REPO_ROOT } from './firmware-build';
import { buildHostModel, writeEmittedModel } from './model-firmware';
import { INPUT_SHAPE, randomFeatures } from './random-model';

const FIRMWARE = path.join(REPO_ROOT, 'firmware');
export const EXTMEM_RUNTIME = path.join(FIRMWARE, 'runtime', 'tops_extmem.c');

/** `requantTables`: the dsp build's flash requantization tables (then build with the dsp kernels). */
export function writePartitionedSources(
  model: IntModel,
  plan: Extract<PartitionPlan, { mode: 'external' }>,
  requantTables = false,
): { dir: string; c: ModelC } {
  const c = emitModelC(model, { partition: plan, requantTables });
  return { dir: writeEmittedModel(c, 'tops-extmem-'), c };
}

export function buildHostPartitioned(dir: string, variant: KernelVariant = 'ref'): string {
  return buildHostModel(dir, variant, [EXTMEM_RUNTIME]);
}

/** `count` quantized random inputs and the host reference's outputs. */
export function referenceVectors(
  model: IntModel,
  seed: string,
  count: number,
): { inputs: Int8Array; expected: Int8Array[] } {
  const n = INPUT_SHAPE[0] * INPUT_SHAPE[1];
  const x = randomFeatures(Prng.derive(seed), count);
  const inputs = new Int8Array(count * n);
  const expected: Int8Array[] = [];
  for (let i = 0; i < count; i++) {
    const q = quantizeModelInput(model, frontEndCodes(model, x.subarray(i * n, (i + 1) * n)));
    inputs.set(q, i * n);
    expected.push(runIntModel(model, q).get(model.output)!);
  }
  return { inputs, expected };
}
