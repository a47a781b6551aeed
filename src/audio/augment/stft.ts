import { RealFft } from '../../dsp/fft';

/**
 * Short-time Fourier analysis, per-frame modification and weighted overlap-add synthesis,
 * shared by the spectral warps (vtlp.ts, formant-shift.ts). 32 ms Hann analysis and
 * synthesis windows at 50 % overlap; the output is divided by the summed squared windows,
 * so an unmodified spectrum gives back the input to float rounding (Griffin & Lim's WOLA).
 * 50 % rather than 75 % halves the cost (augmentation runs on every clip); the phase
 * vocoder's frequency estimate still resolves ±fs/(2·hop) = ±31 Hz around each 31 Hz bin.
 * The signal is padded by one frame on both sides so its first and last samples are
 * covered by as many frames as any other.
 */

export const STFT_SIZE = 512;
export const STFT_HOP = 256;

/**
 * One frame's spectrum, bins 0..size/2, modified in place by the callback. `fresh` is true
 * for the first frame after a gap (the signal's start, or frames of digital silence, which
 * are skipped: a placed word is mostly surrounded by zeros, and skipping them halves the
 * work); state carried between frames (phase) must restart there.
 */
export type FrameFn = (re: Float64Array, im: Float64Array, fresh: boolean) => void;

const hann = Float64Array.from({ length: STFT_SIZE }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / STFT_SIZE));
const hannSquared = hann.map((w) => w * w);
let fft: RealFft | undefined;

/** x → STFT → `modify` each frame → overlap-add; same length as x. */
export function processStft(x: Float32Array, modify: FrameFn): Float32Array {
  fft ??= new RealFft(STFT_SIZE);
  const N = STFT_SIZE;
  const padded = new Float64Array(x.length + 2 * N);
  for (let i = 0; i < x.length; i++) padded[N + i] = x[i]!;
  const acc = new Float64Array(padded.length);
  const norm = new Float64Array(padded.length);
  const frame = new Float64Array(N);
  const re = new Float64Array(N / 2 + 1);
  const im = new Float64Array(N / 2 + 1);
  const y = new Float64Array(N);
  let fresh = true;
  for (let start = 0; start + N <= padded.length; start += STFT_HOP) {
    for (let i = 0; i < N; i++) norm[start + i] = norm[start + i]! + hannSquared[i]!;
    let silent = true;
    for (let i = 0; i < N; i++) {
      const v = padded[start + i]!;
      if (v !== 0) silent = false;
      frame[i] = v * hann[i]!;
    }
    if (silent) {
      fresh = true;
      continue;
    }
    fft.transform(frame, re, im);
    modify(re, im, fresh);
    fresh = false;
    fft.inverse(re, im, y);
    for (let i = 0; i < N; i++) acc[start + i] = acc[start + i]! + y[i]! * hann[i]!;
  }
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const w = norm[N + i]!;
    out[i] = w > 1e-9 ? acc[N + i]! / w : 0;
  }
  return out;
}

/** Wrap a phase into (−π, π]. */
export function principalArg(p: number): number {
  return p - 2 * Math.PI * Math.round(p / (2 * Math.PI));
}

/** Scale `y` in place to the mean power of `ref` (spectral edits should not move the level). */
export function matchPower(y: Float32Array, ref: Float32Array): Float32Array {
  let py = 0;
  let pr = 0;
  for (let i = 0; i < y.length; i++) py += y[i]! * y[i]!;
  for (let i = 0; i < ref.length; i++) pr += ref[i]! * ref[i]!;
  if (py > 0) {
    const g = Math.sqrt(pr / py);
    for (let i = 0; i < y.length; i++) y[i] = y[i]! * g;
  }
  return y;
}
