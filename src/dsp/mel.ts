/**
 * Mel filterbank construction.
 *
 * Default: HTK mel scale (mel = 2595·log10(1 + f/700)) with unit-peak triangles and no
 * area normalization, i.e. librosa.filters.mel(htk=True, norm=None). Why HTK/unnormalized:
 * MicroNets §4 follows the Hello Edge KWS front end (Zhang et al. 2017), which is
 * TensorFlow's MFCC op — HTK mel scale, 40 bands, 20 Hz–4 kHz, triangles peaking at 1.
 * Unit-peak weights are also what a Q15 table represents best (Slaney normalization makes
 * every weight ~0.01 and wastes 7 bits).
 *
 * Triangles are linear in Hz between mel-spaced edge frequencies (librosa's construction,
 * which is our reference in tests): band m has edges hz[m], hz[m+1], hz[m+2] where
 * hz[i] = melToHz(mel(lowHz) + i·Δ), Δ = (mel(highHz) − mel(lowHz)) / (bands + 1); the
 * weight of FFT bin k (frequency f = k·sampleRate/fftSize) is
 *   max(0, min((f − hz[m]) / (hz[m+1] − hz[m]), (hz[m+2] − f) / (hz[m+2] − hz[m+1]))).
 * Slaney scale and norm are implemented too (librosa's defaults) for comparisons.
 */

import { checkedAt } from '../util/checked-at';

export type MelScale = 'htk' | 'slaney';
export type MelNorm = 'none' | 'slaney';

export function hzToMel(hz: number, scale: MelScale = 'htk'): number {
  if (scale === 'htk') return 2595 * Math.log10(1 + hz / 700);
  // Slaney (Auditory Toolbox): linear below 1 kHz, logarithmic above.
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return hz >= minLogHz ? minLogMel + Math.log(hz / minLogHz) / logStep : hz / fSp;
}

export function melToHz(mel: number, scale: MelScale = 'htk'): number {
  if (scale === 'htk') return 700 * (10 ** (mel / 2595) - 1);
  const fSp = 200 / 3;
  const minLogHz = 1000;
  const minLogMel = minLogHz / fSp;
  const logStep = Math.log(6.4) / 27;
  return mel >= minLogMel ? minLogHz * Math.exp(logStep * (mel - minLogMel)) : fSp * mel;
}

export interface MelFilterbankOptions {
  readonly sampleRate: number;
  readonly fftSize: number;
  readonly bands: number;
  readonly lowHz: number;
  readonly highHz: number;
  readonly scale?: MelScale;
  readonly norm?: MelNorm;
}

/**
 * Sparse filterbank: band m covers FFT bins start[m] .. start[m]+length[m]−1 with weights
 * weights[offset[m] + i]. Every band has at least one nonzero weight (checked).
 */
export interface MelFilterbank {
  readonly bands: number;
  /** fftSize/2 + 1. */
  readonly bins: number;
  readonly start: Int32Array;
  readonly length: Int32Array;
  readonly offset: Int32Array;
  readonly weights: Float64Array;
  /** The bands + 2 edge frequencies (Hz). */
  readonly edgesHz: Float64Array;
}

export function melFilterbank(o: MelFilterbankOptions): MelFilterbank {
  const scale = o.scale ?? 'htk';
  const norm = o.norm ?? 'none';
  const nyquist = o.sampleRate / 2;
  if (!(o.lowHz >= 0 && o.lowHz < o.highHz && o.highHz <= nyquist)) {
    throw new RangeError(`mel range must satisfy 0 ≤ lowHz < highHz ≤ ${nyquist}, got ${o.lowHz}..${o.highHz}`);
  }
  if (!Number.isInteger(o.bands) || o.bands < 1)
    throw new RangeError(`mel bands must be a positive integer, got ${o.bands}`);
  const bins = o.fftSize / 2 + 1;
  const melLo = hzToMel(o.lowHz, scale);
  const melHi = hzToMel(o.highHz, scale);
  const edgesHz = new Float64Array(o.bands + 2);
  for (let i = 0; i < o.bands + 2; i++) edgesHz[i] = melToHz(melLo + ((melHi - melLo) * i) / (o.bands + 1), scale);

  const start = new Int32Array(o.bands);
  const length = new Int32Array(o.bands);
  const offset = new Int32Array(o.bands);
  const all: number[] = [];
  for (let m = 0; m < o.bands; m++) {
    const lo = checkedAt(edgesHz, m, 'edgesHz');
    const mid = checkedAt(edgesHz, m + 1, 'edgesHz');
    const hi = checkedAt(edgesHz, m + 2, 'edgesHz');
    const scaleBy = norm === 'slaney' ? 2 / (hi - lo) : 1;
    const dense = new Float64Array(bins);
    let first = -1;
    let last = -1;
    for (let k = 0; k < bins; k++) {
      const f = (k * o.sampleRate) / o.fftSize;
      dense[k] = Math.max(0, Math.min((f - lo) / (mid - lo), (hi - f) / (hi - mid))) * scaleBy;
      if (dense[k]! > 0) {
        if (first < 0) first = k;
        last = k;
      }
    }
    if (first < 0) {
      throw new RangeError(
        `mel band ${m} (${lo.toFixed(1)}–${hi.toFixed(1)} Hz) contains no FFT bin: use fewer bands, a larger fftSize or a wider range`,
      );
    }
    // A triangle is convex, so its nonzero bins are contiguous: first..last.
    start[m] = first;
    length[m] = last - first + 1;
    offset[m] = all.length;
    for (let k = first; k <= last; k++) all.push(dense[k]!);
  }
  return { bands: o.bands, bins, start, length, offset, weights: Float64Array.from(all), edgesHz };
}

/** The filterbank as a dense [bands][bins] matrix (for tests and plots). */
export function denseFilterbank(fb: MelFilterbank): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let m = 0; m < fb.bands; m++) {
    const row = new Float64Array(fb.bins);
    for (let i = 0; i < fb.length[m]!; i++) row[fb.start[m]! + i] = fb.weights[fb.offset[m]! + i]!;
    rows.push(row);
  }
  return rows;
}
