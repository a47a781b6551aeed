import type * as TF from '@tensorflow/tfjs-node';
import { adaCosScale, angularMarginLogits, angularMarginLoss } from '../../../src/nn/angular-margin';
import { loadTf } from '../../../src/nn/tf';
import { trainModel } from '../../../src/nn/train-loop';
import { trainStageConfigSchema } from '../../../src/nn/train-config';
import { Prng } from '../../../src/util/prng';
import { syntheticData, tinyConfig } from './synthetic-data';

const tf = loadTf();

/** The ArcFace logits of one row, in float64 from the definition (ArcFace §2.1 eq. 3). */
function referenceLogits(f: number[], w: number[][], y: number, m: number, s: number): number[] {
  const norm = (v: number[]) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return w.map((col, j) => {
    const cos = f.reduce((a, x, i) => a + x * col[i]!, 0) / (norm(f) * norm(col));
    if (j !== y) return s * cos;
    const theta = Math.acos(cos);
    return theta + m < Math.PI ? s * Math.cos(theta + m) : s * (cos - m * Math.sin(m));
  });
}

describe('angular margin (ArcFace) head', () => {
  const rng = Prng.derive('arcface-test');
  const n = 4;
  const d = 5;
  const c = 3;
  const fVals = Array.from({ length: n * d }, () => rng.normal());
  const wVals = Array.from({ length: d * c }, () => rng.normal());
  // Row 3's true class points away from its features, so θ + m > π: the linear continuation.
  const labels = [0, 2, 1, 1];
  for (let i = 0; i < d; i++) {
    fVals[3 * d + i] = -wVals[i * c + 1]! + 0.01 * i;
  }
  const settings = { margin: 0.5, scale: 4 };

  it('logits equal s·cos(θ_j + m·[j = y]) and, past θ + m = π, s·(cos θ − m·sin m)', () => {
    const logits = tf.tidy(() =>
      angularMarginLogits(
        tf,
        tf.tensor2d(fVals, [n, d]),
        tf.tensor2d(wVals, [d, c]),
        tf.oneHot(tf.tensor1d(labels, 'int32'), c).toFloat() as TF.Tensor2D,
        settings,
      ).arraySync(),
    );
    const w = Array.from({ length: c }, (_, j) => Array.from({ length: d }, (_, i) => wVals[i * c + j]!));
    for (let r = 0; r < n; r++) {
      const ref = referenceLogits(fVals.slice(r * d, (r + 1) * d), w, labels[r]!, settings.margin, settings.scale);
      ref.forEach((v, j) => expect(logits[r]![j]!).toBeCloseTo(v, 4));
    }
    // Row 3 is in the linear region (its true-class angle is close to π).
    const cos3 = logits[3]![1]! / settings.scale + settings.margin * Math.sin(settings.margin);
    expect(cos3).toBeLessThan(Math.cos(Math.PI - settings.margin));
  });

  it('gradient w.r.t. features and class vectors matches central finite differences', () => {
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), c).toFloat() as TF.Tensor2D;
    const lossAt = (f: number[], w: number[]) =>
      tf.tidy(
        () =>
          angularMarginLoss(
            tf,
            tf.tensor2d(f, [n, d]),
            tf.tensor2d(w, [d, c]),
            oneHot,
            settings,
          ).dataSync()[0] as number,
      );
    const [gf, gw] = tf.tidy(() => {
      const g = tf.grads((f: TF.Tensor, w: TF.Tensor) =>
        angularMarginLoss(tf, f as TF.Tensor2D, w as TF.Tensor2D, oneHot, settings),
      );
      return g([tf.tensor2d(fVals, [n, d]), tf.tensor2d(wVals, [d, c])]).map(
        (t) => Array.from(t.dataSync()) as number[],
      );
    });
    const h = 1e-2;
    const check = (vals: number[], analytic: number[], which: 'f' | 'w') => {
      vals.forEach((_, k) => {
        const plus = [...vals];
        const minus = [...vals];
        plus[k]! += h;
        minus[k]! -= h;
        const num =
          which === 'f'
            ? (lossAt(plus, wVals) - lossAt(minus, wVals)) / (2 * h)
            : (lossAt(fVals, plus) - lossAt(fVals, minus)) / (2 * h);
        expect(Math.abs(num - analytic[k]!)).toBeLessThan(2e-3 + 0.02 * Math.abs(num));
      });
    };
    check(fVals, gf!, 'f');
    check(wVals, gw!, 'w');
    // Not trivially zero: the loss moves the features.
    expect(Math.max(...gf!.map(Math.abs))).toBeGreaterThan(0.01);
  });

  it('a margin raises the loss of a correctly classified batch (it asks for a tighter cone)', () => {
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), c).toFloat() as TF.Tensor2D;
    const loss = (margin: number) =>
      tf.tidy(
        () =>
          angularMarginLoss(tf, tf.tensor2d(fVals, [n, d]), tf.tensor2d(wVals, [d, c]), oneHot, {
            margin,
            scale: 4,
          }).dataSync()[0] as number,
      );
    expect(loss(0.5)).toBeGreaterThan(loss(0.2));
    expect(loss(0.2)).toBeGreaterThan(loss(0));
  });

  it('AdaCos fixed scale √2·ln(C − 1)', () => {
    expect(adaCosScale(16)).toBeCloseTo(Math.SQRT2 * Math.log(15), 12);
    expect(adaCosScale(16)).toBeCloseTo(3.8298, 3);
    expect(() => adaCosScale(2)).toThrow(RangeError);
  });

  it('trains a DS-CNN with the margin head: learns the classes, the dense bias stays 0, same seed → same weights', async () => {
    const data = syntheticData({ n: 192, nVal: 48, numClasses: 4 });
    const config = tinyConfig({ epochs: 3, angularMargin: { margin: 0.3 } });
    const run = async () => {
      const r = await trainModel(data, config, { rng: Prng.derive('arcface-train') });
      const weights = r.model.getWeights().map((w) => Array.from(w.dataSync()));
      const bias = r.model.getLayer('dense').getWeights()[1]!.dataSync();
      const valAccuracy = r.history[r.bestEpoch - 1]!.valAccuracy;
      r.model.dispose();
      return { weights, bias: Array.from(bias), valAccuracy };
    };
    const a = await run();
    expect(a.valAccuracy).toBeGreaterThan(0.6); // 4 classes: chance is 0.25
    expect(a.bias.every((b) => b === 0)).toBe(true);
    expect((await run()).weights).toEqual(a.weights);
  });

  it('config: refused together with a quantization block, naming the field', () => {
    const r = trainStageConfigSchema.safeParse({ angularMargin: {}, quantization: { bits: 8 } });
    expect(r.success).toBe(false);
    expect(r.error!.issues.some((i) => i.path.join('.') === 'angularMargin')).toBe(true);
  });
});
