/**
 * Quantization regularizers of the thesis, chapter 4 ("Regularization for hybrid N-bit
 * weight quantization", Lê et al. 2023), §4.2.1 (1-bit) and §4.2.2 (N-bit). Each function
 * is applied element-wise to a weight matrix (Eq. 4.2); the loss adds
 * λ·S(t)·Σ_i Reg(W_i) (Eq. 4.2 with the schedule of Eq. 4.8).
 *
 * Pure numbers: values and analytic gradients, so a training loop (tfjs or otherwise) can
 * add the penalty and its gradient itself.
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

/** A scalar regularizer: its value and its derivative, both element-wise. */
export interface ScalarRegularizer {
  readonly value: (w: number) => number;
  readonly gradient: (w: number) => number;
}

/** sign(w) with sign(0) = 0 (the subgradient 0 is used at kinks on w = 0). */
function sign(w: number): number {
  return w > 0 ? 1 : w < 0 ? -1 : 0;
}

/** Eq. 4.1 (α = 1): R_1(w) = |1 − |w||. Kinks at 0 and ±1; subgradient 0 there. */
export function reg1R1(w: number): number {
  return Math.abs(1 - Math.abs(w));
}
export function reg1R1Gradient(w: number): number {
  // d/dw |1 − |w|| = −sign(1 − |w|)·sign(w)
  return -sign(1 - Math.abs(w)) * sign(w);
}

/** Eq. 4.1 (α = 1): R_1^2(w) = (1 − |w|)². Kink at 0 (subgradient 0). */
export function reg1R1Squared(w: number): number {
  const d = 1 - Math.abs(w);
  return d * d;
}
export function reg1R1SquaredGradient(w: number): number {
  // d/dw (1 − |w|)² = −2(1 − |w|)·sign(w)
  return -2 * (1 - Math.abs(w)) * sign(w);
}

/** Eq. 4.3: Reg_1^a(w) = (w² − 1)². */
export function reg1a(w: number): number {
  const d = w * w - 1;
  return d * d;
}
export function reg1aGradient(w: number): number {
  // d/dw (w² − 1)² = 4w(w² − 1)
  return 4 * w * (w * w - 1);
}

/** Eq. 4.4: Reg_1^b(w) = |w² − 1|. Kinks at ±1 (subgradient 0). */
export function reg1b(w: number): number {
  return Math.abs(w * w - 1);
}
export function reg1bGradient(w: number): number {
  // d/dw |w² − 1| = 2w·sign(w² − 1)
  return 2 * w * sign(w * w - 1);
}

/** Eq. 4.5: Reg_1^c(w) = cos(πw) + 1 if |w| ≤ 3/2, π(|w| − 3/2) + 1 otherwise (C¹). */
export function reg1c(w: number): number {
  const a = Math.abs(w);
  return a <= 1.5 ? Math.cos(Math.PI * w) + 1 : Math.PI * (a - 1.5) + 1;
}
export function reg1cGradient(w: number): number {
  // inside: −π·sin(πw); outside: π·sign(w). At |w| = 3/2 both equal π·sign(w) (C¹).
  return Math.abs(w) <= 1.5 ? -Math.PI * Math.sin(Math.PI * w) : Math.PI * sign(w);
}

/** K = 2^(N−1) − 1, the largest int-N magnitude used (Eq. 4.6, 4.7). */
export function levelsPerSide(bits: number): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) {
    throw new StageInputError(`quantization bit width must be an integer in [1, 16], got ${bits}`);
  }
  return 2 ** (bits - 1) - 1;
}

function regNLevels(bits: number): number {
  const k = levelsPerSide(bits);
  if (k < 1) {
    throw new StageInputError('Reg_N (Eq. 4.6) needs N ≥ 2; use a Reg_1 variant (Eq. 4.1, 4.3–4.5) for 1 bit');
  }
  return k;
}

/** |w| beyond which Reg_N is linear: 1 + 1/(4K) (Eq. 4.6). */
export function regNBoundary(bits: number): number {
  return 1 + 1 / (4 * regNLevels(bits));
}

