import {
  chooseActivationParams,
  dequantizeAffine,
  dequantizeWeightsPerChannel,
  nudgedRange,
  quantizeAffine,
  quantizeBias,
  quantizeWeightsPerChannel,
} from '../../../src/quant/int8-scheme';
import { StageInputError } from '../../../src/errors';

describe('symmetric per-channel weights', () => {
  it('int8, channel axis 0: scale = max|w_c|/127, zero point 0, ties away from zero', () => {
    // ch0 max 1.984375 = 127/64 → scale 1/64; ch1 max 3.96875 = 254/64 → scale 1/32
    const w = [1.984375, -0.5, 1 / 128, -3.96875, 1 / 64, -1 / 64];
    const q = quantizeWeightsPerChannel(w, [2, 3], 0, 8);
    expect(Array.from(q.scales)).toEqual([1 / 64, 1 / 32]);
    // ch0: 127, −0.5·64 = −32, (1/128)·64 = 0.5 → 1; ch1: −127, (1/64)·32 = 0.5 → 1, −0.5 → −1
    expect(Array.from(q.values)).toEqual([127, -32, 1, -127, 1, -1]);
  });

  it('channel axis 1 (depthwise-style, last axis)', () => {
    // shape [2, 2]; ch0 = {0.5, −2} → scale 2/127; ch1 = {−4, 1} → scale 4/127
    const q = quantizeWeightsPerChannel([0.5, -4, -2, 1], [2, 2], 1, 8);
    expect(q.scales[0]).toBeCloseTo(2 / 127, 15);
    expect(q.scales[1]).toBeCloseTo(4 / 127, 15);
    // 0.5·127/2 = 31.75 → 32; −127; −127; 1·127/4 = 31.75 → 32
    expect(Array.from(q.values)).toEqual([32, -127, -127, 32]);
  });

  it('4-bit uses [−7, 7] and 2-bit [−1, 1]', () => {
    // 4-bit: max 0.875 → scale 0.125: 7, −3.5 → −4, 0.5 → 1
    const q4 = quantizeWeightsPerChannel([0.875, -0.4375, 0.0625], [1, 3], 0, 4);
    expect(q4.scales[0]).toBe(0.125);
    expect(Array.from(q4.values)).toEqual([7, -4, 1]);
    // 2-bit: max 0.5 → scale 0.5: −1, 0.5 → tie → 1, 0.4 → 0
    const q2 = quantizeWeightsPerChannel([-0.5, 0.25, 0.2], [1, 3], 0, 2);
    expect(q2.scales[0]).toBe(0.5);
    expect(Array.from(q2.values)).toEqual([-1, 1, 0]);
  });

  it('all-zero channel gets scale 1; round trip error ≤ scale/2', () => {
    const w = [0, 0, 0.3, -0.7, 0.11, 0.05];
    const q = quantizeWeightsPerChannel(w, [3, 2], 0);
    expect(q.scales[0]).toBe(1);
    const back = dequantizeWeightsPerChannel(q, [3, 2], 0);
    w.forEach((v, i) => expect(Math.abs(back[i]! - v)).toBeLessThanOrEqual(q.scales[Math.floor(i / 2)]! / 2 + 1e-7));
  });

  it('rejects a shape that does not match', () => {
    expect(() => quantizeWeightsPerChannel([1, 2, 3], [2, 2], 0)).toThrow(StageInputError);
    expect(() => quantizeWeightsPerChannel([1, 2], [2], 1)).toThrow(StageInputError);
  });
});

describe('asymmetric per-tensor activations (nudged zero point)', () => {
  it('ReLU range [0, 2.55]: scale 0.01, zero point −128', () => {
    const p = chooseActivationParams(0, 2.55);
    expect(p.scale).toBeCloseTo(0.01, 15); // 2.55/255
    expect(p.zeroPoint).toBe(-128); // from min: −128 − 0/s, error 128 < 127 + 255
  });

  it('range [−2.55, 0]: zero point 127', () => {
    expect(chooseActivationParams(-2.55, 0).zeroPoint).toBe(127); // from max: 127 − 0/s
  });

  it('range not containing 0 is widened to include it', () => {
    const p = chooseActivationParams(0.5, 2.55); // → [0, 2.55]
    expect(p.scale).toBeCloseTo(0.01, 15);
    expect(p.zeroPoint).toBe(-128);
  });

  it('range [−1, 3]: zero point round(−64.25) = −64 and nudged range', () => {
    // s = 4/255; from min: −128 + 1/s = −128 + 63.75 = −64.25 (error 128 + 63.75 = 191.75);
    // from max: 127 − 3/s = 127 − 191.25 = −64.25 (error 318.25) → −64
    const p = chooseActivationParams(-1, 3);
    expect(p.scale).toBeCloseTo(4 / 255, 15);
    expect(p.zeroPoint).toBe(-64);
    const r = nudgedRange(p);
    expect(r.min).toBeCloseTo((-128 + 64) * (4 / 255), 12); // −1.00392
    expect(r.max).toBeCloseTo((127 + 64) * (4 / 255), 12); // 2.99608
  });

  it('zero is exactly representable for many ranges', () => {
    const ranges: Array<[number, number]> = [
      [-1, 1],
      [-0.3, 7.1],
      [-123.4, 0.01],
      [-1e-3, 1e-3],
      [0, 6],
      [-6, 6.5],
    ];
    for (const [lo, hi] of ranges) {
      const p = chooseActivationParams(lo, hi);
      expect(Number.isInteger(p.zeroPoint)).toBe(true);
      expect(p.zeroPoint).toBeGreaterThanOrEqual(-128);
      expect(p.zeroPoint).toBeLessThanOrEqual(127);
      expect(quantizeAffine(0, p)).toBe(p.zeroPoint);
      expect(dequantizeAffine(p.zeroPoint, p)).toBe(0);
      const r = nudgedRange(p);
      expect(r.min).toBeLessThanOrEqual(0);
      expect(r.max).toBeGreaterThanOrEqual(0);
    }
  });

  it('quantize clamps and rounds half away from zero', () => {
    const p = { scale: 0.5, zeroPoint: 10 };
    expect(quantizeAffine(0.25, p)).toBe(11); // 0.5 → 1, +10
    expect(quantizeAffine(-0.25, p)).toBe(9); // −0.5 → −1
    expect(quantizeAffine(1000, p)).toBe(127);
    expect(quantizeAffine(-1000, p)).toBe(-128);
  });

  it('point range and bad ranges', () => {
    expect(chooseActivationParams(0, 0)).toEqual({ scale: 1, zeroPoint: 0 });
    expect(() => chooseActivationParams(2, 1)).toThrow(StageInputError);
  });
});

describe('int32 bias', () => {
  it('scale = inputScale·weightScale_c', () => {
    // scales 0.5·0.25 = 0.125 and 0.5·0.125 = 0.0625; 1/0.125 = 8; −0.3/0.0625 = −4.8 → −5
    const b = quantizeBias([1, -0.3], 0.5, [0.25, 0.125]);
    expect(Array.from(b.scales)).toEqual([0.125, 0.0625]);
    expect(Array.from(b.values)).toEqual([8, -5]);
  });
  it('saturates to int32', () => {
    const b = quantizeBias([1e12, -1e12], 1e-3, [1e-3]);
    expect(Array.from(b.values)).toEqual([2147483647, -2147483648]);
  });
});
