import { nextPowerOfTwo, RealFft } from '../../dsp/fft';

/**
 * Linear convolution through the FFT (src/dsp/fft.ts), by overlap-add in blocks so that a
 * one-minute stream needs no giant transform: each block of x is transformed at a size
 * ≥ block + kernel − 1, so the circular wrap never reaches kept samples. A kernel used for
 * many signals (a room of the room pool) keeps its spectrum per FFT size.
 */

/** Largest block of x per transform (the FFT's size limit is 131072). */
const MAX_BLOCK = 65536;

const ffts = new Map<number, RealFft>();
function fftOfSize(n: number): RealFft {
  let f = ffts.get(n);
  if (!f) {
    f = new RealFft(n);
    ffts.set(n, f);
  }
  return f;
}

/** A convolution kernel with its spectra cached by FFT size. */
export class ConvolutionKernel {
  private readonly spectra = new Map<number, { re: Float64Array; im: Float64Array }>();

  constructor(readonly taps: Float32Array) {
    if (taps.length === 0) throw new RangeError('ConvolutionKernel: empty kernel');
    if (taps.length > MAX_BLOCK) throw new RangeError(`ConvolutionKernel: ${taps.length} taps, at most ${MAX_BLOCK}`);
  }

  private spectrum(size: number): { re: Float64Array; im: Float64Array } {
    let s = this.spectra.get(size);
    if (!s) {
      const re = new Float64Array(size / 2 + 1);
      const im = new Float64Array(size / 2 + 1);
      fftOfSize(size).transform(this.taps, re, im);
      s = { re, im };
      this.spectra.set(size, s);
    }
    return s;
  }

  /**
   * (x ∗ taps)[delay … delay + outLength): `delay` drops the first samples (a linear-phase
   * FIR's group delay, to keep the output aligned with x). outLength defaults to x.length.
   */
  apply(x: Float32Array, outLength = x.length, delay = 0): Float32Array {
    // Leading and trailing zeros (the silence around a placed word) contribute nothing:
    // convolve only the span between the first and last non-zero sample.
    let first = 0;
    while (first < x.length && x[first] === 0) first++;
    let last = x.length;
    while (last > first && x[last - 1] === 0) last--;
    const out = new Float32Array(outLength);
    if (first === last) return out;
    const part = this.convolve(x.subarray(first, last));
    // part[i] is full[first + i]; out[j] = full[delay + j].
    const lo = Math.max(0, first - delay);
    const hi = Math.min(outLength, first - delay + part.length);
    for (let j = lo; j < hi; j++) out[j] = part[j + delay - first]!;
    return out;
  }

  /** The full linear convolution x ∗ taps (length x.length + taps − 1), float64. */
  private convolve(x: Float32Array): Float64Array {
    const L = this.taps.length;
    const full = new Float64Array(x.length + L - 1);
    const block = Math.min(MAX_BLOCK, Math.max(1, x.length));
    const size = Math.max(4, nextPowerOfTwo(block + L - 1));
    const fft = fftOfSize(size);
    const h = this.spectrum(size);
    const bins = size / 2 + 1;
    const re = new Float64Array(bins);
    const im = new Float64Array(bins);
    const y = new Float64Array(size);
    for (let start = 0; start < x.length; start += block) {
      fft.transform(x.subarray(start, Math.min(x.length, start + block)), re, im);
      for (let k = 0; k < bins; k++) {
        const r = re[k]! * h.re[k]! - im[k]! * h.im[k]!;
        im[k] = re[k]! * h.im[k]! + im[k]! * h.re[k]!;
        re[k] = r;
      }
      fft.inverse(re, im, y);
      const n = Math.min(size, full.length - start);
      for (let i = 0; i < n; i++) full[start + i] = full[start + i]! + y[i]!;
    }
    return full;
  }
}

/** x ∗ h, the first `outLength` samples (x.length by default). */
export function fftConvolve(x: Float32Array, h: Float32Array, outLength = x.length): Float32Array {
  return new ConvolutionKernel(h).apply(x, outLength);
}
