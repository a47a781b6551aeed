/**
 * Where the sound in a clean render starts and ends. Stream events are indexed by the
 * utterance's exact non-silent extent (not its clip boundary), as the thesis' event metric
 * (§3, "Custom event metric") scores detections against true onset/offset.
 *
 * espeak-ng pads words with digital silence and writes stop closures as silence too
 * (e.g. "stop": /s t/ … closure … /p/ burst ≈ 25 dB below the vowel), so an amplitude
 * threshold relative to the peak sample finds the extent. −40 dB keeps weak bursts and
 * fricatives (≥ −35 dB re peak in the renders checked) but drops the synthetic echo tail
 * that espeak-ng's `+variant` voices add after the word (≈ −50 dB re peak, ~100 ms), which
 * is inaudible under any background and would otherwise push offsets late.
 */

export interface Extent {
  /** First active sample. */
  readonly start: number;
  /** One past the last active sample. */
  readonly end: number;
}

/** Non-silent extent of a clean (noise-free) render, or undefined if it is all silence. */
export function activeExtent(x: Float32Array, thresholdDb = -40): Extent | undefined {
  let p = 0;
  for (let i = 0; i < x.length; i++) p = Math.max(p, Math.abs(x[i]!));
  if (p === 0) return undefined;
  const thr = p * Math.pow(10, thresholdDb / 20);
  let start = 0;
  while (Math.abs(x[start]!) <= thr) start++;
  let end = x.length;
  while (Math.abs(x[end - 1]!) <= thr) end--;
  return { start, end };
}
