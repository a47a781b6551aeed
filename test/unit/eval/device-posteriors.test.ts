import {
  detectOnInt8Posteriors,
  streamCheckConfigSchema,
  streamDetectorConfig,
} from '../../../src/deploy/stream-detector';
import { evaluateStreams, type StreamPosteriors } from '../../../src/eval';
import {
  deviceThreshold,
  deviceThresholds,
  int8GridPosterior,
  onInt8Grid,
  streamsOnInt8Grid,
} from '../../../src/eval/device-posteriors';
import { INT8_POSTERIOR_MAX } from '../../../src/eval/device-threshold';
import { detectKeywords } from '../../../src/eval/event-detector';
import { smoothPosteriors } from '../../../src/eval/smoothing';
import { Prng } from '../../../src/util/prng';
import { kw, LABELS, makePosteriors, neg } from './fixtures';

describe('int8 output grid', () => {
  it('rounds to k/256 and stops at 255/256, as the int8 softmax output does', () => {
    expect(int8GridPosterior(0)).toBe(0);
    expect(int8GridPosterior(1)).toBe(INT8_POSTERIOR_MAX);
    expect(int8GridPosterior(0.9995)).toBe(255 / 256);
    expect(int8GridPosterior(0.995)).toBe(255 / 256); // 254.72 → 255: the float sweep tells these apart
    expect(int8GridPosterior(0.993)).toBe(254 / 256);
    expect(int8GridPosterior(0.5)).toBe(128 / 256);
    expect(Array.from(onInt8Grid(Float32Array.of(0.001, 0.25, 0.998)))).toEqual([0, 64 / 256, 255 / 256]);
  });

  it('keeps the thresholds the board reaches, snapped to its 2^-16 grid, and names the others', () => {
    expect(deviceThresholds([0.5, 0.99, 0.996, 0.998, 1])).toEqual({
      thresholds: [0.5, 64881 / 65536, 65274 / 65536],
      unreachable: [0.998, 1],
    });
    expect(deviceThreshold(INT8_POSTERIOR_MAX)).toBe(INT8_POSTERIOR_MAX);
    // Two thresholds closer than 2^-17 are one on the board.
    expect(deviceThresholds([0.9, 0.900001]).thresholds).toEqual([58982 / 65536]);
  });
});

/**
 * A hand-made stream where the float sweep's best threshold is one the board cannot reach:
 * 'yes' spoken at 2.0–2.5 s with posterior `kwP` for 10 frames, the negative word "yet" at
 * 28.0–28.5 s where 'yes' reaches `negP`. No smoothing, budget 0 FA/h.
 */
function stream(kwP: number, negP: number): StreamPosteriors {
  return {
    id: 'hand-made.wav',
    durationSec: 36,
    posteriors: makePosteriors(1800, [
      { from: 105, to: 115, label: 'yes', p: kwP },
      { from: 1405, to: 1415, label: 'yes', p: negP },
    ]),
    events: [kw('yes', 2.0, 2.5), neg('yet', 28.0, 28.5)],
  };
}
const OPTIONS = { smoothingFrames: 1, targetFaPerHour: 0, thresholds: [0.9, 0.99, 0.994, 0.996, 0.998] };
const onDevice = (s: StreamPosteriors) =>
  evaluateStreams(streamsOnInt8Grid([s]), LABELS, {
    ...OPTIONS,
    thresholds: deviceThresholds(OPTIONS.thresholds).thresholds,
  });

