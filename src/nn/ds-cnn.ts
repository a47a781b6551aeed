import type * as TF from '@tensorflow/tfjs-node';
import type { Prng } from '../util/prng';
import { planDsCnn, type DsCnnArchitecture, type DsCnnPlan, type Pair } from './ds-cnn-arch';
import { loadTf } from './tf';

/**
 * Builds a DS-CNN (ds-cnn-arch.ts has the diagram and the presets) as a tfjs functional
 * model with stable layer names, so checkpoints and saved artifacts name the same weights
 * in every process.
 */

export interface DsCnnNetwork {
  /** Input [batch, frames, coeffs, 1] → softmax posteriors. This is what gets saved. */
  readonly model: TF.LayersModel;
  /**
   * Shares its layers (and so its weights) with `model`: input → pooled features, before
   * dropout. The training loop runs this, applies its own seeded dropout mask and then
   * `classifier`, because tfjs's Dropout layer draws masks from an unseeded (or, with a
   * seed, a fixed) generator — neither gives masks that are both reproducible and fresh.
   */
  readonly features: TF.LayersModel;
  /** The dense layer giving logits (no activation; `model` appends the softmax). */
  readonly classifier: TF.layers.Layer;
  readonly plan: DsCnnPlan;
}

export interface BuildOptions {
  /** [frames, coeffs] of one example; 49×10 for 1 s of MicroNets §4 MFCCs. */
  readonly inputShape: Pair;
  readonly numClasses: number;
  /** Source of one initializer seed per weighted layer, drawn in layer order. */
  readonly initRng: Prng;
}

export function buildDsCnn(arch: DsCnnArchitecture, opts: BuildOptions): DsCnnNetwork {
  const tf = loadTf();
  const plan = planDsCnn(arch, opts.inputShape, opts.numClasses);
  // Glorot-uniform like tf.keras' defaults, each with its own explicit seed so the same
  // Prng state gives the same initial weights (tfjs seeds its own generator per call).
  const init = () => tf.initializers.glorotUniform({ seed: opts.initRng.nextUint32() });
  const bn = { momentum: arch.batchNorm.momentum, epsilon: arch.batchNorm.epsilon };
  const apply = (layer: TF.layers.Layer, x: TF.SymbolicTensor | TF.SymbolicTensor[]) =>
    layer.apply(x) as TF.SymbolicTensor;
  const bnRelu = (x: TF.SymbolicTensor, name: string) =>
    apply(
      tf.layers.reLU({ name: `${name}_relu` }),
      apply(tf.layers.batchNormalization({ ...bn, name: `${name}_bn` }), x),
    );

  const input = tf.input({ shape: [...plan.input], name: 'features' });
  const fc = plan.firstConv;
  const conv0 = tf.layers.conv2d({
    name: 'conv0',
    filters: fc.filters,
    kernelSize: [...fc.kernel],
    strides: [...fc.stride],
    padding: 'same',
    useBias: false, // the following BN's beta is the bias
    kernelInitializer: init(),
  });
  let x = bnRelu(apply(conv0, input), 'conv0');

  plan.blocks.forEach((b, i) => {
    const name = `block${i + 1}`;
    const dw = tf.layers.depthwiseConv2d({
      name: `${name}_dw`,
      kernelSize: 3,
      strides: [...b.stride],
      padding: 'same',
      useBias: false,
      depthwiseInitializer: init(),
    });
    const pw = tf.layers.conv2d({
      name: `${name}_pw`,
      filters: b.filters,
      kernelSize: 1,
      padding: 'same',
      useBias: false,
      kernelInitializer: init(),
    });
    const y = bnRelu(apply(pw, bnRelu(apply(dw, x), `${name}_dw`)), `${name}_pw`);
    if (b.skipKind === 'none') {
      x = y;
    } else {
      // MicroNets §5.2.2: the parallel branch is the identity, or average pooling when the
      // block downsamples, so DNAS (and training) can effectively skip the block.
      const shortcut =
        b.skipKind === 'identity'
          ? x
          : apply(
              tf.layers.averagePooling2d({
                name: `${name}_skip_pool`,
                poolSize: [...b.stride],
                strides: [...b.stride],
                padding: 'same',
              }),
              x,
            );
      x = apply(tf.layers.add({ name: `${name}_add` }), [y, shortcut]);
    }
  });

  const pooled = apply(tf.layers.globalAveragePooling2d({ name: 'pool' }), x);
  const classifier = tf.layers.dense({
    name: 'dense',
    units: opts.numClasses,
    kernelInitializer: init(),
    biasInitializer: 'zeros',
  });
  const dropped = apply(tf.layers.dropout({ name: 'dropout', rate: arch.dropout }), pooled);
  const posteriors = apply(tf.layers.softmax({ name: 'softmax' }), apply(classifier, dropped));
  const model = tf.model({ name: 'ds_cnn', inputs: input, outputs: posteriors });
  const features = tf.model({ name: 'ds_cnn_features', inputs: input, outputs: pooled });
  return { model, features, classifier, plan };
}
