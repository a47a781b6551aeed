import type { Prng } from '../util/prng';
import { gaussian, lowpassInPlace, rms } from './signal';

/**
 * The room and the microphone around a machine recording.
 *
 * Factory background: a mix of brown noise (distant heavy machinery, rumble), pink noise
 * (ventilation, general din) and mains hum with harmonics (transformers, other motors),
 * with weights drawn per clip, normalized to RMS 1 (the clip assembler sets it to the SNR).
 * Real engine and fan recordings could replace it later.
 *
 * Microphone: a gain, and a position that sets (a) how much high frequency survives the
 * distance (a one-pole low-pass mixed in with weight 0.6·d) and (b) one floor/wall
 * reflection 1–8 ms late at gain 0.2–0.5, whose comb filter colours the spectrum
 * differently at every position.
 */
export function factoryBackground(n: number, sampleRate: number, rng: Prng): FactoryBackground {
  const wb = rng.uniform(0.3, 1);
  const wp = rng.uniform(0.3, 1);
  const wh = rng.uniform(0, 0.5);
  const brown = normalized(lowpassInPlace(gaussian(n, rng), 10, sampleRate));
  const pink = normalized(pinkFilter(gaussian(n, rng)));
  const humHz = rng.pick([50, 60]);
  const hum = mainsHum(n, sampleRate, humHz, rng);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = wb * brown[i]! + wp * pink[i]! + wh * hum[i]!;
  const r = rms(out) || 1;
  for (let i = 0; i < n; i++) out[i] = out[i]! / r;
  // The three parts are normalized to RMS 1 and independent, so their shares of the mix's power
  // are w² / Σw² (up to the small correlation of finite noise); recorded so that a detector's
  // errors can be checked against them (docs/anomaly-detection.md).
  const total = wb * wb + wp * wp + wh * wh;
  return {
    signal: out,
    mix: { brownShare: (wb * wb) / total, pinkShare: (wp * wp) / total, humShare: (wh * wh) / total, humHz },
  };
}

/** What `factoryBackground` drew for one clip: each part's share of the background power, and the hum's frequency. */
export interface BackgroundMix {
  readonly brownShare: number;
  readonly pinkShare: number;
  readonly humShare: number;
  readonly humHz: number;
}

export interface FactoryBackground {
  /** RMS 1. */
  readonly signal: Float64Array;
  readonly mix: BackgroundMix;
}

function normalized(x: Float64Array): Float64Array {
  const r = rms(x) || 1;
  for (let i = 0; i < x.length; i++) x[i] = x[i]! / r;
  return x;
}

/**
 * White → pink (−3 dB/octave within ±0.5 dB above ~10 Hz at 16 kHz): Paul Kellet's
 * "economy" three-pole filter (b0..b2 one-pole sections plus a direct term). Cheaper than
 * src/audio/noise.ts's Voss–McCartney generator, which costs two normals per sample.
 */
function pinkFilter(w: Float64Array): Float64Array {
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let i = 0; i < w.length; i++) {
    const x = w[i]!;
    b0 = 0.99765 * b0 + x * 0.099046;
    b1 = 0.963 * b1 + x * 0.2965164;
    b2 = 0.57 * b2 + x * 1.0526913;
    w[i] = b0 + b1 + b2 + x * 0.1848;
  }
  return w;
}

/**
 * Mains hum: `hz` and 5 overtones, harmonic k at (1/k)·U(0.3, 1) with a random phase
 * (as src/audio/noise.ts humNoise), RMS 1. Strictly periodic, so one period of
 * sampleRate / gcd(sampleRate, hz) samples (320 at 16 kHz / 50 Hz) is computed and tiled.
 */
function mainsHum(n: number, sampleRate: number, hz: number, rng: Prng): Float64Array {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const period = sampleRate / gcd(sampleRate, hz);
  const table = new Float64Array(period);
  for (let k = 1; k <= 6; k++) {
    const a = k * hz < sampleRate / 2 ? rng.uniform(0.3, 1) / k : 0;
    const ph = rng.uniform(0, 2 * Math.PI);
    for (let i = 0; i < period; i++) table[i] = table[i]! + a * Math.sin((2 * Math.PI * k * hz * i) / sampleRate + ph);
  }
  normalized(table);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = table[i % period]!;
  return out;
}

export interface MicPosition {
  /** 0 = at the machine, 1 = across the bay. */
  readonly distance: number;
  readonly reflectionMs: number;
  readonly reflectionGain: number;
}

export function drawMicPosition(rng: Prng): MicPosition {
  return { distance: rng.next(), reflectionMs: rng.uniform(1, 8), reflectionGain: rng.uniform(0.2, 0.5) };
}

/** The machine's sound as the microphone at `pos` hears it (a new array). */
export function applyMic(x: Float64Array, pos: MicPosition, sampleRate: number): Float64Array {
  const lp = lowpassInPlace(Float64Array.from(x), 2500, sampleRate);
  const w = 0.6 * pos.distance;
  const direct = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) direct[i] = (1 - w) * x[i]! + w * lp[i]!;
  const delay = Math.round((pos.reflectionMs / 1000) * sampleRate);
  const out = Float64Array.from(direct);
  for (let i = delay; i < x.length; i++) out[i] = out[i]! + pos.reflectionGain * direct[i - delay]!;
  return out;
}