describe('operating point on the int8 grid (evaluate streamPosteriors: int8)', () => {
  it('chooses a reachable threshold where the float sweep chooses an unreachable one', () => {
    // Float: 0.994, 0.996 and 0.998 all hit 'yes' and stay quiet on "yet" (0.993); ties go to
    // the highest threshold, 0.998, above 255/256: the board would never fire.
    const float = evaluateStreams([stream(0.9995, 0.993)], LABELS, OPTIONS);
    expect(float.operatingPoint).toMatchObject({ threshold: 0.998, constraintMet: true });
    expect(float.operatingPoint.threshold).toBeGreaterThan(INT8_POSTERIOR_MAX);
    // int8 grid: 'yes' is 255/256, "yet" 254/256; 0.996 (65274/65536) separates them.
    const device = onDevice(stream(0.9995, 0.993));
    expect(device.operatingPoint).toMatchObject({ threshold: 65274 / 65536, constraintMet: true });
    expect(device.operatingPoint.result).toMatchObject({ hits: 1, frr: 0, faPerHour: 0 });
    expect(device.perThreshold.every((r) => r.threshold <= INT8_POSTERIOR_MAX)).toBe(true);
  });

  it('says the budget is not met when only an unreachable threshold met it', () => {
    // "yet" at 0.997 and 'yes' at 0.9995 are both the code 255 on the board: no threshold it
    // can run separates them, where the float sweep's 0.998 does.
    expect(evaluateStreams([stream(0.9995, 0.997)], LABELS, OPTIONS).operatingPoint).toMatchObject({
      threshold: 0.998,
      constraintMet: true,
    });
    const device = onDevice(stream(0.9995, 0.997));
    expect(device.operatingPoint.constraintMet).toBe(false);
    expect(device.operatingPoint.threshold).toBeLessThanOrEqual(INT8_POSTERIOR_MAX);
    expect(device.operatingPoint.result).toMatchObject({ hits: 1, falseAccepts: 1 });
  });

  it('counts a keyword the float sweep misses at 0.996 but the board hears (0.995 → 255/256)', () => {
    const float = evaluateStreams([stream(0.995, 0.5)], LABELS, { ...OPTIONS, thresholds: [0.996] });
    expect(float.perThreshold[0]).toMatchObject({ hits: 0, frr: 1 });
    const device = evaluateStreams(streamsOnInt8Grid([stream(0.995, 0.5)]), LABELS, {
      ...OPTIONS,
      thresholds: deviceThresholds([0.996]).thresholds,
    });
    expect(device.perThreshold[0]).toMatchObject({ hits: 1, frr: 0 });
  });
});

describe('the host sweep on the int8 grid decides as the board detector', () => {
  // Seeded int8 softmax outputs with runs where one keyword is near saturation: the host path
  // (grid posteriors → causal mean → detectKeywords at the snapped θ) against the board's
  // integer rule (256 S ≥ θ₁₆ n, src/deploy/stream-detector.ts, the twin of the C detector).
  const labels = ['_silence_', '_unknown_', 'yes', 'no', 'up'];
  const nc = labels.length;
  const rng = Prng.derive('device-posteriors-test');
  const frames = 3000;
  const codes = new Int8Array(frames * nc).fill(-128);
  for (let t = 0; t < frames;) {
    const len = rng.int(5, 40);
    const k = rng.int(0, nc - 1);
    const level = rng.pick([120, 200, 240, 250, 253, 254, 255]);
    for (let i = t; i < Math.min(frames, t + len); i++) {
      const p = Math.max(0, Math.min(255, level - rng.int(0, 3)));
      codes[i * nc + k] = p - 128;
      codes[i * nc + ((k + 1) % nc)] = 255 - p - 128;
    }
    t += len;
  }
  const posteriors = Float32Array.from(codes, (q) => (q + 128) / 256);

  it.each([0.5, 0.9, 0.95, 0.99, 0.994, 0.996, INT8_POSTERIOR_MAX])('θ = %p', (threshold) => {
    const detector = streamDetectorConfig(
      streamCheckConfigSchema.parse({ threshold, smoothingFrames: 15, refractoryMs: 500 }),
      labels,
      20,
      'stream',
    );
    const board = detectOnInt8Posteriors(codes, detector);
    const host = detectKeywords(smoothPosteriors(onInt8Grid(posteriors), nc, 15), {
      numClasses: nc,
      keywordClasses: detector.keywordClasses,
      threshold: deviceThresholds([threshold]).thresholds[0]!,
      refractoryFrames: detector.refractory,
    });
    expect(board.length).toBeGreaterThan(0);
    expect(host).toEqual(board);
  });
});
