/**
 * Radix-2 FFT in float64: the float reference that `fft-q15.ts` mirrors step for step.
 *
 * A real N-point transform is computed as an N/2-point complex FFT of the packed sequence
 * z[n] = x[2n] + i·x[2n+1] followed by a split step (the standard real-FFT trick: half the
 * work of a complex N-point FFT). The integer version uses the same decomposition, so the
 * two differ only by rounding, which keeps the fixed-vs-float comparison meaningful.
 */

/** True for 1, 2, 4, 8, ... */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** Smallest power of two ≥ n (n ≥ 1). */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Bit-reversal permutation of 0..n-1 (n a power of two). Shared with the Q15 FFT. */
export function bitReversalTable(n: number): Uint16Array {
  if (!isPowerOfTwo(n) || n > 65536) throw new RangeError(`FFT size must be a power of two ≤ 65536, got ${n}`);
  const bits = Math.log2(n);
  const table = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    table[i] = r;
  }
  return table;
}

/**
 * In-place iterative radix-2 decimation-in-time complex FFT of size `re.length`
 * (forward, e^{-2πikn/M}, unscaled). `cos`/`sin` hold cos(2πj/M) and sin(2πj/M) for
 * j < M/2; `rev` is bitReversalTable(M).
 */
function complexFftInPlace(
  re: Float64Array,
  im: Float64Array,
  cos: Float64Array,
  sin: Float64Array,
  rev: Uint16Array,
): void {
  // Hot loop: every index is in range by construction (rev holds 0..m−1, a < b < m,
  // j·step < m/2), so reads use a non-null `!` (no runtime cost) rather than a check.
  const m = re.length;
  for (let i = 0; i < m; i++) {
    const j = rev[i]!;
    if (j > i) {
      let t = re[i]!;
      re[i] = re[j]!;
      re[j] = t;
      t = im[i]!;
      im[i] = im[j]!;
      im[j] = t;
    }
  }
  // Twiddle-outer loops: each twiddle is read once per stage rather than once per butterfly, and
  // the butterflies of a stage are independent, so the order changes no value.
  for (let len = 2; len <= m; len *= 2) {
    const half = len / 2;
    const step = m / len;
    for (let j = 0; j < half; j++) {
      // twiddle e^{-2πi·j·step/M} = cos − i·sin
      const wr = cos[j * step]!;
      const wi = -sin[j * step]!;
      for (let a = j; a < m; a += len) {
        const b = a + half;
        const br = re[b]!;
        const bi = im[b]!;
        const tr = br * wr - bi * wi;
        const ti = br * wi + bi * wr;
        const ar = re[a]!;
        const ai = im[a]!;
        re[b] = ar - tr;
        im[b] = ai - ti;
        re[a] = ar + tr;
        im[a] = ai + ti;
      }
    }
  }
}

/**
 * A prepared real FFT of size n (power of two ≥ 4). `transform` returns bins 0..n/2 of
 * X[k] = Σ x[n]·e^{-2πikn/N} (unscaled, as numpy.fft.rfft).
 */
export class RealFft {
  readonly size: number;
  private readonly half: number;
  private readonly rev: Uint16Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  /** cos/sin(2πk/N), k = 0..N/2, for the split step. */
  private readonly splitCos: Float64Array;
  private readonly splitSin: Float64Array;
  private readonly zr: Float64Array;
  private readonly zi: Float64Array;

