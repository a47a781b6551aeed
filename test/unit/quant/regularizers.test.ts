import {
  nearestMinimumCode,
  regularizerMinima,
  roundToNearestMinimum,
  type Reg1Variant,
} from '../../../src/quant/regularizers';
import {
  reg1,
  regN,
  regNBoundary,
  regNGradient,
  regularizationGradient,
  regularizationPenalty,
  regularizerFor,
  scheduledRegularization,
} from '../../helpers/scalar-regularizers';
import { StageInputError } from '../../../src/errors';

const PI = Math.PI;

describe('Reg_1 variants (thesis §4.2.1, Eq. 4.1, 4.3–4.5)', () => {
  // [variant, w, expected value, expected gradient], all computed by hand.
  const cases: Array<[Reg1Variant, number, number, number]> = [
    // R_1 = |1 − |w||, R_1' = −sign(1 − |w|)·sign(w)
    ['r1', 0.5, 0.5, -1], // |1 − 0.5| = 0.5; −(+1)(+1) = −1
    ['r1', 2, 1, 1], // |1 − 2| = 1; −(−1)(+1) = +1
    ['r1', -0.5, 0.5, 1], // |1 − 0.5| = 0.5; −(+1)(−1) = +1
    // R_1^2 = (1 − |w|)², R' = −2(1 − |w|)sign(w)
    ['r1-squared', 0.5, 0.25, -1], // 0.5² = 0.25; −2·0.5·1 = −1
    ['r1-squared', 2, 1, 2], // (−1)² = 1; −2·(−1)·1 = 2
    // Reg_1^a = (w² − 1)², R' = 4w(w² − 1)
    ['a', 0, 1, 0], // (0 − 1)² = 1; 0
    ['a', 0.5, 0.5625, -1.5], // (0.25 − 1)² = 0.5625; 4·0.5·(−0.75) = −1.5
    ['a', 2, 9, 24], // (4 − 1)² = 9; 4·2·3 = 24
    // Reg_1^b = |w² − 1|, R' = 2w·sign(w² − 1)
    ['b', 0.5, 0.75, -1], // |0.25 − 1| = 0.75; 2·0.5·(−1) = −1
    ['b', 2, 3, 4], // |4 − 1| = 3; 2·2·1 = 4
    // Reg_1^c = cos(πw) + 1 (|w| ≤ 3/2), π(|w| − 3/2) + 1 beyond
    ['c', 0, 2, 0], // cos 0 + 1 = 2; −π sin 0 = 0
    ['c', 0.5, 1, -PI], // cos(π/2) + 1 = 1; −π sin(π/2) = −π
    ['c', 2, 1 + PI / 2, PI], // π(2 − 1.5) + 1 = 1 + π/2; slope π
    ['c', -2, 1 + PI / 2, -PI], // symmetric; slope −π
  ];
  it.each(cases)('%s(%p) = %p, gradient %p', (variant, w, value, gradient) => {
    const r = reg1(variant);
    expect(r.value(w)).toBeCloseTo(value, 12);
    expect(r.gradient(w)).toBeCloseTo(gradient, 12);
  });

  it('every variant has its global minima 0 at ±1', () => {
    for (const v of ['r1', 'r1-squared', 'a', 'b', 'c'] as const) {
      expect(reg1(v).value(1)).toBeCloseTo(0, 12);
      expect(reg1(v).value(-1)).toBeCloseTo(0, 12);
    }
  });

  it('Reg_1^c is C¹ at |w| = 3/2 (cos(3π/2) + 1 = 1 = π·0 + 1; slopes π)', () => {
    const r = reg1('c');
    const e = 1e-9;
    expect(r.value(1.5 - e)).toBeCloseTo(1, 7);
    expect(r.value(1.5 + e)).toBeCloseTo(1, 7);
    expect(r.gradient(1.5 - e)).toBeCloseTo(PI, 7);
    expect(r.gradient(1.5 + e)).toBeCloseTo(PI, 7);
  });
});

