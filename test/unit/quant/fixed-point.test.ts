import {
  INT32_MAX,
  INT32_MIN,
  frexp,
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  roundingDivideByPOT,
  saturatingRoundingDoublingHighMul,
} from '../../../src/quant/fixed-point';

describe('frexp', () => {
  it('splits into fraction in [0.5, 1) and exponent', () => {
    expect(frexp(1)).toEqual({ fraction: 0.5, exponent: 1 }); // 1 = 0.5·2^1
    expect(frexp(0.75)).toEqual({ fraction: 0.75, exponent: 0 });
    expect(frexp(-6)).toEqual({ fraction: -0.75, exponent: 3 }); // −6 = −0.75·2^3
    expect(frexp(2 ** -1074)).toEqual({ fraction: 0.5, exponent: -1073 }); // smallest subnormal
  });
});

describe('quantizeMultiplier (TFLite QuantizeMultiplier)', () => {
  const cases: Array<[number, number, number]> = [
    [0.5, 2 ** 30, 0], // frexp → (0.5, 0); 0.5·2^31 = 2^30
    [1, 2 ** 30, 1], // (0.5, 1)
    [1.5, 1610612736, 1], // (0.75, 1); 0.75·2^31 = 1610612736
    [1 / 3, 1431655765, -1], // (2/3, −1); 2/3·2^31 = 1431655765.33 → 1431655765
    [0.0001, 1759218604, -13], // (0.8192, −13); 0.8192·2^31 = 1759218604.44 → 1759218604
    [0.99999, 2147462173, 0], // 0.99999·2^31 = 2147483648 − 21474.836 = 2147462173.16 → 2147462173
    [1 - 2 ** -40, 2 ** 30, 1], // round((1 − 2^−40)·2^31) = 2^31 → halved, shift + 1
    [-0.5, -(2 ** 30), 0], // frexp keeps the sign
    [2 ** -40, 0, 0], // shift −39 < −31 → (0, 0)
    [0, 0, 0],
  ];
  it.each(cases)('%p → (%p, %p)', (m, multiplier, shift) => {
    expect(quantizeMultiplier(m)).toEqual({ multiplier, shift });
  });

  it('multiplier stays an int32 in [2^30, 2^31 − 1] for positive inputs', () => {
    for (const m of [1e-9, 0.1, 0.3, 0.7, 0.9999999999, 3.999999, 123.456]) {
      const { multiplier } = quantizeMultiplier(m);
      expect(multiplier).toBeGreaterThanOrEqual(2 ** 30);
      expect(multiplier).toBeLessThanOrEqual(INT32_MAX);
    }
  });
});

describe('SaturatingRoundingDoublingHighMul / RoundingDivideByPOT', () => {
  it('rounds a·b/2^31 to nearest, ties toward +∞ (nudge 2^30 or 1 − 2^30, then truncate)', () => {
    expect(saturatingRoundingDoublingHighMul(3, 2 ** 30)).toBe(2); // 1.5 → 2
    expect(saturatingRoundingDoublingHighMul(-3, 2 ** 30)).toBe(-1); // (−3·2^30 + 1 − 2^30)/2^31 = −1.99.. → −1
    expect(saturatingRoundingDoublingHighMul(-1, 2 ** 30)).toBe(0); // −0.5 → 0
    expect(saturatingRoundingDoublingHighMul(5, 2 ** 29)).toBe(1); // 1.25 → 1
  });

  it('saturates only INT32_MIN·INT32_MIN', () => {
    expect(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN)).toBe(INT32_MAX);
    // (−2^31(2^31 − 1) + 1 − 2^30)/2^31 = −2^31 + 1/2 + 2^−31 = −2147483647.49.. → truncated −2147483647
    expect(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MAX)).toBe(-2147483647);
    // (2^31 − 1)²/2^31 = 2^31 − 2 + 2^−31 → 2147483646
    expect(saturatingRoundingDoublingHighMul(INT32_MAX, INT32_MAX)).toBe(2147483646);
  });

  it('RoundingDivideByPOT rounds ties away from zero', () => {
    expect(roundingDivideByPOT(5, 1)).toBe(3); // 2.5 → 3
    expect(roundingDivideByPOT(-5, 1)).toBe(-3); // −2.5 → −3
    expect(roundingDivideByPOT(6, 2)).toBe(2); // 1.5 → 2
    expect(roundingDivideByPOT(-6, 2)).toBe(-2); // −1.5 → −2
    expect(roundingDivideByPOT(-7, 2)).toBe(-2); // −1.75 → −2
    expect(roundingDivideByPOT(-5, 2)).toBe(-1); // −1.25 → −1
    expect(roundingDivideByPOT(INT32_MIN, 31)).toBe(-1); // −1 exactly
    expect(roundingDivideByPOT(INT32_MAX, 31)).toBe(1); // 0.99999 → 1
    expect(roundingDivideByPOT(7, 0)).toBe(7);
  });
});

describe('multiplyByQuantizedMultiplier (TFLite, double rounding)', () => {
  const cases: Array<[number, number, number, number]> = [
    [100, 2 ** 30, 0, 50], // SRDHM: (100·2^30 + 2^30)/2^31 = 50.5 → 50
    [3, 2 ** 30, 0, 2], // 1.5 → 2
    [-3, 2 ** 30, 0, -1], // −1.5 → −1 (SRDHM tie toward +∞)
    [10, 2 ** 30, -1, 3], // SRDHM 5.5 → 5; RDBP(5, 1) = 2.5 → 3
    [-10, 2 ** 30, -1, -3], // SRDHM −5.5 → −5; RDBP(−5, 1) = −2.5 → −3
    [1000, 2 ** 30, 1, 1000], // x·2 = 2000; SRDHM 1000.5 → 1000
    [300, 1431655765, -1, 100], // 1/3: SRDHM (300·M + 2^30)/2^31 = 200.49 → 200; /2 = 100
    [-300, 1431655765, -1, -100], // SRDHM (−300·M + 1 − 2^30)/2^31 = −200.49 → −200; /2
    [INT32_MIN, INT32_MIN, 0, INT32_MAX], // saturation
    [INT32_MAX, INT32_MAX, 0, 2147483646],
    [12345, 0, 0, 0],
  ];
  it.each(cases)('x = %p, M = %p, shift = %p → %p', (x, m, shift, expected) => {
    expect(multiplyByQuantizedMultiplier(x, m, shift)).toBe(expected);
  });

  it('with quantizeMultiplier approximates x·m within one unit', () => {
    for (const m of [0.0001, 0.00390625, 0.123, 0.5, 0.75, 1.9]) {
      const { multiplier, shift } = quantizeMultiplier(m);
      for (const x of [-100000, -1234, -1, 0, 7, 999, 65536]) {
        expect(Math.abs(multiplyByQuantizedMultiplier(x, multiplier, shift) - x * m)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('rejects non-int32 inputs and bad shifts', () => {
    expect(() => multiplyByQuantizedMultiplier(2 ** 31, 2 ** 30, 0)).toThrow();
    expect(() => multiplyByQuantizedMultiplier(1, 2 ** 30, 31)).toThrow();
    expect(() => multiplyByQuantizedMultiplier(1.5, 2 ** 30, 0)).toThrow();
  });
});
