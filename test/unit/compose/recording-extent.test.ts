import { gainToDbfs, overlay } from '../../../src/audio/mix';
import { whiteNoise } from '../../../src/audio/noise';
import { recordingActivity } from '../../../src/compose/recording-extent';
import { changeSpeed, snapSpeed, speedPosition } from '../../../src/compose/speed';
import { Prng } from '../../../src/util/prng';

const SR = 16000;
const opts = { floorMarginDb: 8, belowPeakDb: 40, padMs: 0 };

/** 1 s of room noise at `floorDb` with a 300 ms 440 Hz burst at −20 dBFS starting at 400 ms. */
function recording(floorDb: number): Float32Array {
  const x = gainToDbfs(whiteNoise(SR, Prng.derive('extent-test', floorDb)), floorDb);
  const burst = Float32Array.from({ length: 0.3 * SR }, (_, i) => 0.1414 * Math.sin((2 * Math.PI * 440 * i) / SR));
  overlay(x, burst, 0.4 * SR);
  return x;
}

describe('recordingActivity', () => {
  it('finds the word over a noise floor that activity.ts (−40 dB re peak) would call active', () => {
    const a = recordingActivity(recording(-50), SR, opts);
    expect(Math.abs(a.floorDb + 50)).toBeLessThan(1.5);
    expect(a.extent!.start).toBe(0.4 * SR);
    expect(a.extent!.end).toBe(0.7 * SR);
    expect(recordingActivity(recording(-50), SR, { ...opts, padMs: 30 }).extent).toEqual({
      start: 0.37 * SR,
      end: 0.73 * SR,
    });
  });

  it('ignores zero padding when estimating the floor', () => {
    const padded = new Float32Array(2 * SR);
    padded.set(recording(-55));
    const a = recordingActivity(padded, SR, opts);
    expect(Math.abs(a.floorDb + 55)).toBeLessThan(1.5);
    expect(a.extent).toEqual({ start: 0.4 * SR, end: 0.7 * SR });
  });

  it('calls digital silence and stationary noise silent', () => {
    expect(recordingActivity(new Float32Array(SR), SR, opts)).toEqual({
      extent: undefined,
      peakDb: -Infinity,
      floorDb: -Infinity,
    });
    const noise = gainToDbfs(whiteNoise(SR, Prng.derive('noise')), -30);
    expect(recordingActivity(noise, SR, opts).extent).toBeUndefined();
  });
});

describe('speed perturbation', () => {
  it('snaps the factor to 0.01 and shortens by it; positions map through the same ratio', () => {
    expect(snapSpeed(1.0749)).toBe(1.07);
    const x = Float32Array.from({ length: SR }, (_, i) => Math.sin((2 * Math.PI * 200 * i) / SR));
    const y = changeSpeed(x, SR, 1.25);
    expect(y.length).toBe(Math.ceil(SR / 1.25));
    expect(speedPosition(SR, SR, 1.25)).toBe(SR / 1.25);
    // 200 Hz played 1.25× faster is 250 Hz: count zero crossings in the middle.
    let crossings = 0;
    for (let i = 1000; i < 11000; i++) if (y[i - 1]! < 0 !== y[i]! < 0) crossings++;
    expect(crossings / (10000 / SR)).toBeCloseTo(500, -1);
  });
});
