import type * as TF from '@tensorflow/tfjs-node';
import type { Tf } from '../nn/tf';

/**
 * Hard Gumbel-softmax with the straight-through estimator (`relaxation: gumbel-hard`; Jang et
 * al. 2017 §2.2, GDAS): the forward pass sees one_hot(argmax(soft)), one option per node, the
 * backward pass the gradient of `soft`. z = soft + (hard − soft) with the bracket a constant
 * (built from soft's values, outside the gradient tape), so ∂z/∂α = ∂soft/∂α.
 *
 * Why: with `weightPaths: sandwich` the weights only ever train on one-hot paths; an
 * architecture step on the soft mixture (fractional channel masks, blocks blended with the
 * identity) scores a network the weights were never trained as, while a hard sample scores
 * one they were (docs/results/2026-12-05-dnas-width-bias.md).
 */
export function straightThrough(tf: Tf, soft: TF.Tensor1D): TF.Tensor1D {
  const v = soft.dataSync() as Float32Array;
  const k = v.reduce((best, x, i) => (x > (v[best] as number) ? i : best), 0);
  const delta = Float32Array.from(v, (x, i) => (i === k ? 1 : 0) - x);
  return tf.add(soft, tf.tensor1d(delta)) as TF.Tensor1D;
}
