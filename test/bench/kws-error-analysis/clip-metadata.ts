import type { EffectRng, KwsAugmenter } from '../../../src/synth/kws-augment';
import type { ClipPlan } from '../../../src/synth/kws-plan';
import type { Utterance } from '../../../src/synth/utterance';

/**
 * Everything the generator decided about one clip, recovered without its audio: the plan
 * (src/synth/kws-plan.ts) and the augmentation draws, asked of the same per-effect generators
 * through KwsAugmenter.speechDraws / .channelDraws (src/synth/kws-augment.ts), the draws the clip
 * was made with; the analysis also checks itself by remaking clips (remake.ts) and comparing
 * with the stored WAVs.
 */

export interface AugmentDraws {
  formant?: number;
  vtlp?: number;
  room?: { k: number; rt60: number; distanceM: number };
  mic?: { highPassHz: number; lowPassHz: number; mems: boolean };
  agc?: { targetDbfs: number; maxGainDb: number };
  clipping?: { kind: 'soft' | 'hard'; depthDb: number };
  codec?: string;
}

/**
 * The draws KwsAugmenter makes for one clip (speech effects only for speech clips), from its
 * own speechDraws / channelDraws (the record synth-kws writes to sources.json), in this
 * analysis' flatter shape.
 */
export function replayAugment(augmenter: KwsAugmenter, rng: EffectRng, speech: boolean): AugmentDraws {
  const s = speech ? augmenter.speechDraws(rng) : {};
  const c = augmenter.channelDraws(rng);
  const out: AugmentDraws = {};
  if (s.formantShift !== undefined) out.formant = s.formantShift;
  if (s.vtlpWarp !== undefined) out.vtlp = s.vtlpWarp;
  if (s.room !== undefined) {
    const { room } = augmenter.room(s.room);
    out.room = { k: s.room, rt60: room.rt60, distanceM: Math.hypot(...room.source.map((x, i) => x - room.mic[i]!)) };
  }
  if (c.mic) out.mic = { highPassHz: c.mic.highPassHz, lowPassHz: c.mic.lowPassHz, mems: c.mic.mems !== undefined };
  if (c.agc) out.agc = { targetDbfs: c.agc.targetDbfs, maxGainDb: c.agc.maxGainDb };
  if (c.clipping) out.clipping = { kind: c.clipping.kind, depthDb: c.clipping.depthDb };
  if (c.codec) out.codec = c.codec.kind;
  return out;
}

/** Where the word lands in the clip, in ms, and how much of it lies outside. */
export interface Placement {
  /** Active part of the render (activity.ts, −40 dB re peak), ms. */
  wordMs: number;
  /** Word start and end in the clip, ms (may lie outside [0, clipMs]). */
  startMs: number;
  endMs: number;
  /** Milliseconds of the active word outside the clip. */
  cutMs: number;
  /** Render energy (dB re the active part's) outside the −40 dB extent: what activity.ts dropped. */
  droppedTailDb: number;
  droppedHeadDb: number;
}

/** Energy of x[a, b) relative to the energy of x[c, d), dB (−Infinity when none). */
function relEnergyDb(x: Float32Array, a: number, b: number, c: number, d: number): number {
  let e = 0;
  for (let i = a; i < b; i++) e += x[i]! * x[i]!;
  let r = 0;
  for (let i = c; i < d; i++) r += x[i]! * x[i]!;
  return e > 0 && r > 0 ? 10 * Math.log10(e / r) : -Infinity;
}

/** The placement makeSpeechClip (src/synth/kws-clip.ts) gives `plan`'s word. */
export function placement(
  plan: ClipPlan,
  utterance: Utterance,
  clipSamples: number,
  sr: number,
  startOf: (wordSamples: number) => number,
): Placement {
  const { start: a, end: b } = utterance.extent;
  const len = b - a;
  const start = startOf(len);
  const cut = Math.max(0, -start) + Math.max(0, start + len - clipSamples);
  void plan;
  return {
    wordMs: (1000 * len) / sr,
    startMs: (1000 * start) / sr,
    endMs: (1000 * (start + len)) / sr,
    cutMs: (1000 * Math.min(cut, len)) / sr,
    droppedHeadDb: relEnergyDb(utterance.samples, 0, a, a, b),
    droppedTailDb: relEnergyDb(utterance.samples, b, utterance.samples.length, a, b),
  };
}
