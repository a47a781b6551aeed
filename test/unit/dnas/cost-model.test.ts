import { architectureCosts, dsCnnPlanOps } from '../../../src/dnas/arch-costs';
import { expectedCosts } from '../../../src/dnas/cost-model';
import { COST_CONSTANTS, frontEndKindOf } from '../../../src/dnas/cost-constants';
import { resolveSearchSpace, searchSpaceSchema } from '../../../src/dnas/search-space';
import { planModelMemory } from '../../../src/codegen/model-c';
import { scratchFor } from '../../../src/codegen/kernel-variants';
import { opFastRequantTable } from '../../../src/codegen/requant-tables';
import { planMemory } from '../../../src/codegen/memory-plan';
import { countMacs, countParams } from '../../../src/nn/ds-cnn-cost';
import { DS_CNN_PRESETS, type DsCnnArchitecture } from '../../../src/nn/ds-cnn-arch';
import { loadTf } from '../../../src/nn/tf';
import { quantizeFloatGraph } from '../../../src/quant/quantize-graph';
import { packedWeightBytes } from '../../../src/quant/int-model';
import { modelArrayBytes } from '../../../src/dnas/calibrate-costs';
import { Prng } from '../../../src/util/prng';
import { floatRanges, LABELS, randomFeatures, randomModel } from '../../helpers/random-model';

const tf = loadTf();
const M4 = { core: 'cortex-m4' as const, clockHz: 180e6 };
const arch = (c0: number, widths: number[], strides?: Array<[number, number]>): DsCnnArchitecture => ({
  firstConv: { filters: c0, kernel: [10, 4], stride: [2, 2] },
  blocks: widths.map((f, i) => ({ filters: f, stride: strides?.[i] ?? [1, 1] })),
  skip: false,
  dropout: 0.2,
  batchNorm: { momentum: 0.9, epsilon: 0.001 },
});

