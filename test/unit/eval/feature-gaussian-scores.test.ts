import { fitIdGaussians, mahalanobisSquared } from '../../../src/eval/embedding-scores';
import {
  envelopeAutocorrelation,
  fitFrameGaussians,
  fitPeriodicityGaussians,
  framePatchScores,
  periodicityPatchScores,
  type PatchBlock,
} from '../../../src/eval/feature-gaussian-scores';
import { IdGaussianMoments } from '../../../src/eval/id-gaussian-moments';
import { Prng } from '../../../src/util/prng';

/** n patches of `frames` × `bands`, frame t of patch i filled by value(i, t, b). */
function patches(
  n: number,
  frames: number,
  bands: number,
  labelIndex: number[],
  value: (i: number, t: number, b: number) => number,
): PatchBlock {
  const data = new Float32Array(n * frames * bands);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < frames; t++)
      for (let b = 0; b < bands; b++) data[(i * frames + t) * bands + b] = value(i, t, b);
  return { data, frames, bands, labelIndex };
}

describe('log-mel Gaussian scores', () => {
  it('streamed moments give the same shrunk Gaussians as fitIdGaussians on the same rows', () => {
    const rng = Prng.derive('moments');
    const rows = Float32Array.from({ length: 30 * 3 }, () => rng.normal());
    const labelIndex = Array.from({ length: 30 }, (_, i) => i % 2);
    const m = new IdGaussianMoments(3, 3);
    labelIndex.forEach((l, i) => m.add(l, rows.subarray(i * 3, i * 3 + 3)));
    const streamed = m.gaussians(0.2);
    const direct = fitIdGaussians(rows, 3, labelIndex, 3, 0.2);
    expect(streamed[2]).toBeUndefined();
    for (const k of [0, 1]) {
      const v = [0.3, -1, 2];
      expect(mahalanobisSquared(streamed[k]!, v)).toBeCloseTo(mahalanobisSquared(direct[k]!, v), 9);
    }
    expect(() => m.add(3, [0, 0, 0])).toThrow(/label 3 out of range/);
  });

  it('envelope autocorrelation matches a hand computation', () => {
    // One band, envelope 1, −1, 1, −1 (mean 0, Σe² = 4): r(1) = −3/4, r(2) = 2/4, r(3) = −1/4.
    const p = patches(1, 4, 1, [0], (_, t) => (t % 2 === 0 ? 1 : -1));
    expect(Array.from(envelopeAutocorrelation(p, 3))).toEqual([-0.75, 0.5, -0.25]);
    // Two bands are averaged first; a flat envelope has all lags 0.
    const q = patches(2, 4, 2, [0, 0], (i, t, b) => (i === 0 ? (t % 2 === 0 ? 1 + b : -1 - b) : 5));
    expect(Array.from(envelopeAutocorrelation(q, 3))).toEqual([-0.75, 0.5, -0.25, 0, 0, 0]);
    expect(() => envelopeAutocorrelation(p, 4)).toThrow(/lags 4 must be an integer in 1..3/);
  });

  it('frame windows: a patch scores the mean Mahalanobis² of its context windows to its ID’s window Gaussian', async () => {
    const rng = Prng.derive('frames');
    const train = patches(
      20,
      6,
      2,
      Array.from({ length: 20 }, (_, i) => i % 2),
      () => rng.normal(),
    );
    let pauses = 0;
    const g = await fitFrameGaussians(train, 2, 3, 0.1, async () => void pauses++);
    // The same Gaussians from the explicit 6-value windows (4 per patch).
    const windows: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 20; i++)
      for (let t = 0; t < 4; t++) {
        windows.push(...train.data.subarray(i * 12 + t * 2, i * 12 + t * 2 + 6));
        labels.push(i % 2);
      }
    const direct = fitIdGaussians(Float32Array.from(windows), 6, labels, 2, 0.1);
    const test = patches(1, 6, 2, [1], (_, t, b) => t - b);
    const expected =
      [0, 1, 2, 3]
        .map((t) => mahalanobisSquared(direct[1]!, test.data.subarray(t * 2, t * 2 + 6)))
        .reduce((a, b) => a + b, 0) / 4;
    expect((await framePatchScores(test, g, 3))[0]).toBeCloseTo(expected, 6);
    await expect(fitFrameGaussians(train, 2, 7, 0.1)).rejects.toThrow(/context 7 must be an integer in 1..6/);
    // A long loop gives the event loop a turn every 64 patches (an activity's heartbeats).
    const many = patches(
      130,
      6,
      2,
      Array.from({ length: 130 }, (_, i) => i % 2),
      () => rng.normal(),
    );
    pauses = 0;
    await fitFrameGaussians(many, 2, 3, 0.1, async () => void pauses++);
    expect(pauses).toBe(2);
    await expect(
      framePatchScores(
        patches(1, 6, 2, [2], () => 0),
        g,
        3,
      ),
    ).rejects.toThrow(/machine ID 2 has no training patches/);
  });

  it('periodicity: a patch whose envelope period changed scores far above one with the trained period', () => {
    // Training: pulses every 8 frames with random phase and jitter; test: period 8 vs period 10.
    const rng = Prng.derive('periodicity');
    const pulse = (period: number, phase: number, t: number): number =>
      Math.exp(-(((t + phase) % period) ** 2) / 2) + 0.1 * rng.normal();
    const train = patches(40, 32, 2, new Array<number>(40).fill(0), (i, t) => pulse(8, i % 8, t));
    const g = fitPeriodicityGaussians(train, 1, 24, 0.01);
    const same = patches(4, 32, 2, [0, 0, 0, 0], (i, t) => pulse(8, (3 * i) % 8, t));
    const changed = patches(4, 32, 2, [0, 0, 0, 0], (i, t) => pulse(10, (3 * i) % 10, t));
    const s = Array.from(periodicityPatchScores(same, g, 24));
    const c = Array.from(periodicityPatchScores(changed, g, 24));
    expect(Math.min(...c)).toBeGreaterThan(3 * Math.max(...s));
  });
});
