import { scratchFor } from '../../../src/codegen/kernel-variants';
import { emitModelC } from '../../../src/codegen/model-c';
import {
  compactScratchExtraBytes,
  fastRequantTable,
  opCompactRequant,
  opFastRequantTable,
} from '../../../src/codegen/requant-tables';
import { frontEndCodes, quantizeModelInput, runIntModel } from '../../../src/nn/int-reference';
import { tensorBytes, type IntModel, type IntOp } from '../../../src/quant/int-model';
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
      (on.source.match(/tops_per_channel_quant_params op\d+_\w+_quant = \{0, 0, op\d+_\w+_rq, 0, 0\};/g) ?? []).length,
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

  describe('compact form (requantTables: compact)', () => {
    const compactScratch = (model: IntModel) => {
      const perCall = scratchFor('dsp');
      return (op: Parameters<ReturnType<typeof scratchFor>>[0], m: IntModel) =>
        perCall(op, m) + compactScratchExtraBytes(opCompactRequant(model, op));
    };

    it('emits multiplier + uint8 right shift + int16 bias, no table and no int32 bias', () => {
      const model = hybrid();
      const c = emitModelC(model, { scratchBytes: compactScratch(model), compactRequant: true });
      const convs = model.ops.filter(
        (op): op is Extract<IntOp, { kind: 'conv2d' | 'depthwise_conv2d' }> =>
          op.kind === 'conv2d' || op.kind === 'depthwise_conv2d',
      );
      expect(c.source).not.toMatch(/static const tops_requant /);
      expect(c.source).not.toMatch(/static const int32_t op\d+_\w+_shift\[/);
      // int32 bias arrays only for the fully connected ops (per-tensor quant, not compacted).
      const fcs = model.ops.filter((op) => op.kind === 'fully_connected').length;
      expect((c.source.match(/static const int32_t op\d+_\w+_bias\[/g) ?? []).length).toBe(fcs);
      expect((c.source.match(/static const uint8_t op\d+_\w+_rshift\[/g) ?? []).length).toBe(convs.length);
      expect((c.source.match(/static const int16_t op\d+_\w+_bias16\[/g) ?? []).length).toBe(convs.length);
      for (const op of convs) {
        const k = opCompactRequant(model, op)!;
        // The right shifts are the table's, and a bias over int16 keeps the int32 array.
        expect(Array.from(k.rightShift)).toEqual(opFastRequantTable(model, op)!.map((e) => e.shift));
        expect(Array.from(k.bias16!)).toEqual(Array.from(op.bias));
        const big = { ...op, bias: Int32Array.from(op.bias, (b, i) => (i === 0 ? 40000 : b)) };
        expect(opCompactRequant(model, big)?.bias16).toBeUndefined();
      }
    });

    it('keeps the generated hybrid model bit-exact on the host with the dsp kernels', () => {
      const model = hybrid();
      const dir = writeModelSources(model, { scratchBytes: compactScratch(model), compactRequant: true });
      const exe = buildHostModel(dir, 'dsp');
      const count = 3;
      const n = INPUT_SHAPE[0] * INPUT_SHAPE[1];
      const x = randomFeatures(Prng.derive('requant-tables-compact-x'), count);
      const inputs = new Int8Array(count * n);
      const expected: number[] = [];
      for (let i = 0; i < count; i++) {
        const q = quantizeModelInput(model, frontEndCodes(model, x.subarray(i * n, (i + 1) * n)));
        inputs.set(q, i * n);
        expected.push(...runIntModel(model, q).get(model.output)!);
      }
      const run = runHostModel(exe, dir, inputs);
      expect(run.status).toBe(0);
      expect(Array.from(run.outputs)).toEqual(expected);
    });

    it('fails (a kernel refuses the call) when the scratch leaves out the bias expansion', () => {
      const model = hybrid();
      const dir = writeModelSources(model, { scratchBytes: scratchFor('dsp'), compactRequant: true });
      const exe = buildHostModel(dir, 'dsp');
      const n = INPUT_SHAPE[0] * INPUT_SHAPE[1];
      const run = runHostModel(exe, dir, new Int8Array(n));
      expect(run.status).not.toBe(0);
    });
  });
});
