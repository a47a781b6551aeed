import { distance } from '../audio/augment/room-ir';
import type { ClipConditions } from '../eval/clip-sources';
import type { ChannelDraws, KwsAugmenter, SpeechDraws } from './kws-augment';
import type { SynthKwsConfig } from './kws-config';
import { quietSnr, type ClipPlan } from './kws-plan';
import type { RngFor } from './rng-for';

/**
 * The acoustic conditions of one synth-kws clip, for its sources.json entry (read by evaluate's
 * accuracy by condition, src/eval/condition-accuracy.ts): planned SNR, effective SNR, quiet or
 * not, background, speech level, augmentations applied and the room distance. Nothing here
 * touches audio: the plan holds SNR, level and background, `quietSnr` says whether the SNR came
 * from `quiet`, and the augmenter's `speechDraws` / `channelDraws` ask the clip's per-effect
 * generators exactly what making the clip asks them (src/synth/kws-augment.ts), so the record
 * is that of the stored WAV.
 *
 * Effective SNR: makeSpeechClip mixes the noise at `snrDb` against the speech of a talker at the
 * room's reference distance (src/synth/kws-clip.ts), then the room moves the talker to its drawn
 * distance d, where the direct sound is 20·log10(d / referenceM) dB weaker (1/r law; reverberant
 * energy not counted). So effective SNR = snrDb − 20·log10(d / referenceM) for a clip in a room,
 * snrDb otherwise — the definition of the error-analysis bench
 * (docs/results/2026-12-04-kws-error-analysis.md, referenceM = 1 m there). Channel effects (mic
 * band limits, AGC, clipping, codec) act on speech and noise together and are listed, not
 * counted.
 */

/** Values in sources.json are rounded to this many decimals (0.01 dB, 1 cm): the file stays small. */
const DECIMALS = 2;
const round = (x: number): number => Math.round(x * 10 ** DECIMALS) / 10 ** DECIMALS;

/** `pink`, `recorded:crowd`, `file:noise.wav`: a background entry as a table row names it. */
export function backgroundName(b: SynthKwsConfig['backgrounds'][number]): string {
  if (b.type === 'recorded' && b.set !== undefined) return `recorded:${b.set}`;
  if (b.type === 'file' && b.path !== undefined) return `file:${b.path.slice(b.path.lastIndexOf('/') + 1)}`;
  return b.type;
}

export function clipConditions(
  plan: ClipPlan,
  config: SynthKwsConfig,
  rngFor: RngFor,
  augmenter: KwsAugmenter | undefined,
): ClipConditions {
  const quiet = quietSnr(config, rngFor, plan.label, plan.index) !== undefined;
  const background = backgroundName(config.backgrounds[plan.background]!);
  const effect = (e: string) => rngFor('clip', plan.label, plan.index, 'augment', e);
  const speech: SpeechDraws = plan.kind === 'speech' && augmenter ? augmenter.speechDraws(effect, plan.split) : {};
  const channel: ChannelDraws = augmenter ? augmenter.channelDraws(effect) : {};
  // In chain order: speech effects, then channel effects (kws-augment.ts).
  const augment = [
    ...(speech.talkerRateHz !== undefined ? [`talkerRate:${speech.talkerRateHz}`] : []),
    ...(speech.formantShift !== undefined ? ['formant'] : []),
    ...(speech.vtlpWarp !== undefined ? ['vtlp'] : []),
    ...(speech.room !== undefined ? ['room'] : []),
    ...(channel.mic ? ['mic'] : []),
    ...(channel.agc ? ['agc'] : []),
    ...(channel.clipping ? ['clipping'] : []),
    ...(channel.codec ? [`codec:${channel.codec.kind}`] : []),
  ];
  const base = { quiet, background, levelDbfs: round(plan.levelDbfs), augment };
  if (plan.kind !== 'speech') return base;
  let roomDistanceM: number | undefined;
  let attenuationDb = 0;
  if (speech.room !== undefined && augmenter) {
    const room = augmenter.roomShape(speech.room);
    roomDistanceM = distance(room.source, room.mic);
    attenuationDb = 20 * Math.log10(roomDistanceM / augmenter.config.room!.referenceM);
  }
  return {
    snrDb: round(plan.snrDb),
    effectiveSnrDb: round(plan.snrDb - attenuationDb),
    ...base,
    ...(roomDistanceM !== undefined ? { roomDistanceM: round(roomDistanceM) } : {}),
  };
}
