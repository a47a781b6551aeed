import { planModelPartitions } from '../../../src/codegen/external-memory-plan';
import { tensorBytes } from '../../../src/quant/int-model';
import { runHostModel } from '../../helpers/model-firmware';
import { buildHostPartitioned, referenceVectors, writePartitionedSources } from '../../helpers/extmem-firmware';
import { randomIntModel } from '../../helpers/random-model';

describe('partitioned model on the host (emulated DMA)', () => {
  it.each([
    ['rows only, weights in flash', 2048, false],
    ['rows and channel groups, external weights', 1200, true],
  ])('is bit-exact with the integer reference: %s', (_label, budget, weightsExternal) => {
    const { model } = randomIntModel('extmem-host');
    const { plan } = planModelPartitions(model, { sramBudgetBytes: budget, weightsExternal });
    if (plan.mode !== 'external') throw new Error('expected an external plan');
    expect(plan.fastBytes).toBeLessThanOrEqual(budget);
    const { dir, c } = writePartitionedSources(model, plan);
    expect(c.source).toContain('section(".tops_extram")');
    const exe = buildHostPartitioned(dir);
    const count = 6;
    const { inputs, expected } = referenceVectors(model, 'extmem-host-x', count);
    const run = runHostModel(exe, dir, inputs);
    expect(run.status).toBe(0);
    const outBytes = tensorBytes(model.tensors.find((t) => t.name === model.output)!);
    for (let i = 0; i < count; i++) expect(Array.from(run.outputs.subarray(i * outBytes, (i + 1) * outBytes))).toEqual(Array.from(expected[i]!));
    console.log(_label, plan.ops.map((o) => `${o.op}:${o.rowParts}x${o.channelParts}`).join(' '), plan.transfers, plan.fastBytes, plan.arenaBytes);
  });
});
