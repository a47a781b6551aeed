import type { PatchBlock } from '../../../src/eval/feature-gaussian-scores';
import {
  centreBands,
  contrastPatches,
  hasInvariance,
  invariantPatches,
  toDecibels,
} from '../../../src/eval/frame-window-invariance';
import { Prng } from '../../../src/util/prng';

/** `n` random patches of `frames` × `bands` dB values, one label. */
function randomPatches(n: number, frames: number, bands: number, seed: string): PatchBlock {
  const rng = Prng.derive(seed);
  return {
    data: Float32Array.from({ length: n * frames * bands }, () => 10 * rng.normal()),
    frames,
    bands,
    labelIndex: Array.from({ length: n }, () => 0),
  };
}

/** The same patches with `offsetDb[b]` added to band b of every frame (a fixed gain / filter). */
function withBandOffset(p: PatchBlock, offsetDb: readonly number[]): PatchBlock {
  return { ...p, data: p.data.map((v, i) => v + offsetDb[i % p.bands]!) };
}

const close = (a: Float32Array, b: Float32Array, digits = 4) =>
  [...a].forEach((v, i) => expect(v).toBeCloseTo(b[i]!, digits));

describe('frame window invariance', () => {
  it('maps band-normalized values back to dB with the Q5 / Q15 constants', () => {
    // Band 0: mean 10 dB (320 in Q5), sd 2 dB (k = 2^15 / 2); band 1: mean −4 dB, sd 0.5 dB.
    const stats = { meanQ5: [320, -128], gainQ15: [16384, 65536] };
    const p: PatchBlock = { data: Float32Array.from([0, 0, 1, 1, -2, 4]), frames: 3, bands: 2, labelIndex: [0] };
    expect([...toDecibels(p, stats).data]).toEqual([10, -4, 12, -3.5, 6, -2]);
    expect(toDecibels(p, undefined)).toBe(p);
    expect(() => toDecibels(p, { meanQ5: [0], gainQ15: [1] })).toThrow(/band statistics for 1 bands, patches have 2/);
  });

  it('centre: a per-band offset of the whole clip cancels; each span ends with band means 0', () => {
    const p = randomPatches(4, 5, 3, 'centre');
    const clips = ['a.wav', 'a.wav', 'b.wav', 'b.wav'];
    // Clip a recorded with +6 dB gain and a filter (+2, −1, +4 dB per band), clip b unchanged.
    const shifted: PatchBlock = {
      ...p,
      data: p.data.map((v, i) => (i < 2 * 15 ? v + 6 + [2, -1, 4][i % 3]! : v)),
    };
    close(centreBands(shifted, clips, 'clip', false).data, centreBands(p, clips, 'clip', false).data);
    // Span clip: the mean of each band over a clip's 10 frames is 0; span patch: over each patch's 5.
    const byClip = centreBands(p, clips, 'clip', false).data;
    const byPatch = centreBands(p, clips, 'patch', false).data;
    for (const b of [0, 1, 2]) {
      const band = (d: Float32Array, from: number, to: number) =>
        [...d.subarray(from, to)].filter((_, v) => v % 3 === b).reduce((a, x) => a + x, 0);
      expect(band(byClip, 0, 30)).toBeCloseTo(0, 4);
      expect(band(byClip, 0, 15)).not.toBeCloseTo(0, 1);
      for (const i of [0, 1, 2, 3]) expect(band(byPatch, i * 15, (i + 1) * 15)).toBeCloseTo(0, 4);
    }
    // A one-patch offset changes only that patch with span patch.
    const one: PatchBlock = { ...p, data: p.data.map((v, i) => (i < 15 ? v + 3 : v)) };
    close(centreBands(one, clips, 'patch', false).data, byPatch);
  });

  it('centre with scale: unit sd per band over the span, a gain factor on a band cancels, a constant band is floored', () => {
    const rows = Float32Array.from([1, 5, 3, 5, 5, 5]); // one patch, 3 frames × 2 bands; band 1 constant
    const p: PatchBlock = { data: rows, frames: 3, bands: 2, labelIndex: [0] };
    const z = centreBands(p, ['a'], 'patch', true).data;
    // Band 0: 1, 3, 5 → mean 3, sd √(8/3); band 1: all 5 → 0 (sd floored at 1/8 dB, no division by 0).
    const sd = Math.sqrt(8 / 3);
    close(z, Float32Array.from([-2 / sd, 0, 0, 0, 2 / sd, 0]), 5);
    const stretched: PatchBlock = { ...p, data: p.data.map((v, i) => (i % 2 === 0 ? 4 * v - 7 : v)) };
    close(centreBands(stretched, ['a'], 'patch', true).data, z, 5);
  });

  it('contrast: band differences cancel a gain, frame differences any fixed filter; layouts by hand', () => {
    const p: PatchBlock = { data: Float32Array.from([1, 2, 4, 10, 20, 40]), frames: 2, bands: 3, labelIndex: [0] };
    const bands = contrastPatches(p, 'bands');
    expect({ frames: bands.frames, bands: bands.bands, data: [...bands.data] }).toEqual({
      frames: 2,
      bands: 2,
      data: [1, 2, 10, 20],
    });
    const frames = contrastPatches(p, 'frames');
    expect({ frames: frames.frames, bands: frames.bands, data: [...frames.data] }).toEqual({
      frames: 1,
      bands: 3,
      data: [9, 18, 36],
    });
    const both = contrastPatches(p, 'both');
    expect({ frames: both.frames, bands: both.bands, data: [...both.data] }).toEqual({
      frames: 1,
      bands: 5,
      data: [10, 20, 9, 18, 36],
    });
    const q = randomPatches(3, 6, 4, 'contrast');
    close(contrastPatches(withBandOffset(q, [5, 5, 5, 5]), 'bands').data, contrastPatches(q, 'bands').data);
    close(contrastPatches(withBandOffset(q, [5, -3, 0, 8]), 'frames').data, contrastPatches(q, 'frames').data);
    // A filter that is not a plain gain does not cancel across bands.
    expect(contrastPatches(withBandOffset(q, [5, -3, 0, 8]), 'bands').data[0]).not.toBeCloseTo(
      contrastPatches(q, 'bands').data[0]!,
      1,
    );
    expect(() => contrastPatches({ ...p, frames: 1, data: p.data.subarray(0, 3) }, 'frames')).toThrow(
      /contrast frames needs more than 1 frames/,
    );
  });

  it('composes to dB, centre, contrast in that order; scale alone is refused; hasInvariance', () => {
    const stats = { meanQ5: [320, 0, -64], gainQ15: [16384, 32768, 8192] };
    const p = randomPatches(2, 4, 3, 'compose');
    const clips = ['a', 'a'];
    const expected = contrastPatches(centreBands(toDecibels(p, stats), clips, 'clip', true), 'both');
    const got = invariantPatches(p, clips, stats, { centre: 'clip', scale: true, contrast: 'both' });
    expect(got.bands).toBe(5);
    close(got.data, expected.data, 6);
    expect(() => invariantPatches(p, clips, stats, { scale: true })).toThrow(/scale needs centre/);
    expect(hasInvariance({})).toBe(false);
    expect(hasInvariance({ offset: false })).toBe(false);
    expect(hasInvariance({ offset: true })).toBe(true);
    expect(hasInvariance({ centre: 'patch' })).toBe(true);
    expect(hasInvariance({ contrast: 'bands' })).toBe(true);
  });
});
