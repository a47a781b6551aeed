import {
  INT32_MAX, INT32_MIN, avgPool, buildSoftmaxExpLut, computePadding, multiplyByQuantizedMultiplier,
  quantizeMultiplier, roundingDivideByPot, saturatingRoundingDoublingHighMul, softmax,
} from '../../../src/nn/int-reference';

// Hand-checked values of the arithmetic contract (the C kernels are checked against the same
// functions in kernels.test.ts).
describe('requantization', () => {
  it('rounds the doubling high multiply to nearest, ties toward +infinity (gemmlowp)', () => {
    expect(saturatingRoundingDoublingHighMul(1, 2 ** 30)).toBe(1); // 0.5 → 1
    expect(saturatingRoundingDoublingHighMul(-1, 2 ** 30)).toBe(0); // −0.5 → 0
    expect(saturatingRoundingDoublingHighMul(-3, 2 ** 30)).toBe(-1); // −1.5 → −1
    expect(saturatingRoundingDoublingHighMul(-3, 2 ** 29)).toBe(-1); // −0.75 → −1
    expect(saturatingRoundingDoublingHighMul(3, 2 ** 29)).toBe(1); // 0.75 → 1
    expect(saturatingRoundingDoublingHighMul(1, 2 ** 29)).toBe(0); // 0.25 → 0
    expect(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN)).toBe(INT32_MAX);
  });

  it('divides by a power of two rounding half away from zero', () => {
    expect(roundingDivideByPot(3, 1)).toBe(2);
    expect(roundingDivideByPot(-3, 1)).toBe(-2);
    expect(roundingDivideByPot(-5, 2)).toBe(-1);
    expect(roundingDivideByPot(5, 2)).toBe(1);
    expect(roundingDivideByPot(6, 2)).toBe(2);
    expect(roundingDivideByPot(-6, 2)).toBe(-2);
    expect(roundingDivideByPot(7, 0)).toBe(7);
  });

  it('multiplies by a quantized multiplier, saturating the left shift', () => {
    const half = quantizeMultiplier(0.5);
    expect(half).toEqual({ multiplier: 2 ** 30, shift: 0 });
    expect(multiplyByQuantizedMultiplier(101, half.multiplier, half.shift)).toBe(51);
    expect(multiplyByQuantizedMultiplier(-101, half.multiplier, half.shift)).toBe(-50); // tie → +∞
    // With a right shift the final division rounds ties away from zero: −101/4 = −25.25 → −25,
    // −102/4 = −25.5: SRDHM gives −51 exactly, then −51/2 = −25.5 → −26.
    expect(multiplyByQuantizedMultiplier(-101, half.multiplier, -1)).toBe(-25);
    expect(multiplyByQuantizedMultiplier(-102, half.multiplier, -1)).toBe(-26);
    const three = quantizeMultiplier(3);
    expect(three).toEqual({ multiplier: 3 * 2 ** 29, shift: 2 });
    expect(multiplyByQuantizedMultiplier(7, three.multiplier, three.shift)).toBe(21);
    // 2^30 · 4 saturates to INT32_MAX before the multiply: 0.75 · (2^31 − 1), rounded.
    expect(multiplyByQuantizedMultiplier(2 ** 30, three.multiplier, three.shift)).toBe(1610612735);
    expect(() => multiplyByQuantizedMultiplier(1, 2 ** 30, 31)).toThrow('shift must be an integer in [-31, 30], got 31');
  });

  it('quantizes multipliers into [2^30, 2^31) with the TFLite rounding', () => {
    for (const r of [1e-6, 0.0123, 0.4999999, 0.75, 1, 1.9999999999, 123.4]) {
      const q = quantizeMultiplier(r);
      expect(q.multiplier).toBeGreaterThanOrEqual(2 ** 30);
      expect(q.multiplier).toBeLessThan(2 ** 31);
      expect(Math.abs(q.multiplier * 2 ** (q.shift - 31) - r) / r).toBeLessThan(1e-9);
    }
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(2 ** -40)).toEqual({ multiplier: 0, shift: 0 });
  });
});

describe('padding and pooling rules', () => {
  it('pads as TFLite: extra padding goes bottom/right', () => {
    expect(computePadding('same', 5, 3, 2)).toEqual({ out: 3, pad: 1 });
    expect(computePadding('same', 6, 3, 2)).toEqual({ out: 3, pad: 0 }); // total 1 → 0 top, 1 bottom
    expect(computePadding('valid', 7, 3, 2)).toEqual({ out: 3, pad: 0 });
  });

  it('averages rounding half away from zero, excluding padding from the count', () => {
    const run = (values: number[], padW = 0, outW = 1): number[] =>
      Array.from(avgPool({ strideH: 1, strideW: 1, padH: 0, padW, activation: { min: -128, max: 127 } },
        { n: 1, h: 1, w: values.length, c: 1 }, Int8Array.from(values), { n: 1, h: 1, w: values.length, c: 1 },
        { n: 1, h: 1, w: outW, c: 1 }));
    expect(run([1, 2])).toEqual([2]); // 1.5 → 2
    expect(run([-1, -2])).toEqual([-2]); // −1.5 → −2
    expect(run([1, 1, 2])).toEqual([1]); // 1.33 → 1
    expect(run([-128, -128, -127])).toEqual([-128]);
    // Window of 2 at offset −1: only one in-bounds element, so the average is that element.
    expect(run([5, 9], 1, 1)).toEqual([5]);
  });
});

describe('softmax', () => {
  it('gives 127 for a single class and equal shares for equal inputs', () => {
    const lut = buildSoftmaxExpLut(0.1);
    expect(lut[0]).toBe(65536);
    expect(Array.from(softmax(lut, 1, Int8Array.from([-7])))).toEqual([127]);
    expect(Array.from(softmax(lut, 4, Int8Array.from([3, 3, 3, 3])))).toEqual([-64, -64, -64, -64]); // 64/256 each
  });

  it('follows the LUT and rounds e·256/S half up', () => {
    const lut = new Int32Array(256);
    lut[0] = 3;
    lut[1] = 1; // S = 3 + 1 = 4: 192 and 64 exactly
    expect(Array.from(softmax(lut, 2, Int8Array.from([10, 9])))).toEqual([64, -64]);
    lut[0] = 2;
    lut[1] = 1; // S = 3: 170.67 → 171, 85.33 → 85
    expect(Array.from(softmax(lut, 2, Int8Array.from([10, 9])))).toEqual([43, -43]);
  });
});
