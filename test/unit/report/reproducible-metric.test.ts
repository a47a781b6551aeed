import { isReproducibleMetric } from '../../../src/report/sections/run-section';

describe('report metrics filter', () => {
  it('leaves out wall-clock throughput so identical inputs render identical bytes', () => {
    expect(isReproducibleMetric('trainSamplesPerSec')).toBe(false);
    expect(isReproducibleMetric('valAccuracy')).toBe(true);
    expect(isReproducibleMetric('eventLatencyMs')).toBe(true);
    expect(isReproducibleMetric('cpuSec.streamsModel')).toBe(false);
    expect(isReproducibleMetric('wallSec.calibration')).toBe(false);
    // The DNAS search loop's own clock: a cold and a warm run of kws.yaml once differed only here.
    expect(isReproducibleMetric('searchSeconds')).toBe(false);
    // Seconds of audio, not of clock.
    expect(isReproducibleMetric('streamSeconds')).toBe(true);
  });
});
