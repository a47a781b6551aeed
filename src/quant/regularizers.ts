/**
 * Quantization regularizers of the thesis, chapter 4 ("Regularization for hybrid N-bit
 * weight quantization", Lê et al. 2023), §4.2.1 (1-bit) and §4.2.2 (N-bit). Each function
 * is applied element-wise to a weight matrix (Eq. 4.2); the loss adds
 * λ·S(t)·Σ_i Reg(W_i) (Eq. 4.2 with the schedule of Eq. 4.8).
 *
 * This module holds what training and quantization use: the bit widths, the Reg_1 variants'
 * names, and the regularizers' global minima (Eq. 4.7) with the rounding onto them (§4.2.4).
 * The penalty itself is computed on tensors in src/nn/qat/tf-regularizers.ts (the one Reg_N
 * the product runs); its scalar form, the reference that implementation is tested against,
 * is test/helpers/scalar-regularizers.ts.
 */
import { StageInputError } from '../errors';

/** The bit widths of the hybrid scheme (§4.2, "{1, 2, 4, 8}-bits"). */
export type BitWidth = 1 | 2 | 4 | 8;

export const BIT_WIDTHS: readonly BitWidth[] = [1, 2, 4, 8];

/**
 * 1-bit regularizers. `r1`/`r1-squared` are Darabi et al.'s R_1 and R_1^2 with α = 1
 * (Eq. 4.1, the thesis' baselines); `a`, `b`, `c` are the thesis' Reg_1^a (Eq. 4.3),
 * Reg_1^b (Eq. 4.4) and Reg_1^c (Eq. 4.5). All have global minima at −1 and +1.
 */
export type Reg1Variant = 'r1' | 'r1-squared' | 'a' | 'b' | 'c';

export const REG1_VARIANTS: readonly Reg1Variant[] = ['r1', 'r1-squared', 'a', 'b', 'c'];

/** K = 2^(N−1) − 1, the largest int-N magnitude used (Eq. 4.6, 4.7). */
export function levelsPerSide(bits: number): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) {
    throw new StageInputError(`quantization bit width must be an integer in [1, 16], got ${bits}`);
  }
  return 2 ** (bits - 1) - 1;
}

/**
 * The global minima the regularizer of N bits pulls weights to (Eq. 4.7):
 * {k / K : k ∈ ℤ, |k| ≤ K}, K = 2^(N−1) − 1, i.e. 2^N − 1 values; for N = 1, {−1, +1}
 * (§4.2.1: every Reg_1 variant has its global minima at −1 and +1). Ascending.
 */
export function regularizerMinima(bits: number): number[] {
  const k = levelsPerSide(bits);
  if (k === 0) return [-1, 1];
  const out: number[] = [];
  for (let i = -k; i <= k; i++) out.push(i / k);
  return out;
}

/** Round half away from zero (C's round(), TfLiteRound). */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * Post-training step 1 (§4.2.4): the integer k of the nearest minimum k/K of Eq. 4.7,
 * clamped to |k| ≤ K; ties (w exactly between two minima) round away from zero. For
 * N = 1 the result is ±1 and w = 0 (equidistant) goes to +1. This k is the int-N code.
 */
export function nearestMinimumCode(w: number, bits: number): number {
  const k = levelsPerSide(bits);
  if (k === 0) return w < 0 ? -1 : 1;
  const q = roundHalfAwayFromZero(w * k);
  return Math.max(-k, Math.min(k, q));
}

/** The nearest global minimum of the N-bit regularizer to w (§4.2.4, Eq. 4.7). */
export function roundToNearestMinimum(w: number, bits: number): number {
  const k = levelsPerSide(bits);
  const code = nearestMinimumCode(w, bits);
  return k === 0 ? code : code / k;
}
