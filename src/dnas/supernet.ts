import type * as TF from '@tensorflow/tfjs-node';
import { sameOutput, type Pair } from '../nn/ds-cnn-arch';
import { batchNormReluTraining, type BatchNormReluTraining } from '../nn/native-ops';
import type { Tf } from '../nn/tf';
import type { Prng } from '../util/prng';
import type { ArchProbabilities } from './cost-model';
import { supernetChannels, type ArchChoice, type SearchSpace } from './search-space';

/**
 * The DNAS supernet over the DS-CNN backbone (MicroNets §5.1, eq. 1: y = Σ_k z_k f_k(x)).
 *
 * Weight sharing by channel masks (as FBNetV2's channel masking): every conv is the widest
 * one, C = max width anywhere, and option k of a width node is its first w_k channels, so
 * Σ_k z_k f_k(x) = f_C(x) ⊙ Σ_k z_k 1[c < w_k] — one conv per node instead of K, which keeps a
 * search step at the cost of one DS-CNN step at width C. Widths are nested, so a narrow
 * option trains the channels a wide one also uses. A depth node mixes the block with the
 * identity: h ← z_keep·block(h) + z_skip·h (the skipped block's channels are the input's).
 * After each depthwise conv the incoming channel mask is applied again, because BatchNorm's
 * beta would otherwise revive channels the previous node switched off.
 *
 * Training-mode only (BatchNorm on batch statistics, the native fused BN+ReLU of
 * src/nn/native-ops.ts): the search never deploys the supernet; the derived architecture is
 * retrained from scratch by `train`.
 */

interface ConvBn {
  readonly kernel: TF.Variable;
  readonly gamma: TF.Variable;
  readonly beta: TF.Variable;
}

export interface Supernet {
  readonly space: SearchSpace;
  readonly channels: number;
  /** Weights (conv kernels, BN gamma/beta, dense), in a fixed order (checkpoints rely on it). */
  readonly weights: readonly TF.Variable[];
  /** Architecture logits: firstConv, then per block its widths and, if skippable, [keep, skip]. */
  readonly archLogits: readonly TF.Variable[];
  /** Input → logits under the given node weights (training-mode BN). */
  forward(x: TF.Tensor4D, z: ArchProbabilities, dropoutMask: TF.Tensor2D | undefined): TF.Tensor2D;
  dispose(): void;
}

export interface SupernetOptions {
  readonly inputShape: Pair;
  readonly numClasses: number;
  /** One Glorot seed per weight tensor, drawn in order. */
  readonly initRng: Prng;
}

export function buildSupernet(tf: Tf, space: SearchSpace, opts: SupernetOptions): Supernet {
  const C = supernetChannels(space);
  const weights: TF.Variable[] = [];
  let n = 0;
  const glorot = (shape: number[]) => {
    const v = tf.variable(
      tf.initializers.glorotUniform({ seed: opts.initRng.nextUint32() }).apply(shape) as TF.Tensor,
      true,
      `dnas_w${n++}`,
    );
    weights.push(v);
    return v;
  };
  const constant = (value: number, size: number) => {
    const v = tf.variable(tf.fill([size], value), true, `dnas_w${n++}`);
    weights.push(v);
    return v;
  };
  const convBn = (shape: number[]): ConvBn => ({ kernel: glorot(shape), gamma: constant(1, C), beta: constant(0, C) });
  const fc = space.firstConv;
  const conv0 = convBn([fc.kernel[0], fc.kernel[1], 1, C]);
  const blocks = space.blocks.map(() => ({ dw: convBn([3, 3, C, 1]), pw: convBn([1, 1, C, C]) }));
  const denseKernel = glorot([C, opts.numClasses]);
  const denseBias = constant(0, opts.numClasses);

  const archLogits: TF.Variable[] = [];
  const logits = (size: number) => {
    const v = tf.variable(tf.zeros([size]), true, `dnas_alpha${archLogits.length}`);
    archLogits.push(v);
    return v;
  };
  logits(fc.widths.length);
  for (const b of space.blocks) {
    logits(b.widths.length);
    if (b.skippable) logits(2);
  }

  /** [K, C] masks: row k keeps the first widths[k] channels. */
  const masks = [fc.widths, ...space.blocks.map((b) => b.widths)].map((ws) =>
    tf.tensor2d(ws.map((w) => Array.from({ length: C }, (_, c) => (c < w ? 1 : 0)))),
  );
  const mixMask = (p: TF.Tensor1D, m: TF.Tensor2D) =>
    tf.reshape(tf.matMul(tf.reshape(p, [1, -1]), m), [1, 1, 1, C]) as TF.Tensor4D;
  let bnRelu: BatchNormReluTraining | undefined;
  const noMoments = () => undefined;

  return {
    space,
    channels: C,
    weights,
    archLogits,
    forward(x, z, dropoutMask) {
      bnRelu ??= batchNormReluTraining(tf, space.batchNorm.epsilon);
      const run = (h: TF.Tensor4D, s: ConvBn, conv: (h: TF.Tensor4D) => TF.Tensor4D) =>
        bnRelu!(conv(h), s.gamma as TF.Tensor1D, s.beta as TF.Tensor1D, noMoments);
      let mask = mixMask(z.firstConv, masks[0]!);
      let h = tf.mul(
        run(x, conv0, (t) => tf.conv2d(t, conv0.kernel as TF.Tensor4D, [...fc.stride], 'same')),
        mask,
      ) as TF.Tensor4D;
      space.blocks.forEach((b, i) => {
        const blk = blocks[i]!;
        const zi = z.blocks[i]!;
        const d = tf.mul(
          run(h, blk.dw, (t) => tf.depthwiseConv2d(t, blk.dw.kernel as TF.Tensor4D, [...b.stride], 'same')),
          mask,
        ) as TF.Tensor4D;
        const outMask = mixMask(zi.width, masks[i + 1]!);
        const p = tf.mul(
          run(d, blk.pw, (t) => tf.conv2d(t, blk.pw.kernel as TF.Tensor4D, 1, 'same')),
          outMask,
        ) as TF.Tensor4D;
        if (zi.keep === undefined) {
          h = p;
          mask = outMask;
        } else {
          const keep = zi.keep;
          const skip = tf.sub(1, keep);
          h = tf.add(tf.mul(keep, p), tf.mul(skip, h)) as TF.Tensor4D;
          mask = tf.add(tf.mul(keep, outMask), tf.mul(skip, mask)) as TF.Tensor4D;
        }
      });
      const pooled = tf.mean(h, [1, 2]) as TF.Tensor2D;
      const f = dropoutMask === undefined ? pooled : (tf.mul(pooled, dropoutMask) as TF.Tensor2D);
      return tf.add(tf.matMul(f, denseKernel as TF.Tensor2D), denseBias) as TF.Tensor2D;
    },
    dispose() {
      for (const v of [...weights, ...archLogits, ...masks]) v.dispose();
    },
  };
}

