import { cholesky, type IdGaussian } from './embedding-scores';

/**
 * One Gaussian per machine ID from vectors streamed one at a time (first and second moments
 * accumulated in float64), for scores whose vectors are too many to hold at once: every
 * stacked-frame window of every training patch (src/eval/feature-gaussian-scores.ts).
 * The covariance is shrunk as in `fitIdGaussians` (src/eval/embedding-scores.ts):
 * Σ = (1 − λ)·S + λ·(tr S / d)·I.
 */
export class IdGaussianMoments {
  private readonly count: Float64Array;
  private readonly sum: Float64Array[];
  private readonly outer: Float64Array[];

  constructor(
    readonly dim: number,
    readonly labels: number,
  ) {
    this.count = new Float64Array(labels);
    this.sum = Array.from({ length: labels }, () => new Float64Array(dim));
    this.outer = Array.from({ length: labels }, () => new Float64Array(dim * dim));
  }

  /** Adds one vector of ID `label` (only the lower triangle of the outer product is kept). */
  add(label: number, v: ArrayLike<number>): void {
    const d = this.dim;
    const s = this.sum[label];
    const o = this.outer[label];
    if (!s || !o) throw new RangeError(`Gaussian moments: label ${label} out of range (0..${this.labels - 1})`);
    this.count[label]!++;
    for (let a = 0; a < d; a++) {
      const va = v[a] as number;
      s[a]! += va;
      const row = a * d;
      for (let b = 0; b <= a; b++) o[row + b]! += va * (v[b] as number);
    }
  }

  /** The shrunk Gaussian of each label, or undefined for a label that got no vector. */
  gaussians(shrinkage: number): Array<IdGaussian | undefined> {
    const d = this.dim;
    return this.sum.map((s, k) => {
      const n = this.count[k]!;
      if (n === 0) return undefined;
      const o = this.outer[k]!;
      const mean = Float64Array.from(s, (x) => x / n);
      const cov = new Float64Array(d * d);
      let trace = 0;
      for (let a = 0; a < d; a++) {
        for (let b = 0; b <= a; b++) cov[a * d + b] = o[a * d + b]! / n - mean[a]! * mean[b]!;
        trace += cov[a * d + a]!;
      }
      // A constant vector (trace 0) still gets a usable identity covariance.
      const ridge = shrinkage * (trace > 0 ? trace / d : 1);
      for (let a = 0; a < d; a++) {
        for (let b = 0; b <= a; b++) {
          cov[a * d + b] = (1 - shrinkage) * cov[a * d + b]! + (a === b ? ridge : 0);
          cov[b * d + a] = cov[a * d + b]!;
        }
      }
      return { mean, cholesky: cholesky(cov, d) };
    });
  }
}
