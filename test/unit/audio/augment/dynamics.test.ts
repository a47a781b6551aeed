import { applyAgc } from '../../../../src/audio/augment/agc';
import { applyClipping } from '../../../../src/audio/augment/clipping';
import { dbfs, peak } from '../../../../src/audio/mix';
import { Prng } from '../../../../src/util/prng';

const SR = 16000;
const toneAt = (db: number, n = SR): Float32Array => {
  const a = Math.SQRT2 * Math.pow(10, db / 20);
  return Float32Array.from({ length: n }, (_, i) => a * Math.sin((2 * Math.PI * 440 * i) / SR));
};
const params = { targetDbfs: -20, maxGainDb: 30, attackMs: 5, releaseMs: 200 };

describe('applyAgc', () => {
  it('converges to the target level from below and from above', () => {
    for (const input of [-40, -6]) {
      const y = applyAgc(toneAt(input), params, SR);
      expect(dbfs(y, SR / 2)).toBeGreaterThan(-21);
      expect(dbfs(y, SR / 2)).toBeLessThan(-19);
    }
  });

  it('boosts by at most maxGainDb', () => {
    const y = applyAgc(toneAt(-70), { ...params, maxGainDb: 10, gateDbfs: -90 }, SR);
    expect(dbfs(y, SR / 2)).toBeCloseTo(-60, 0);
  });

  it('rides the gain: after a loud burst a quiet tone comes back up at the release rate', () => {
    const x = new Float32Array(2 * SR);
    x.set(toneAt(-6, SR / 2), 0);
    x.set(toneAt(-40, (3 * SR) / 2), SR / 2);
    const y = applyAgc(x, params, SR);
    const justAfter = dbfs(y, SR / 2, SR / 2 + 800); // 50 ms after the burst: gain still low
    const later = dbfs(y, (3 * SR) / 2, 2 * SR);
    expect(justAfter).toBeLessThan(-35);
    expect(later).toBeGreaterThan(-21);
  });

  it('leaves digital silence silent', () => {
    expect(peak(applyAgc(new Float32Array(1000), params, SR))).toBe(0);
  });
});

describe('applyClipping', () => {
  const rng = Prng.derive('clip-test');
  const x = Float32Array.from({ length: 4000 }, () => 0.3 * rng.normal());
  it('bounds the peak at depthDb below the input peak, hard and soft', () => {
    for (const mode of ['hard', 'soft'] as const) {
      for (const depth of [1, 6, 12]) {
        const y = applyClipping(x, mode, depth);
        expect(peak(y)).toBeLessThanOrEqual(Math.fround(peak(x) * Math.pow(10, -depth / 20)));
      }
    }
  });

  it('hard clipping leaves samples under the threshold untouched; 0 dB changes nothing', () => {
    const y = applyClipping(x, 'hard', 6);
    const thr = peak(x) / 2;
    for (let i = 0; i < x.length; i++) if (Math.abs(x[i]!) < 0.99 * thr) expect(y[i]).toBe(x[i]);
    expect(Buffer.from(applyClipping(x, 'hard', 0).buffer).equals(Buffer.from(x.buffer))).toBe(true);
  });
});
