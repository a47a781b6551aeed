import type { AugmentConfig } from '../../../src/synth/augment-config';
import type { EffectRng, KwsAugmenter } from '../../../src/synth/kws-augment';
import type { ClipPlan } from '../../../src/synth/kws-plan';
import type { Utterance } from '../../../src/synth/utterance';
import { pickWeighted } from '../../../src/synth/rng-for';

/**
 * Everything the generator decided about one clip, recovered without its audio: the plan
 * (src/synth/kws-plan.ts) and the augmentation draws, replayed from the same per-effect
 * generators in the same order as KwsAugmenter.speech / .channel (src/synth/kws-augment.ts).
 * If those methods change their draw order this replay must change with them; the analysis
 * checks itself by remaking clips (remake.ts) and comparing with the stored WAVs.
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

/** The draws KwsAugmenter makes for one clip (speech effects only for speech clips). */
export function replayAugment(
  config: AugmentConfig,
  augmenter: KwsAugmenter,
  rng: EffectRng,
  speech: boolean,
): AugmentDraws {
  const out: AugmentDraws = {};
  const u = (r: ReturnType<EffectRng>, range: readonly [number, number]): number => r.uniform(range[0], range[1]);
  if (speech) {
    if (config.formant) {
      const r = rng('formant');
      if (r.next() < config.formant.probability) out.formant = u(r, config.formant.shift);
    }
    if (config.vtlp) {
      const r = rng('vtlp');
      if (r.next() < config.vtlp.probability) out.vtlp = u(r, config.vtlp.warp);
    }
    if (config.room) {
      const r = rng('room');
      if (r.next() < config.room.probability) {
        const k = r.int(0, config.room.rooms - 1);
        const { room } = augmenter.room(k);
        const d = Math.hypot(...room.source.map((s, i) => s - room.mic[i]!));
        out.room = { k, rt60: room.rt60, distanceM: d };
      }
    }
  }
  if (config.mic) {
    const r = rng('mic');
    if (r.next() < config.mic.probability) {
      const highPassHz = u(r, config.mic.highPassHz);
      const lowPassHz = u(r, config.mic.lowPassHz);
      out.mic = { highPassHz, lowPassHz, mems: r.next() < config.mic.memsProbability };
    }
  }
  if (config.agc) {
    const r = rng('agc');
    if (r.next() < config.agc.probability) {
      out.agc = { targetDbfs: u(r, config.agc.targetDbfs), maxGainDb: u(r, config.agc.maxGainDb) };
    }
  }
  if (config.clipping) {
    const r = rng('clipping');
    if (r.next() < config.clipping.probability) {
      const depthDb = u(r, config.clipping.depthDb);
      out.clipping = { kind: r.next() < config.clipping.softFraction ? 'soft' : 'hard', depthDb };
    }
  }
  if (config.codec) {
    const r = rng('codec');
    if (r.next() < config.codec.probability) {
      const w = config.codec.weights;
      out.codec = ['mulaw', 'alaw', 'telephone', 'quantize'][
        pickWeighted([w.mulaw, w.alaw, w.telephone, w.quantize], r)
      ]!;
    }
  }
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
