/** Test-only spectral helpers: radix-2 FFT and Welch power in frequency bands. */

function fftInPlace(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j]!, re[i]!];
      [im[i], im[j]] = [im[j]!, im[i]!];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(ang * k);
        const wi = Math.sin(ang * k);
        const a = i + k;
        const b = a + len / 2;
        const xr = re[b]! * wr - im[b]! * wi;
        const xi = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - xr;
        im[b] = im[a]! - xi;
        re[a] = re[a]! + xr;
        im[a] = im[a]! + xi;
      }
    }
  }
}

/** Welch PSD (Hann window, 50 % overlap): power per bin 0..size/2. */
export function welchPsd(x: Float32Array, size = 1024): Float64Array {
  const psd = new Float64Array(size / 2 + 1);
  const win = Float64Array.from({ length: size }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size));
  let segments = 0;
  for (let start = 0; start + size <= x.length; start += size / 2) {
    const re = new Float64Array(size);
    const im = new Float64Array(size);
    for (let i = 0; i < size; i++) re[i] = x[start + i]! * win[i]!;
    fftInPlace(re, im);
    for (let k = 0; k <= size / 2; k++) psd[k] = psd[k]! + re[k]! * re[k]! + im[k]! * im[k]!;
    segments++;
  }
  for (let k = 0; k < psd.length; k++) psd[k] = psd[k]! / segments;
  return psd;
}

/** Mean PSD (dB) over [lo, hi) Hz. */
export function bandDb(psd: Float64Array, sampleRate: number, lo: number, hi: number): number {
  const binHz = sampleRate / (2 * (psd.length - 1));
  let s = 0;
  let c = 0;
  for (let k = Math.ceil(lo / binHz); k < hi / binHz; k++) {
    s += psd[k]!;
    c++;
  }
  return 10 * Math.log10(s / c);
}

/** Least-squares slope of band level vs octave, over octave bands starting at `f0`. */
export function slopeDbPerOctave(x: Float32Array, sampleRate: number, f0: number, octaves: number): number {
  const psd = welchPsd(x);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let o = 0; o < octaves; o++) {
    const lo = f0 * 2 ** o;
    xs.push(o + 0.5);
    ys.push(bandDb(psd, sampleRate, lo, lo * 2));
  }
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((xv, i) => {
    num += (xv - mx) * (ys[i]! - my);
    den += (xv - mx) ** 2;
  });
  return num / den;
}
