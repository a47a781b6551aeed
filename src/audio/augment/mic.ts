import { butterworthHighPass, butterworthLowPass } from './biquad';

/**
 * The microphone and the channel behind it. A keyword spotter on a device hears speech
 * through a MEMS microphone (thesis §1, MEMS sensors on MCUs) and often through a band-
 * limited path (a phone line, a Bluetooth headset, a cheap ADC front end). espeak-ng
 * renders are full-band and flat, so without this the model never meets the band limits
 * and tilts of real inputs.
 */

export interface BandLimits {
  /** High-pass corner, Hz (50–300 for real devices); 0 = none. */
  readonly highPassHz: number;
  /** Low-pass corner, Hz (3400 for narrow-band telephony … 8000 = none at 16 kHz). */
  readonly lowPassHz: number;
}

/**
 * Band limits as 4th-order Butterworth filters (24 dB/octave, like the anti-alias and
 * DC-blocking filters of a codec front end). A low-pass at ≥ 0.98 × Nyquist is skipped.
 */
export function bandLimit(x: Float32Array, limits: BandLimits, sampleRate: number): Float32Array {
  let y = x;
  if (limits.highPassHz > 0) y = butterworthHighPass(y, limits.highPassHz, sampleRate, 4);
  if (limits.lowPassHz < 0.98 * (sampleRate / 2)) y = butterworthLowPass(y, limits.lowPassHz, sampleRate, 4);
  return y === x ? Float32Array.from(x) : y;
}

export interface MemsResponse {
  /** Low-frequency roll-off (−3 dB) from the port/vent, Hz (typically 30–150). */
  readonly lowCornerHz: number;
  /** Helmholtz resonance of the port and membrane, Hz (typically 10–14 kHz). */
  readonly resonanceHz: number;
  /** Quality factor of that resonance (2–5: a +6 … +14 dB peak). */
  readonly resonanceQ: number;
}

/**
 * Magnitude of a MEMS microphone's response at f: a first-order high-pass (the vent) times
 * a second-order resonance, |H| = 1 / √((1 − (f/fr)²)² + (f/(fr·Q))²). At 16 kHz the peak
 * itself lies above Nyquist; what reaches the band is its lower skirt, a rise of a few dB
 * toward 8 kHz whose size depends on where the resonance sits.
 */
export function memsMagnitude(f: number, m: MemsResponse): number {
  return (f / Math.hypot(f, m.lowCornerHz)) * resonanceMagnitude(f, m);
}

/** Taps of the resonance FIR (odd, linear phase): the in-band skirt is smooth, 33 taps fit it within ~0.5 dB. */
export const MEMS_FIR_TAPS = 33;

/** The resonance factor of memsMagnitude alone. */
function resonanceMagnitude(f: number, m: MemsResponse): number {
  const r = f / m.resonanceHz;
  return 1 / Math.hypot(1 - r * r, r / m.resonanceQ);
}

/**
 * A linear-phase FIR with the resonance's in-band magnitude, by frequency sampling: the
 * desired magnitude at the T bins k·fs/T becomes the symmetric impulse response
 * h[n] = (1/T)·(M₀ + 2·Σ_k M_k·cos(2πk(n − c)/T)), c = (T − 1)/2.
 */
export function memsResonanceFir(m: MemsResponse, sampleRate: number, taps = MEMS_FIR_TAPS): Float64Array {
  const T = taps;
  const c = (T - 1) / 2;
  const mags = Array.from({ length: c + 1 }, (_, k) => resonanceMagnitude((k * sampleRate) / T, m));
  const h = new Float64Array(T);
  for (let n = 0; n < T; n++) {
    let s = mags[0]!;
    for (let k = 1; k <= c; k++) s += 2 * mags[k]! * Math.cos((2 * Math.PI * k * (n - c)) / T);
    h[n] = s / T;
  }
  return h;
}

/**
 * x through the MEMS response: the vent as a first-order high-pass (bilinear transform,
 * pre-warped at the corner) and the resonance skirt as memsResonanceFir, applied directly
 * and aligned with x (its (T − 1)/2 samples of delay removed).
 */
export function applyMemsResponse(x: Float32Array, m: MemsResponse, sampleRate: number): Float32Array {
  const K = Math.tan((Math.PI * m.lowCornerHz) / sampleRate);
  const b0 = 1 / (1 + K);
  const a1 = (K - 1) / (K + 1);
  const hp = new Float32Array(x.length); // float32 like the signal: streams can be an hour long
  let x1 = 0;
  let y1 = 0;
  for (let i = 0; i < x.length; i++) {
    const y = b0 * (x[i]! - x1) - a1 * y1;
    x1 = x[i]!;
    y1 = y;
    hp[i] = y;
  }
  const h = memsResonanceFir(m, sampleRate);
  const c = (h.length - 1) / 2;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let s = 0;
    const lo = Math.max(0, i + c - (x.length - 1));
    const hi = Math.min(h.length - 1, i + c);
    for (let j = lo; j <= hi; j++) s += h[j]! * hp[i + c - j]!;
    out[i] = s;
  }
  return out;
}
