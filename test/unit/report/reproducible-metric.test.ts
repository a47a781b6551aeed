import { isReproducibleMetric } from '../../../src/report/sections/run-section';

describe('report metrics filter', () => {
  it('leaves out wall-clock throughput so identical inputs render identical bytes', () => {
    expect(isReproducibleMetric('trainSamplesPerSec')).toBe(false);
    expect(isReproducibleMetric('valAccuracy')).toBe(true);
    expect(isReproducibleMetric('eventLatencyMs')).toBe(true);
    expect(isReproducibleMetric('cpuSec.streamsModel')).toBe(false);
    expect(isReproducibleMetric('wallSec.calibration')).toBe(false);
  });
});
