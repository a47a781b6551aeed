import { brownNoise, humNoise, pinkNoise } from '../audio/noise';
import type { Prng } from '../util/prng';
import { lowpassInPlace, rms } from './signal';

/**
 * The room and the microphone around a machine recording.
 *
 * Factory background: a mix of brown noise (distant heavy machinery, rumble), pink noise
 * (ventilation, general din) and mains hum with harmonics (transformers, other motors),
 * with weights drawn per clip, normalized to RMS 1 (the clip assembler sets it to the SNR).
 * Real engine and fan recordings can replace it later (see the data-sources notes in docs).
 *
 * Microphone: a gain, and a position that sets (a) how much high frequency survives the
 * distance (a one-pole low-pass mixed in with weight 0.6·d) and (b) one floor/wall
 * reflection 1–8 ms late at gain 0.2–0.5, whose comb filter colours the spectrum
 * differently at every position.
 */
export function factoryBackground(n: number, sampleRate: number, rng: Prng): Float64Array {
  const wb = rng.uniform(0.3, 1);
  const wp = rng.uniform(0.3, 1);
  const wh = rng.uniform(0, 0.5);
  const brown = brownNoise(n, sampleRate, rng);
  const pink = pinkNoise(n, rng);
  const hum = humNoise(n, sampleRate, rng.pick([50, 60]), rng);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = wb * brown[i]! + wp * pink[i]! + wh * hum[i]!;
  const r = rms(out) || 1;
  for (let i = 0; i < n; i++) out[i] = out[i]! / r;
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
