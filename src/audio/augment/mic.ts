import { butterworthHighPass, butterworthLowPass } from './biquad';
import { ConvolutionKernel } from './fft-convolve';

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
  const hp = f / Math.hypot(f, m.lowCornerHz);
  const r = f / m.resonanceHz;
  const res = 1 / Math.hypot(1 - r * r, r / m.resonanceQ);
  return hp * res;
}

/** Taps of the MEMS FIR (odd, linear phase): 62.5 Hz frequency spacing at 16 kHz. */
export const MEMS_FIR_TAPS = 257;

/**
 * A linear-phase FIR with the MEMS magnitude response, by frequency sampling: the desired
 * magnitude at the T bins k·fs/T is turned into a symmetric impulse response
 * h[n] = (1/T)·(M₀ + 2·Σ_k M_k·cos(2πk(n − c)/T)), c = (T − 1)/2, then Hann-windowed to
 * smooth the response between the sampled bins.
 */
export function memsFir(m: MemsResponse, sampleRate: number, taps = MEMS_FIR_TAPS): Float32Array {
  const T = taps;
  const c = (T - 1) / 2;
  const mags = Array.from({ length: c + 1 }, (_, k) => memsMagnitude((k * sampleRate) / T, m));
  const h = new Float32Array(T);
  for (let n = 0; n < T; n++) {
    let s = mags[0]!;
    for (let k = 1; k <= c; k++) s += 2 * mags[k]! * Math.cos((2 * Math.PI * k * (n - c)) / T);
    const win = 0.5 - 0.5 * Math.cos((2 * Math.PI * (n + 1)) / (T + 1));
    h[n] = (s / T) * win;
  }
  return h;
}

/** x through the MEMS response (memsFir), aligned with x (the FIR's delay removed). */
export function applyMemsResponse(x: Float32Array, m: MemsResponse, sampleRate: number): Float32Array {
  const fir = memsFir(m, sampleRate);
  return new ConvolutionKernel(fir).apply(x, x.length, (fir.length - 1) / 2);
}
