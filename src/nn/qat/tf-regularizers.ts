/**
 * The thesis' quantization regularizers (ch. 4, Eq. 4.1, 4.3–4.6) as differentiable tfjs
 * ops, so the training loop gets ∂J/∂W of J = L + λ·S(t)·Σ_i Reg(W_i) (Eq. 4.2 with the
 * schedule of Eq. 4.8) from autodiff. This is the one Reg_N the product trains with; its
 * scalar form with analytic gradients (test/helpers/scalar-regularizers.ts) is the reference
 * the tests check it against. The minima and rounding are in src/quant/regularizers.ts.
 *
 * Normalization (tinyops' reading of §4.2.4): the regularizer's minima k/K (Eq. 4.7) lie in
 * [−1, 1] and §4.2.4 maps them to int-N codes with symmetric min-max quantization, so each
 * weight is divided by its output channel's max|w_c| = K·scale_c before Reg is applied:
 * u = w/max|w_c| = code/K exactly at the minima. The divisor is held constant (no
 * gradient), like the quantizer's range. Normalizing the raw weight or the BN-folded one
 * gives the same |u|: folding multiplies each output channel by one factor γ_c/σ_c.
 */
import type * as TF from '@tensorflow/tfjs-node';
import type { BitWidth, Reg1Variant } from '../../quant/regularizers';
import type { Tf } from '../tf';
import { channelMaxAbs, noGradient } from './fake-quant';

/** `inside` where |u| ≤ bound, else `outside`, with gradients flowing to whichever branch is taken. */
function select(tf: Tf, absU: TF.Tensor, bound: number, inside: TF.Tensor, outside: TF.Tensor): TF.Tensor {
  const m = noGradient(tf, absU, (a) => tf.cast(tf.lessEqual(a, bound), 'float32'));
  return tf.add(tf.mul(m, inside), tf.mul(tf.sub(1, m), outside));
}

/** Element-wise Reg(u) for `bits` (1 → the Reg_1 `variant`, else Reg_N of Eq. 4.6). */
export function tfRegularizer(tf: Tf, u: TF.Tensor, bits: BitWidth, variant: Reg1Variant): TF.Tensor {
  const a = tf.abs(u);
  if (bits !== 1) {
    const k = 2 ** (bits - 1) - 1;
    const inside = tf.sub(1, tf.cos(tf.mul(u, 2 * Math.PI * k)));
    const outside = tf.add(1, tf.mul(tf.sub(tf.mul(tf.sub(a, 1), k), 0.25), 2 * Math.PI));
    return select(tf, a, 1 + 1 / (4 * k), inside, outside);
  }
  switch (variant) {
    case 'r1': // Eq. 4.1, α = 1: |1 − |w||
      return tf.abs(tf.sub(1, a));
    case 'r1-squared': // Eq. 4.1, α = 1: (1 − |w|)²
      return tf.square(tf.sub(1, a));
    case 'a': // Eq. 4.3: (w² − 1)²
      return tf.square(tf.sub(tf.square(u), 1));
    case 'b': // Eq. 4.4: |w² − 1|
      return tf.abs(tf.sub(tf.square(u), 1));
    case 'c': // Eq. 4.5: cos(πw) + 1 inside |w| ≤ 3/2, π(|w| − 3/2) + 1 outside
      return select(tf, a, 1.5, tf.add(tf.cos(tf.mul(u, Math.PI)), 1), tf.add(tf.mul(tf.sub(a, 1.5), Math.PI), 1));
  }
}

/** u = w / max|w_c| per channel along `channelAxis` (constant divisor; all-zero channels divide by 1). */
export function normalizeByChannel(tf: Tf, w: TF.Tensor, channelAxis: number): TF.Tensor {
  const divisor = noGradient(tf, w, (x) => {
    const m = channelMaxAbs(tf, x, channelAxis);
    return tf.where(tf.greater(m, 0), m, tf.onesLike(m));
  });
  return tf.div(w, divisor);
}

/** Σ_j Reg(w_j / max|w_c(j)|) of one weight matrix, as a scalar tensor. */
export function tfRegularizationPenalty(
  tf: Tf,
  w: TF.Tensor,
  channelAxis: number,
  bits: BitWidth,
  variant: Reg1Variant,
): TF.Scalar {
  return tf.sum(tfRegularizer(tf, normalizeByChannel(tf, w, channelAxis), bits, variant)) as TF.Scalar;
}
