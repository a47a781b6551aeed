import fs from 'node:fs';
import path from 'node:path';
import { planModelPartitions } from '../../../src/codegen/external-memory-plan';
import { scratchFor } from '../../../src/codegen/kernel-variants';
import { PartitionDoesNotFitError } from '../../../src/codegen/partition-plan';
import { opFastRequantTable } from '../../../src/codegen/requant-tables';
import { tensorBytes, type IntModel, type IntOp } from '../../../src/quant/int-model';
import { runHostModel } from '../../helpers/model-firmware';
import { buildHostPartitioned, referenceVectors, writePartitionedSources } from '../../helpers/extmem-firmware';
import { randomIntModel } from '../../helpers/random-model';

/** The smallest SRAM budget (multiple of 4) any partition of the model fits: the tightest schedule. */
function smallestBudget(model: IntModel, scratch?: (op: IntOp, m: IntModel) => number): number {
  let lo = 4;
  let hi = 1 << 16;
  while (lo < hi) {
    const mid = 4 * Math.floor((lo + hi) / 8);
    try {
      planModelPartitions(model, { sramBudgetBytes: mid, weightsExternal: true, ...(scratch ? { scratch } : {}) });
      hi = mid;
    } catch (e) {
      if (!(e instanceof PartitionDoesNotFitError)) throw e;
      lo = mid + 4;
    }
  }
  return lo;
}

function outputsOf(
  model: IntModel,
  source?: (s: string) => string,
  budget = 2048,
  weightsExternal = false,
): { outputs: Int8Array[]; expected: Int8Array[]; status: number | null } {
  const { plan } = planModelPartitions(model, { sramBudgetBytes: budget, weightsExternal });
  if (plan.mode !== 'external') throw new Error('expected an external plan');
  expect(plan.fastBytes).toBeLessThanOrEqual(budget);
  const { dir } = writePartitionedSources(model, plan);
  if (source)
    fs.writeFileSync(path.join(dir, 'tops_model.c'), source(fs.readFileSync(path.join(dir, 'tops_model.c'), 'utf8')));
  const count = 6;
  const { inputs, expected } = referenceVectors(model, 'extmem-host-x', count);
  const run = runHostModel(buildHostPartitioned(dir), dir, inputs);
  const outBytes = tensorBytes(model.tensors.find((t) => t.name === model.output)!);
  return {
    outputs: expected.map((_, i) => run.outputs.subarray(i * outBytes, (i + 1) * outBytes)),
    expected,
    status: run.status,
  };
}

describe('partitioned model on the host (emulated DMA)', () => {
  const { model } = randomIntModel('extmem-host');

  it('is bit-exact with the integer reference: row slabs, weights in flash', () => {
    const r = outputsOf(model);
    expect(r.status).toBe(0);
    r.expected.forEach((e, i) => expect(Array.from(r.outputs[i]!)).toEqual(Array.from(e)));
  });

  it('is bit-exact at the smallest budget any partition fits: channel groups, external weights', () => {
    const budget = smallestBudget(model);
    const { plan } = planModelPartitions(model, { sramBudgetBytes: budget, weightsExternal: true });
    if (plan.mode !== 'external') throw new Error('expected an external plan');
    expect(plan.ops.some((o) => o.channelParts > 1)).toBe(true);
    expect(plan.ops.some((o) => o.rowParts > 1)).toBe(true);
    const r = outputsOf(model, undefined, budget, true);
    expect(r.status).toBe(0);
    r.expected.forEach((e, i) => expect(Array.from(r.outputs[i]!)).toEqual(Array.from(e)));
  });

  it('is bit-exact with the dsp kernels and table-only requantization: channel slices of the flash table', () => {
    const fast = (op: IntOp, m: IntModel): boolean => opFastRequantTable(m, op) !== undefined;
    const scratch = scratchFor('dsp', fast);
    const budget = smallestBudget(model, scratch);
    const { plan } = planModelPartitions(model, { sramBudgetBytes: budget, weightsExternal: true, scratch });
    if (plan.mode !== 'external') throw new Error('expected an external plan');
    expect(plan.ops.some((o) => o.channelParts > 1)).toBe(true);
    const { dir, c } = writePartitionedSources(model, plan, true);
    expect(c.source).toMatch(/_quant = \{0, 0, op\d+_\w+_rq, 0, 0\};/); // no multiplier / shift arrays to slice
    const count = 6;
    const { inputs, expected } = referenceVectors(model, 'extmem-host-x', count);
    const run = runHostModel(buildHostPartitioned(dir, 'dsp'), dir, inputs);
    expect(run.status).toBe(0);
    const outBytes = tensorBytes(model.tensors.find((t) => t.name === model.output)!);
    expected.forEach((e, i) =>
      expect(Array.from(run.outputs.subarray(i * outBytes, (i + 1) * outBytes))).toEqual(Array.from(e)),
    );
  });

  it('a schedule that computes before its fetch has arrived gives wrong outputs (the emulated DMA delivers at wait)', () => {
    const r = outputsOf(model, (s) => s.replace(/tops_dma_wait\(&in_ch\[b\]\);\n/g, ''));
    expect(r.expected.some((e, i) => e.some((v, k) => v !== r.outputs[i]![k]))).toBe(true);
  });
});
