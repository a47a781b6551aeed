import type * as TF from '@tensorflow/tfjs-node';
import { dnasConfigSchema } from '../../../src/dnas/dnas-config';
import { resolveSearchSpace } from '../../../src/dnas/search-space';
import { stratifiedSplit } from '../../../src/dnas/search-subset';
import { buildSupernet, nodeProbabilities, oneHotProbabilities } from '../../../src/dnas/supernet';
import { sampleChoice, widestChoice } from '../../../src/dnas/weight-paths';
import { loadTf } from '../../../src/nn/tf';
import { Prng } from '../../../src/util/prng';
import { syntheticData } from '../nn/synthetic-data';

const space = resolveSearchSpace(
  dnasConfigSchema.parse({
    searchSpace: { firstConv: { widths: [8, 16] }, blocks: { depth: 2, widths: [8, 16, 24], skippable: true } },
  }).searchSpace,
);

describe('dnas weight paths (sandwich rule)', () => {
  it('the widest path takes every node at its widest option and keeps every block', () => {
    expect(widestChoice(space)).toEqual({
      firstConv: 1,
      blocks: [
        { width: 2, keep: true },
        { width: 2, keep: true },
      ],
    });
  });

  it('a sampled path is one option per node, seeded, and drawn with softmax(α)’s frequencies', () => {
    // Node order: firstConv, block 0 width, block 0 keep/skip, block 1 width, block 1 keep/skip.
    const logits = [
      [0, Math.log(3)],
      [0, 0, 0],
      [0, 0],
      [5, 0, -5],
      [0, 0],
    ].map((l) => Float32Array.from(l));
    const draw = (seed: number, n: number) => {
      const rng = Prng.derive('test/sample', seed);
      return Array.from({ length: n }, () => sampleChoice(space, logits, rng));
    };
    expect(draw(1, 20)).toEqual(draw(1, 20));
    expect(draw(1, 20)).not.toEqual(draw(2, 20));
    const many = draw(3, 4000);
    // P(firstConv = 16) = 3/4; block 1 almost always at its narrowest (e^5 : 1 : e^−5).
    expect(many.filter((c) => c.firstConv === 1).length / many.length).toBeCloseTo(0.75, 1);
    expect(many.filter((c) => c.blocks[1]!.width === 0).length / many.length).toBeGreaterThan(0.98);
    for (const c of many) {
      expect([0, 1]).toContain(c.firstConv);
      expect([0, 1, 2]).toContain(c.blocks[0]!.width);
    }
  });

  it('the weight step reaches the channels beyond the narrowest width even when α is all on it; the mixture does not', () => {
    const tf = loadTf();
    const data = syntheticData({ n: 16, nVal: 0, shape: [49, 10], numClasses: 4, seed: 7 });
    const net = buildSupernet(tf, space, { inputShape: [49, 10], numClasses: 4, initRng: Prng.derive('test/net') });
    try {
      // α saturated on the narrowest width of every node (and on keeping the blocks).
      net.archLogits.forEach((l) =>
        l.assign(tf.tensor1d(Array.from({ length: l.size }, (_, k) => (k === 0 ? 30 : 0)))),
      );
      const conv0 = net.weights[0]!; // first conv kernel [10, 4, 1, C]
      const wideGradient = (zs: () => ReturnType<typeof oneHotProbabilities>[]) =>
        tf.tidy(() => {
          const x = tf.tensor4d(data.train.x, [16, 49, 10, 1]);
          const oneHot = tf.oneHot(tf.tensor1d(data.train.y, 'int32'), 4) as TF.Tensor2D;
          const { grads } = tf.variableGrads(() => {
            const ces = zs().map((z) =>
              tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(net.forward(x, z, undefined))), 1))),
            );
            return tf.addN(ces) as TF.Scalar;
          }, [conv0]);
          // Channels 8..15 exist only in the 16-wide option of the first conv.
          const g = grads[conv0.name]!.slice([0, 0, 0, 8], [-1, -1, -1, 8]);
          return tf.max(tf.abs(g)).dataSync()[0] as number;
        });
      const logits = net.archLogits.map((l) => l.dataSync() as Float32Array);
      const sandwich = wideGradient(() =>
        [widestChoice(space), sampleChoice(space, logits, Prng.derive('test/s'))].map((c) =>
          oneHotProbabilities(tf, space, c),
        ),
      );
      const mixture = wideGradient(() => [
        nodeProbabilities(tf, space, net.archLogits as readonly TF.Tensor1D[], (l) => tf.softmax(l) as TF.Tensor1D),
      ]);
      expect(sandwich).toBeGreaterThan(1e-4);
      expect(mixture).toBeLessThan(1e-9);
    } finally {
      net.dispose();
    }
  }, 60_000);

  it('the held-apart split is per label, disjoint and covers the clips', () => {
    const d = syntheticData({ n: 60, nVal: 0, shape: [4, 2], numClasses: 3, seed: 2 });
    const { kept, rest } = stratifiedSplit(d.train, 8, 0.5, Prng.derive('test/split'));
    expect(kept.n + rest.n).toBe(60);
    const count = (y: Int32Array, label: number) => y.filter((v) => v === label).length;
    for (const label of [0, 1, 2]) {
      expect(count(kept.y, label)).toBe(Math.max(1, Math.round(count(d.train.y, label) * 0.5)));
      expect(count(kept.y, label) + count(rest.y, label)).toBe(count(d.train.y, label));
    }
    const rows = (s: typeof kept) =>
      new Set(Array.from({ length: s.n }, (_, i) => s.x.subarray(i * 8, i * 8 + 8).join()));
    const k = rows(kept);
    for (const r of rows(rest)) expect(k.has(r)).toBe(false);
  });
});
