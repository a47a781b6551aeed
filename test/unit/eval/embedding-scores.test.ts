import { cholesky, embeddingClipScores, fitIdGaussians, mahalanobisSquared } from '../../../src/eval/embedding-scores';

describe('embedding Mahalanobis scores', () => {
  it('Cholesky factor and Mahalanobis² match a hand computation', () => {
    // Σ = [[4, 2], [2, 3]] → L = [[2, 0], [1, √2]]; Σ⁻¹ = [[3, −2], [−2, 4]] / 8.
    const l = cholesky(Float64Array.from([4, 2, 2, 3]), 2);
    expect(Array.from(l)).toEqual([2, 0, 1, Math.SQRT2]);
    const g = { mean: Float64Array.from([1, 1]), cholesky: l };
    // v − μ = (1, 2): (3·1 − 2·2·1·2 + 4·4) / 8 = (3 − 8 + 16) / 8.
    expect(mahalanobisSquared(g, [2, 3])).toBeCloseTo(11 / 8, 12);
    expect(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/not positive definite/);
  });

  it('fits one shrunk Gaussian per ID and scores a clip by the mean over its patches', () => {
    // ID 0: points (±1, 0) and (0, ±1) around (0, 0); ID 1 around (10, 10).
    const pts = [
      [1, 0],
      [-1, 0],
      [0, 1],
      [0, -1],
    ];
    const values = Float32Array.from([...pts.flat(), ...pts.flatMap(([a, b]) => [a! + 10, b! + 10])]);
    const labelIndex = [0, 0, 0, 0, 1, 1, 1, 1];
    const [g0, g1] = fitIdGaussians(values, 2, labelIndex, 2, 0.5);
    // S = I/2, tr S / d = 1/2 → Σ = 0.5·S + 0.5·I/2 = I/2: Mahalanobis² = 2·|v − μ|².
    expect(mahalanobisSquared(g0!, [1, 1])).toBeCloseTo(4, 12);
    expect(mahalanobisSquared(g1!, [10, 12])).toBeCloseTo(8, 12);
    const rows = {
      labels: ['fan/id_00', 'fan/id_01'],
      labelIndex: [0, 0, 1],
      clips: ['fan/id_00/normal/a.wav', 'fan/id_00/normal/a.wav', 'fan/id_01/abnormal/b.wav'],
    };
    const scores = embeddingClipScores(rows, Float32Array.from([1, 1, 0, 0, 10, 12]), 2, [g0, g1]);
    expect(scores).toEqual([
      {
        clip: 'fan/id_00/normal/a.wav',
        type: 'fan',
        id: 'id_00',
        anomalous: false,
        score: expect.closeTo(2, 12),
        patches: 2,
      },
      {
        clip: 'fan/id_01/abnormal/b.wav',
        type: 'fan',
        id: 'id_01',
        anomalous: true,
        score: expect.closeTo(8, 12),
        patches: 1,
      },
    ]);
    expect(() => embeddingClipScores(rows, Float32Array.from([1, 1, 0, 0, 10, 12]), 2, [g0, undefined])).toThrow(
      /fan\/id_01 has no training patches/,
    );
  });
});
