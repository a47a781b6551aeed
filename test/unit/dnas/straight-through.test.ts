import type * as TF from '@tensorflow/tfjs-node';
import { straightThrough } from '../../../src/dnas/straight-through';
import { loadTf } from '../../../src/nn/tf';

describe('dnas straight-through hard Gumbel sample', () => {
  it('is one-hot at the largest soft weight in the forward pass and has the soft gradient', () => {
    const tf = loadTf();
    const alpha = tf.variable(tf.tensor1d([0.2, 1.5, -0.3]));
    const w = tf.tensor1d([1, 2, 5]); // a loss that penalises the third option most
    try {
      const soft = () => tf.softmax(tf.div(alpha, 0.7)) as TF.Tensor1D;
      expect(Array.from(tf.tidy(() => straightThrough(tf, soft())).dataSync())).toEqual([0, 1, 0]);
      const grad = (f: () => TF.Tensor1D) =>
        tf.tidy(() =>
          Array.from(
            tf.variableGrads(() => tf.sum(tf.mul(f(), w)) as TF.Scalar, [alpha]).grads[alpha.name]!.dataSync(),
          ),
        );
      const hard = grad(() => straightThrough(tf, soft()));
      const ref = grad(soft);
      hard.forEach((g, i) => expect(g).toBeCloseTo(ref[i]!, 6));
      expect(hard[2]!).toBeGreaterThan(0); // the gradient still reaches the options not taken
    } finally {
      alpha.dispose();
      w.dispose();
    }
  });
});
