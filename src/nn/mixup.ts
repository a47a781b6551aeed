import type { Prng } from '../util/prng';

/**
 * Mixup between examples of a training batch (Zhang et al. 2018, "mixup: Beyond Empirical Risk
 * Minimization", §2): x̃ = λ·x_i + (1 − λ)·x_j and the target λ·y_i + (1 − λ)·y_j, with j a
 * random partner in the batch and λ ~ Beta(α, α). For a machine-ID classifier used as an
 * anomaly detector (MicroNets §4.3) mixup between IDs keeps the softmax from saturating on
 * every normal patch, so −log p(true ID) stays graded (docs/anomaly-detection.md#mixup).
 */
export interface MixPlan {
  /** Partner index within the batch, per example. */
  readonly partner: Int32Array;
  /** λ per example: its own share. */
  readonly lambda: Float32Array;
}

/** Gamma(shape, 1) by Marsaglia & Tsang (2000) (shape < 1 via the x·U^(1/shape) boost). */
function gamma(rng: Prng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = rng.normal();
    const v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** λ ~ Beta(α, α) as G1 / (G1 + G2) of two Gamma(α) draws. */
export function betaSymmetric(rng: Prng, alpha: number): number {
  const a = gamma(rng, alpha);
  const b = gamma(rng, alpha);
  return a + b > 0 ? a / (a + b) : 0.5;
}

/** A mix plan for a batch of `n` examples (a random permutation of partners, one λ each). */
export function mixPlan(rng: Prng, n: number, alpha: number): MixPlan {
  if (!(alpha > 0)) throw new RangeError(`mixup: alpha must be > 0, got ${alpha}`);
  const order = Array.from({ length: n }, (_, i) => i);
  rng.shuffle(order);
  const lambda = new Float32Array(n);
  for (let i = 0; i < n; i++) lambda[i] = betaSymmetric(rng, alpha);
  return { partner: Int32Array.from(order), lambda };
}

/** Mixes the examples of `x` (n × size) in place by `plan` (reads a copy, so partners see unmixed inputs). */
export function mixInputs(x: Float32Array, n: number, plan: MixPlan): void {
  const size = x.length / n;
  const orig = x.slice();
  for (let i = 0; i < n; i++) {
    const l = plan.lambda[i]!;
    const j = plan.partner[i]!;
    for (let k = 0; k < size; k++) x[i * size + k] = l * orig[i * size + k]! + (1 - l) * orig[j * size + k]!;
  }
}

/** Soft targets (n × classes): λ on the example's own label, 1 − λ on its partner's. */
export function mixTargets(labels: Int32Array, classes: number, plan: MixPlan): Float32Array {
  const n = labels.length;
  const t = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    t[i * classes + labels[i]!]! += plan.lambda[i]!;
    t[i * classes + labels[plan.partner[i]!]!]! += 1 - plan.lambda[i]!;
  }
  return t;
}
