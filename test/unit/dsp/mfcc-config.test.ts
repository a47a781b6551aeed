import { mfccConfigSchema, mfccParams } from '../../../src/dsp/mfcc-config';

describe('mfccConfigSchema', () => {
  it('defaults to the MicroNets §4 KWS set-up: 49 frames × 10 coefficients from 1 s at 16 kHz', () => {
    const c = mfccConfigSchema.parse({});
    expect(c).toEqual({
      type: 'mfcc',
      sampleRate: 16000,
      clipMs: 1000,
      windowMs: 40,
      strideMs: 20,
      coefficients: 10,
      melBands: 40,
      lowHz: 20,
      highHz: 4000,
      implementation: 'fixed',
    });
    expect(mfccParams(c)).toMatchObject({
      windowSamples: 640,
      strideSamples: 320,
      fftSize: 1024,
      frames: 49,
      clipSamples: 16000,
    });
  });

  it('accepts the pipeline YAML form and an explicit fftSize', () => {
    const c = mfccConfigSchema.parse({
      type: 'mfcc',
      sampleRate: 16000,
      windowMs: 40,
      strideMs: 20,
      coefficients: 10,
      fftSize: 2048,
    });
    expect(mfccParams(c).fftSize).toBe(2048);
  });

  it('rejects unknown keys and inconsistent values with the field named', () => {
    const issues = (v: unknown): string[] => {
      const r = mfccConfigSchema.safeParse(v);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.code}`);
    };
    expect(issues({ windowMS: 40 })).toEqual([': unrecognized_keys']);
    expect(issues({ fftSize: 512 })).toEqual(['fftSize: custom']); // < 640-sample window
    expect(issues({ fftSize: 1000 })).toEqual(['fftSize: custom']); // not a power of two
    expect(issues({ windowMs: 40.03 })).toEqual(['windowMs: custom']); // not whole samples
    expect(issues({ highHz: 9000 })).toEqual(['highHz: custom']);
    expect(issues({ lowHz: 5000 })).toEqual(['lowHz: custom']);
    expect(issues({ coefficients: 41 })).toEqual(['coefficients: custom']);
    expect(issues({ implementation: 'double' })).toEqual(['implementation: invalid_value']);
  });
});
