import type * as TF from '@tensorflow/tfjs-node';
import type { Pair } from './ds-cnn-arch';
import { loadTf } from './tf';
import { yieldToEventLoop } from '../util/yield-to-event-loop';

/**
 * Posteriors of `model` (input [n, frames, coeffs, 1] → softmax) for `n` examples packed in
 * `x` (n × frames × coeffs, frame-major): a Float32Array of n × numClasses, example-major.
 * Batched and yielding between batches, so a long evaluation keeps heartbeats flowing.
 */
export async function predict(
  model: TF.LayersModel,
  x: Float32Array,
  shape: Pair,
  batchSize = 256,
): Promise<Float32Array> {
  const tf = loadTf();
  const size = shape[0] * shape[1];
  if (x.length % size !== 0)
    throw new RangeError(`predict: ${x.length} values is not a whole number of ${shape[0]}×${shape[1]} examples`);
  const n = x.length / size;
  const outShape = model.outputs[0]?.shape;
  const classes = outShape?.[outShape.length - 1];
  if (typeof classes !== 'number') throw new RangeError('predict: model output has no fixed class dimension');
  const out = new Float32Array(n * classes);
  for (let start = 0; start < n; start += batchSize) {
    const end = Math.min(n, start + batchSize);
    const y = tf.tidy(
      () =>
        model.predict(
          tf.tensor4d(x.subarray(start * size, end * size), [end - start, shape[0], shape[1], 1]),
        ) as TF.Tensor,
    );
    out.set((await y.data()) as Float32Array, start * classes);
    y.dispose();
    await yieldToEventLoop();
  }
  return out;
}
