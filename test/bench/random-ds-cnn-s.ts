/**
 * The untrained DS-CNN-S the firmware benches deploy (tflm, hybrid-deploy): seeded Glorot
 * weights and random batch-norm statistics. With the initial statistics (mean 0, variance 1,
 * beta 0) every folded bias would be 0 and every per-channel scale alike, unlike a trained
 * model's, and the TFLite converter would store the identical bias buffers once, making its
 * flatbuffer smaller than a trained model's.
 */
import { DS_CNN_PRESETS } from '../../src/nn/ds-cnn-arch';
import { buildDsCnn, type DsCnnNetwork } from '../../src/nn/ds-cnn';
import { loadTf } from '../../src/nn/tf';
import { Prng } from '../../src/util/prng';

export const KWS_SHAPE: [number, number] = [49, 10];
export const KWS_LABELS = [
  '_silence_',
  '_unknown_',
  'yes',
  'no',
  'up',
  'down',
  'left',
  'right',
  'on',
  'off',
  'stop',
  'go',
];

/** Uniform ranges of the random batch-norm variables, by variable name. */
const BN_RANGES: Record<string, [number, number]> = {
  gamma: [0.5, 1.5],
  beta: [-0.5, 0.5],
  moving_mean: [-0.5, 0.5],
  moving_variance: [0.5, 1.5],
};

/** DS-CNN-S for the 12 KWS labels; `seedName` names the bench (Prng.derive(seedName, 'init' | 'batchnorm')). */
export function randomDsCnnS(seedName: string): DsCnnNetwork {
  const tf = loadTf();
  const net = buildDsCnn(DS_CNN_PRESETS['ds-cnn-s'], {
    inputShape: KWS_SHAPE,
    numClasses: KWS_LABELS.length,
    initRng: Prng.derive(seedName, 'init'),
  });
  const rng = Prng.derive(seedName, 'batchnorm');
  for (const layer of net.model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const ws = layer.getWeights();
    layer.setWeights(
      layer.weights.map((w, i) => {
        const [lo, hi] = BN_RANGES[w.name.split('/').pop() ?? ''] ?? [1, 1];
        return tf.tensor(
          Float32Array.from({ length: ws[i]!.size }, () => rng.uniform(lo, hi)),
          ws[i]!.shape,
        );
      }),
    );
  }
  return net;
}
