import { findBoard } from '../../../src/boards/registry';
import { scratchFor } from '../../../src/codegen/kernel-variants';
import { planModelPartitions } from '../../../src/codegen/external-memory-plan';
import { planExternalMemoryForStage } from '../../../src/codegen/external-memory-stage';
import { emitModelC, planModelMemory } from '../../../src/codegen/model-c';
import { StageInputError } from '../../../src/errors';
import { DS_CNN_PRESETS } from '../../../src/nn/ds-cnn-arch';
import { quantizeFloatGraph } from '../../../src/quant/quantize-graph';
import { Prng } from '../../../src/util/prng';
import { floatRanges, LABELS, randomFeatures, randomIntModel, randomModel } from '../../helpers/random-model';

describe('codegen sramBudget / externalWeights', () => {
  const { model } = randomIntModel('extmem-stage');
  const scratch = scratchFor('dsp');
  const need = planModelMemory(model, { scratchBytes: scratch }).arenaBytes;

  it("keeps the all-in-SRAM code when the arena fits the budget (default: the board's SRAM)", () => {
    expect(
      planExternalMemoryForStage(model, { board: 'stm32f746zg', externalWeights: 'auto' }, 'codegen', scratch),
    ).toBeUndefined();
    expect(
      planExternalMemoryForStage(
        model,
        { board: 'stm32f746zg', sramBudget: need, externalWeights: 'auto' },
        'codegen',
        scratch,
      ),
    ).toBeUndefined();
  });

  it('over the budget: activations in external memory, the metric block and a modelled overhead', () => {
    const ext = planExternalMemoryForStage(
      model,
      { board: 'stm32f746zg', sramBudget: '2K', externalWeights: 'auto' },
      'codegen',
      scratch,
    )!;
    expect(ext.plan.fastBytes).toBeLessThanOrEqual(2048);
    expect(ext.plan.weightsExternal).toBe(false); // tiny weights stay in internal flash
    expect(ext.metrics).toMatchObject({
      externalMemoryBytes: ext.plan.arenaBytes,
      externalMemoryParts: ext.plan.parts,
      externalMemoryTransfers: ext.plan.transfers,
    });
    expect(ext.metrics.externalMemoryModelledOverhead).toBeGreaterThan(0);
    expect(
      planExternalMemoryForStage(
        model,
        { board: 'stm32f746zg', sramBudget: '2K', externalWeights: 'always' },
        'codegen',
        scratch,
      )!.plan.weightsExternal,
    ).toBe(true);
  });

  it('same model and budget → the same plan and the same C bytes', () => {
    const cfg = { board: 'stm32f746zg', sramBudget: '2K', externalWeights: 'always' as const };
    const a = planExternalMemoryForStage(model, cfg, 'codegen', scratch)!;
    const b = planExternalMemoryForStage(model, cfg, 'codegen', scratch)!;
    expect(JSON.stringify(b.summary)).toBe(JSON.stringify(a.summary));
    expect(emitModelC(model, { scratchBytes: scratch, partition: b.plan }).source).toBe(
      emitModelC(model, { scratchBytes: scratch, partition: a.plan }).source,
    );
  });

  it('names the field, the budget and the need when no partition fits, or when the board has no external memory', () => {
    expect(() =>
      planExternalMemoryForStage(
        model,
        { board: 'stm32f746zg', sramBudget: 64, externalWeights: 'auto' },
        'codegen',
        scratch,
      ),
    ).toThrow(
      /^stages\.codegen\.with\.sramBudget: op \S+: its smallest partition needs \d+ B of SRAM .*the SRAM budget is 64 B/,
    );
    const noExt = () =>
      planExternalMemoryForStage(
        model,
        { board: 'stm32f446re', sramBudget: '2K', externalWeights: 'auto' },
        'codegen',
        scratch,
      );
    expect(noExt).toThrow(StageInputError);
    expect(noExt).toThrow(`stages.codegen.with.sramBudget: the activations need`);
    expect(noExt).toThrow('board stm32f446re has no external memory');
  });

  it('DS-CNN-L on stm32f746zg under a 32 KB budget (≥ 2× below its SRAM need): modelled overhead ≤ 30 % (issue 13)', () => {
    const float = randomModel('extmem-dscnn-l', DS_CNN_PRESETS['ds-cnn-l']);
    const calib = randomFeatures(Prng.derive('extmem-dscnn-l-calib'), 4);
    const big = quantizeFloatGraph(float.graph, floatRanges(float.graph, calib, 4), {
      labels: LABELS,
      frontEndScale: 1 / 32,
      bitsFor: () => 8,
    });
    const sramNeed = planModelMemory(big, { scratchBytes: scratch }).arenaBytes;
    const { plan, latency } = planModelPartitions(
      big,
      { sramBudgetBytes: 32 * 1024, weightsExternal: false, scratch },
      findBoard('stm32f746zg'),
    );
    expect(plan.mode).toBe('external');
    expect(sramNeed).toBeGreaterThanOrEqual(2 * 32 * 1024);
    expect(latency!.modelledOverhead).toBeGreaterThan(0);
    expect(latency!.modelledOverhead).toBeLessThanOrEqual(0.3);
    // Double buffering is what keeps it low: waiting for every transfer costs more.
    expect(latency!.serialOverhead).toBeGreaterThan(latency!.modelledOverhead);
  });
});
