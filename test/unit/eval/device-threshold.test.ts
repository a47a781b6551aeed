import {
  detectOnInt8Posteriors,
  streamCheckConfigSchema,
  streamDetectorConfig,
} from '../../../src/deploy/stream-detector';
import { INT8_POSTERIOR_MAX } from '../../../src/eval/device-threshold';

/**
 * INT8_POSTERIOR_MAX against the board's integer detector (the host twin of
 * firmware/stream/tops_stream.c): a keyword whose int8 softmax code is saturated (127 → 255/256)
 * on every posterior fires at θ = INT8_POSTERIOR_MAX and never at the next threshold up, e.g.
 * the default run's 0.998.
 */
describe('INT8_POSTERIOR_MAX', () => {
  const labels = ['_silence_', '_unknown_', 'yes'];
  // 20 posteriors; 'yes' saturated from the 5th on, the other classes at their lowest code.
  const outputs = new Int8Array(20 * 3).fill(-128);
  for (let t = 4; t < 20; t++) outputs[t * 3 + 2] = 127;
  const fires = (threshold: number) =>
    detectOnInt8Posteriors(
      outputs,
      streamDetectorConfig(streamCheckConfigSchema.parse({ threshold, smoothingFrames: 5 }), labels, 20, 'stream'),
    ).length;

  it('is the largest threshold the int8 detector can reach', () => {
    expect(INT8_POSTERIOR_MAX).toBe(255 / 256);
    expect(fires(INT8_POSTERIOR_MAX)).toBe(1);
    expect(fires(INT8_POSTERIOR_MAX + 1 / 65536)).toBe(0);
    expect(fires(0.998)).toBe(0);
  });
});
