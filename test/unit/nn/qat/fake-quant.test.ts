import { loadTf } from '../../../../src/nn/tf';
import { activationParams, fakeQuantActivation, fakeQuantWeights, weightQmax } from '../../../../src/nn/qat/fake-quant';
import { normalizeByChannel, tfRegularizationPenalty, tfRegularizer } from '../../../../src/nn/qat/tf-regularizers';
import {
  chooseActivationParams,
  dequantizeAffine,
  dequantizeWeightsPerChannel,
  nudgedRange,
  quantizeAffine,
  quantizeWeightsPerChannel,
} from '../../../../src/quant/int8-scheme';
import type { BitWidth, Reg1Variant } from '../../../../src/quant/regularizers';
import { regularizerFor } from '../../../helpers/scalar-regularizers';
import { Prng } from '../../../../src/util/prng';

const tf = loadTf();

function randomValues(n: number, seed: string, scale = 1): Float32Array {
  const rng = Prng.derive('fake-quant-test', seed);
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

/** int8-scheme wants the channel axis first-to-last in row-major order; tfjs conv kernels have it last. */
describe('fakeQuantWeights (symmetric per output channel)', () => {
  it.each([8, 4, 2] as const)(
    '%i-bit forward equals int8-scheme quantize→dequantize per channel, gradient is identity',
    (bits) => {
      const shape = [3, 3, 5, 6]; // [kh, kw, in, out], channel axis 3
      const w = randomValues(3 * 3 * 5 * 6, `w${bits}`, 0.3);
      const expected = dequantizeWeightsPerChannel(quantizeWeightsPerChannel(w, shape, 3, bits), shape, 3);
      const wt = tf.tensor4d(w, shape as [number, number, number, number]);
      const got = fakeQuantWeights(tf, wt, 3, bits).dataSync() as Float32Array;
      const q = quantizeWeightsPerChannel(w, shape, 3, bits);
      for (let i = 0; i < w.length; i++) {
        expect(Math.abs(got[i]! - expected[i]!)).toBeLessThanOrEqual(1e-6 * Math.abs(expected[i]!) + 1e-7);
      }
      // Codes really are on the N-bit grid: got/scale is an integer in [−qmax, qmax].
      const qmax = weightQmax(bits);
      for (let i = 0; i < w.length; i++) {
        const code = got[i]! / q.scales[i % 6]!;
        expect(Math.abs(code - Math.round(code))).toBeLessThan(1e-4);
        expect(Math.abs(code)).toBeLessThanOrEqual(qmax + 1e-4);
      }
      // Fewer distinct values with fewer bits: at most 2·qmax + 1 per channel.
      const ch0 = new Set(
        Array.from(got)
          .filter((_, i) => i % 6 === 0)
          .map((v) => v.toFixed(6)),
      );
      expect(ch0.size).toBeLessThanOrEqual(2 * qmax + 1);
      const g = tf.grad((x: import('@tensorflow/tfjs-node').Tensor) =>
        tf.sum(tf.mul(fakeQuantWeights(tf, x, 3, bits), tf.range(0, w.length).reshape(shape))),
      )(wt);
      expect(Array.from(g.dataSync())).toEqual(Array.from({ length: w.length }, (_, i) => i));
      tf.dispose([wt, g]);
    },
  );

  it('1-bit: sign(w)·max|w_c| (0 → +), straight-through gradient', () => {
    const w = tf.tensor2d([
      [0.5, -2],
      [-0.25, 1],
      [0, 0.5],
    ]); // [in 3, out 2], axis 1
    expect(Array.from(fakeQuantWeights(tf, w, 1, 1).dataSync())).toEqual([0.5, -2, -0.5, 2, 0.5, 2]);
    const g = tf.grad((x: import('@tensorflow/tfjs-node').Tensor) => tf.sum(fakeQuantWeights(tf, x, 1, 1)))(w);
    expect(Array.from(g.dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('depthwise kernels quantize along axis 2', () => {
    const shape = [3, 3, 4, 1];
    const w = randomValues(36, 'dw', 0.2);
    const expected = dequantizeWeightsPerChannel(quantizeWeightsPerChannel(w, shape, 2, 8), shape, 2);
    const got = fakeQuantWeights(tf, tf.tensor4d(w, [3, 3, 4, 1]), 2, 8).dataSync();
    for (let i = 0; i < w.length; i++) expect(got[i]).toBeCloseTo(expected[i]!, 6);
  });
});

describe('fakeQuantActivation (asymmetric per-tensor int8)', () => {
  const range = { min: -1.3, max: 4.1 };
  const p = chooseActivationParams(range.min, range.max);
  const { min, max } = nudgedRange(p);
  const xs = Float32Array.from({ length: 201 }, (_, i) => -2 + (i * 7.5) / 200); // −2 … 5.5, beyond both ends

  it('forward equals quantizeAffine → dequantizeAffine', () => {
    const got = fakeQuantActivation(tf, tf.tensor1d(xs), p).dataSync();
    xs.forEach((x, i) => expect(Math.abs(got[i]! - dequantizeAffine(quantizeAffine(x, p), p))).toBeLessThan(1e-5));
    expect(activationParams(range)).toEqual({ ...p, min, max });
  });

  it('gradient is 1 inside the nudged range and 0 where the integer model clamps', () => {
    const g = tf
      .grad((x: import('@tensorflow/tfjs-node').Tensor) => tf.sum(fakeQuantActivation(tf, x, p)))(tf.tensor1d(xs))
      .dataSync();
    let inside = 0;
    xs.forEach((x, i) => {
      const expected = x >= min && x <= max ? 1 : 0;
      inside += expected;
      expect(g[i]).toBe(expected);
    });
    expect(inside).toBeGreaterThan(100);
    expect(inside).toBeLessThan(201);
  });
});

describe('tfjs regularizers (thesis Eq. 4.1, 4.3–4.6) agree with src/quant/regularizers', () => {
  const us = Float32Array.from({ length: 97 }, (_, i) => -1.8 + (i * 3.6) / 96);
  const cases: Array<[BitWidth, Reg1Variant]> = [
    [8, 'c'],
    [4, 'c'],
    [2, 'c'],
    [1, 'a'],
    [1, 'b'],
    [1, 'c'],
    [1, 'r1'],
    [1, 'r1-squared'],
  ];
  it.each(cases)('%i bits, variant %s: values and autodiff gradients', (bits, variant) => {
    const reg = regularizerFor(bits, variant);
    const u = tf.tensor1d(us);
    const v = tfRegularizer(tf, u, bits, variant).dataSync();
    const g = tf
      .grad((x: import('@tensorflow/tfjs-node').Tensor) => tf.sum(tfRegularizer(tf, x, bits, variant)))(u)
      .dataSync();
    us.forEach((x, i) => {
      // Kinks (R_1 at 0 and ±1, R_1^2 at 0): tfjs' abs has subgradient ±1 there, regularizers.ts uses 0.
      if (Math.abs(x) < 1e-6 || Math.abs(Math.abs(x) - 1) < 1e-6) return;
      expect(Math.abs(v[i]! - reg.value(x))).toBeLessThan(1e-3 + 1e-5 * Math.abs(reg.value(x)));
      expect(Math.abs(g[i]! - reg.gradient(x))).toBeLessThan(
        2e-3 * Math.max(1, Math.abs(reg.gradient(x))) + (bits === 8 ? 0.5 : 1e-3),
      );
    });
  });

  it('normalizes each output channel by max|w_c| before Reg (minima = int codes / K)', () => {
    const w = tf.tensor2d([
      [0.2, -3],
      [-0.1, 1.5],
      [0.05, 3],
    ]); // channels along axis 1
    expect(Array.from(normalizeByChannel(tf, w, 1).dataSync()).map((x) => +x.toFixed(6))).toEqual([
      1, -1, -0.5, 0.5, 0.25, 1,
    ]);
    // 2-bit grid is {−1, 0, 1}: ±1 and the column of 3s cost 0, ±0.5 and 0.25 do not.
    const pen = tfRegularizationPenalty(tf, w, 1, 2, 'c').dataSync()[0]!;
    const reg = regularizerFor(2);
    expect(pen).toBeCloseTo(reg.value(-0.5) + reg.value(0.5) + reg.value(0.25), 5);
    // The divisor gets no gradient: d/dw of Reg(w/m) is Reg'(u)/m with m constant.
    const g = tf
      .grad((x: import('@tensorflow/tfjs-node').Tensor) => tfRegularizationPenalty(tf, x, 1, 2, 'c'))(w)
      .dataSync();
    expect(g[2]).toBeCloseTo(reg.gradient(-0.5) / 0.2, 3);
  });
});

describe('regularization pulls weights onto the N-bit grid (toy problem)', () => {
  it('a few Adam steps on λ·ΣReg_4 lower the mean distance to the 4-bit grid', () => {
    const { gridDistance, normalizePerChannel } =
      require('../../../../src/nn/qat/weight-stats') as typeof import('../../../../src/nn/qat/weight-stats');
    const w0 = randomValues(8 * 16, 'toy', 0.1);
    const v = tf.variable(tf.tensor2d(w0, [8, 16]));
    const opt = tf.train.adam(0.002);
    const dist = () => gridDistance(normalizePerChannel(v.dataSync() as Float32Array, [8, 16], 1), 4);
    const before = dist();
    const penalties: number[] = [];
    for (let s = 0; s < 40; s++) {
      const cost = opt.minimize(() => tfRegularizationPenalty(tf, v, 1, 4, 'c'), true, [v])!;
      penalties.push(cost.dataSync()[0]!);
      cost.dispose();
    }
    const after = dist();
    expect(before).toBeGreaterThan(0.02); // random weights: ≈ 1/(4K) = 0.036 on average
    expect(after).toBeLessThan(before / 2);
    expect(penalties[penalties.length - 1]).toBeLessThan(penalties[0]! / 2);
    v.dispose();
    opt.dispose();
  });
});
