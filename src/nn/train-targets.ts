/**
 * Soft training targets: label smoothing and mixup of a batch's feature maps (config keys
 * `labelSmoothing` and `mixup`, train-config.ts). Both act on one gathered (and augmented)
 * batch before the gradient step, draw only from the caller's generator, and leave the
 * hard labels alone, so the training accuracy still counts the batch's own labels.
 *
 * Why (docs/results/2026-12-04-kws-error-analysis.md): the KWS model fits its training
 * clips (95 %) but each clip carries one noise draw it can memorise; both regularisers
 * keep the network from driving any single example's logit margin to infinity.
 */

/** What a batch's targets are made of: hard labels and, optionally, their one-hot rows. */
export interface TargetOptions {
  /** ε of label smoothing (0 = off). */
  readonly labelSmoothing: number;
  /** Mixup's Beta(α, α) parameter; undefined = no mixup. */
  readonly mixupAlpha: number | undefined;
}

/** True when `batchTargets` would return soft targets (otherwise the caller's one-hot is exact). */
export function softTargetsEnabled(o: TargetOptions): boolean {
  return o.labelSmoothing > 0 || o.mixupAlpha !== undefined;
}

/**
 * Label smoothing (Szegedy et al. 2016, "Rethinking the Inception Architecture", §7):
 * q'(k) = (1 − ε)·[k = y] + ε / K. Returns n × K targets, row-major.
 */
export function smoothedTargets(y: Int32Array, numClasses: number, epsilon: number): Float32Array {
  const off = epsilon / numClasses;
  const t = new Float32Array(y.length * numClasses).fill(off);
  for (let i = 0; i < y.length; i++) t[i * numClasses + (y[i] as number)] = 1 - epsilon + off;
  return t;
}

/** The draws a generator must offer: uniform [0, 1) and a standard normal. */
export interface UniformNormalSource {
  next(): number;
  normal(): number;
}

/**
 * Gamma(shape, 1) by Marsaglia & Tsang (2000, "A simple method for generating gamma
 * variables", §2 for shape ≥ 1, §4 for shape < 1 via Gamma(a + 1)·U^(1/a)).
 */
export function sampleGamma(shape: number, rng: UniformNormalSource): number {
  if (!(shape > 0)) throw new RangeError(`sampleGamma: shape ${shape} must be > 0`);
  if (shape < 1) {
    let u = 0;
    while (u === 0) u = rng.next();
    return sampleGamma(shape + 1, rng) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (u > 0 && Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Beta(α, α) as G1 / (G1 + G2) of two Gamma(α) draws. */
export function sampleSymmetricBeta(alpha: number, rng: UniformNormalSource): number {
  const g1 = sampleGamma(alpha, rng);
  const g2 = sampleGamma(alpha, rng);
  return g1 + g2 === 0 ? 0.5 : g1 / (g1 + g2);
}

/**
 * Mixup (Zhang et al. 2018, "mixup: Beyond Empirical Risk Minimization", §2, eq. 1) within
 * one batch: example i is mixed with example π(i) of a random permutation π of the batch,
 * x̃_i = λ_i·x_i + (1 − λ_i)·x_π(i) and the targets likewise, one λ_i ~ Beta(α, α) per
 * example. λ_i is folded to max(λ_i, 1 − λ_i), so each mixed example is mostly its own
 * clip and its own label stays the one the training accuracy counts (the pair is
 * symmetric: mixing with weight λ or 1 − λ covers the same segment). On MFCC maps a mix is
 * the cepstra of neither clip, but the cepstrum is linear in the log spectrum, so it reads as
 * a geometric mean of the two spectra: a word under another clip's noise and voice colour.
 *
 * Mixes `x` (n examples of `size` values) in place and returns the n × K targets;
 * `targets` are each example's (smoothed or one-hot) rows before mixing.
 */
export function mixupBatch(
  x: Float32Array,
  targets: Float32Array,
  n: number,
  size: number,
  numClasses: number,
  alpha: number,
  rng: UniformNormalSource,
): Float32Array {
  if (x.length !== n * size) throw new RangeError(`mixupBatch: ${x.length} values for ${n} × ${size}`);
  if (targets.length !== n * numClasses)
    throw new RangeError(`mixupBatch: ${targets.length} targets for ${n} × ${numClasses}`);
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
  }
  const src = x.slice();
  const mixed = new Float32Array(n * numClasses);
  for (let i = 0; i < n; i++) {
    const b = sampleSymmetricBeta(alpha, rng);
    const lambda = Math.max(b, 1 - b);
    const j = perm[i] as number;
    for (let k = 0; k < size; k++) {
      x[i * size + k] = lambda * (src[i * size + k] as number) + (1 - lambda) * (src[j * size + k] as number);
    }
    for (let k = 0; k < numClasses; k++) {
      mixed[i * numClasses + k] =
        lambda * (targets[i * numClasses + k] as number) + (1 - lambda) * (targets[j * numClasses + k] as number);
    }
  }
  return mixed;
}

/**
 * A batch's training targets under `o`, mixing `x` in place when mixup is on; undefined when
 * neither regulariser is on (the caller's exact one-hot path, bytes as without this module).
 */
export function batchTargets(
  x: Float32Array,
  y: Int32Array,
  size: number,
  numClasses: number,
  o: TargetOptions,
  mixupRng: UniformNormalSource | undefined,
): Float32Array | undefined {
  if (!softTargetsEnabled(o)) return undefined;
  const t = smoothedTargets(y, numClasses, o.labelSmoothing);
  if (o.mixupAlpha === undefined) return t;
  if (mixupRng === undefined) throw new Error('batchTargets: mixup needs a generator');
  return mixupBatch(x, t, y.length, size, numClasses, o.mixupAlpha, mixupRng);
}
