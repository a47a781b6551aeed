/**
 * Tiny QAT / regularized-quantization runs on real tfjs-node: the quant.json they produce
 * validates and describes the network the integer model will be, the folded network
 * equals the Keras-style model, and the regularizer moves weights onto their grid.
 */
import type * as TF from '@tensorflow/tfjs-node';
import { ZodError } from 'zod';
import { buildDsCnn } from '../../../../src/nn/ds-cnn';
import { loadTf } from '../../../../src/nn/tf';
import { trainModel } from '../../../../src/nn/train-loop';
import {
  resolveArchitecture,
  trainConfigSchema,
  trainStageConfigSchema,
  type TrainStageConfigInput,
} from '../../../../src/nn/train-config';
import { QatNetwork } from '../../../../src/nn/qat/qat-network';
import { qatStartEpoch, trainQuantizationSchema } from '../../../../src/nn/qat/qat-config';
import { chooseActivationParams } from '../../../../src/quant/int8-scheme';
import { parseQuantJson } from '../../../../src/quant/quant-json';
import { Prng } from '../../../../src/util/prng';
import { syntheticData } from '../synthetic-data';

const tf = loadTf();

const ARCH = {
  firstConv: { filters: 8, kernel: [3, 3] as [number, number], stride: [1, 1] as [number, number] },
  blocks: [{ filters: 8 }, { filters: 8, stride: [2, 2] as [number, number] }],
  skip: true,
  dropout: 0.1,
  batchNorm: { momentum: 0.5 },
};

function config(extra: TrainStageConfigInput = {}) {
  return trainStageConfigSchema.parse({
    architecture: ARCH,
    epochs: 3,
    batchSize: 16,
    learningRate: { initial: 0.02, decay: 'cosine', final: 0.002 },
    ...extra,
  });
}

describe('quantization config of the train stage', () => {
  it('without the block, parses exactly like the float config (same cache key, same artifacts)', () => {
    const input = { epochs: 5, architecture: ARCH };
    expect(trainStageConfigSchema.parse(input)).toStrictEqual(trainConfigSchema.parse(input));
  });

  it('fills thesis defaults: linear schedule, reg-n, λ 1e-4, QAT on from ⌊epochs/3⌋ + 1', () => {
    const c = config({ quantization: { bits: 4, schedule: { type: 'step-bounded' } } });
    expect(c.quantization).toEqual(
      expect.objectContaining({
        bits: 4,
        regularizer: 'reg-n',
        lambda: 1e-4,
        qat: true,
        schedule: { type: 'step-bounded', step: 10, rate: 0.8 },
      }),
    );
    expect(trainQuantizationSchema.parse({ schedule: { type: 'inverse-polynomial' } }).schedule).toEqual({
      type: 'inverse-polynomial',
      d: 0.001,
    });
    const q = trainQuantizationSchema.parse({});
    expect([1, 2, 3, 30].map((e) => qatStartEpoch(q, e))).toEqual([1, 2, 2, 11]);
    expect(qatStartEpoch(trainQuantizationSchema.parse({ qatStartEpoch: 1 }), 30)).toBe(1);
  });

  it('rejects an unknown layer in a per-layer bit map with a did-you-mean and the real layer names', () => {
    const bad = () => config({ quantization: { bits: { block1_pww: 4 } } });
    expect(bad).toThrow(ZodError);
    try {
      bad();
    } catch (e) {
      const issue = (e as ZodError).issues[0]!;
      expect(issue.path).toEqual(['quantization', 'bits', 'block1_pww']);
      expect(issue.message).toBe(
        'unknown layer "block1_pww", did you mean "block1_pw"?; layers of this architecture: conv0, block1_dw, block1_pw, block2_dw, block2_pw, dense (or a group: depthwise, pointwise)',
      );
    }
    const far = () => config({ quantization: { bits: { default: 8, overrides: { gru: 2 } } } });
    expect(far).toThrow(/unknown layer \\"gru\\"; layers of this architecture: conv0, block1_dw/);
    expect(() => config({ quantization: { bits: { block5_pw: 4 } } })).toThrow('layers of this architecture');
    expect(() => config({ quantization: { bits: 3 as 4 } })).toThrow(ZodError);
    expect(() => config({ quantization: { regularizer: 'reg-2' as 'reg-n' } })).toThrow(ZodError);
  });
});

