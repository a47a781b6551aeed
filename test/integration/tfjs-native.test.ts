/**
 * Issue #3 §2: tfjs-node must run on the native libtensorflow backend (built by
 * scripts/setup.sh from the PyPI tensorflow-cpu wheel). No fallback is acceptable.
 */
import type * as TF from '@tensorflow/tfjs-node';

describe('tfjs-node native backend', () => {
  let tf: typeof TF;
  beforeAll(() => {
    tf = require('@tensorflow/tfjs-node') as typeof TF;
  });

  it('uses the tensorflow backend', () => {
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it('trains a small conv net (Conv2DBackpropFilter runs natively) and the loss falls', async () => {
    tf.setBackend('tensorflow');
    // Two separable classes: images whose left half is bright vs right half bright.
    const n = 64;
    const xs = tf.tidy(() => {
      const base = tf.randomUniform([n, 8, 8, 1], 0, 0.2, 'float32', 1);
      const left = tf.concat([tf.ones([n / 2, 8, 4, 1]), tf.zeros([n / 2, 8, 4, 1])], 2);
      const right = tf.concat([tf.zeros([n / 2, 8, 4, 1]), tf.ones([n / 2, 8, 4, 1])], 2);
      return base.add(tf.concat([left, right], 0));
    });
    const ys = tf.oneHot(tf.tensor1d([...Array(n / 2).fill(0), ...Array(n / 2).fill(1)], 'int32'), 2);
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [8, 8, 1],
          filters: 4,
          kernelSize: 3,
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }),
        }),
        tf.layers.depthwiseConv2d({ kernelSize: 3, depthwiseInitializer: tf.initializers.glorotUniform({ seed: 8 }) }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({
          units: 2,
          activation: 'softmax',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 9 }),
        }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(xs, ys, { epochs: 15, batchSize: 16, shuffle: false, verbose: 0 });
    const loss = h.history.loss as number[];
    expect(tf.getBackend()).toBe('tensorflow');
    expect(loss[loss.length - 1]).toBeLessThan((loss[0] as number) * 0.7);
    const acc = h.history.acc ?? h.history.accuracy;
    expect((acc as number[])[(acc as number[]).length - 1]).toBeGreaterThan(0.9);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
