/**
 * Rational-ratio resampling with a polyphase Kaiser-windowed-sinc low-pass filter.
 * espeak-ng renders at 22050 Hz and user backgrounds come at any rate; everything in a
 * dataset is 16 kHz. All arithmetic is float64 in a fixed order, so the same input gives
 * the same output bytes on every run and machine (no FFT, no platform libm beyond sin/exp).
 *
 * For a ratio L/M (reduced by the gcd) output sample n sits at input time t = n·M/L.
 * Its value is Σ_k x[k]·h(t − k), with h a sinc whose cutoff is `rolloff` × the lower
 * Nyquist frequency, windowed by a Kaiser window of `zeroCrossings` lobes each side.
 * t's fractional part takes only L values, so the filter is tabulated once per phase
 * (the polyphase form) and every phase is normalised to unit DC gain.
 */

export interface ResampleOptions {
  /** Zero crossings of the sinc on each side (filter half-length at the cutoff). */
  readonly zeroCrossings?: number;
  /** Cutoff as a fraction of the lower of the two Nyquist frequencies. */
  readonly rolloff?: number;
  /** Kaiser window shape; 8.6 gives ≈ 85 dB stopband attenuation. */
  readonly kaiserBeta?: number;
}

/*
 * Defaults for 22050 → 16000: 32 zero crossings at cutoff 0.92·8 kHz = 7.36 kHz make a
 * 94-tap filter whose transition band (≈ 1.3 kHz) ends near the new Nyquist, so aliasing
 * into the band a KWS front end looks at (≤ 4–8 kHz) is below −80 dB.
 */
const DEFAULTS: Required<ResampleOptions> = { zeroCrossings: 32, rolloff: 0.92, kaiserBeta: 8.6 };

interface PolyphaseFilter {
  readonly up: number; // L
  readonly down: number; // M
  /** Taps per phase (2·K) and K−1, the offset of the first tap before floor(t). */
  readonly taps: number;
  readonly lead: number;
  /** phases × taps coefficients, phase-major. */
  readonly coeffs: Float64Array;
}

const filterCache = new Map<string, PolyphaseFilter>();

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function buildFilter(fromRate: number, toRate: number, o: Required<ResampleOptions>): PolyphaseFilter {
  const g = gcd(fromRate, toRate);
  const up = toRate / g;
  const down = fromRate / g;
  // Cutoff relative to the input Nyquist frequency.
  const fc = Math.min(1, up / down) * o.rolloff;
  const halfWidth = o.zeroCrossings / fc; // in input samples
  const K = Math.ceil(halfWidth);
  const taps = 2 * K;
  const lead = K - 1;
  const i0Beta = besselI0(o.kaiserBeta);
  const coeffs = new Float64Array(up * taps);
  for (let p = 0; p < up; p++) {
    const frac = p / up;
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const tau = frac + lead - j; // t − k for tap j
      const u = tau / halfWidth;
      let h = 0;
      if (Math.abs(u) < 1) {
        const xs = fc * tau;
        const sinc = xs === 0 ? 1 : Math.sin(Math.PI * xs) / (Math.PI * xs);
        h = fc * sinc * (besselI0(o.kaiserBeta * Math.sqrt(1 - u * u)) / i0Beta);
      }
      coeffs[p * taps + j] = h;
      sum += h;
    }
    for (let j = 0; j < taps; j++) coeffs[p * taps + j] = coeffs[p * taps + j]! / sum;
  }
  return { up, down, taps, lead, coeffs };
}

function getFilter(fromRate: number, toRate: number, opts: ResampleOptions): PolyphaseFilter {
  const o = { ...DEFAULTS, ...opts };
  const key = `${fromRate}/${toRate}/${o.zeroCrossings}/${o.rolloff}/${o.kaiserBeta}`;
  let f = filterCache.get(key);
  if (!f) {
    f = buildFilter(fromRate, toRate, o);
    filterCache.set(key, f);
  }
  return f;
}

/** Number of output samples for `n` input samples: ceil(n · to / from). */
export function resampledLength(n: number, fromRate: number, toRate: number): number {
  return Math.ceil((n * toRate) / fromRate);
}

/**
 * Resample `x` from `fromRate` to `toRate` (positive integers). Samples outside the input
 * are taken as zero. Returns a new array (a copy when the rates are equal).
 */