/**
 * Eq. 4.6, K = 2^(N−1) − 1:
 *   Reg_N(w) = 1 − cos(2πK·w)                  if |w| ≤ 1 + 1/(4K)
 *            = 1 + 2π((|w| − 1)·K − 1/4)       otherwise.
 * At the boundary 2πK·w = 2πK + π/2, so the cosine part is 1 − 0 = 1 and the linear part
 * is 1 + 2π(1/4 − 1/4) = 1; both slopes are 2πK (C¹, as the thesis states).
 */
export function regN(w: number, bits: number): number {
  const k = regNLevels(bits);
  const a = Math.abs(w);
  if (a <= 1 + 1 / (4 * k)) return 1 - Math.cos(2 * Math.PI * k * w);
  return 1 + 2 * Math.PI * ((a - 1) * k - 0.25);
}

/** d Reg_N / dw: 2πK·sin(2πK·w) inside, 2πK·sign(w) outside (Eq. 4.6 differentiated). */
export function regNGradient(w: number, bits: number): number {
  const k = regNLevels(bits);
  if (Math.abs(w) <= 1 + 1 / (4 * k)) return 2 * Math.PI * k * Math.sin(2 * Math.PI * k * w);
  return 2 * Math.PI * k * sign(w);
}

const REG1: Record<Reg1Variant, ScalarRegularizer> = {
  r1: { value: reg1R1, gradient: reg1R1Gradient },
  'r1-squared': { value: reg1R1Squared, gradient: reg1R1SquaredGradient },
  a: { value: reg1a, gradient: reg1aGradient },
  b: { value: reg1b, gradient: reg1bGradient },
  c: { value: reg1c, gradient: reg1cGradient },
};

/** The 1-bit regularizer of a variant. */
export function reg1(variant: Reg1Variant): ScalarRegularizer {
  return REG1[variant];
}

/**
 * The regularizer that pulls weights to the N-bit grid. N = 1 uses a Reg_1 variant
 * (default Reg_1^c, which Fig. 4.2.3 plots as the N = 1 member of the family); N ≥ 2 uses
 * Reg_N (Eq. 4.6).
 */
export function regularizerFor(bits: number, reg1Variant: Reg1Variant = 'c'): ScalarRegularizer {
  if (bits === 1) return REG1[reg1Variant];
  regNLevels(bits);
  return { value: (w) => regN(w, bits), gradient: (w) => regNGradient(w, bits) };
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

/** Σ_j Reg(w_j) over one weight matrix (the summand of Eq. 4.2). */
export function regularizationPenalty(
  weights: ArrayLike<number>,
  bits: number,
  reg1Variant: Reg1Variant = 'c',
): number {
  const reg = regularizerFor(bits, reg1Variant);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += reg.value(weights[i]!);
  return sum;
}

/** ∂/∂w_j of Σ Reg(W): the element-wise gradient of `regularizationPenalty`. */
export function regularizationGradient(
  weights: ArrayLike<number>,
  bits: number,
  reg1Variant: Reg1Variant = 'c',
): Float64Array {
  const reg = regularizerFor(bits, reg1Variant);
  const out = new Float64Array(weights.length);
  for (let i = 0; i < weights.length; i++) out[i] = reg.gradient(weights[i]!);
  return out;
}

/** One regularized weight matrix W_i with its bit width. */
export interface RegularizedMatrix {
  readonly weights: ArrayLike<number>;
  readonly bits: number;
}

/**
 * The regularization part of J (Eq. 4.2 with Eq. 4.8): λ·S(t)·Σ_i Σ_j Reg(W_i[j]).
 * `schedule` is S(t) (see schedules.ts); pass 1 for "no schedule".
 */
export function scheduledRegularization(
  matrices: readonly RegularizedMatrix[],
  lambda: number,
  schedule: number,
  reg1Variant: Reg1Variant = 'c',
): number {
  let sum = 0;
  for (const m of matrices) sum += regularizationPenalty(m.weights, m.bits, reg1Variant);
  return lambda * schedule * sum;
}
