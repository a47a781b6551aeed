import { augmentBatch, augmentEnabled, type FeatureAugment } from '../../../src/nn/train-data';
import { trainConfigSchema } from '../../../src/nn/train-config';
import { Prng } from '../../../src/util/prng';

const OFF: FeatureAugment = {
  timeShiftFrames: 0,
  timeMasks: { count: 0, maxFrames: 0 },
  freqMasks: { count: 0, maxCoeffs: 0 },
};
const FRAMES = 49;
const COEFFS = 10;

/** Example e, frame f, coefficient c = 1000e + 10f + c (every value tells where it came from). */
function batch(n: number): Float32Array {
  const x = new Float32Array(n * FRAMES * COEFFS);
  for (let e = 0; e < n; e++)
    for (let f = 0; f < FRAMES; f++)
      for (let c = 0; c < COEFFS; c++) x[(e * FRAMES + f) * COEFFS + c] = 1000 * e + 10 * f + c;
  return x;
}

/** A generator that returns the queued integers (clamped to the asked range, like a Prng would). */
const fixed = (...values: number[]) => ({
  int: (lo: number, hi: number) => Math.min(hi, Math.max(lo, values.shift() ?? lo)),
});

describe('augmentBatch', () => {
  it('is off by default and then changes nothing', () => {
    const a = trainConfigSchema.parse({}).augment;
    expect(a).toEqual(OFF);
    expect(augmentEnabled(a)).toBe(false);
    const x = batch(3);
    augmentBatch(x, 3, [FRAMES, COEFFS], a, new Prng([1, 2, 3, 4]));
    expect(x).toEqual(batch(3));
  });

  it('shifts frames later, repeating the first frame into the gap', () => {
    const x = batch(1);
    augmentBatch(x, 1, [FRAMES, COEFFS], { ...OFF, timeShiftFrames: 5 }, fixed(3));
    const frame = (f: number) => Array.from(x.subarray(f * COEFFS, (f + 1) * COEFFS));
    expect(frame(0)).toEqual(frame(2));
    expect(frame(2)[0]).toBe(0); // frame 0 repeated
    expect(frame(3)[0]).toBe(0); // frame 0 moved to 3
    expect(frame(48)[0]).toBe(450); // frame 45 moved to 48
  });

  it('shifts frames earlier, repeating the last frame', () => {
    const x = batch(1);
    augmentBatch(x, 1, [FRAMES, COEFFS], { ...OFF, timeShiftFrames: 5 }, fixed(-2));
    expect(x[0]).toBe(20);
    expect(x[46 * COEFFS]).toBe(480);
    expect(x[48 * COEFFS]).toBe(480);
  });

  it('sets a time mask to the coefficient mean and a frequency mask to the frame mean', () => {
    const t = batch(1);
    augmentBatch(t, 1, [FRAMES, COEFFS], { ...OFF, timeMasks: { count: 1, maxFrames: 10 } }, fixed(4, 20)); // frames 20–23
    expect(t[20 * COEFFS + 7]).toBeCloseTo(240 + 7, 4); // mean over frames of 10f + 7 = 247
    expect(t[23 * COEFFS + 7]).toBeCloseTo(247, 4);
    expect(t[24 * COEFFS + 7]).toBe(247); // untouched frame 24 is 10·24 + 7
    expect(t[19 * COEFFS + 7]).toBe(197);

    const f = batch(1);
    augmentBatch(f, 1, [FRAMES, COEFFS], { ...OFF, freqMasks: { count: 1, maxCoeffs: 3 } }, fixed(2, 5)); // coeffs 5–6
    expect(f[10 * COEFFS + 5]).toBeCloseTo(104.5, 4);
    expect(f[10 * COEFFS + 6]).toBeCloseTo(104.5, 4);
    expect(f[10 * COEFFS + 7]).toBe(107);
  });

  it('is a pure function of the generator state and keeps the shape', () => {
    const a: FeatureAugment = {
      timeShiftFrames: 5,
      timeMasks: { count: 2, maxFrames: 8 },
      freqMasks: { count: 1, maxCoeffs: 2 },
    };
    const x = batch(8);
    const y = batch(8);
    augmentBatch(x, 8, [FRAMES, COEFFS], a, Prng.derive('t', 1));
    augmentBatch(y, 8, [FRAMES, COEFFS], a, Prng.derive('t', 1));
    expect(x).toEqual(y);
    expect(x).toHaveLength(8 * FRAMES * COEFFS);
    expect(x).not.toEqual(batch(8));
    const z = batch(8);
    augmentBatch(z, 8, [FRAMES, COEFFS], a, Prng.derive('t', 2));
    expect(z).not.toEqual(x);
    expect(() => augmentBatch(new Float32Array(10), 8, [FRAMES, COEFFS], a, Prng.derive('t', 1))).toThrow(RangeError);
  });
});
