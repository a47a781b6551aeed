import { overlay } from '../../../src/audio/mix';
import { backgroundName, clipConditions } from '../../../src/synth/clip-conditions';
import { KwsAugmenter } from '../../../src/synth/kws-augment';
import { synthKwsConfigSchema, type SynthKwsConfigInput } from '../../../src/synth/kws-config';
import { planClips, quietSnr, SILENCE_LABEL } from '../../../src/synth/kws-plan';
import { rngForSeed } from '../../../src/synth/rng-for';
import { speechLike } from '../dsp/signals';

/**
 * The acoustic conditions synth-kws records per clip (src/synth/clip-conditions.ts), checked
 * against the plan and against what the augmenter does to audio with the same generators.
 */

const SR = 16000;
const BASE: SynthKwsConfigInput = {
  keywords: ['yes', 'no'],
  perKeyword: 20,
  negatives: ['bed', 'bird'],
  voices: ['en-us', 'en-gb+m3'],
  testVoices: ['en-gb-scotland+f3'],
  backgrounds: [{ type: 'white' }, { type: 'pink' }, { type: 'recorded', set: 'crowd' }],
};
const config = (over: SynthKwsConfigInput = {}) => synthKwsConfigSchema.parse({ ...BASE, ...over });
const rngFor = rngForSeed(9, 'data');
const word = Float32Array.from(speechLike('conditions', 8000).float);
const speech = new Float32Array(SR);
overlay(speech, word, 4000, 0.3);
const bytes = (x: Float32Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

describe('clipConditions', () => {
  it('records the planned SNR, quiet clips, the background by name and the level; silence has no SNR', () => {
    const c = config({ quiet: { fraction: 0.3 } });
    const plans = planClips(c, rngFor);
    const all = plans.map((p) => ({ p, k: clipConditions(p, c, rngFor, undefined) }));
    for (const { p, k } of all) {
      expect(k.quiet).toBe(quietSnr(c, rngFor, p.label, p.index) !== undefined);
      expect(k.background).toBe(backgroundName(c.backgrounds[p.background]!));
      expect(k.levelDbfs).toBeCloseTo(p.levelDbfs, 2);
      expect(k.augment).toEqual([]);
      if (p.kind === 'speech') {
        expect(k.snrDb).toBeCloseTo(p.snrDb, 2);
        expect(k.effectiveSnrDb).toBe(k.snrDb); // no room: nothing between talker and mic
        // Quiet SNRs come from [30, 70], regular ones from [5, 30].
        expect(k.quiet).toBe(p.snrDb > 30);
      } else {
        expect(p.label).toBe(SILENCE_LABEL);
        expect(k).not.toHaveProperty('snrDb');
        expect(k).not.toHaveProperty('effectiveSnrDb');
      }
    }
    expect(all.filter(({ k }) => k.quiet).length).toBeGreaterThan(0);
    expect(new Set(all.map(({ k }) => k.background))).toEqual(new Set(['white', 'pink', 'recorded:crowd']));
  });

  it('subtracts the room distance attenuation, 20·log10(d / referenceM), from the SNR', () => {
    const c = config({ augment: { room: { probability: 1, rooms: 3, distanceM: [1, 1], referenceM: 0.5 } } });
    const augmenter = new KwsAugmenter(c.augment!, SR, rngFor);
    for (const p of planClips(c, rngFor)) {
      const k = clipConditions(p, c, rngFor, augmenter);
      if (p.kind !== 'speech') {
        expect(k.augment).toEqual([]); // a room is a speech effect: background-only clips have none
        continue;
      }
      expect(k.augment).toEqual(['room']);
      // The room shrinks a distance only when none fits; 1 m fits rooms of 2.4 m and more.
      expect(k.roomDistanceM).toBeCloseTo(1, 2);
      expect(k.effectiveSnrDb!).toBeCloseTo(p.snrDb - 20 * Math.log10(1 / 0.5), 1); // 6.02 dB
    }
  });

  it('lists exactly the effects the augmenter applies to the clip (same generators)', () => {
    const c = config({
      augment: { room: { probability: 0.5, rooms: 2 }, vtlp: { probability: 0.5 }, mic: { probability: 0.5 } },
    });
    const augmenter = new KwsAugmenter(c.augment!, SR, rngFor);
    const counts = { room: 0, vtlp: 0, mic: 0, none: 0 };
    for (const p of planClips(c, rngFor).filter((q) => q.kind === 'speech')) {
      const k = clipConditions(p, c, rngFor, augmenter);
      const effect = (e: string) => rngFor('clip', p.label, p.index, 'augment', e);
      const speechChanged = !bytes(augmenter.speech(speech, effect)).equals(bytes(speech));
      const channelChanged = !bytes(augmenter.channel(speech, effect)).equals(bytes(speech));
      expect([speechChanged, channelChanged]).toEqual([
        k.augment.includes('room') || k.augment.includes('vtlp'),
        k.augment.includes('mic'),
      ]);
      for (const e of ['room', 'vtlp', 'mic'] as const) if (k.augment.includes(e)) counts[e]++;
      if (k.augment.length === 0) counts.none++;
      expect(k.roomDistanceM !== undefined).toBe(k.augment.includes('room'));
    }
    // About half of the clips get each effect: both branches above were exercised.
    for (const n of Object.values(counts)) expect(n).toBeGreaterThan(0);
  });

  it('names recorded and file backgrounds by set and file name', () => {
    expect(backgroundName({ type: 'recorded', set: 'engines', weight: 1, humHz: 50 })).toBe('recorded:engines');
    expect(backgroundName({ type: 'file', path: 'noise/cafe.wav', weight: 1, humHz: 50 })).toBe('file:cafe.wav');
    expect(backgroundName({ type: 'babble', weight: 2, humHz: 50 })).toBe('babble');
  });
});
