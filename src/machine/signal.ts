import type { Prng } from '../util/prng';

/**
 * Small float64 signal-building blocks for the machine-sound generators (src/machine/*):
 * oscillators with a time-varying frequency, two-pole resonators (the "simple modal
 * filters" that give each machine its body resonances), one-pole filters and impulse
 * excitations. Everything is deterministic given the Prng passed in.
 */

/** One resonance of a machine body: centre frequency, decay time to −60 dB, gain. */
export interface Mode {
  readonly hz: number;
  /** T60 in seconds: how long the mode rings after an impulse. */
  readonly t60: number;
  readonly gain: number;
}

/**
 * Bank of two-pole resonators driven by `x`, summed:
 *   y[n] = 2r·cos(ω)·y[n−1] − r²·y[n−2] + g·(1 − r)·x[n],  r = 10^(−3/(T60·fs)).
 * The (1 − r) factor keeps the peak gain of long and short modes comparable. A mode above
 * Nyquist is skipped (it would alias).
 */
export function resonate(x: Float64Array, modes: readonly Mode[], sampleRate: number): Float64Array {
  const out = new Float64Array(x.length);
  for (const m of modes) {
    if (m.hz >= sampleRate / 2) continue;
    const r = Math.pow(10, -3 / (m.t60 * sampleRate));
    const c1 = 2 * r * Math.cos((2 * Math.PI * m.hz) / sampleRate);
    const c2 = -r * r;
    const g = m.gain * (1 - r);
    let y1 = 0;
    let y2 = 0;
    for (let i = 0; i < x.length; i++) {
      const y = c1 * y1 + c2 * y2 + g * x[i]!;
      out[i] = out[i]! + y;
      y2 = y1;
      y1 = y;
    }
  }
  return out;
}

/** One-pole low-pass (in place): y += a·(x − y), a = 1 − e^(−2π·fc/fs). */
export function lowpassInPlace(x: Float64Array, cutoffHz: number, sampleRate: number): Float64Array {
  const a = 1 - Math.exp((-2 * Math.PI * cutoffHz) / sampleRate);
  let y = 0;
  for (let i = 0; i < x.length; i++) {
    y += a * (x[i]! - y);
    x[i] = y;
  }
  return x;
}

/** One-pole high-pass (in place): x − lowpass(x). */
export function highpassInPlace(x: Float64Array, cutoffHz: number, sampleRate: number): Float64Array {
  const a = 1 - Math.exp((-2 * Math.PI * cutoffHz) / sampleRate);
  let y = 0;
  for (let i = 0; i < x.length; i++) {
    y += a * (x[i]! - y);
    x[i] = x[i]! - y;
  }
  return x;
}

/**
 * n samples of N(0, 1): Box–Muller using both outputs of each pair (r·cos θ, r·sin θ),
 * half the work of drawing them one at a time (clip synthesis draws ~10^6 per clip).
 */
export function gaussian(n: number, rng: Prng): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    let u = 0;
    while (u === 0) u = rng.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * rng.next();
    out[i] = r * Math.cos(theta);
    if (i + 1 < n) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}

/**
 * A slow random wander around 1 (relative frequency jitter of a real motor): a random walk
 * low-passed at `rateHz`, scaled to standard deviation ≈ `depth`.
 */
export function wander(n: number, depth: number, rateHz: number, sampleRate: number, rng: Prng): Float64Array {
  const a = 1 - Math.exp((-2 * Math.PI * rateHz) / sampleRate);
  // Stationary sd of the one-pole output of unit white noise is sqrt(a / (2 − a)).
  const norm = depth / Math.sqrt(a / (2 - a));
  let y = rng.normal() * Math.sqrt(a / (2 - a));
  const out = gaussian(n, rng);
  for (let i = 0; i < n; i++) {
    y += a * (out[i]! - y);
    out[i] = 1 + y * norm;
  }
  return out;
}

