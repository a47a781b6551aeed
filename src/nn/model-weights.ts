import type * as TF from '@tensorflow/tfjs-node';
import { CheckpointError, type NamedWeights } from './checkpoint';
import type { Tf } from './tf';

/** Copies of every weight of `model` (trainable, then BN moving statistics), in `model.weights` order. */
export function readWeights(model: TF.LayersModel): NamedWeights[] {
  return model.weights.map((w) => ({
    name: w.originalName,
    shape: w.shape.map((d) => d as number),
    values: Float32Array.from(w.read().dataSync() as Float32Array),
  }));
}

/**
 * Overwrites every weight of `model` with `values` (same order as `readWeights`). When
 * `names` is given (from a checkpoint) each must match, so a checkpoint of another
 * architecture is refused instead of loaded into the wrong layers.
 */
export function writeWeights(
  tf: Tf,
  model: TF.LayersModel,
  values: readonly Float32Array[],
  names?: readonly string[],
): void {
  const targets = model.weights;
  if (values.length !== targets.length) {
    throw new CheckpointError(`checkpoint has ${values.length} weight tensors, the model has ${targets.length}`);
  }
  tf.tidy(() => {
    const tensors = targets.map((w, i) => {
      const v = values[i] as Float32Array;
      const shape = w.shape.map((d) => d as number);
      if (names !== undefined && names[i] !== w.originalName) {
        throw new CheckpointError(`checkpoint weight ${i} is ${names[i]}, the model's is ${w.originalName}`);
      }
      if (v.length !== shape.reduce((p, d) => p * d, 1)) {
        throw new CheckpointError(
          `checkpoint weight ${w.originalName} has ${v.length} values, the model's shape is [${shape.join(', ')}]`,
        );
      }
      return tf.tensor(v, shape, 'float32');
    });
    model.setWeights(tensors);
  });
}