export function resample(x: Float32Array, fromRate: number, toRate: number, opts: ResampleOptions = {}): Float32Array {
  if (!Number.isInteger(fromRate) || !Number.isInteger(toRate) || fromRate <= 0 || toRate <= 0) {
    throw new RangeError(`resample: rates must be positive integers, got ${fromRate} → ${toRate}`);
  }
  if (fromRate === toRate) return Float32Array.from(x);
  const f = getFilter(fromRate, toRate, opts);
  const { up, down, taps, lead, coeffs } = f;
  const n = resampledLength(x.length, fromRate, toRate);
  const out = new Float32Array(n);
  // Digital silence around a render (espeak-ng pads a third of its renders' length with it)
  // gives exact zeros: only outputs whose taps reach the non-zero span are computed, the
  // rest stay +0 as the full sum (+0 + 0·h) would leave them.
  let first = 0;
  while (first < x.length && x[first] === 0) first++;
  if (first === x.length) return out;
  let last = x.length - 1;
  while (x[last] === 0) last--;
  // Output i reads inputs floor(i·M/L) − lead … + taps − 1.
  const iLo = Math.max(0, Math.floor(((first - taps + 1 + lead) * up) / down) - 1);
  const iHi = Math.min(n, Math.ceil(((last + lead + 1) * up) / down) + 1);
  const one = (i: number): number => {
    const pos = i * down; // input time × up, exact in integers
    const base = Math.floor(pos / up);
    const c0 = (pos - base * up) * taps;
    const k0 = base - lead;
    let acc = 0;
    const jEnd = Math.min(taps, x.length - k0);
    for (let j = Math.max(0, -k0); j < jEnd; j++) acc += x[k0 + j]! * coeffs[c0 + j]!;
    return acc;
  };
  let i = iLo;
  while (i < iHi && Math.floor((i * down) / up) - lead < 0) out[i] = one(i++);
  // Four outputs at a time, each summed in the same order as one() sums it (so the same
  // bytes): the four independent sums keep the FPU busy where one waits on its own adds.
  for (; i + 3 < iHi; i += 4) {
    const p0 = i * down;
    const b0 = Math.floor(p0 / up);
    const p1 = p0 + down;
    const b1 = Math.floor(p1 / up);
    const p2 = p1 + down;
    const b2 = Math.floor(p2 / up);
    const p3 = p2 + down;
    const b3 = Math.floor(p3 / up);
    const k3 = b3 - lead;
    if (k3 + taps > x.length) break;
    const k0 = b0 - lead;
    const k1 = b1 - lead;
    const k2 = b2 - lead;
    const c0 = (p0 - b0 * up) * taps;
    const c1 = (p1 - b1 * up) * taps;
    const c2 = (p2 - b2 * up) * taps;
    const c3 = (p3 - b3 * up) * taps;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let j = 0; j < taps; j++) {
      a0 += x[k0 + j]! * coeffs[c0 + j]!;
      a1 += x[k1 + j]! * coeffs[c1 + j]!;
      a2 += x[k2 + j]! * coeffs[c2 + j]!;
      a3 += x[k3 + j]! * coeffs[c3 + j]!;
    }
    out[i] = a0;
    out[i + 1] = a1;
    out[i + 2] = a2;
    out[i + 3] = a3;
  }
  for (; i < iHi; i++) out[i] = one(i);
  return out;
}

/** The plain form of resample (one output at a time, every output): the reference the tests hold the fast one to. */
export function resampleReference(
  x: Float32Array,
  fromRate: number,
  toRate: number,
  opts: ResampleOptions = {},
): Float32Array {
  const { up, down, taps, lead, coeffs } = getFilter(fromRate, toRate, opts);
  const n = resampledLength(x.length, fromRate, toRate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const pos = i * down;
    const base = Math.floor(pos / up);
    const phase = pos - base * up;
    const c0 = phase * taps;
    const k0 = base - lead;
    let acc = 0;
    const jStart = Math.max(0, -k0);
    const jEnd = Math.min(taps, x.length - k0);
    for (let j = jStart; j < jEnd; j++) acc += x[k0 + j]! * coeffs[c0 + j]!;
    out[i] = acc;
  }
  return out;
}
