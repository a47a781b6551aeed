import {
  detectOnInt8Posteriors,
  streamCheckConfigSchema,
  streamDetectorConfig,
} from '../../../src/deploy/stream-detector';
import { eventOptionsAtStride, smoothingPosteriors, windowStarts } from '../../../src/eval/inference-stride';
import { detectKeywords, parseEventEvalOptions, resolveTiming, smoothPosteriors } from '../../../src/eval';
import { Prng } from '../../../src/util/prng';

describe('inference stride (evaluate inferenceEvery = deploy stream.every)', () => {
  it('classifies the windows starting at 0, k, 2k, … that fit in the stream', () => {
    expect(windowStarts(60, 49, 1)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(windowStarts(60, 49, 5)).toEqual([0, 5, 10]);
    expect(windowStarts(48, 49, 5)).toEqual([]);
  });

  it('keeps the smoothing span and the frame tolerances in hops', () => {
    expect(smoothingPosteriors(15, 1)).toBe(15);
    expect(smoothingPosteriors(15, 5)).toBe(3);
    expect(smoothingPosteriors(15, 10)).toBe(2);
    expect(smoothingPosteriors(3, 10)).toBe(1);
    const o = eventOptionsAtStride({ smoothingFrames: 15, earlyFrames: 5, lateFrames: 50, refractoryMs: 500 }, 5, 20);
    expect(o).toEqual({ smoothingFrames: 3, earlyMs: 100, lateMs: 1000, refractoryMs: 500 });
    const same = { smoothingFrames: 15, earlyMs: 100 };
    expect(eventOptionsAtStride(same, 1, 20)).toBe(same);
  });

  it.each([1, 2, 5, 10])(
    'every %i hops: the host evaluation detects what the board detector does on the same int8 posteriors',
    (every) => {
      const labels = ['_silence_', '_unknown_', 'yes', 'no'];
      const rng = Prng.derive('inference-stride-test', every);
      // 400 posteriors of 4 classes as int8 softmax codes; keyword bursts so something fires.
      const count = 400;
      const codes = new Int8Array(count * labels.length);
      for (let t = 0; t < count; t++) {
        const burst = t % 37 < 6 ? 2 + (Math.floor(t / 37) % 2) : -1;
        for (let c = 0; c < labels.length; c++) {
          const high = c === burst ? 200 + (rng.nextUint32() % 56) : rng.nextUint32() % 90;
          codes[t * labels.length + c] = high - 128;
        }
      }
      const posteriors = Float32Array.from(codes, (q) => (q + 128) / 256);
      for (const threshold of [0.5, 0.75, 0.9]) {
        const device = detectOnInt8Posteriors(
          codes,
          streamDetectorConfig(
            streamCheckConfigSchema.parse({ every, threshold, smoothingFrames: 15, refractoryMs: 500 }),
            labels,
            20,
            'test',
          ),
        );
        const options = parseEventEvalOptions({
          ...eventOptionsAtStride({ smoothingFrames: 15, refractoryMs: 500 }, every, 20),
          frameStrideMs: 20 * every,
        });
        const host = detectKeywords(smoothPosteriors(posteriors, labels.length, options.smoothingFrames), {
          numClasses: labels.length,
          keywordClasses: [2, 3],
          threshold,
          refractoryFrames: resolveTiming(options).refractoryFrames,
        });
        expect(device.length).toBeGreaterThan(0);
        expect(host).toEqual(device);
      }
    },
  );
});
