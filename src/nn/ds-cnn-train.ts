import type * as TF from '@tensorflow/tfjs-node';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import type { DsCnnNetwork } from './ds-cnn';
import { batchNormReluTraining, type BatchMoments } from './native-ops';
import type { Tf } from './tf';

/**
 * The DS-CNN's training-mode forward pass (input → logits, dropout applied by a given mask)
 * in direct tfjs ops over the layers model's own variables, for `tf.variableGrads`.
 *
 * Same network and math as `net.classifier.apply(net.features.apply(x, {training: true}) · mask)`,
 * including tfjs-layers' BatchNormalization side effect of moving each BN's moving mean and
 * variance towards the batch statistics (moving ← moving − (moving − batch)·(1 − momentum),
 * biased batch variance). Why not the layers model: per step it ran ~1300 tfjs kernels,
 * most of them BN-in-training and ReLU-gradient composites (see native-ops.ts), and its fused
 * conv op always computes the input gradient, even the first conv's, which nothing needs.
 * Here BN → ReLU is one native fused op with a native gradient, and convs record plain
 * Conv2D / DepthwiseConv2dNative, whose input gradient tfjs only computes when it is used.
 *
 * Inference (evaluation, saving) still goes through the layers model, and so does QAT
 * (qat-network.ts), which folds BN with frozen statistics instead.
 */

type Pair = readonly [number, number];

interface BnWeights {
  readonly gamma: LayerVariable;
  readonly beta: LayerVariable;
  readonly movingMean: LayerVariable;
  readonly movingVariance: LayerVariable;
}

interface ConvStage {
  readonly kind: 'conv' | 'depthwise';
  readonly kernel: LayerVariable;
  readonly strides: Pair;
  readonly bn: BnWeights;
}

interface Block {
  readonly dw: ConvStage;
  readonly pw: ConvStage;
  readonly skip: 'none' | 'identity' | 'avgpool';
  readonly stride: Pair;
}

function weightOf(layer: TF.layers.Layer, suffix: string): LayerVariable {
  const w = (layer.weights as LayerVariable[]).find((v) => v.originalName.endsWith(`/${suffix}`));
  if (w === undefined) throw new Error(`layer ${layer.name} has no weight ${suffix}`);
  return w;
}

export type TrainForward = (x: TF.Tensor4D, dropoutMask: TF.Tensor2D | undefined) => TF.Tensor2D;

export function dsCnnTrainForward(tf: Tf, net: DsCnnNetwork): TrainForward {
  const model = net.model;
  let momentum: number | undefined;
  let epsilon: number | undefined;
  const bnOf = (name: string): BnWeights => {
    const l = model.getLayer(`${name}_bn`);
    const cfg = l.getConfig() as { momentum?: number; epsilon?: number };
    if (cfg.momentum === undefined || cfg.epsilon === undefined) throw new Error(`layer ${name}_bn has no momentum/epsilon`);
    // One fused op (and its attributes) serves every BN layer; the builder gives them all the same settings.
    if ((momentum !== undefined && momentum !== cfg.momentum) || (epsilon !== undefined && epsilon !== cfg.epsilon)) {
      throw new Error(`layer ${name}_bn: BN layers with different momentum/epsilon`);
    }
    momentum = cfg.momentum;
    epsilon = cfg.epsilon;
    return { gamma: weightOf(l, 'gamma'), beta: weightOf(l, 'beta'), movingMean: weightOf(l, 'moving_mean'), movingVariance: weightOf(l, 'moving_variance') };
  };
  const stage = (name: string, kind: ConvStage['kind'], strides: Pair): ConvStage => ({
    kind,
    kernel: weightOf(model.getLayer(name), kind === 'depthwise' ? 'depthwise_kernel' : 'kernel'),
    strides,
    bn: bnOf(name),
  });
  const conv0 = stage('conv0', 'conv', net.plan.firstConv.stride);
  const blocks: Block[] = net.plan.blocks.map((b, i) => ({
    dw: stage(`block${i + 1}_dw`, 'depthwise', b.stride),
    pw: stage(`block${i + 1}_pw`, 'conv', [1, 1]),
    skip: b.skipKind,
    stride: b.stride,
  }));
  const dense = model.getLayer('dense');
  const denseKernel = weightOf(dense, 'kernel');
  const denseBias = weightOf(dense, 'bias');
  const decay = 1 - (momentum as number);
  const bnRelu = batchNormReluTraining(tf, epsilon as number);

  const moveTowards = (v: LayerVariable, batch: TF.Tensor1D) => {
    const orig = v.read();
    v.write(tf.sub(orig, tf.mul(tf.sub(orig, batch), decay)));
  };
  const run = (x: TF.Tensor4D, s: ConvStage): TF.Tensor4D => {
    const k = s.kernel.read() as TF.Tensor4D;
    const y = s.kind === 'conv' ? tf.conv2d(x, k, [...s.strides], 'same') : tf.depthwiseConv2d(x, k, [...s.strides], 'same');
    const { gamma, beta, movingMean, movingVariance } = s.bn;
    return bnRelu(y, gamma.read() as TF.Tensor1D, beta.read() as TF.Tensor1D, (m: BatchMoments) => {
      moveTowards(movingMean, m.mean);
      moveTowards(movingVariance, m.variance);
    });
  };

  return (x, dropoutMask) => {
    let h = run(x, conv0);
    for (const b of blocks) {
      const y = run(run(h, b.dw), b.pw);
      h = b.skip === 'none' ? y : tf.add(y, b.skip === 'identity' ? h : tf.avgPool(h, [...b.stride], [...b.stride], 'same'));
    }
    const pooled = tf.mean(h, [1, 2]) as TF.Tensor2D;
    const f = dropoutMask === undefined ? pooled : tf.mul(pooled, dropoutMask);
    return tf.add(tf.matMul(f, denseKernel.read() as TF.Tensor2D), denseBias.read()) as TF.Tensor2D;
  };
}