describe('QatNetwork', () => {
  it('the BN-folded float network equals the tfjs model in inference mode', () => {
    const data = syntheticData({ n: 8, nVal: 8, numClasses: 4 });
    const arch = resolveArchitecture(trainConfigSchema.parse({ architecture: ARCH }).architecture);
    const net = buildDsCnn(arch, { inputShape: data.shape, numClasses: 4, initRng: Prng.derive('fold') });
    // Non-trivial BN statistics and affine parameters.
    const rng = Prng.derive('fold-bn');
    for (const l of net.model.layers.filter((x) => x.name.endsWith('_bn'))) {
      l.setWeights(
        l.getWeights().map((w, i) =>
          tf.tensor(
            Float32Array.from({ length: w.size }, () =>
              i === 3 ? rng.uniform(0.5, 2) : rng.uniform(-0.5, 0.5) + (i === 0 ? 1 : 0),
            ),
            w.shape,
          ),
        ),
      );
    }
    const q = new QatNetwork(tf, net, trainQuantizationSchema.parse({}));
    const x = tf.tensor4d(data.train.x, [8, ...data.shape, 1]);
    const ref = net.classifier.apply(net.features.apply(x, { training: false })) as TF.Tensor;
    const folded = q.forward(x, { quantize: false, observe: false }).logits;
    const a = ref.dataSync();
    const b = folded.dataSync();
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(v))));
    net.model.dispose();
  });
});

