import { fitFrameGaussians, framePatchScores, type PatchBlock } from '../../../src/eval/feature-gaussian-scores';
import { fitFrameKnn, frameKnnPatchScores } from '../../../src/eval/frame-knn-scores';
import { Prng } from '../../../src/util/prng';

/** One-frame patches of 2 bands: each row of `points` is a patch. */
function onePointPatches(points: ReadonlyArray<readonly [number, number]>, label = 0): PatchBlock {
  return {
    data: Float32Array.from(points.flat()),
    frames: 1,
    bands: 2,
    labelIndex: points.map(() => label),
  };
}

/** Two tight clusters of normal training points, at (−5, 0) and (5, 0). */
function twoClusters(): PatchBlock {
  const rng = Prng.derive('two-clusters');
  const points: Array<[number, number]> = [];
  for (let i = 0; i < 40; i++) points.push([(i % 2 === 0 ? -5 : 5) + 0.1 * rng.normal(), 0.1 * rng.normal()]);
  return onePointPatches(points);
}

const options = { context: 1, shrinkage: 0.01, neighbours: 3, references: 30 };

describe('frame k-NN score', () => {
  it('scores a point between two normal clusters high, one inside a cluster low; one Gaussian the reverse', async () => {
    const train = twoClusters();
    const model = await fitFrameKnn(train, 1, options, Prng.derive('knn'));
    const probes = onePointPatches([
      [0, 0], // between the clusters, at the single Gaussian's mean
      [5, 0], // inside a cluster
    ]);
    const [between, inside] = await frameKnnPatchScores(probes, model);
    // Whitened with σ ≈ 5 along the first band: the midpoint is ≈ 1 (in σ units) from either
    // cluster, so its squared distance is ≈ 1; a cluster point is within ≈ 0.1/5 of its neighbours.
    expect(between!).toBeGreaterThan(0.8);
    expect(inside!).toBeLessThan(0.01);
    expect(between!).toBeGreaterThan(100 * inside!);
    const gaussian = await fitFrameGaussians(train, 1, 1, options.shrinkage);
    const [gBetween, gInside] = await framePatchScores(probes, gaussian, 1);
    expect(gBetween!).toBeLessThan(gInside!);
  });

  it('is the mean squared whitened distance to the k nearest references', async () => {
    // Identity-like whitening is not assumed: compare with a brute-force computation via the
    // Mahalanobis² of the difference under the same Gaussian (whitening is linear).
    const train = twoClusters();
    const all = { ...options, references: 40, neighbours: 2 };
    const model = await fitFrameKnn(train, 1, all, Prng.derive('knn'));
    const g = model.gaussians[0]!;
    const probe: [number, number] = [1, 0.3];
    const d2 = Array.from({ length: 40 }, (_, i) => {
      // Mahalanobis² of probe − x_i is |L⁻¹(probe − x_i)|²: whiten with a zero-mean copy.
      const diff = [probe[0] - train.data[2 * i]!, probe[1] - train.data[2 * i + 1]!];
      const l = g.cholesky;
      const y0 = diff[0]! / l[0]!;
      const y1 = (diff[1]! - l[2]! * y0) / l[3]!;
      return y0 * y0 + y1 * y1;
    }).sort((a, b) => a - b);
    const [score] = await frameKnnPatchScores(onePointPatches([probe]), model);
    expect(score!).toBeCloseTo((d2[0]! + d2[1]!) / 2, 4);
  });

  it('offset: the distance after the best scalar offset of the window, by brute force over the inverse covariance', async () => {
    // Training points spread in both bands (correlated), one ID; a probe that is a training
    // point plus a uniform offset of 3 dB is near it only once the offset is removed.
    const rng = Prng.derive('offset-cloud');
    const points: Array<[number, number]> = Array.from({ length: 30 }, () => {
      const a = rng.normal();
      return [a + 0.3 * rng.normal(), 0.5 * a + 0.6 * rng.normal()];
    });
    const train = onePointPatches(points);
    const all = { ...options, references: 30, neighbours: 1 };
    const plain = await fitFrameKnn(train, 1, all, Prng.derive('knn'));
    const invariant = await fitFrameKnn(train, 1, { ...all, offset: true }, Prng.derive('knn'));
    const probe: [number, number] = [points[7]![0] + 3, points[7]![1] + 3];
    const [withOffset] = await frameKnnPatchScores(onePointPatches([probe]), plain);
    const [without] = await frameKnnPatchScores(onePointPatches([probe]), invariant);
    expect(without!).toBeLessThan(1e-6);
    expect(withOffset!).toBeGreaterThan(1);
    // Brute force: Σ = L·Lᵀ, its inverse by hand; min over c of (δ + c·1)ᵀ Σ⁻¹ (δ + c·1) is
    // δᵀΣ⁻¹δ − (1ᵀΣ⁻¹δ)² / (1ᵀΣ⁻¹1).
    const l = invariant.gaussians[0]!.cholesky;
    const s00 = l[0]! * l[0]!;
    const s01 = l[2]! * l[0]!;
    const s11 = l[2]! * l[2]! + l[3]! * l[3]!;
    const det = s00 * s11 - s01 * s01;
    const inv = [s11 / det, -s01 / det, s00 / det]; // i00, i01, i11
    const other: [number, number] = [1.5, -2];
    const d2 = points
      .map(([x0, x1]) => {
        const d = [other[0] - x0, other[1] - x1] as const;
        const q = inv[0]! * d[0] * d[0] + 2 * inv[1]! * d[0] * d[1] + inv[2]! * d[1] * d[1];
        const b = inv[0]! * d[0] + inv[1]! * (d[0] + d[1]) + inv[2]! * d[1];
        const a = inv[0]! + 2 * inv[1]! + inv[2]!;
        return q - (b * b) / a;
      })
      .sort((x, y) => x - y);
    const [score] = await frameKnnPatchScores(onePointPatches([other]), invariant);
    expect(score!).toBeCloseTo(d2[0]!, 4);
    expect(score!).toBeLessThan((await frameKnnPatchScores(onePointPatches([other]), plain))[0]!);
  });

  it('draws the same references from the same seed, other ones from another seed', async () => {
    const train = twoClusters();
    const few = { ...options, references: 5, neighbours: 1 };
    const probes = onePointPatches([
      [0, 0],
      [4, 1],
      [-6, 0.5],
    ]);
    const a = await frameKnnPatchScores(probes, await fitFrameKnn(train, 1, few, Prng.derive('seed', 1)));
    const b = await frameKnnPatchScores(probes, await fitFrameKnn(train, 1, few, Prng.derive('seed', 1)));
    const c = await frameKnnPatchScores(probes, await fitFrameKnn(train, 1, few, Prng.derive('seed', 2)));
    expect(Buffer.from(b.buffer)).toEqual(Buffer.from(a.buffer));
    expect(Buffer.from(c.buffer)).not.toEqual(Buffer.from(a.buffer));
  });

  it('rejects more neighbours than references, and an ID without training windows when scored', async () => {
    const train = twoClusters();
    await expect(fitFrameKnn(train, 1, { ...options, neighbours: 5, references: 4 }, Prng.derive('x'))).rejects.toThrow(
      /neighbours 5 and references 4/,
    );
    const model = await fitFrameKnn(train, 2, options, Prng.derive('x'));
    await expect(frameKnnPatchScores(onePointPatches([[0, 0]], 1), model)).rejects.toThrow(/machine ID 1/);
  });
});