  constructor(size: number) {
    if (!isPowerOfTwo(size) || size < 4) throw new RangeError(`real FFT size must be a power of two ≥ 4, got ${size}`);
    this.size = size;
    const m = size / 2;
    this.half = m;
    this.rev = bitReversalTable(m);
    this.cos = new Float64Array(m / 2);
    this.sin = new Float64Array(m / 2);
    for (let j = 0; j < m / 2; j++) {
      this.cos[j] = Math.cos((2 * Math.PI * j) / m);
      this.sin[j] = Math.sin((2 * Math.PI * j) / m);
    }
    this.splitCos = new Float64Array(m + 1);
    this.splitSin = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      this.splitCos[k] = Math.cos((2 * Math.PI * k) / size);
      this.splitSin[k] = Math.sin((2 * Math.PI * k) / size);
    }
    this.zr = new Float64Array(m);
    this.zi = new Float64Array(m);
  }

  /**
   * Transform `input` (length ≤ size; the rest is taken as zeros) into `outRe`/`outIm`
   * (length ≥ size/2 + 1). Allocates nothing.
   */
  transform(input: ArrayLike<number>, outRe: Float64Array, outIm: Float64Array): void {
    const m = this.half;
    const { zr, zi } = this;
    if (input.length > this.size) throw new RangeError(`input length ${input.length} exceeds FFT size ${this.size}`);
    if (outRe.length < m + 1 || outIm.length < m + 1) throw new RangeError(`output arrays need ${m + 1} bins`);
    for (let n = 0; n < m; n++) {
      const i0 = 2 * n;
      zr[n] = i0 < input.length ? input[i0]! : 0;
      zi[n] = i0 + 1 < input.length ? input[i0 + 1]! : 0;
    }
    complexFftInPlace(zr, zi, this.cos, this.sin, this.rev);
    // a, b < m and k ≤ m index arrays of m and m + 1 entries, hence the `!` reads.
    // Split: X[k] = ½(Z[k] + Z*[M−k]) − ½·i·e^{-2πik/N}·(Z[k] − Z*[M−k]), with Z[M] = Z[0].
    for (let k = 0; k <= m; k++) {
      const a = k === m ? 0 : k;
      const b = k === 0 ? 0 : m - k;
      const er = zr[a]! + zr[b]!;
      const ei = zi[a]! - zi[b]!;
      const or = zr[a]! - zr[b]!;
      const oi = zi[a]! + zi[b]!;
      const cr = this.splitCos[k]!;
      const ci = -this.splitSin[k]!;
      const ur = cr * or - ci * oi;
      const ui = cr * oi + ci * or;
      outRe[k] = 0.5 * (er + ui);
      outIm[k] = 0.5 * (ei - ur);
    }
  }

  /**
   * Inverse of `transform`: from bins 0..size/2 of a real signal's spectrum (inRe/inIm,
   * length ≥ size/2 + 1) write the size real samples into `out`, scaled by 1/size as
   * numpy.fft.irfft. The split step run backwards: E[k] = ½(X[k] + X*[M−k]) and
   * O[k] = ½(X[k] − X*[M−k])·e^{+2πik/N} rebuild Z[k] = E[k] + i·O[k], and the inverse
   * M-point FFT is the forward one on conjugates. Imaginary parts of bins 0 and N/2 are
   * ignored (they are zero for a real signal). Allocates nothing.
   */
  inverse(inRe: Float64Array, inIm: Float64Array, out: Float64Array | Float32Array): void {
    const m = this.half;
    const { zr, zi } = this;
    if (inRe.length < m + 1 || inIm.length < m + 1) throw new RangeError(`input arrays need ${m + 1} bins`);
    if (out.length < this.size) throw new RangeError(`output needs ${this.size} samples`);
    // k and m − k ≤ m, and the lengths were checked above, hence the `!` reads.
    for (let k = 0; k < m; k++) {
      const ar = inRe[k]!;
      const ai = k === 0 ? 0 : inIm[k]!;
      const br = inRe[m - k]!;
      const bi = k === 0 ? 0 : -inIm[m - k]!; // conj(X[M−k]); X[M]'s imaginary part is 0
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai + bi);
      const dr = 0.5 * (ar - br);
      const di = 0.5 * (ai - bi);
      const cr = this.splitCos[k]!;
      const ci = this.splitSin[k]!; // e^{+2πik/N}
      const or = dr * cr - di * ci;
      const oi = dr * ci + di * cr;
      // Z = E + i·O, conjugated for the forward-FFT-as-inverse trick.
      zr[k] = er - oi;
      zi[k] = -(ei + or);
    }
    complexFftInPlace(zr, zi, this.cos, this.sin, this.rev);
    const scale = 1 / m;
    for (let n = 0; n < m; n++) {
      out[2 * n] = zr[n]! * scale;
      out[2 * n + 1] = -zi[n]! * scale;
    }
  }
}
