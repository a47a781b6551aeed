import { augmentConfigSchema } from '../../../src/synth/augment-config';
import { KwsAugmenter, type SpeechDraws } from '../../../src/synth/kws-augment';
import type { Split } from '../../../src/synth/kws-plan';
import { rngForSeed } from '../../../src/synth/rng-for';

/**
 * `trainProbability` of the vocal-tract effects (vtlp, formant): train clips get the effect
 * at their own rate; validation, test and stream utterances draw exactly as without it.
 */

const SR = 16000;
const rngFor = rngForSeed(13, 'data');
const CLIPS = Array.from({ length: 400 }, (_, k) => k);

function draws(config: object, split: Split | undefined): SpeechDraws[] {
  const augmenter = new KwsAugmenter(augmentConfigSchema.parse(config), SR, rngFor);
  return CLIPS.map((k) => augmenter.speechDraws((e) => rngFor('clip', 'yes', k, 'augment', e), split));
}

const PLAIN = { vtlp: { probability: 0.3 }, formant: { probability: 0.2 }, room: { probability: 0.5, rooms: 4 } };
const TRAIN_MORE = {
  ...PLAIN,
  vtlp: { probability: 0.3, trainProbability: 0.8 },
  formant: { probability: 0.2, trainProbability: 0.6 },
};

describe('augment vtlp / formant trainProbability', () => {
  it('leaves validation, test and stream draws as without it', () => {
    for (const split of ['validation', 'test', undefined] as const)
      expect(draws(TRAIN_MORE, split)).toEqual(draws(PLAIN, split));
  });

  it('gives train clips the effect at about trainProbability; the clips that had it keep their values', () => {
    const plain = draws(PLAIN, 'train');
    const more = draws(TRAIN_MORE, 'train');
    const share = (d: SpeechDraws[], key: 'vtlpWarp' | 'formantShift') =>
      d.filter((x) => x[key] !== undefined).length / d.length;
    expect(share(more, 'vtlpWarp')).toBeGreaterThan(0.72);
    expect(share(more, 'vtlpWarp')).toBeLessThan(0.88);
    expect(share(more, 'formantShift')).toBeGreaterThan(0.52);
    expect(share(more, 'formantShift')).toBeLessThan(0.68);
    expect(share(plain, 'vtlpWarp')).toBeLessThan(0.38);
    plain.forEach((d, k) => {
      if (d.vtlpWarp !== undefined) expect(more[k]!.vtlpWarp).toBe(d.vtlpWarp);
      if (d.formantShift !== undefined) expect(more[k]!.formantShift).toBe(d.formantShift);
      expect(more[k]!.room).toBe(d.room);
    });
    expect(draws(TRAIN_MORE, 'train')).toEqual(more);
  });

  it('trainProbability equal to probability changes nothing; out of [0, 1] is rejected', () => {
    const same = { ...PLAIN, vtlp: { probability: 0.3, trainProbability: 0.3 } };
    expect(draws(same, 'train')).toEqual(draws(PLAIN, 'train'));
    expect(augmentConfigSchema.safeParse({ vtlp: { trainProbability: 1.5 } }).success).toBe(false);
  });
});
