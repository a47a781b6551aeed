import { applyPeakSafety, gainForDbfs, gainToDbfs, meanPower, mixAtSnr, overlay } from '../audio/mix';
import type { Prng } from '../util/prng';
import type { BackgroundBank } from './backgrounds';
import type { ClipAugment } from './kws-augment';
import type { SilenceClipPlan, SpeechClipPlan } from './kws-plan';
import { activePart, type Utterance } from './utterance';

/**
 * One training clip from its plan (thesis §3 data augmentation; Speech Commands-style
 * 1 s clips): the word's active part at `levelDbfs`, centred and shifted by `shiftMs`,
 * plus background noise at `snrDb` below the speech, then peak safety. `rng` is the clip's
 * own background generator, so the result depends only on the plan and the render.
 */
export function makeSpeechClip(
  plan: SpeechClipPlan,
  utterance: Utterance,
  bank: BackgroundBank,
  clipSamples: number,
  sampleRate: number,
  rng: Prng,
  neighbour?: Utterance,
  augment?: ClipAugment,
): Float32Array {
  const { speech, speechPower, gain } = placeSpeech(plan, utterance, clipSamples, sampleRate, neighbour);
  const noise = bank.generate(plan.background, clipSamples, rng);
  // SNR against the active speech power (gain² · P_word = 10^(level/10)), not the clip's.
  // With augment the speech is that of a talker at the room's reference distance, so
  // level and SNR keep their meaning and the room adds distance, tail and colour.
  const talker = augment ? augment.speech(speech) : speech;
  const { mix } = mixAtSnr(talker, noise, plan.snrDb, speechPower * gain * gain);
  const heard = augment ? augment.channel(mix) : mix;
  applyPeakSafety(heard);
  return heard;
}

/**
 * The speech of a clip before background and augmentation: the word's active part at
 * `levelDbfs`, centred and shifted by `shiftMs` (or placed stream-style, with its neighbour
 * word), in a buffer of `clipSamples`. Also the word's power and gain, which set the SNR.
 */
export function placeSpeech(
  plan: SpeechClipPlan,
  utterance: Utterance,
  clipSamples: number,
  sampleRate: number,
  neighbour?: Utterance,
): { speech: Float32Array; speechPower: number; gain: number } {
  const word = activePart(utterance);
  const speechPower = meanPower(word);
  const gain = gainForDbfs(speechPower, plan.levelDbfs);
  const speech = new Float32Array(clipSamples);
  let start: number;
  if (plan.streamStyle) {
    start = streamStyleStart(plan.streamStyle, word.length, clipSamples, sampleRate);
  } else {
    const shift = Math.round((plan.shiftMs / 1000) * sampleRate);
    start = Math.floor((clipSamples - word.length) / 2) + shift;
    // Keep the whole word inside the clip when it fits; a word longer than the clip stays
    // centred and loses its edges (only for very slow speech or a short clipMs).
    if (word.length <= clipSamples) start = Math.min(Math.max(start, 0), clipSamples - word.length);
    else start = Math.floor((clipSamples - word.length) / 2);
  }
  overlay(speech, word, start, gain);
  const n = plan.streamStyle?.neighbour;
  if (n) {
    if (!neighbour) throw new Error(`makeSpeechClip: ${plan.relPath} plans a neighbour word but none was rendered`);
    const other = activePart(neighbour);
    const gap = Math.round((n.gapMs / 1000) * sampleRate);
    // On the side with more room: after the word if it starts in the first half, else before.
    const at = start + word.length / 2 < clipSamples / 2 ? start + word.length + gap : start - gap - other.length;
    overlay(speech, other, at, gainForDbfs(meanPower(other), n.levelDbfs));
  }
  return { speech, speechPower, gain };
}

/**
 * First sample of a stream-style word: `position` ∈ [0, 1) spreads it between the earliest
 * start that keeps min(minInsideMs, word) of it inside the clip (cut at the left edge) and
 * the latest (cut at the right edge), so every window offset a stream produces is covered.
 */
export function streamStyleStart(
  s: NonNullable<SpeechClipPlan['streamStyle']>,
  wordSamples: number,
  clipSamples: number,
  sampleRate: number,
): number {
  const inside = Math.min(wordSamples, clipSamples, Math.round((s.minInsideMs / 1000) * sampleRate));
  const lo = inside - wordSamples;
  const hi = clipSamples - inside;
  return lo + Math.floor(s.position * (hi - lo + 1));
}

/** A `_silence_` clip: a background alone at `levelDbfs`. */
export function makeSilenceClip(
  plan: SilenceClipPlan,
  bank: BackgroundBank,
  clipSamples: number,
  rng: Prng,
  augment?: ClipAugment,
): Float32Array {
  const background = gainToDbfs(bank.generate(plan.background, clipSamples, rng), plan.levelDbfs);
  // The channel colours the background alone too, so channel artefacts do not signal speech.
  const clip = augment ? augment.channel(background) : background;
  applyPeakSafety(clip);
  return clip;
}
