import { applyPeakSafety, gainForDbfs, gainToDbfs, meanPower, mixAtSnr, overlay } from '../audio/mix';
import type { WordAudio } from './words';

/**
 * One composed training clip (thesis §3 AudioSample, reduced to a 1 s window with one word,
 * as Speech Commands clips are): the recording's trimmed word at `levelDbfs` (RMS over its
 * core, the part without the pad, so the pad's room noise does not dilute the level), centred
 * and shifted by `shiftMs` (kept inside the clip when it fits), plus optionally a recorded
 * background at `snrDb` below the speech, then peak safety (scale, never clip).
 */

export interface SpeechClipParams {
  readonly levelDbfs: number;
  readonly shiftMs: number;
  /** Undefined: no added background (the recording keeps only its own room noise). */
  readonly snrDb?: number;
}

export function composeSpeechClip(
  word: WordAudio,
  p: SpeechClipParams,
  background: Float32Array | undefined,
  clipSamples: number,
  sampleRate: number,
): Float32Array {
  const x = word.samples;
  const corePower = meanPower(x, word.coreStart, word.coreEnd) || meanPower(x);
  const gain = gainForDbfs(corePower, p.levelDbfs);
  const shift = Math.round((p.shiftMs / 1000) * sampleRate);
  let start = Math.floor((clipSamples - x.length) / 2) + shift;
  // A word longer than the clip stays centred and loses its edges (slow speech, short clipMs).
  if (x.length <= clipSamples) start = Math.min(Math.max(start, 0), clipSamples - x.length);
  else start = Math.floor((clipSamples - x.length) / 2);
  const speech = new Float32Array(clipSamples);
  overlay(speech, x, start, gain);
  if (background === undefined || p.snrDb === undefined) {
    applyPeakSafety(speech);
    return speech;
  }
  const { mix } = mixAtSnr(speech, background, p.snrDb, corePower * gain * gain);
  applyPeakSafety(mix);
  return mix;
}

/** A `_silence_` clip: a recorded background window alone at `levelDbfs`. */
export function composeSilenceClip(background: Float32Array, levelDbfs: number): Float32Array {
  const clip = gainToDbfs(background, levelDbfs);
  applyPeakSafety(clip);
  return clip;
}
