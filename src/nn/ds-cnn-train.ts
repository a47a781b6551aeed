import type * as TF from '@tensorflow/tfjs-node';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import { groupByShape } from './adam';
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

/** Pooled features (after dropout) and the dense layer's weights → training logits (e.g. src/nn/angular-margin.ts). */
export type TrainHead = (features: TF.Tensor2D, kernel: TF.Tensor2D, bias: TF.Tensor1D) => TF.Tensor2D;
/**
 * Training-mode logits; `head` replaces the dense layer's f·W + b (the model's own head is the default).
 * `statsDecay` replaces 1 − momentum in this call's moving-statistics update: 1/k for the k-th
 * batch makes the moving statistics the running mean of the batches' (weight-averaging.ts).
 */
export type TrainForward = (
  x: TF.Tensor4D,
  dropoutMask: TF.Tensor2D | undefined,
  head?: TrainHead,
  statsDecay?: number,
) => TF.Tensor2D;

export function dsCnnTrainForward(tf: Tf, net: DsCnnNetwork): TrainForward {
  const model = net.model;
  let momentum: number | undefined;
  let epsilon: number | undefined;
  const bnOf = (name: string): BnWeights => {
    const l = model.getLayer(`${name}_bn`);
    const cfg = l.getConfig() as { momentum?: number; epsilon?: number };
    if (cfg.momentum === undefined || cfg.epsilon === undefined)
      throw new Error(`layer ${name}_bn has no momentum/epsilon`);
    // One fused op (and its attributes) serves every BN layer; the builder gives them all the same settings.
    if ((momentum !== undefined && momentum !== cfg.momentum) || (epsilon !== undefined && epsilon !== cfg.epsilon)) {
      throw new Error(`layer ${name}_bn: BN layers with different momentum/epsilon`);
    }
    momentum = cfg.momentum;
    epsilon = cfg.epsilon;
    return {
      gamma: weightOf(l, 'gamma'),
      beta: weightOf(l, 'beta'),
      movingMean: weightOf(l, 'moving_mean'),
      movingVariance: weightOf(l, 'moving_variance'),
    };
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

  /**
   * Global average pooling over H, W with a Tile-based gradient. tfjs' Mean gradient builds
   * `ones(x.shape)` in JS (a 3.2 MB array for DS-CNN-S at batch 100, copied into TF each
   * step) and multiplies and divides over the full activation; here dy/(H·W) is computed on
   * [N, C] and tiled once. Same values: tfjs computes (dy·1)/(H·W) elementwise.
   */
  const globalAveragePool = tf.customGrad((...args: (TF.Tensor | TF.GradSaveFunc)[]) => {
    const h = args[0] as TF.Tensor4D;
    const [n, height, width, c] = h.shape;
    return {
      value: tf.mean(h, [1, 2]) as TF.Tensor2D,
      gradFunc: (dy: TF.Tensor2D) =>
        tf.tile(tf.div(tf.reshape(dy, [n, 1, 1, c]), height * width), [1, height, width, 1]),
    };
  });

  /** One BN call's batch statistics, kept until the pass ends. */
  interface Pending {
    readonly bn: BnWeights;
    readonly m: BatchMoments;
  }
  const run = (x: TF.Tensor4D, s: ConvStage, pending: Pending[]): TF.Tensor4D => {
    const k = s.kernel.read() as TF.Tensor4D;
    const y =
      s.kind === 'conv' ? tf.conv2d(x, k, [...s.strides], 'same') : tf.depthwiseConv2d(x, k, [...s.strides], 'same');
    return bnRelu(y, s.bn.gamma.read() as TF.Tensor1D, s.bn.beta.read() as TF.Tensor1D, (m) => {
      pending.push({ bn: s.bn, m: { mean: tf.keep(m.mean), variance: tf.keep(m.variance) } });
    });
  };
  /**
   * tfjs-layers' moving-average update, moving ← moving − (moving − batch)·(1 − momentum),
   * for all BN layers at once: stacked per channel count, 6 kernels per group instead of 6
   * per BN layer (each tfjs-node kernel has a fixed cost of tens of µs). Elementwise, so
   * bit-identical to updating layer by layer; the statistics are not read in training mode,
   * so updating after the last layer rather than after each is the same.
   */
  const updateMovingStatistics = (pending: readonly Pending[], factor: number) => {
    const targets = pending.flatMap((p) => [p.bn.movingMean, p.bn.movingVariance]);
    const batch = pending.flatMap((p) => [p.m.mean, p.m.variance]);
    for (const idx of groupByShape(batch.map((b) => b.shape))) {
      tf.tidy(() => {
        const stack = (ts: TF.Tensor[]) => (ts.length === 1 ? (ts[0] as TF.Tensor) : tf.stack(ts));
        const orig = stack(idx.map((i) => (targets[i] as LayerVariable).read()));
        const moved = tf.sub(orig, tf.mul(tf.sub(orig, stack(idx.map((i) => batch[i] as TF.Tensor))), factor));
        const parts = idx.length === 1 ? [moved] : tf.unstack(moved);
        idx.forEach((i, j) => (targets[i] as LayerVariable).write(parts[j] as TF.Tensor));
      });
    }
  };

  return (x, dropoutMask, head, statsDecay) => {
    const pending: Pending[] = [];
    try {
      let h = run(x, conv0, pending);
      for (const b of blocks) {
        const y = run(run(h, b.dw, pending), b.pw, pending);
        h =
          b.skip === 'none'
            ? y
            : tf.add(y, b.skip === 'identity' ? h : tf.avgPool(h, [...b.stride], [...b.stride], 'same'));
      }
      const pooled = globalAveragePool(h) as TF.Tensor2D;
      const f = dropoutMask === undefined ? pooled : tf.mul(pooled, dropoutMask);
      const logits = head
        ? head(f as TF.Tensor2D, denseKernel.read() as TF.Tensor2D, denseBias.read() as TF.Tensor1D)
        : (tf.add(tf.matMul(f, denseKernel.read() as TF.Tensor2D), denseBias.read()) as TF.Tensor2D);
      updateMovingStatistics(pending, statsDecay ?? decay);
      return logits;
    } finally {
      for (const p of pending) {
        p.m.mean.dispose();
        p.m.variance.dispose();
      }
    }
  };
}
