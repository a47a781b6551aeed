import type * as TF from '@tensorflow/tfjs-node';
import type { Tf } from './tf';

/**
 * Additive angular margin logits (ArcFace: Deng et al., "ArcFace: Additive Angular Margin Loss
 * for Deep Face Recognition", CVPR 2019, §2.1 eq. 3) for the machine-ID classifier of anomaly
 * detection: the pooled features f and the dense layer's class vectors W_j are L2-normalized,
 * cos θ_j = W_j·f / (‖W_j‖‖f‖), and the true class's logit gets the margin m on the angle:
 *
 *   logit_j = s·cos(θ_j + m·[j = y]),   cos(θ + m) = cos θ·cos m − sin θ·sin m,
 *
 * so every ID's embeddings must sit within a cone of half-angle (its neighbours' angle − m):
 * normal sound is pulled tight around its ID's direction, and a fault that moves the embedding
 * moves it out of a smaller region (the reason DCASE 2020–2022 task 2 classifier systems use it).
 * Where θ + m would exceed π (cos θ < cos(π − m)) cos(θ + m) stops decreasing, so there the
 * logit is s·(cos θ − m·sin m), the usual linear continuation (ArcFace's public implementation,
 * §2.1 "easy margin" discussion). The dense bias is not used (a bias breaks the angular picture).
 *
 * Scale: AdaCos (Zhang et al., "AdaCos: Adaptively Scaling Cosine Logits", CVPR 2019, §4.1 eq. 13)
 * fixes s = √2·ln(C − 1) for C classes, the scale at which the softmax's probability of the
 * true class moves most around the typical angle; it needs no tuning.
 */

export interface AngularMarginSettings {
  /** Additive angular margin m, radians. */
  readonly margin: number;
  /** Logit scale s. */
  readonly scale: number;
}

/** AdaCos's fixed scale √2·ln(C − 1) (AdaCos §4.1 eq. 13); C ≥ 3. */
export function adaCosScale(classes: number): number {
  if (!(classes >= 3)) throw new RangeError(`AdaCos scale needs at least 3 classes, got ${classes}`);
  return Math.SQRT2 * Math.log(classes - 1);
}

/** Logits [n, C] with the margin on each row's true class (`oneHot` [n, C]). */
export function angularMarginLogits(
  tf: Tf,
  features: TF.Tensor2D,
  kernel: TF.Tensor2D,
  oneHot: TF.Tensor2D,
  s: AngularMarginSettings,
): TF.Tensor2D {
  const eps = 1e-12;
  const fn = tf.div(features, tf.sqrt(tf.add(tf.sum(tf.square(features), 1, true), eps)));
  const wn = tf.div(kernel, tf.sqrt(tf.add(tf.sum(tf.square(kernel), 0, true), eps)));
  // Clipped away from ±1 so that sin θ = √(1 − cos²θ) has a finite gradient.
  const cos = tf.clipByValue(tf.matMul(fn, wn), -1 + 1e-6, 1 - 1e-6);
  const sin = tf.sqrt(tf.sub(1, tf.square(cos)));
  const withMargin = tf.sub(tf.mul(cos, Math.cos(s.margin)), tf.mul(sin, Math.sin(s.margin)));
  const linear = tf.sub(cos, s.margin * Math.sin(s.margin));
  // 1 where θ + m < π. tf.step (gradient 0) rather than tf.where, whose condition has no gradient.
  const inArc = tf.step(tf.sub(cos, Math.cos(Math.PI - s.margin)));
  const target = tf.add(tf.mul(inArc, withMargin), tf.mul(tf.sub(1, inArc), linear));
  const mixed = tf.add(tf.mul(oneHot, target), tf.mul(tf.sub(1, oneHot), cos));
  return tf.mul(mixed, s.scale) as TF.Tensor2D;
}

/** Mean ArcFace cross-entropy over the batch. */
export function angularMarginLoss(
  tf: Tf,
  features: TF.Tensor2D,
  kernel: TF.Tensor2D,
  oneHot: TF.Tensor2D,
  s: AngularMarginSettings,
): TF.Scalar {
  const logits = angularMarginLogits(tf, features, kernel, oneHot, s);
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as TF.Scalar;
}
