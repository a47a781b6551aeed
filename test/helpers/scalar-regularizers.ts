/**
 * The thesis' quantization regularizers as scalar formulas (ch. 4, §4.2.1 Eq. 4.1, 4.3–4.5;
 * §4.2.2 Eq. 4.6; Eq. 4.2/4.8 for the scheduled penalty): values and analytic gradients,
 * element-wise. The reference the tensor implementation the product trains with
 * (src/nn/qat/tf-regularizers.ts) is tested against; not used by the product itself.
 */
import { StageInputError } from '../../src/errors';
import { levelsPerSide, type Reg1Variant } from '../../src/quant/regularizers';

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