describe('Reg_N (thesis §4.2.2, Eq. 4.6)', () => {
  // K = 2^(N−1) − 1: N = 2 → 1, N = 4 → 7, N = 8 → 127.
  const cases: Array<[number, number, number]> = [
    [2, 0, 0], // 1 − cos 0 = 0
    [2, 0.25, 1], // 1 − cos(π/2) = 1
    [2, 0.5, 2], // 1 − cos(π) = 2 (maximum between minima 0 and 1)
    [2, 1, 0], // 1 − cos(2π) = 0
    [2, -1, 0],
    [2, 1.25, 1], // boundary 1 + 1/4: 1 − cos(2.5π) = 1
    [2, 2, 1 + 1.5 * PI], // linear: 1 + 2π((2 − 1)·1 − 1/4) = 1 + 1.5π
    [2, -2, 1 + 1.5 * PI],
    [4, 1 / 7, 0], // 1 − cos(2π·7/7) = 0
    [4, 1 / 14, 2], // 1 − cos(π) = 2
    [4, 1 / 28, 1], // 1 − cos(π/2) = 1
    [4, 1 + 1 / 28, 1], // boundary: 1 − cos(14π + π/2) = 1
    [4, 2, 1 + 13.5 * PI], // 1 + 2π((2 − 1)·7 − 1/4) = 1 + 13.5π
    [8, 3 / 127, 0], // 1 − cos(6π) = 0
    [8, 1 / 254, 2], // 1 − cos(π) = 2
    [8, 1 + 1 / 508, 1], // boundary: 1 − cos(254π + π/2) = 1
    [8, 1.5, 1 + 126.5 * PI], // 1 + 2π(0.5·127 − 1/4) = 1 + 126.5π
    [8, -1.5, 1 + 126.5 * PI],
  ];
  it.each(cases)('Reg_%p(%p) = %p', (n, w, expected) => {
    expect(regN(w, n)).toBeCloseTo(expected, 9);
  });

  const gradients: Array<[number, number, number]> = [
    [2, 0.25, 2 * PI], // 2π·1·sin(π/2)
    [2, 1.25, 2 * PI], // 2π·sin(2.5π) = 2π (boundary)
    [2, 2, 2 * PI], // linear slope 2πK
    [2, -2, -2 * PI],
    [4, 1 / 28, 14 * PI], // 2π·7·sin(π/2)
    [4, -3, -14 * PI],
    [8, 1.5, 254 * PI],
  ];
  it.each(gradients)("Reg_%p'(%p) = %p", (n, w, expected) => {
    expect(regNGradient(w, n)).toBeCloseTo(expected, 8);
  });

  it.each([2, 4, 8])('N = %p: value and slope are continuous at the boundary 1 + 1/(4K)', (n) => {
    const b = regNBoundary(n);
    const k = 2 ** (n - 1) - 1;
    expect(b).toBeCloseTo(1 + 1 / (4 * k), 15);
    const e = 1e-9;
    for (const s of [1, -1]) {
      expect(Math.abs(regN(s * (b - e), n) - regN(s * (b + e), n))).toBeLessThan(1e-5);
      expect(regN(s * (b + e), n)).toBeCloseTo(1, 5);
      // both slopes are 2πK·sign(w) there
      expect(regNGradient(s * (b - e), n)).toBeCloseTo(s * 2 * PI * k, 3);
      expect(regNGradient(s * (b + e), n)).toBeCloseTo(s * 2 * PI * k, 10);
    }
  });

  it('gradients match central finite differences (all functions)', () => {
    const h = 1e-6;
    const points = [-2.3, -1.1, -0.37, 0.13, 0.61, 0.9, 1.7];
    for (const bits of [1, 2, 4, 8]) {
      const variants: Reg1Variant[] = bits === 1 ? ['r1', 'r1-squared', 'a', 'b', 'c'] : ['c'];
      for (const v of variants) {
        const r = regularizerFor(bits, v);
        for (const w of points) {
          const fd = (r.value(w + h) - r.value(w - h)) / (2 * h);
          expect(Math.abs(fd - r.gradient(w))).toBeLessThan(1e-3 * Math.max(1, Math.abs(fd)));
        }
      }
    }
  });

  it('rejects N = 1 (K = 0) and bad widths', () => {
    expect(() => regN(0.5, 1)).toThrow(StageInputError);
    expect(() => regN(0.5, 3.5)).toThrow(StageInputError);
  });
});