describe('DNAS cost model', () => {
  it('matches hand-computed costs of a one-block network', () => {
    // 49×10 input, conv0 8 ch 10×4 stride 2 → 25×5×8; block: dw 3×3, pw 8 → 16; 4 classes.
    const a = arch(8, [16]);
    const c = architectureCosts(tf, a, { inputShape: [49, 10], numClasses: 4, ...M4 });
    const conv0Macs = 25 * 5 * 8 * 40;
    const dwMacs = 25 * 5 * 8 * 9;
    const pwMacs = 25 * 5 * 8 * 16;
    expect(c.macs).toBe(conv0Macs + dwMacs + pwMacs + 16 * 4);
    expect(c.params).toBe(40 * 8 + 8 + (9 * 8 + 8) + (8 * 16 + 16) + 16 * 4 + 4);
    // Arrays: weights + 4 B bias per conv channel + 12 B of requantization table in flash, FC weights
    // + int32 bias, softmax LUT; 6 ops.
    const arrays = 40 * 8 + 16 * 8 + (9 * 8 + 16 * 8) + (8 * 16 + 16 * 16) + 16 * 4 + 4 * 4 + 4 * 256;
    const k = COST_CONSTANTS;
    expect(c.flashBytes).toBe(
      arrays + 6 * k.modelFlash.perOpBytes + k.modelFlash.baseBytes + k.fixedFlashBytes.mfcc['cortex-m4'],
    );
    // Arena (requantization tables in flash, so no 12 B a channel of scratch): conv0 needs input
    // 492 (490 aligned) + output 1000 + scratch 4·40 = 1652; dw in place: 1000 + one row shift 40
    // + slab temp 5·8·5 = 200 + scratch 34·8 → 1512; pw (16 > 8, not in place): 1040 + 2000 +
    // 4·8 = 3072; pool: 2000 + 16.
    expect(c.modelArenaBytes).toBe(3072);
    expect(c.arenaBytes).toBe(3072);
    // Log-mel features (anomaly detection) price the AD firmware's fixed flash and SRAM, nothing else.
    const logmel = architectureCosts(tf, a, { inputShape: [49, 10], numClasses: 4, ...M4, frontEnd: 'logmel' });
    expect(logmel.flashBytes - c.flashBytes).toBe(
      k.fixedFlashBytes.logmel['cortex-m4'] - k.fixedFlashBytes.mfcc['cortex-m4'],
    );
    expect(logmel.sramBytes - c.sramBytes).toBe(
      k.fixedSramBytes.logmel['cortex-m4'] - k.fixedSramBytes.mfcc['cortex-m4'],
    );
    expect([logmel.instructions, logmel.arenaBytes]).toEqual([c.instructions, c.arenaBytes]);
    // No block at all: the depthwise / pointwise kernels are not linked.
    const blockless = architectureCosts(tf, arch(8, []), { inputShape: [49, 10], numClasses: 4, ...M4 });
    const blocklessArrays = 40 * 8 + 16 * 8 + 8 * 4 + 4 * 4 + 4 * 256;
    expect(blockless.flashBytes).toBe(
      blocklessArrays +
        4 * k.modelFlash.perOpBytes +
        k.modelFlash.baseBytes +
        k.fixedFlashBytes.mfcc['cortex-m4'] -
        k.blockKernelsFlashBytes['cortex-m4'],
    );
    expect(frontEndKindOf({ type: 'logmel', melBands: 64 })).toBe('logmel');
    expect(frontEndKindOf({ coefficients: 10 })).toBe('mfcc');
    expect(frontEndKindOf(undefined)).toBe('mfcc');
    const ins = k.instructions;
    const instr =
      ins.conv.perUnit * conv0Macs +
      ins.conv.perCall +
      ins.depthwise.perUnit * dwMacs +
      ins.depthwise.perCall +
      ins.pointwise.perUnit * pwMacs +
      ins.pointwise.perCall +
      ins.avgpool.perUnit * 25 * 5 * 16 +
      ins.avgpool.perCall +
      ins.dense.perUnit * 64 +
      ins.dense.perCall +
      ins.softmax.perUnit * 4 +
      ins.softmax.perCall;
    expect(c.instructions).toBe(Math.round(instr));
    expect(c.latencyMs).toBeCloseTo((instr * k.cyclesPerInstruction['cortex-m4']) / 180e3, 4);
  });

  it('with one-hot z equals countMacs / countParams and the planner on fixed architectures', () => {
    const archs = [
      arch(64, [64, 64, 64, 64]),
      arch(24, [48, 16, 32]),
      arch(
        32,
        [16, 64],
        [
          [2, 2],
          [1, 1],
        ],
      ),
      { ...DS_CNN_PRESETS['ds-cnn-m'], skip: false },
    ];
    const rng = Prng.derive('dnas-cost-archs');
    for (let n = 0; n < 20; n++) {
      const depth = rng.int(1, 5);
      archs.push(
        arch(
          8 * rng.int(1, 9),
          Array.from({ length: depth }, () => 8 * rng.int(1, 9)),
          Array.from({ length: depth }, () => (rng.next() < 0.2 ? [2, 2] : [1, 1])),
        ),
      );
    }
    for (const a of archs) {
      const c = architectureCosts(tf, a, { inputShape: [49, 10], numClasses: 12, ...M4 });
      expect(c.macs).toBe(countMacs(a, [49, 10], 12).total);
      expect(c.params).toBe(countParams(a, [49, 10], 12).folded);
      expect(c.modelArenaBytes).toBe(c.arenaBytes);
    }
  });

  it('plans the same arena as codegen does for the quantized model', () => {
    const a = arch(16, [24, 16, 16]);
    const float = randomModel('dnas-plan', a);
    const calib = randomFeatures(Prng.derive('calib', 'dnas'), 8);
    const model = quantizeFloatGraph(float.graph, floatRanges(float.graph, calib, 8), {
      labels: LABELS,
      frontEndScale: 1 / 32,
      bitsFor: () => 8,
    });
    const p = dsCnnPlanOps(a, [49, 10], LABELS.length);
    expect(planMemory(p.tensors, p.ops, p.input, p.output).arenaBytes).toBe(
      planModelMemory(model, { scratchBytes: scratchFor('dsp', (op, m) => opFastRequantTable(m, op) !== undefined) })
        .arenaBytes,
    );
    const c = architectureCosts(tf, a, { inputShape: [49, 10], numClasses: LABELS.length, ...M4 });
    const k = COST_CONSTANTS;
    expect(
      c.flashBytes -
        k.fixedFlashBytes.mfcc['cortex-m4'] -
        k.modelFlash.baseBytes -
        model.ops.length * k.modelFlash.perOpBytes,
    ).toBe(modelArrayBytes(model));
    expect(packedWeightBytes(model)).toBeGreaterThan(0);
  });

  it('is differentiable in z and mixes widths and depth in expectation', () => {
    const space = resolveSearchSpace(
      searchSpaceSchema.parse({ firstConv: { widths: [8, 16] }, blocks: { depth: 2, widths: [8, 16, 24] } }),
    );
    const env = { space, inputShape: [49, 10] as [number, number], numClasses: 4, ...M4 };
    const logits = [
      tf.variable(tf.zeros([2])),
      tf.variable(tf.zeros([3])),
      tf.variable(tf.zeros([2])),
      tf.variable(tf.zeros([3])),
      tf.variable(tf.zeros([2])),
    ];
    const { value, grads } = tf.variableGrads(() => {
      const sm = logits.map((l) => tf.softmax(l) as never);
      const c = expectedCosts(
        tf,
        env,
        {
          firstConv: sm[0]!,
          blocks: [
            { width: sm[1]!, keep: tf.gather(sm[2]!, 0) as never },
            { width: sm[3]!, keep: tf.gather(sm[4]!, 0) as never },
          ],
        },
        64,
      );
      return tf.add(tf.div(c.flashBytes, 1e4), tf.add(tf.div(c.sramBytes, 1e4), c.latencyMs)) as never;
    }, logits);
    expect(value.dataSync()[0]).toBeGreaterThan(0);
    // Wider choices cost more: the gradient pushes the widest width's logit down.
    const g = grads[logits[1]!.name]!.dataSync();
    expect(g[2]).toBeGreaterThan(g[0]!);
    // Keeping a block costs more than skipping it.
    const gk = grads[logits[2]!.name]!.dataSync();
    expect(gk[0]).toBeGreaterThan(gk[1]!);
  });
});
