import { scratchFor } from '../../../src/codegen/kernel-variants';
import { emitModelC } from '../../../src/codegen/model-c';
import { fastRequantTable, opFastRequantTable } from '../../../src/codegen/requant-tables';
import { frontEndCodes, quantizeModelInput, runIntModel } from '../../../src/nn/int-reference';
import { tensorBytes, type IntModel } from '../../../src/quant/int-model';
import { Prng } from '../../../src/util/prng';
import { buildHostModel, runHostModel, writeModelSources } from '../../helpers/model-firmware';
import { INPUT_SHAPE, randomFeatures, randomIntModel } from '../../helpers/random-model';

const base = {
  multiplier: Int32Array.from([1 << 30, 1518500250]),
  shift: Int32Array.from([-3, -21]),
  bias: Int32Array.from([100, -200]),
  taps: 9,
  inputOffset: 128,
  outputOffset: -5,
};

describe('requantization tables precomputed at codegen', () => {
  it('hold multiplier, right shift and nudge = 2^(s-1) + output offset * 2^s', () => {
    expect(fastRequantTable(base)).toEqual([
      { multiplier: 1 << 30, shift: 3, nudge: 4 - 5 * 8 },
      { multiplier: 1518500250, shift: 21, nudge: 2 ** 20 - 5 * 2 ** 21 },
    ]);
  });

  it("are refused exactly where the kernels' fast path does not apply", () => {
    expect(fastRequantTable({ ...base, shift: Int32Array.from([-3, 0]) })).toBeUndefined(); // no right shift
    expect(fastRequantTable({ ...base, shift: Int32Array.from([-22, -3]) })).toBeUndefined();
    expect(fastRequantTable({ ...base, multiplier: Int32Array.from([-5, 1 << 30]) })).toBeUndefined();
    expect(fastRequantTable({ ...base, outputOffset: 257 })).toBeUndefined();
    // 255 · 128 · taps + max|bias| must stay below 2^29: 16448 taps pass, 16449 do not.
    expect(fastRequantTable({ ...base, bias: undefined, taps: 16448 })).toBeDefined();
    expect(fastRequantTable({ ...base, bias: undefined, taps: 16449 })).toBeUndefined();
  });

  function hybrid(): IntModel {
    return randomIntModel('requant-tables', (l) => (/_(dw|pw)$/.test(l) ? 4 : 8)).model;
  }

  it('are emitted as const tables for every conv / depthwise op and shrink the dsp scratch', () => {
    const model = hybrid();
    const withTables = (op: Parameters<ReturnType<typeof scratchFor>>[0]) =>
      opFastRequantTable(model, op) !== undefined;
    const on = emitModelC(model, { scratchBytes: scratchFor('dsp', withTables), requantTables: true });
    const off = emitModelC(model, { scratchBytes: scratchFor('dsp') });
    const convs = model.ops.filter((op) => op.kind === 'conv2d' || op.kind === 'depthwise_conv2d');
    expect(convs.every((op) => opFastRequantTable(model, op) !== undefined)).toBe(true);
    expect((on.source.match(/static const tops_requant /g) ?? []).length).toBe(convs.length);
    expect(off.source).not.toMatch(/static const tops_requant /);
    expect(on.plan.arenaBytes).toBeLessThan(off.plan.arenaBytes);
    // The table is the one copy of the per-channel requantization: no multiplier / shift arrays beside it.
    expect((off.source.match(/static const int32_t op\d+_\w+_mult\[/g) ?? []).length).toBe(convs.length);
    expect(on.source).not.toMatch(/_mult\[|_shift\[/);
    expect(
      (on.source.match(/tops_per_channel_quant_params op\d+_\w+_quant = \{0, 0, op\d+_\w+_rq\};/g) ?? []).length,
    ).toBe(convs.length);
  });

  it.each([true, false])(
    'keep the generated hybrid model bit-exact on the host with the dsp kernels (tables %s)',
    (tables) => {
      const model = hybrid();
      const fast = (op: Parameters<ReturnType<typeof scratchFor>>[0]) =>
        tables && opFastRequantTable(model, op) !== undefined;
      const dir = writeModelSources(model, { scratchBytes: scratchFor('dsp', fast), requantTables: tables });
      const exe = buildHostModel(dir, 'dsp');
      const count = 4;
      const n = INPUT_SHAPE[0] * INPUT_SHAPE[1];
      const x = randomFeatures(Prng.derive('requant-tables-x'), count);
      const inputs = new Int8Array(count * n);
      const expected: number[] = [];
      for (let i = 0; i < count; i++) {
        const q = quantizeModelInput(model, frontEndCodes(model, x.subarray(i * n, (i + 1) * n)));
        inputs.set(q, i * n);
        expected.push(...runIntModel(model, q).get(model.output)!);
      }
      const run = runHostModel(exe, dir, inputs);
      expect(run.status).toBe(0);
      expect(run.outputs.length).toBe(count * tensorBytes(model.tensors.find((t) => t.name === model.output)!));
      expect(Array.from(run.outputs)).toEqual(expected);
    },
  );
});