/**
 * Sum of harmonics k·f(t) of a fundamental whose instantaneous frequency is
 * `f0 · freqScale[i]` (phase accumulated sample by sample, so the frequency may vary).
 * `amps[k−1]` is harmonic k's amplitude; `phases` its start phase. Harmonics at or above
 * Nyquist are left out.
 */
export function harmonics(
  n: number,
  sampleRate: number,
  f0: number,
  amps: readonly number[],
  phases: readonly number[],
  freqScale?: Float64Array,
): Float64Array {
  const out = new Float64Array(n);
  const cosPh = phases.map(Math.cos);
  const sinPh = phases.map(Math.sin);
  let phase = 0;
  const w0 = (2 * Math.PI * f0) / sampleRate;
  const twoPi = 2 * Math.PI;
  for (let i = 0; i < n; i++) {
    const scale = freqScale ? freqScale[i]! : 1;
    // sin(kθ + φ) = sin kθ·cos φ + cos kθ·sin φ, with sin kθ and cos kθ from the Chebyshev
    // recurrences (x_{k+1} = 2 cos θ · x_k − x_{k−1}): two trig calls per sample, not one per harmonic.
    const c1 = Math.cos(phase);
    const s1 = Math.sin(phase);
    let sPrev = 0;
    let cPrev = 1;
    let sk = s1;
    let ck = c1;
    let v = 0;
    for (let k = 0; k < amps.length; k++) {
      if ((k + 1) * f0 * scale >= sampleRate / 2) break;
      v += amps[k]! * (sk * cosPh[k]! + ck * sinPh[k]!);
      const sNext = 2 * c1 * sk - sPrev;
      const cNext = 2 * c1 * ck - cPrev;
      sPrev = sk;
      cPrev = ck;
      sk = sNext;
      ck = cNext;
    }
    out[i] = v;
    phase += w0 * scale;
    if (phase >= twoPi) phase -= twoPi;
  }
  return out;
}

/** Add an impulse of `amp` at time `t` (seconds), split linearly over the two nearest samples. */
export function addImpulse(x: Float64Array, t: number, amp: number, sampleRate: number): void {
  const pos = t * sampleRate;
  const i = Math.floor(pos);
  const frac = pos - i;
  if (i >= 0 && i < x.length) x[i] = x[i]! + amp * (1 - frac);
  if (i + 1 >= 0 && i + 1 < x.length) x[i + 1] = x[i + 1]! + amp * frac;
}

export function rms(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * x[i]!;
  return x.length > 0 ? Math.sqrt(s / x.length) : 0;
}

/** Multiply in place. */
export function multiplyInPlace(x: Float64Array, by: ArrayLike<number>): Float64Array {
  for (let i = 0; i < x.length; i++) x[i] = x[i]! * by[i]!;
  return x;
}

/** x += g·y, in place. */
export function addScaled(x: Float64Array, y: ArrayLike<number>, g: number): Float64Array {
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + g * y[i]!;
  return x;
}

/** Amplitudes k^(−slope) for k = 1..count, each times U(0.5, 1) (an individual timbre). */
export function harmonicAmps(count: number, slope: number, rng: Prng): number[] {
  return Array.from({ length: count }, (_, k) => Math.pow(k + 1, -slope) * rng.uniform(0.5, 1));
}

export function randomPhases(count: number, rng: Prng): number[] {
  return Array.from({ length: count }, () => rng.uniform(0, 2 * Math.PI));
}

/** `count` modes with log-uniform frequencies in [loHz, hiHz], T60 in [t60lo, t60hi], gains U(0.5, 1). */
export function randomModes(
  count: number,
  loHz: number,
  hiHz: number,
  t60lo: number,
  t60hi: number,
  rng: Prng,
): Mode[] {
  return Array.from({ length: count }, () => ({
    hz: loHz * Math.pow(hiHz / loHz, rng.next()),
    t60: rng.uniform(t60lo, t60hi),
    gain: rng.uniform(0.5, 1),
  }));
}