/** Splits the flat arch-logit list into nodes; `f` maps each node's logits to probabilities. */
export function nodeProbabilities(
  tf: Tf,
  space: SearchSpace,
  logits: readonly TF.Tensor1D[],
  f: (l: TF.Tensor1D, node: number) => TF.Tensor1D,
): ArchProbabilities {
  let i = 0;
  const next = () => f(logits[i] as TF.Tensor1D, i++);
  const firstConv = next();
  const blocks = space.blocks.map((b) => {
    const width = next();
    if (!b.skippable) return { width };
    const keep = tf.squeeze(tf.slice(next(), [0], [1])) as TF.Scalar;
    return { width, keep };
  });
  return { firstConv, blocks };
}

/** The argmax choice of every node (ties: the first, i.e. the narrower width / keep). */
export function argmaxChoice(space: SearchSpace, logits: readonly Float32Array[]): ArchChoice {
  const arg = (v: Float32Array) => v.reduce((best, x, k) => (x > (v[best] as number) ? k : best), 0);
  let i = 0;
  const firstConv = arg(logits[i++]!);
  const blocks = space.blocks.map((b) => {
    const width = arg(logits[i++]!);
    const keep = b.skippable ? arg(logits[i++]!) === 0 : true;
    return { width, keep };
  });
  return { firstConv, blocks };
}

/** One-hot node weights of a choice (for evaluating the supernet along one path). */
export function oneHotProbabilities(tf: Tf, space: SearchSpace, choice: ArchChoice): ArchProbabilities {
  // Built from values, not tf.oneHot, which refuses depth 1: a node with one option (a fixed
  // width, e.g. `firstConv: {widths: [172]}`) is a valid search space. Same 0/1 floats for n ≥ 2.
  const oneHot = (k: number, n: number) =>
    tf.tensor1d(
      Array.from({ length: n }, (_, j) => (j === k ? 1 : 0)),
      'float32',
    );
  return {
    firstConv: oneHot(choice.firstConv, space.firstConv.widths.length),
    blocks: space.blocks.map((b, i) => {
      const c = choice.blocks[i]!;
      const width = oneHot(c.width, b.widths.length);
      return b.skippable ? { width, keep: tf.scalar(c.keep ? 1 : 0) } : { width };
    }),
  };
}

/** Spatial size after the first conv, for reports. */
export function firstConvOutput(space: SearchSpace, inputShape: Pair): Pair {
  return [sameOutput(inputShape[0], space.firstConv.stride[0]), sameOutput(inputShape[1], space.firstConv.stride[1])];
}
