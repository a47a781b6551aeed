import { denseFilterbank, hzToMel, melFilterbank, melToHz } from '../../../src/dsp/mel';
import { runPythonRef } from '../../helpers/python-ref';

const KWS = { sampleRate: 16000, fftSize: 1024, bands: 40, lowHz: 20, highHz: 4000 } as const;

describe('mel scale', () => {
  it('HTK and Slaney scales invert and hit known points', () => {
    expect(hzToMel(700, 'htk')).toBeCloseTo(2595 * Math.log10(2), 10);
    expect(hzToMel(1000, 'slaney')).toBeCloseTo(15, 10);
    for (const scale of ['htk', 'slaney'] as const) {
      for (const hz of [0, 20, 440, 999, 1000, 1001, 4000, 8000])
        expect(melToHz(hzToMel(hz, scale), scale)).toBeCloseTo(hz, 8);
    }
  });
});

describe('melFilterbank (HTK, unit-peak triangles)', () => {
  const fb = melFilterbank(KWS);
  const dense = denseFilterbank(fb);
  const binHz = (k: number): number => (k * KWS.sampleRate) / KWS.fftSize;

  it('has one non-empty triangle per band, peaks ≤ 1, and nothing outside [lowHz, highHz]', () => {
    expect(fb.bands).toBe(40);
    expect(fb.bins).toBe(513);
    for (let m = 0; m < fb.bands; m++) {
      expect(fb.length[m]).toBeGreaterThan(0);
      const row = dense[m]!;
      expect(Math.max(...row)).toBeLessThanOrEqual(1);
      row.forEach((w, k) => {
        if (w > 0) {
          expect(binHz(k)).toBeGreaterThan(KWS.lowHz);
          expect(binHz(k)).toBeLessThan(KWS.highHz);
        }
      });
    }
  });

  it('band centres increase and adjacent triangles sum to 1 between centres (partition of unity)', () => {
    const edges = fb.edgesHz;
    for (let i = 1; i < edges.length; i++) expect(edges[i]).toBeGreaterThan(edges[i - 1]!);
    // Equal spacing in mel: the property that makes it a *mel* filterbank.
    const mels = Array.from(edges, (f) => hzToMel(f));
    for (let i = 2; i < mels.length; i++) expect(mels[i]! - mels[i - 1]!).toBeCloseTo(mels[1]! - mels[0]!, 8);
    for (let k = 0; k < fb.bins; k++) {
      const f = binHz(k);
      if (f < edges[1]! || f > edges[fb.bands]!) continue;
      let sum = 0;
      for (let m = 0; m < fb.bands; m++) sum += dense[m]![k]!;
      expect(sum).toBeCloseTo(1, 12);
    }
  });

  it('rejects a band with no FFT bin and a range beyond Nyquist', () => {
    expect(() => melFilterbank({ ...KWS, fftSize: 64, bands: 40 })).toThrow(/contains no FFT bin/);
    expect(() => melFilterbank({ ...KWS, highHz: 9000 })).toThrow(RangeError);
  });

  it('equals librosa.filters.mel (htk=True, norm=None and Slaney defaults) to 1e-12', async () => {
    const slaney = melFilterbank({ ...KWS, scale: 'slaney', norm: 'slaney' });
    const { outputs } = await runPythonRef(
      `
import librosa
p = params
outputs['htk'] = librosa.filters.mel(sr=p['sampleRate'], n_fft=p['fftSize'], n_mels=p['bands'], fmin=p['lowHz'], fmax=p['highHz'], htk=True, norm=None, dtype=np.float64)
outputs['slaney'] = librosa.filters.mel(sr=p['sampleRate'], n_fft=p['fftSize'], n_mels=p['bands'], fmin=p['lowHz'], fmax=p['highHz'], dtype=np.float64)
`,
      {},
      KWS,
    );
    for (const [name, ours] of [
      ['htk', dense],
      ['slaney', denseFilterbank(slaney)],
    ] as const) {
      const ref = outputs[name]!;
      expect(ref.shape).toEqual([40, 513]);
      let err = 0;
      for (let m = 0; m < 40; m++)
        for (let k = 0; k < 513; k++) err = Math.max(err, Math.abs(ours[m]![k]! - ref.data[m * 513 + k]!));
      expect(err).toBeLessThan(1e-12);
    }
  });
});
