import { StageInputError } from '../../../src/errors';
import { detectKeywords, smoothPosteriors } from '../../../src/eval';

describe('smoothPosteriors (causal moving average)', () => {
  it('averages the last W frames, or all frames so far at the start', () => {
    const x = [0, 0.5, 1, 1, 0];
    // W=2: [0, (0+.5)/2, (.5+1)/2, (1+1)/2, (1+0)/2]
    expect(Array.from(smoothPosteriors(x, 1, 2))).toEqual([0, 0.25, 0.75, 1, 0.5]);
    // W=3: [0, .5/2, 1.5/3, 2.5/3, 2/3]
    const w3 = Array.from(smoothPosteriors(x, 1, 3));
    [0, 0.25, 0.5, 2.5 / 3, 2 / 3].forEach((v, i) => expect(w3[i]).toBeCloseTo(v, 12));
  });

  it('smooths each class on its own (row-major [frames × classes])', () => {
    // class 0: 1, 0, 1; class 1: 0, 1, 0 → W=2: class 0: 1, .5, .5; class 1: 0, .5, .5
    const x = Float32Array.from([1, 0, 0, 1, 1, 0]);
    expect(Array.from(smoothPosteriors(x, 2, 2))).toEqual([1, 0, 0.5, 0.5, 0.5, 0.5]);
  });

  it('W=1 returns the input unchanged', () => {
    const x = Float32Array.from([0.1, 0.9, 0.7, 0.3]);
    expect(Array.from(smoothPosteriors(x, 2, 1))).toEqual(Array.from(x));
  });

  it('is causal: a spike at frame 10 changes nothing before frame 10 and frames 10…14 by spike/W', () => {
    const base = Array.from({ length: 30 }, (_, i) => (i % 7) / 10);
    const spiked = [...base];
    spiked[10] = base[10]! + 1;
    const a = smoothPosteriors(base, 1, 5);
    const b = smoothPosteriors(spiked, 1, 5);
    for (let t = 0; t < 10; t++) expect(b[t]).toBe(a[t]);
    for (let t = 10; t < 15; t++) expect(b[t]! - a[t]!).toBeCloseTo(1 / 5, 12);
    for (let t = 15; t < 30; t++) expect(b[t]).toBeCloseTo(a[t]!, 12);
  });

  it('a later spike cannot cause an earlier detection', () => {
    // One keyword class (index 1), posterior 1.0 at frame 40 only. With W=5 the smoothed
    // value is 0.2 at frames 40…44 and 0 elsewhere; a centred window would already be 0.2
    // at frames 38–39. At θ = 0.1 the only detection is at frame 40.
    const frames = 60;
    const x = new Float32Array(frames * 2);
    for (let t = 0; t < frames; t++) x[t * 2] = 1;
    x[40 * 2] = 0;
    x[40 * 2 + 1] = 1;
    const s = smoothPosteriors(x, 2, 5);
    expect(s[39 * 2 + 1]).toBe(0);
    expect(s[40 * 2 + 1]).toBeCloseTo(0.2, 12);
    const d = detectKeywords(s, { numClasses: 2, keywordClasses: [1], threshold: 0.1, refractoryFrames: 0 });
    expect(d).toEqual([{ frame: 40, classIndex: 1 }]);
  });

  it('rejects a window that is not a positive integer and a buffer that is not whole frames', () => {
    expect(() => smoothPosteriors([0, 1], 1, 0)).toThrow(StageInputError);
    expect(() => smoothPosteriors([0, 1], 1, 1.5)).toThrow(/positive whole number/);
    expect(() => smoothPosteriors([0, 1, 2], 2, 1)).toThrow(/not a whole number of frames of 2 classes/);
  });
});