describe('training with quantization', () => {
  const data = syntheticData({ n: 240, nVal: 64, numClasses: 4, shape: [16, 8] });

  it('QAT int8: writes a valid quant.json whose ranges cover the activations, and reports the fake-quant accuracy', async () => {
    const c = config({ epochs: 3, quantization: { bits: { block2_pw: 4 }, qatStartEpoch: 2, lambda: 1e-3 } });
    const r = await trainModel(data, c, { rng: Prng.derive('qat') });
    try {
      expect(r.history.map((h) => h.quant?.qat)).toEqual([false, true, true]);
      expect(r.bestEpoch).toBeGreaterThanOrEqual(2); // only QAT epochs compete
      const qj = parseQuantJson(JSON.stringify(r.quant!.quantJson));
      expect(Object.keys(qj.layers)).toEqual(['conv0', 'block1_dw', 'block1_pw', 'block2_dw', 'block2_pw', 'dense']);
      expect(qj.layers.block2_pw!.bits).toBe(4);
      expect(qj.layers.block2_pw!.regularized).toBe(true);
      expect(qj.layers.conv0!.regularized).toBe(false);
      expect(Object.keys(qj.activations)).toEqual([
        'features',
        'conv0_relu',
        'block1_dw_relu',
        'block1_pw_relu',
        'block1_add',
        'block2_dw_relu',
        'block2_pw_relu',
        'block2_add',
        'pool',
        'dense',
      ]);
      expect(qj.qat).toEqual({ enabled: true, startEpoch: 2, rangeTracking: 'ema-min-max', emaDecay: 0.9 });
      // Tensor names are the tfjs layers' names.
      for (const n of Object.keys(qj.activations)) expect(r.model.layers.some((l) => l.name === n)).toBe(true);

      for (const [name, a] of Object.entries(qj.activations)) {
        // min/max is the nudged range: choosing params from it gives back scale and zero point.
        const p = chooseActivationParams(a.min, a.max);
        expect(p.zeroPoint).toBe(a.zeroPoint);
        expect(p.scale).toBeCloseTo(a.scale, 9);
        if (name.endsWith('_relu')) expect(a.zeroPoint).toBe(-128);
      }

      // Activations of the validation set through the network the integer model will be, in
      // training-sized batches: the ranges are an EMA of batch extremes (TF's
      // MovingAverageQuantize), so they lie within the spread of per-batch min/max.
      const q = new QatNetwork(
        tf,
        { model: r.model, features: r.model, classifier: r.model.getLayer('dense'), plan: planOf(c) },
        c.quantization!,
      );
      q.ranges.set(
        Object.fromEntries(
          Object.entries(qj.activations).map(([k, v]) => [k, { min: v.observedMin, max: v.observedMax }]),
        ),
      );
      const size = data.shape[0] * data.shape[1];
      const batchLo: number[][] = [];
      const batchHi: number[][] = [];
      for (let start = 0; start < data.validation.n; start += 16) {
        const xb = tf.tensor4d(data.validation.x.subarray(start * size, (start + 16) * size), [16, ...data.shape, 1]);
        const o = q.forward(xb, { quantize: true, observe: true }).observed!.dataSync();
        batchLo.push(Object.keys(qj.activations).map((_, i) => o[2 * i]!));
        batchHi.push(Object.keys(qj.activations).map((_, i) => o[2 * i + 1]!));
      }
      Object.entries(qj.activations).forEach(([name, a], i) => {
        const his = batchHi.map((h) => h[i]!).sort((x, y) => x - y);
        const los = batchLo.map((l) => l[i]!).sort((x, y) => x - y);
        const width = his[his.length - 1]! - los[0]!;
        const within =
          a.observedMax >= his[0]! - 0.2 * width &&
          a.observedMax <= his[his.length - 1]! + 0.2 * width &&
          a.observedMin <= los[los.length - 1]! + 0.2 * width &&
          a.observedMin >= los[0]! - 0.2 * width;
        expect({ name, within }).toEqual({ name, within: true });
        // The nudged range the integer model uses is the tracked one (widened to 0) up to the
        // half-step shift of rounding the zero point.
        expect(
          Math.abs(a.min - Math.min(0, a.observedMin)) <= a.scale &&
            Math.abs(a.max - Math.max(0, a.observedMax)) <= a.scale,
        ).toBe(true);
      });
      const x = tf.tensor4d(data.validation.x, [data.validation.n, ...data.shape, 1]);
      const fwd = q.forward(x, { quantize: true, observe: false });
      // The validation accuracy the history reports for the best epoch is this fake-quant network's.
      const labels = Array.from(fwd.logits.argMax(1).dataSync());
      const acc = labels.reduce((s: number, l, i) => s + (l === data.validation.y[i] ? 1 : 0), 0) / data.validation.n;
      expect(acc).toBeCloseTo(r.history[r.bestEpoch - 1]!.valAccuracy, 6);
      expect(acc).toBeGreaterThan(0.4); // chance is 0.25

      // Weight scales are those of the BN-folded weights (moving statistics).
      const bn = r.model
        .getLayer('conv0_bn')
        .getWeights()
        .map((w) => w.dataSync());
      const k = r.model.getLayer('conv0').getWeights()[0]!;
      const kv = k.dataSync();
      const out = k.shape[3]!;
      const maxAbs = new Array<number>(out).fill(0);
      kv.forEach((v, i) => {
        const ch = i % out;
        const f = bn[0]![ch]! / Math.sqrt(bn[3]![ch]! + 1e-3);
        maxAbs[ch] = Math.max(maxAbs[ch]!, Math.abs(v * f));
      });
      qj.layers.conv0!.weightScales.forEach((s, ch) => expect(s).toBeCloseTo(maxAbs[ch]! / 127, 6));

      // History: S(t) of the linear schedule per epoch, and the penalty of the regularized layer.
      expect(r.history.map((h) => h.quant!.schedule)).toEqual([0, 0.5, 1]);
      expect(r.history[0]!.quant!.regLoss).toBe(0);
      expect(r.history[2]!.quant!.regLoss).toBeGreaterThan(0);
      const hist = r.quant!.weightHistograms;
      expect(hist.layers.block2_pw!.before.reduce((a, b) => a + b, 0)).toBe(8 * 8);
      expect(hist.layers.block2_pw!.after).toHaveLength(64);
      expect(hist.layers.block2_pw!.after).not.toEqual(hist.layers.block2_pw!.before);
    } finally {
      r.model.dispose();
    }
  });

  it('the 4-bit regularizer (Reg_4, schedule none) brings weights closer to the grid than λ = 0', async () => {
    const run = async (lambda: number) => {
      const c = config({ epochs: 2, quantization: { bits: 4, lambda, qat: false, schedule: { type: 'none' } } });
      const r = await trainModel(data, c, { rng: Prng.derive('reg') });
      r.model.dispose();
      return r;
    };
    const plain = await run(0);
    const reg = await run(0.01);
    const mean = (d: Record<string, number>) => Object.values(d).reduce((a, b) => a + b, 0) / Object.keys(d).length;
    expect(mean(reg.quant!.gridDistances)).toBeLessThan(0.6 * mean(plain.quant!.gridDistances));
    // Within the regularized run the distance shrinks epoch by epoch.
    expect(reg.history[1]!.quant!.gridDistance).toBeLessThan(reg.history[0]!.quant!.gridDistance);
    expect(reg.quant!.quantJson.qat).toEqual(
      expect.objectContaining({ enabled: false, rangeTracking: 'calibration-min-max', startEpoch: null }),
    );
  });
});

function planOf(c: ReturnType<typeof config>) {
  const { planDsCnn } = require('../../../../src/nn/ds-cnn-arch') as typeof import('../../../../src/nn/ds-cnn-arch');
  return planDsCnn(resolveArchitecture(c.architecture), [16, 8], 4);
}