describe('minima and post-training rounding (Eq. 4.7, §4.2.4)', () => {
  it('lists 2^N − 1 minima k/K (N ≥ 2) and ±1 for N = 1', () => {
    expect(regularizerMinima(1)).toEqual([-1, 1]);
    expect(regularizerMinima(2)).toEqual([-1, 0, 1]);
    const m4 = regularizerMinima(4);
    expect(m4).toHaveLength(15); // 2^4 − 1
    expect(m4[0]).toBe(-1);
    expect(m4[8]).toBeCloseTo(1 / 7, 15); // k = 1
    expect(m4[14]).toBe(1);
    const m8 = regularizerMinima(8);
    expect(m8).toHaveLength(255);
    expect(m8[127]).toBe(0);
  });

  it.each([2, 4, 8])('Reg_%p is 0 at every minimum', (n) => {
    for (const m of regularizerMinima(n)) expect(regN(m, n)).toBeCloseTo(0, 9);
  });

  const rounding: Array<[number, number, number]> = [
    [4, 0.2, 1 / 7], // 0.2·7 = 1.4 → 1
    [4, 0.5, 4 / 7], // 3.5 → tie, away from zero → 4
    [4, -0.5, -4 / 7], // −3.5 → −4
    [4, 3, 1], // 21 → clamped to 7
    [4, -1.2, -1], // −8.4 → −8 → clamped to −7
    [2, 0.49, 0], // 0.49 → 0
    [2, 0.5, 1], // tie → 1
    [2, -0.5, -1], // tie → −1
    [8, 0.1, 13 / 127], // 12.7 → 13
    [1, 0.3, 1], // sign
    [1, -0.01, -1],
    [1, 0, 1], // equidistant from ±1: resolved to +1
  ];
  it.each(rounding)('N = %p: round(%p) = %p', (n, w, expected) => {
    expect(roundToNearestMinimum(w, n)).toBeCloseTo(expected, 15);
  });

  it('the integer code is the minimum times K', () => {
    expect(nearestMinimumCode(0.5, 4)).toBe(4);
    expect(nearestMinimumCode(-5, 8)).toBe(-127);
    expect(nearestMinimumCode(-0.2, 1)).toBe(-1);
  });
});

describe('penalty Σ Reg(W) and λ·S(t)·Σ_i Reg(W_i) (Eq. 4.2, 4.8)', () => {
  it('sums element-wise values', () => {
    // Reg_2: 0 + 2 + 0 + (1 + 1.5π) = 3 + 1.5π
    expect(regularizationPenalty(new Float32Array([0, 0.5, 1, 2]), 2)).toBeCloseTo(3 + 1.5 * PI, 6);
    // N = 1 uses Reg_1^c by default: (cos 0 + 1) + (cos π + 1) = 2 + 0
    expect(regularizationPenalty([0, 1], 1)).toBeCloseTo(2, 12);
    // Reg_1^a: (0 − 1)² + (0.25 − 1)² = 1.5625
    expect(regularizationPenalty([0, 0.5], 1, 'a')).toBeCloseTo(1.5625, 12);
  });

  it('gradient is element-wise', () => {
    const g = regularizationGradient([0.25, -2], 2);
    expect(g[0]).toBeCloseTo(2 * PI, 9);
    expect(g[1]).toBeCloseTo(-2 * PI, 9);
  });

  it('scales by λ and S(t)', () => {
    // λ·S·(Reg_2(0.5) + Reg_4(1/28)) = 0.1·0.5·(2 + 1) = 0.15
    const v = scheduledRegularization(
      [
        { weights: [0.5], bits: 2 },
        { weights: [1 / 28], bits: 4 },
      ],
      0.1,
      0.5,
    );
    expect(v).toBeCloseTo(0.15, 12);
  });
});
