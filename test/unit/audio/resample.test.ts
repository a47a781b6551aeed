import { resample, resampledLength, resampleReference } from '../../../src/audio/resample';

function sine(n: number, rate: number, hz: number, amp: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * hz * i) / rate));
}

/** Amplitude and phase-free fit of a sinusoid at `hz` over x[lo, hi). */
function amplitudeAt(x: Float32Array, rate: number, hz: number, lo: number, hi: number): number {
  let c = 0;
  let s = 0;
  for (let i = lo; i < hi; i++) {
    c += x[i]! * Math.cos((2 * Math.PI * hz * i) / rate);
    s += x[i]! * Math.sin((2 * Math.PI * hz * i) / rate);
  }
  return (2 * Math.hypot(c, s)) / (hi - lo);
}

/** Frequency from linearly interpolated upward zero crossings over x[lo, hi). */
function zeroCrossingHz(x: Float32Array, rate: number, lo: number, hi: number): number {
  const t: number[] = [];
  for (let i = lo; i < hi - 1; i++) {
    if (x[i]! < 0 && x[i + 1]! >= 0) t.push(i + x[i]! / (x[i]! - x[i + 1]!));
  }
  return ((t.length - 1) * rate) / (t[t.length - 1]! - t[0]!);
}

function rms(x: Float32Array, lo: number, hi: number): number {
  let s = 0;
  for (let i = lo; i < hi; i++) s += x[i]! * x[i]!;
  return Math.sqrt(s / (hi - lo));
}

describe('resample', () => {
  it('keeps a 1 kHz sine at 22050 → 16000 Hz: frequency and amplitude', () => {
    const x = sine(22050, 22050, 1000, 0.5);
    const y = resample(x, 22050, 16000);
    expect(y.length).toBe(16000);
    // Away from the edges (the filter sees zeros past the ends).
    expect(zeroCrossingHz(y, 16000, 500, 15500)).toBeCloseTo(1000, 1);
    expect(Math.abs(amplitudeAt(y, 16000, 1000, 500, 15500) - 0.5)).toBeLessThan(0.002);
    // Nothing at other frequencies: the residual after removing the sine is tiny.
    const fit = sine(16000, 16000, 1000, 0.5);
    const lag = Array.from({ length: 16000 }, (_, i) => y[i]! - fit[i]!);
    expect(rms(Float32Array.from(lag), 500, 15500)).toBeLessThan(1e-3);
  });

  it('preserves DC exactly (every polyphase branch has unit gain)', () => {
    const x = new Float32Array(22050).fill(0.3);
    const y = resample(x, 22050, 16000);
    for (let i = 200; i < y.length - 200; i++) expect(Math.abs(y[i]! - 0.3)).toBeLessThan(1e-6);
  });

  it('removes content above the new Nyquist frequency instead of aliasing it', () => {
    // 10 kHz at 22050 Hz would alias to 6 kHz at 16 kHz without the low-pass.
    const y = resample(sine(22050, 22050, 10000, 0.5), 22050, 16000);
    expect(20 * Math.log10(rms(y, 500, 15500) / (0.5 / Math.SQRT2))).toBeLessThan(-60);
  });

  it('upsamples 8 kHz → 16 kHz keeping a 500 Hz sine', () => {
    const y = resample(sine(8000, 8000, 500, 0.8), 8000, 16000);
    expect(y.length).toBe(16000);
    expect(Math.abs(amplitudeAt(y, 16000, 500, 1000, 15000) - 0.8)).toBeLessThan(0.003);
  });

  it('is deterministic and returns a copy at equal rates', () => {
    const x = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i * 0.37) * Math.cos(i * 0.011));
    expect(Buffer.from(resample(x, 22050, 16000).buffer).equals(Buffer.from(resample(x, 22050, 16000).buffer))).toBe(
      true,
    );
    const same = resample(x, 16000, 16000);
    expect(same).not.toBe(x);
    expect(Array.from(same)).toEqual(Array.from(x));
  });

  it('computes lengths as ceil(n · to / from) and rejects bad rates', () => {
    expect(resampledLength(22050, 22050, 16000)).toBe(16000);
    expect(resampledLength(1, 22050, 16000)).toBe(1);
    expect(resample(new Float32Array(441), 22050, 16000).length).toBe(320);
    expect(() => resample(new Float32Array(4), 0, 16000)).toThrow(RangeError);
    expect(() => resample(new Float32Array(4), 22050.5, 16000)).toThrow(RangeError);
  });
});

describe('resample against resampleReference (one output at a time, every output)', () => {
  // The fast path skips the digital silence at the edges and sums four outputs at a time;
  // each output's sum keeps its order, so the bytes must be identical, not just close.
  const signal = (len: number, pad: number, seed: number): Float32Array => {
    const x = new Float32Array(len + 2 * pad);
    for (let i = 0; i < len; i++) x[pad + i] = i % 7 === 3 ? 0 : Math.sin(i * 0.37 + seed) * Math.cos(i * 0.011 * seed);
    return x;
  };
  const rates: Array<[number, number]> = [
    [22050, 16000],
    [24000, 16000],
    [32000, 16000],
    [11025, 16000],
    [8000, 16000],
    [16000, 22050],
  ];
  for (const [from, to] of rates) {
    it(`gives the same bytes at ${from} → ${to} Hz, with and without silent edges, any length`, () => {
      for (const len of [0, 1, 2, 5, 17, 63, 64, 97, 200, 1001, 4410]) {
        for (const pad of [0, 1, 3, 40, 500]) {
          const x = signal(len, pad, len + pad);
          const fast = resample(x, from, to);
          const ref = resampleReference(x, from, to);
          expect(Buffer.from(fast.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
        }
      }
    });
  }

  it('gives all zeros for all-zero input, as the full sums do', () => {
    const z = resample(new Float32Array(500), 22050, 16000);
    expect(z.length).toBe(resampledLength(500, 22050, 16000));
    expect(z.every((v) => Object.is(v, 0))).toBe(true);
  });
});
