/**
 * Fake quantization for quantization-aware training (Jacob et al. 2018; Krishnamoorthi
 * 2018 §3 — the scheme MicroNets §5.2.2 trains with): the forward pass sees exactly the
 * values the integer model will compute with, the backward pass is the straight-through
 * estimator (Bengio et al. 2013, thesis §1 "QAT"): identity gradient inside the
 * representable range, 0 outside it (the quantizer's range gets no gradient: ranges are
 * min-max of the weights and EMA-tracked for activations, not learned).
 *
 * The numbers follow src/quant/int8-scheme.ts (the TFLite scheme the quantize stage
 * deploys): weights symmetric per output channel with codes in [−qmax, qmax] (127, 7, 1
 * for 8/4/2 bits), scale_c = max|w_c|/qmax (1 for an all-zero channel); activations
 * asymmetric per tensor in [−128, 127] with nudged (scale, zeroPoint). Rounding is half
 * away from zero (TfLiteRound), not tf.round's half-to-even.
 *
 * 1-bit weights (thesis §4.2.1, minima ±1) have no int8-scheme entry: they fake-quantize
 * to sign(w)·max|w_c| (codes ±1, w = 0 → +1 as in regularizers.ts `nearestMinimumCode`).
 */
import type * as TF from '@tensorflow/tfjs-node';
import { chooseActivationParams, nudgedRange, INT8_MAX, INT8_MIN, type AffineParams } from '../../quant/int8-scheme';
import type { BitWidth } from '../../quant/regularizers';
import type { Tf } from '../tf';

/** Largest code magnitude of a symmetric N-bit weight (1 for 1-bit: codes ±1). */
export function weightQmax(bits: BitWidth): number {
  return bits === 1 ? 1 : 2 ** (bits - 1) - 1;
}

/** round half away from zero: sign(x)·⌊|x| + 0.5⌋. */
export function roundHalfAway(tf: Tf, x: TF.Tensor): TF.Tensor {
  return tf.mul(tf.sign(x), tf.floor(tf.add(tf.abs(x), 0.5)));
}

/**
 * `fn(x)` as a constant of the tape: its ops run inside a custom-gradient kernel (not
 * recorded) and the gradient to `x` is 0. tfjs has no stopGradient op, and comparisons
 * (LessEqual, Greater, ...) have no registered gradient, so masks and range divisors that
 * depend on a differentiated tensor are built through this.
 */
export function noGradient<T extends TF.Tensor>(tf: Tf, x: TF.Tensor, fn: (x: TF.Tensor) => T): T {
  const f = tf.customGrad((...args: Array<TF.Tensor | TF.GradSaveFunc>) => {
    const input = args[0] as TF.Tensor;
    const shape = input.shape;
    return { value: fn(input), gradFunc: () => tf.zeros(shape) };
  });
  return f(x) as T;
}

/** All axes of a rank-`rank` tensor except `axis`. */
function otherAxes(rank: number, axis: number): number[] {
  return Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis);
}

/**
 * Per-channel max|w| along `channelAxis`, shaped to broadcast against `w` (keepDims).
 * An all-zero channel gets 0 here; callers map it to scale 1.
 */
export function channelMaxAbs(tf: Tf, w: TF.Tensor, channelAxis: number): TF.Tensor {
  return tf.max(tf.abs(w), otherAxes(w.rank, channelAxis), true);
}

/** Per-channel weight scales scale_c = max|w_c|/qmax (1 where the channel is all zero), broadcastable. */
export function weightScales(tf: Tf, w: TF.Tensor, channelAxis: number, bits: BitWidth): TF.Tensor {
  return tf.tidy(() => {
    const m = channelMaxAbs(tf, w, channelAxis);
    return tf.where(tf.greater(m, 0), tf.div(m, weightQmax(bits)), tf.onesLike(m));
  });
}

/**
 * Symmetric per-channel fake quantization of a weight tensor: scale_c·clamp(round(w/scale_c),
 * −qmax, qmax). The gradient is straight-through (identity) wherever |w| ≤ qmax·scale_c,
 * which with min-max scales is every weight; the scales themselves get no gradient
 * (TF's LastValueQuantize: the range is re-read from the weights each step).
 */
export function fakeQuantWeights(tf: Tf, w: TF.Tensor, channelAxis: number, bits: BitWidth): TF.Tensor {
  const f = tf.customGrad((...args: Array<TF.Tensor | TF.GradSaveFunc>) => {
    const x = args[0] as TF.Tensor;
    const save = args[1] as TF.GradSaveFunc;
    const s = weightScales(tf, x, channelAxis, bits);
    const qmax = weightQmax(bits);
    const codes =
      bits === 1
        ? tf.where(tf.less(x, 0), tf.fill(x.shape, -1), tf.fill(x.shape, 1))
        : tf.clipByValue(roundHalfAway(tf, tf.div(x, s)), -qmax, qmax);
    // Inside = not clamped: |w/scale| rounds to at most qmax (always, for min-max scales).
    const inside = tf.lessEqual(tf.abs(tf.div(x, s)), qmax + 0.5);
    save([inside]);
    return {
      value: tf.mul(codes, s),
      gradFunc: (dy: TF.Tensor, saved: TF.Tensor[]) => tf.mul(dy, tf.cast(saved[0]!, 'float32')),
    };
  });
  return f(w);
}

/** The per-tensor int8 parameters of an activation range (int8-scheme `chooseActivationParams`). */
export function activationParams(range: { min: number; max: number }): AffineParams & { min: number; max: number } {
  const p = chooseActivationParams(range.min, range.max);
  return { ...p, ...nudgedRange(p) };
}

/**
 * Asymmetric per-tensor int8 fake quantization: (clamp(round(x/s) + zp, −128, 127) − zp)·s.
 * Straight-through gradient: dy where x lies in the nudged range [(−128−zp)s, (127−zp)s],
 * 0 where the integer model would clamp.
 */
export function fakeQuantActivation(tf: Tf, x: TF.Tensor, p: AffineParams): TF.Tensor {
  const { min, max } = nudgedRange(p);
  const f = tf.customGrad((...args: Array<TF.Tensor | TF.GradSaveFunc>) => {
    const v = args[0] as TF.Tensor;
    const save = args[1] as TF.GradSaveFunc;
    const q = tf.clipByValue(tf.add(roundHalfAway(tf, tf.div(v, p.scale)), p.zeroPoint), INT8_MIN, INT8_MAX);
    const inside = tf.logicalAnd(tf.greaterEqual(v, min), tf.lessEqual(v, max));
    save([inside]);
    return {
      value: tf.mul(tf.sub(q, p.zeroPoint), p.scale),
      gradFunc: (dy: TF.Tensor, saved: TF.Tensor[]) => tf.mul(dy, tf.cast(saved[0]!, 'float32')),
    };
  });
  return f(x);
}
